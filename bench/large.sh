#!/usr/bin/env bash
# Growth: `score` and `train --model boosting` on 1M, 5M and 20M sample customers — time and
# peak memory of the whole process — the 20M runs held to 2 GiB of memory (a cgroup when this
# runs as root on cgroup v1 or v2, else only MW_MEMORY_LIMIT=2G, which the app reads as its
# limit); a text table of 256 MB or more is scored in pieces, and one that doesn't fit is
# trained on a sample. The table and a chart (bench/large.png) go into BENCHMARKS.md (`large`).
#
#   bench/large.sh                   1M, 5M and 20M rows (about 2 GB of CSV in WORK)
#   SIZES="1000000 5000000" bench/large.sh
#
# Settings: SIZES, WORK (target/bench), PYTHON (python3, for the venv).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

SIZES=${SIZES:-"1000000 5000000 20000000"}
WORK=${WORK:-target/bench}
mkdir -p "$WORK/large"
build_release
venv_with large bench/requirements-large.txt

# A 2 GiB cgroup for the runs that must stay under it.
cg=""
if [[ $(id -u) == 0 ]]; then
  own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup | head -1)
  if [[ -n $own && -d /sys/fs/cgroup/memory ]]; then
    cg=/sys/fs/cgroup/memory$own/mw-large-$$
    mkdir -p "$cg" && echo $((2 << 30)) >"$cg/memory.limit_in_bytes" || cg=""
  elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
    cg=/sys/fs/cgroup$own/mw-large-$$
    mkdir -p "$cg" && echo $((2 << 30)) >"$cg/memory.max" || cg=""
  fi
fi
if [[ -n $cg ]]; then
  trap 'rmdir "$cg" 2>/dev/null || true' EXIT
  log "2 GiB cgroup: $cg"
fi

"$venv/bin/python" bench/large.py --bin "$bin" --work "$WORK/large" --sizes $SIZES \
  --cgroup "$cg" --command "$( [[ $SIZES == "1000000 5000000 20000000" ]] && echo bench/large.sh || echo "SIZES=\"$SIZES\" bench/large.sh")"
