#!/usr/bin/env bash
# tests/clients/run.sh - the Python clients people use against an Open
# Inference Protocol server (tritonclient HTTP and gRPC, kserve REST v1/v2
# and gRPC), at their default settings, against a live build/ludwig-infer
# serve on loopback; outputs compared with testdata/golden. tritonclient and
# kserve run in separate processes (both register the protocol's proto names).
#
# The venv is created on first use (pins: requirements.txt + constraints.txt)
# at $LI_CLIENTS_VENV (default $HOME/.cache/ludwig-infer/clients-venv) and
# rebuilt when either file changes. Needs PyPI the first time.
# Exit status: 0 every test passed; 1 a test failed; 2 setup failed or no test ran.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
VENV=${LI_CLIENTS_VENV:-$HOME/.cache/ludwig-infer/clients-venv}
PY=${LI_CLIENTS_PYTHON:-$(command -v python3.11 || command -v python3)}
log() { echo "clients: $*" >&2; }

stamp=$(cat "$HERE/requirements.txt" "$HERE/constraints.txt" | sha256sum | cut -c1-16)
if [ "$(cat "$VENV/.li-stamp" 2>/dev/null)" != "$stamp" ]; then
  log "creating $VENV (tritonclient, kserve; about a minute)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || { log "cannot create a venv with $PY (apt-get install python3-venv)"; exit 2; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" -c "$HERE/constraints.txt" ||
    { log "pip install failed"; exit 2; }
  echo "$stamp" > "$VENV/.li-stamp"
fi
[ -x "$ROOT/build/ludwig-infer" ] || { log "build/ludwig-infer is missing: run ./build.sh first"; exit 2; }

status=0
for suite in test_tritonclient.py test_kserve.py; do
  log "$suite"
  set +e
  (cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$suite")
  rc=$?
  set -e
  case $rc in
    0) ;;
    5) log "$suite: no test ran"; status=2 ;;
    1) status=$(( status > 1 ? status : 1 )) ;;
    *) log "$suite: pytest exited with $rc"; status=2 ;;
  esac
done
exit $status
