#!/usr/bin/env bash
# Load + profile a 1M-row × 25-column customer file, three times, in a release build.
#   bench/profile.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build_release --example bench_profile
work=${BENCH_DIR:-target/bench}
mkdir -p "$work"
if [[ ! -f $work/customers_1m_25.csv ]]; then
  [[ -s $work/customers_1m_seed1.csv ]] ||
    "$bin" sample --rows 1000000 --seed 1 --out "$work/customers_1m_seed1.csv"
  # 25 columns: the sample's 17 plus copies of 8 numeric ones.
  python3 - "$work/customers_1m_seed1.csv" "$work/customers_1m_25.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as src, open(sys.argv[2], "w", newline="") as dst:
    r, w = csv.reader(src), csv.writer(dst)
    h = next(r)
    extra = [5, 6, 7, 8, 9, 10, 11, 12]
    w.writerow(h + [h[i] + "_copy" for i in extra])
    for row in r:
        w.writerow(row + [row[i] for i in extra])
PY
fi
for _ in 1 2 3; do
  "$examples/bench_profile" "$work/customers_1m_25.csv"
done
