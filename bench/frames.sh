#!/usr/bin/env bash
# GUI frame times with a million customers loaded: the app runs its own script
# (`--script frame-bench`: scroll the customer table, train gradient boosting with the live
# curves on screen, train k-means, show the map of every customer) in a virtual X display and
# writes p50 / p95 / max of each frame's CPU time per phase (`--frame-stats`). Writes the
# `frames` section of BENCHMARKS.md.
#
#   bench/frames.sh [FILE]      (bench/run.sh calls it with its 1M-row file)
#
# Needs Xvfb (installed from Debian's packages when missing). Environment: WORK
# (target/bench), VENV ($WORK/venv), bin (our binary; built when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

WORK=${WORK:-target/bench}
file=${1:-$WORK/customers_1m.csv}
if [[ -z ${bin:-} ]]; then
  build_release
fi
ensure_venv
if [[ ! -s $file ]]; then
  log "marketing-workbench sample --rows 1000000 --seed 7 --out $file"
  "$bin" sample --rows 1000000 --seed 7 --out "$file"
fi
if ! command -v Xvfb >/dev/null; then
  log "apt-get install xvfb"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq xvfb >/dev/null
fi

display=
for n in $(seq 70 99); do
  if [[ ! -e /tmp/.X$n-lock ]]; then display=:$n; break; fi
done
[[ -n $display ]] || { log "no free X display"; exit 1; }
Xvfb "$display" -screen 0 1400x900x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1

stats=$WORK/frames.json
rm -f "$stats"
log "marketing-workbench --frame-stats $stats --script frame-bench open $file (display $display)"
# A fresh data folder: no autosaved session to offer back, nothing of the user's touched.
DISPLAY=$display XDG_DATA_HOME=$WORK/xdg-data timeout "${TIMEOUT:-1800}" \
  "$bin" --frame-stats "$stats" --script frame-bench open "$file"

"$VENV/bin/python" - "$stats" "$file" <<'PY'
import json, sys
sys.path.insert(0, "bench")
from benchmd import machine, replace_section, today

stats, data = json.load(open(sys.argv[1])), sys.argv[2]
rows = sum(1 for _ in open(data)) - 1
lines = [
    f"## GUI frame times, {rows:,} customers loaded ({today()})",
    "",
    f"Machine: {machine()}. No GPU: the window is drawn by Mesa's software renderer in Xvfb.",
    "",
    "`bench/frames.sh` runs `marketing-workbench --frame-stats FILE --script frame-bench open DATA`:",
    "the app loads the file, then by itself scrolls the customer table ~97 rows a frame, trains",
    "gradient boosting on `responded` with the Train panel's live curves on screen, trains k-means",
    "(k = 8), and shows the customer map of every customer. *app* is the app's own work per frame",
    "(reading workers' events, applying commands, laying out the panels); *frame* is eframe's CPU",
    "time for the whole frame, painting included (here a software rasteriser). Targets: p95 <= 8 ms",
    "and no frame over 33 ms.",
    "",
    "| phase | frames | app p50 / p95 / max ms | frame p50 / p95 / max ms | p95 <= 8 ms | max <= 33 ms |",
    "|---|---:|---|---|---|---|",
]
def fmt(d):
    return "-" if not d else f"{d['p50']:.2f} / {d['p95']:.2f} / {d['max']:.2f}"
def ok(d, key, limit):
    return "-" if not d else ("yes" if d[key] <= limit else "NO")
for p in stats["phases"]:
    if p["phase"] == "start":
        continue
    app, frame = p["ui_ms"], p["frame_ms"]
    lines.append(
        f"| {p['phase']} | {p['frames']} | {fmt(app)} | {fmt(frame)} "
        f"| app {ok(app, 'p95', 8)}, frame {ok(frame, 'p95', 8)} "
        f"| app {ok(app, 'max', 33)}, frame {ok(frame, 'max', 33)} |"
    )
replace_section("BENCHMARKS.md", "frames", "\n".join(lines))
print("\n".join(lines))
PY
