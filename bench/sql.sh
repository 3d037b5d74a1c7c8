#!/usr/bin/env bash
# Scoring where the data lives: a 100-round boosting model scoring ROWS customers with the app's
# `score`, as the SQL `export-model` writes, run inside DuckDB and PostgreSQL (the table already
# in the engine, as in a warehouse), and as the LightGBM file it writes, scored by LightGBM; each
# compared row by row with the app's. Also reading the customers from PostgreSQL against the CSV
# file. The table goes into BENCHMARKS.md (the `sql` section).
#
#   bench/sql.sh                      1,000,000 customers, 3 runs each
#   REPS=1 ROWS=100000 bench/sql.sh   a quick check
#
# Settings: REPS (3), ROWS (1000000), WORK (target/bench), PYTHON (python3, for the venv),
# PGHOST/PGUSER/PGDATABASE (a server to use; without PGHOST a throwaway cluster is started on a
# socket in a temp dir, which needs Debian's postgresql package and root).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-3}
ROWS=${ROWS:-1000000}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release --example bench_lightgbm_features

venv_with sql tests/data/requirements.txt

if [[ -z ${PGHOST:-} ]]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  pg_dir=$(mktemp -d /tmp/mw-bench-postgres.XXXXXX)
  chown postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses='' -k $pg_dir" start >/dev/null
  trap 'runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
  export PGHOST="$pg_dir" PGUSER=postgres PGDATABASE=postgres
fi

data=$WORK/customers_sql_${ROWS}.csv
if [[ ! -s $data ]]; then
  log "sample --rows $ROWS --seed 7"
  "$bin" sample --rows "$ROWS" --seed 7 --out "$data"
fi

"$venv/bin/python" bench/sql_ref.py --bin "$bin" --data "$data" --work "$WORK/sql" --reps "$REPS" \
  --features-bin "$examples/bench_lightgbm_features" \
  --command "$( [[ $REPS == 3 && $ROWS == 1000000 ]] && echo bench/sql.sh || echo "REPS=$REPS ROWS=$ROWS bench/sql.sh")"
