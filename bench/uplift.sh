#!/usr/bin/env bash
# Issue 14's benchmark, side by side: two-model boosting against scikit-uplift's TwoModels with
# two LightGBM models, and the uplift forest against CausalML's UpliftRandomForestClassifier
# (the same settings), on the experiment sample: trained on the first 70% of the rows, applied
# to the last 30%, whole processes; the Qini coefficient of each side's uplift on the same
# held-out rows (scikit-uplift's qini_auc_score). The table goes into BENCHMARKS.md.
#
#   bench/uplift.sh                         1,000,000 rows, 3 runs each
#   REPS=1 ROWS=100000 bench/uplift.sh      a quick check
#
# Settings: REPS (3), ROWS (1000000), WORK (target/bench), PYTHON (python3, for the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-3}
ROWS=${ROWS:-1000000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release

venv_with uplift bench/requirements-uplift.txt

data=$WORK/experiment_${ROWS}.csv
if [[ ! -s $data ]]; then
  log "marketing-workbench sample --rows $ROWS --seed 7 --experiment --out $data"
  "$bin" sample --rows "$ROWS" --seed 7 --experiment --out "$data"
fi

"$venv/bin/python" bench/uplift.py --bin "$bin" --python "$venv/bin/python" --data "$data" \
  --work "$WORK/uplift" --reps "$REPS" \
  --command "$( [[ $REPS == 3 && $ROWS == 1000000 ]] && echo bench/uplift.sh || echo "REPS=$REPS ROWS=$ROWS bench/uplift.sh")"
