#!/usr/bin/env bash
# The side-by-side benchmark of issue 6, from a fresh checkout: Marketing Workbench against
# Python polars, scikit-learn and LightGBM on the same files, on this machine, in one run.
#
#   bench/run.sh                      1M rows, 3 runs of each side, then the real tables
#   ROWS=50000 REPS=2 bench/run.sh    a quick check of the whole chain
#
# 1. builds the release binary and the examples bench_recipe and bench_export;
# 2. makes $WORK/customers_1m.csv with `marketing-workbench sample --rows $ROWS --seed 7` (every
#    job reads it: the forest and the MLP read its first fifth until 2026-12-07, when a 24 MB
#    table measured the process's own 33 MB more than the job);
# 3. makes a venv ($WORK/venv) with the pinned bench/requirements.txt;
# 4. bench/run.py times each job as whole processes, ours and the reference alternately, and
#    writes the table into BENCHMARKS.md (the `bench` section);
# 5. bench/real_tables.sh: accuracy on ISLP's tables (the `real` section); REAL=0 skips it;
# 6. bench/frames.sh: the app's frame times with the big file loaded, run by its own script in
#    Xvfb (the `frames` section); FRAMES=0 skips it.
#
# Settings (environment): ROWS (1000000), REPS (3), WORK (target/bench),
# VENV ($WORK/venv), PYTHON (python3, for the venv), ONLY (comma-separated jobs: profile,
# recipe, logistic, forest, boosting, kmeans, mlp, score, export; the table is printed, not
# written into BENCHMARKS.md), TIMEOUT (7200 s per process), REAL (1). Delete $WORK to start
# afresh; the data is made once per size.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

ROWS=${ROWS:-1000000}
REPS=${REPS:-3}
WORK=${WORK:-target/bench}
REAL=${REAL:-1}

# The command as given, for the record: the settings that differ from the defaults.
settings=""
[[ $ROWS == 1000000 ]] || settings+="ROWS=$ROWS "
[[ $REPS == 3 ]] || settings+="REPS=$REPS "
[[ -z ${ONLY:-} ]] || settings+="ONLY=$ONLY "
command="${settings}bench/run.sh"

build_release --example bench_recipe --example bench_export

size() { # 1000000 -> 1m, 50000 -> 50k
  if (($1 % 1000000 == 0)); then echo "$(($1 / 1000000))m"
  elif (($1 % 1000 == 0)); then echo "$(($1 / 1000))k"
  else echo "$1"; fi
}
mkdir -p "$WORK"
big=$WORK/customers_$(size "$ROWS").csv
if [[ ! -s $big ]]; then
  log "marketing-workbench sample --rows $ROWS --seed 7 --out $big"
  "$bin" sample --rows "$ROWS" --seed 7 --out "$big"
fi

ensure_venv

markdown=(--markdown BENCHMARKS.md)
[[ -z ${ONLY:-} ]] || markdown=() # a part of the table is printed, not published

"$VENV/bin/python" bench/run.py --bin "$bin" --examples "$examples" \
  --big "$big" --rows "$ROWS" \
  --work "$WORK" --reps "$REPS" --timeout "${TIMEOUT:-7200}" ${ONLY:+--only "$ONLY"} \
  "${markdown[@]}" --command "$command"

if [[ $REAL == 1 ]]; then
  bin=$bin VENV=$VENV WORK=$WORK bench/real_tables.sh
fi
if [[ ${FRAMES:-1} == 1 && -z ${ONLY:-} ]]; then
  bin=$bin VENV=$VENV WORK=$WORK bench/frames.sh "$big"
fi
