#!/usr/bin/env bash
# The exported SQL in Spark: the eleven models of tests/sql_export.rs (and rows on either side of
# every threshold of a boosting model) exported with `--dialect spark`, run by a local Spark and
# compared row by row with the app's `score`; then a 100-round boosting model timed on ROWS
# customers. The table goes into BENCHMARKS.md (the `spark` section).
#
#   bench/spark.sh                      3,000 customers checked (as tests/sql_export.rs), 200,000 timed
#   REPS=1 ROWS=100000 bench/spark.sh   a quick check
#
# Settings: REPS (1), ROWS (200000), CHECK_ROWS (3000), WORK (target/bench), PYTHON (python3,
# for the venv), MEMORY (Spark's driver memory, 8g). Needs Java 17 or later: installed from
# Debian (default-jre-headless) when `java` is missing and this runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-1}
ROWS=${ROWS:-200000}
CHECK_ROWS=${CHECK_ROWS:-3000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release

if ! command -v java >/dev/null; then
  log "apt-get install default-jre-headless (Spark needs Java)"
  apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null
fi
venv_with spark bench/requirements-spark.txt

check=$WORK/customers_spark_${CHECK_ROWS}.csv
[[ -s $check ]] || "$bin" sample --rows "$CHECK_ROWS" --seed 11 --out "$check"
big=$WORK/customers_sql_${ROWS}.csv
[[ -s $big ]] || "$bin" sample --rows "$ROWS" --seed 7 --out "$big"

"$venv/bin/python" bench/spark_ref.py --bin "$bin" --data "$check" --big "$big" --work "$WORK/spark" \
  --reps "$REPS" --memory "${MEMORY:-8g}" \
  --command "$( [[ $REPS == 1 && $ROWS == 200000 && $CHECK_ROWS == 3000 ]] && echo bench/spark.sh || echo "REPS=$REPS ROWS=$ROWS CHECK_ROWS=$CHECK_ROWS bench/spark.sh")"
