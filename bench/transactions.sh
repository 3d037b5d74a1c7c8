#!/usr/bin/env bash
# Issue 13's benchmark, side by side: lifetime value (BG/NBD + Gamma-Gamma) on the full CDNOW
# file against the Python `lifetimes` package, and itemsets + rules on a generated 1M-order
# basket file against mlxtend's fpgrowth + association_rules. Whole processes, same files,
# same answers (checked), REPS runs each, alternating; the table goes into BENCHMARKS.md.
#
#   bench/transactions.sh                 3 runs each
#   REPS=1 ORDERS=100000 bench/transactions.sh   a quick check
#
# Settings: REPS (3), ORDERS (1000000: orders in the basket file, about), WORK (target/bench),
# PYTHON (python3, for the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-3}
ORDERS=${ORDERS:-1000000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release

venv_with transactions bench/requirements-transactions.txt

master=$("$venv/bin/python" -c 'import lifetimes, os; print(os.path.join(os.path.dirname(lifetimes.__file__), "datasets", "CDNOW_master.txt"))')
# The order generator makes about 3.3 orders per customer.
customers=$(( (ORDERS * 10 + 32) / 33 ))
orders_file=$WORK/orders_${ORDERS}.csv
if [[ ! -s $orders_file ]]; then
  log "marketing-workbench sample --rows $customers --seed 7 --transactions $orders_file"
  "$bin" sample --rows "$customers" --seed 7 --out "$WORK/orders_${ORDERS}_customers.csv" --transactions "$orders_file"
fi

"$venv/bin/python" bench/transactions.py --bin "$bin" --python "$venv/bin/python" \
  --cdnow "$master" --orders "$orders_file" --work "$WORK/transactions" --reps "$REPS" \
  --command "$( [[ $REPS == 3 && $ORDERS == 1000000 ]] && echo bench/transactions.sh || echo "REPS=$REPS ORDERS=$ORDERS bench/transactions.sh")"
