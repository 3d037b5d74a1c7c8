#!/usr/bin/env bash
# The forecasting benchmark, side by side: `marketing-workbench forecast --by product --model ets`
# against statsmodels' ETSModel choosing its form by AICc per series (the candidates R's
# forecast::ets() tries on non-seasonal data: ANN, AAN, AAdN, MNN, MAN, MAdN), on generated weekly
# sales (1,000 products × 156 weeks, seeded), each trained on all but the last 13 weeks and
# forecast 13 ahead; whole processes, wall time and peak RSS; the mean over series of each side's
# RMSE, MAE, MAPE and MASE on the held-out weeks. The table goes into BENCHMARKS.md.
#
#   bench/forecast.sh                          1,000 series, 3 runs each
#   REPS=1 SERIES=50 bench/forecast.sh         a quick check
#
# The reference fits 6 forms per series with L-BFGS-B and numerical gradients, on one core: 631 s
# (0.63 s a series, 164 MB peak RSS) for one run at 1,000 series, so ~32 minutes for its 3 runs.
#
# Settings: REPS (3), SERIES (1000), WEEKS (156), TEST (13), WORK (target/bench), PYTHON (python3,
# for the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

REPS=${REPS:-3}
SERIES=${SERIES:-1000}
WEEKS=${WEEKS:-156}
TEST=${TEST:-13}
WORK=${WORK:-target/bench}
mkdir -p "$WORK"
build_release

venv_with forecast bench/requirements-forecast.txt

data=$WORK/weekly_${SERIES}x${WEEKS}.csv
if [[ ! -s $data ]]; then
  log "bench/forecast_ref.py gen --series $SERIES --weeks $WEEKS --seed 7 --out $data"
  "$venv/bin/python" bench/forecast_ref.py gen --series "$SERIES" --weeks "$WEEKS" --seed 7 --out "$data"
fi

"$venv/bin/python" bench/forecast_ref.py bench --bin "$bin" --python "$venv/bin/python" --data "$data" \
  --work "$WORK/forecast" --reps "$REPS" --test "$TEST" --weeks "$WEEKS" \
  --command "$( [[ $REPS == 3 && $SERIES == 1000 && $WEEKS == 156 && $TEST == 13 ]] && echo bench/forecast.sh ||
    echo "REPS=$REPS SERIES=$SERIES WEEKS=$WEEKS TEST=$TEST bench/forecast.sh")"
