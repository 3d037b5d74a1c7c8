#!/usr/bin/env bash
# The text benchmark, side by side: VADER sentiment of 100,000 English posts against
# vaderSentiment 3.3.2, and a TF-IDF + logistic regression classifier against scikit-learn's
# TfidfVectorizer + LogisticRegression on the same posts; whole processes, wall time and peak RSS;
# the sentiment files compared row by row, the classifiers' AUC and accuracy on held-out rows.
# The table goes into BENCHMARKS.md (the `text` section).
#
#   bench/text.sh                       100,000 posts, 3 runs each
#   REPS=1 ROWS=10000 bench/text.sh     a quick check
#
# Settings: REPS (3), ROWS (100000), WORK (target/bench), PYTHON (python3, for the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-3}
ROWS=${ROWS:-100000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release

venv_with text bench/requirements-text.txt

data=$WORK/posts_${ROWS}.csv
if [[ ! -s $data ]]; then
  log "bench/text_ref.py gen --rows $ROWS --out $data"
  "$venv/bin/python" bench/text_ref.py gen --bin "$bin" --rows "$ROWS" --out "$data"
fi

wide=$WORK/posts_wide_${ROWS}.csv
if [[ ! -s $wide ]]; then
  log "bench/text_ref.py gen-wide --rows $ROWS --out $wide"
  "$venv/bin/python" bench/text_ref.py gen-wide --rows "$ROWS" --out "$wide"
fi

"$venv/bin/python" bench/text_ref.py bench --bin "$bin" --python "$venv/bin/python" --data "$data" --wide "$wide" \
  --work "$WORK/text" --reps "$REPS" \
  --command "$( [[ $REPS == 3 && $ROWS == 100000 ]] && echo bench/text.sh || echo "REPS=$REPS ROWS=$ROWS bench/text.sh")"
