# Shared by bench/run.sh and bench/real_tables.sh (sourced, from the repository root).
#   build_release [--example NAME]...   builds the release binary (and examples); sets $bin, $examples
#   ensure_venv                         makes $VENV (default $WORK/venv) with bench/requirements.txt
#   venv_with NAME REQUIREMENTS         makes $WORK/venv-NAME with REQUIREMENTS; sets $venv

# No bench/__pycache__ in the checkout (ref_score.py imports ref_train.py).
export PYTHONDONTWRITEBYTECODE=1

log() { echo "[bench $(date +%T)] $*" >&2; }

build_release() {
  log "cargo build --release --bin marketing-workbench $*"
  cargo build --release --bin marketing-workbench "$@"
  local target_dir
  target_dir=$(cargo metadata --format-version 1 --no-deps |
    ${PYTHON:-python3} -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  bin=$target_dir/release/marketing-workbench
  examples=$target_dir/release/examples
}

ensure_venv() {
  VENV=${VENV:-$WORK/venv}
  if [[ ! -x $VENV/bin/python ]]; then
    log "creating the Python venv $VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
  fi
  # Install only when bench/requirements.txt changed since the last install into this venv.
  local want have
  want=$(sha256sum bench/requirements.txt | cut -d' ' -f1)
  have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
  if [[ $want != "$have" ]]; then
    log "pip install -r bench/requirements.txt"
    "$VENV/bin/python" -m pip install --quiet -r bench/requirements.txt
    echo "$want" >"$VENV/.requirements.sha256"
  fi
}

venv_with() {
  venv=$WORK/venv-$1
  if [[ ! -x $venv/bin/python ]]; then
    log "creating the Python venv $venv"
    "${PYTHON:-python3}" -m venv "$venv"
  fi
  # Install only when the requirements changed since the last install into this venv.
  local want
  want=$(sha256sum "$2" | cut -d' ' -f1)
  if [[ $want != "$(cat "$venv/.requirements.sha256" 2>/dev/null || true)" ]]; then
    log "pip install -r $2"
    "$venv/bin/python" -m pip install --quiet -r "$2"
    echo "$want" >"$venv/.requirements.sha256"
  fi
}
