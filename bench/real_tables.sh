#!/usr/bin/env bash
# Accuracy on tables the project has never seen: the CSVs bundled in the ISLP package (the book
# "An Introduction to Statistical Learning"), each split once into training and test rows;
# every one of our models against scikit-learn's and LightGBM's with their defaults
# (bench/compare_models.py). Writes the `real` section of BENCHMARKS.md.
#
#   bench/real_tables.sh              (bench/run.sh calls it at the end)
#
# Environment: WORK (target/bench), VENV ($WORK/venv), bin (our binary; built when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

WORK=${WORK:-target/bench}
if [[ -z ${bin:-} ]]; then
  build_release
fi
ensure_venv

data=$WORK/islp
if [[ ! -s $data/Default.csv ]]; then
  log "pip download ISLP==0.6.0 --no-deps (its data folder only)"
  "$VENV/bin/python" -m pip download --quiet ISLP==0.6.0 --no-deps -d "$WORK/wheels"
  "$VENV/bin/python" - "$WORK/wheels" "$data" <<'PY'
import glob, os, sys, zipfile
wheels, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
with zipfile.ZipFile(sorted(glob.glob(os.path.join(wheels, "[Ii][Ss][Ll][Pp]-0.6.0-*.whl")))[0]) as z:
    for name in z.namelist():
        if name.startswith("ISLP/data/") and name.endswith(".csv") and name.count("/") == 2:
            with open(os.path.join(out, os.path.basename(name)), "wb") as f:
                f.write(z.read(name))
PY
fi

log "bench/compare_models.py on $data"
"$VENV/bin/python" bench/compare_models.py --bin "$bin" --data "$data" \
  --out "$WORK/real_tables.json" --markdown BENCHMARKS.md --command bench/real_tables.sh
