#!/usr/bin/env bash
# conformance/current/run.sh - ludwig-infer against current Ludwig (0.13 and later): model folder +
# model.pt2. Also reached as `conformance/run.sh --ludwig <version> ...`.
#
#   conformance/current/run.sh [--version V]   the Ludwig release (default 0.17.10; any release with
#                                              a folder conformance/profiles/V/: 0.13.0, 0.14.1,
#                                              0.15.1, 0.16.2, 0.17.10):
#                                              venv (first run only), Ludwig side (train, save,
#                                              export with the stock command and with
#                                              python -m ludwig_infer.export, record
#                                              LudwigModel.predict; cached per case), build the
#                                              static no-libtorch ludwig-infer, compare
#   conformance/current/run.sh CASE...         only these cases (cases017.py)
#   conformance/current/run.sh --quick ...     only cases017.QUICK (11 cases, what .ci/run runs)
#   conformance/current/run.sh --retrain ...   retrain even when a case's cache is current
#   conformance/current/run.sh --timing ...    also time ludwig-infer predict (one process per call)
#   conformance/current/run.sh --cli-probe ... also run `ludwig export_model -f torch_export` and
#                                              `-f onnx` themselves on the first case
#   conformance/current/run.sh --list          list the cases
#
# Exit status: 0 all compared cases pass; 1 ludwig-infer differs or fails; 2 setup failed.
#
# Environment:
#   LI_CONFORMANCE_VENV_CURRENT  the venv (default $HOME/.cache/ludwig-infer/ludwig-V-venv); made when
#                            it lacks ludwig-V (profiles/V: requirements.txt + constraints.txt)
#   LI_CONFORMANCE_PYTHON    Python 3.12 for a new venv (default: pyenv's 3.12, else python3.12)
#   LUDWIG_INFER_CLI         the ludwig-infer to check (default: built here with CGO_ENABLED=0,
#                            no libtorch, into conformance/work-V/ludwig-infer)
#
# Outputs (gitignored): conformance/work-V/ (exports carry Ludwig's source lines).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF=$(dirname "$HERE")
ROOT=$(dirname "$CONF")
VERSION=0.17.10
RETRAIN=() TIMING=() PROBE=() CASES=() QUICK=0
while [ $# -gt 0 ]; do
  a=$1; shift
  case "$a" in
    --version) VERSION=${1:?--version needs a release}; shift ;;
    --version=*) VERSION=${a#--version=} ;;
    --retrain) RETRAIN=(--retrain) ;;
    --timing) TIMING=(--timing) ;;
    --cli-probe) PROBE=(--cli-probe) ;;
    --quick) QUICK=1 ;;
    --list) cd "$HERE" && python3 -c 'import cases017; print("\n".join(c["name"] + "\t" + c.get("note", "") for c in cases017.CASES))'; exit 0 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) CASES+=("$a") ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  [ ${#CASES[@]} -eq 0 ] || { echo "conformance: --quick takes no case names" >&2; exit 2; }
  read -r -a CASES <<< "$(cd "$HERE" && python3 -c 'import cases017; print(" ".join(cases017.QUICK))')"
fi
PROFILE=$CONF/profiles/$VERSION
VENV=${LI_CONFORMANCE_VENV_CURRENT:-$HOME/.cache/ludwig-infer/ludwig-$VERSION-venv}
WORK=$CONF/work-$VERSION
log() { echo "conformance $VERSION: $*" >&2; }
[ -f "$PROFILE/requirements.txt" ] || { log "no profile for Ludwig $VERSION (conformance/profiles/$VERSION/requirements.txt)"; exit 2; }
T0=$(date +%s)

# --- 1. the venv -------------------------------------------------------------------------
if ! ls -d "$VENV"/lib/python3.12/site-packages/ludwig-$VERSION.dist-info >/dev/null 2>&1; then
  PY=${LI_CONFORMANCE_PYTHON:-}
  if [ -z "$PY" ]; then
    for p in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 "$(command -v python3.12 || true)"; do
      [ -x "$p" ] && { PY=$p; break; }
    done
  fi
  [ -n "$PY" ] || { log "Python 3.12 not found (set LI_CONFORMANCE_PYTHON)"; exit 2; }
  log "installing Ludwig $VERSION into $VENV with $PY (about 6.6 GB, ~10 min)"
  t=$(date +%s)
  "$PY" -m venv "$VENV" || exit 2
  "$VENV/bin/pip" install -q -c "$PROFILE/constraints.txt" -r "$PROFILE/requirements.txt" || exit 2
  touch "$VENV/READY"
  log "venv installed in $(( $(date +%s) - t )) s"
fi

# --- 2. Ludwig side ------------------------------------------------------------------------
mkdir -p "$WORK"
t=$(date +%s)
nice -n 5 "$VENV/bin/python" "$HERE/ludwig_side.py" --work "$WORK" ${RETRAIN[@]+"${RETRAIN[@]}"} ${PROBE[@]+"${PROBE[@]}"} ${CASES[@]+"${CASES[@]}"} 2> "$WORK/ludwig_side.log" \
  || { log "ludwig_side.py failed: see $WORK/ludwig_side.log"; exit 2; }
log "Ludwig side: $(( $(date +%s) - t )) s"

# --- 3. ludwig-infer (static, no libtorch) ---------------------------------------------------
CLI=${LUDWIG_INFER_CLI:-}
if [ -z "$CLI" ]; then
  CLI=$WORK/ludwig-infer
  (cd "$ROOT" && CGO_ENABLED=0 go build -o "$CLI" ./cmd/ludwig-infer) || { log "building ludwig-infer failed"; exit 2; }
fi

# --- 4. compare ------------------------------------------------------------------------------
t=$(date +%s)
rc=0
python3 "$HERE/check017.py" --work "$WORK" --cli "$CLI" ${TIMING[@]+"${TIMING[@]}"} ${CASES[@]+"${CASES[@]}"} || rc=$?
log "check: $(( $(date +%s) - t )) s; total $(( $(date +%s) - T0 )) s"
# Diagnosis: the graph operators the Go engine lacks, per export that has any.
log "operators the Go engine does not run (opscan):"
(cd "$ROOT" && CGO_ENABLED=0 go run ./conformance/current/opscan "$WORK"/cases/*/stock/model.pt2 "$WORK"/cases/*/helper/model.pt2 \
  | grep -v ': \[\]$') >&2 || true
exit $rc
