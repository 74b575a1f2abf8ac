#!/usr/bin/env bash
# conformance/run.sh - checks ludwig-infer against Ludwig itself.
#
#   conformance/run.sh                 set up the venv (first run only), build ludwig-infer
#                                      against the venv's libtorch, train + export every case
#                                      (cached), run them through ludwig-infer, print the table
#   conformance/run.sh CASE...         only these cases (names from cases.py)
#   conformance/run.sh --retrain ...   retrain and re-export even when the cache is current
#   conformance/run.sh --list          list the cases
#   conformance/run.sh --ludwig 0.11.0 ...
#   conformance/run.sh --ludwig 0.17.10 ...
#                                      current Ludwig (0.13 and later: model folder + model.pt2):
#                                      runs conformance/current/run.sh --version <version> with
#                                      the other arguments (profiles: 0.13.0, 0.14.1, 0.15.1,
#                                      0.16.2, 0.17.10)
#                                      another Ludwig release: the profile folder
#                                      conformance/profiles/<version>/ (its requirements.txt and
#                                      constraints.txt), its own venv (<venv>-<version>) and work
#                                      dir (conformance/work-<version>/). Without it (or with the
#                                      default's version, 0.10.4): conformance/requirements.txt,
#                                      constraints.txt, <venv> and conformance/work/.
#
# Exit status: 0 all pass; 1 ludwig-infer differs from Ludwig (or fails) on some case;
# 2 setup failed or Ludwig failed where it is not known to.
#
# Environment:
#   LI_CONFORMANCE_VENV    the venv folder (default conformance/.venv; CI may keep one
#                          outside the clone to skip the install); a profile's is this path
#                          with -<version> appended
#   LI_CONFORMANCE_LUDWIG  the profile, as --ludwig (the option wins)
#   LI_CONFORMANCE_PYTHON  the interpreter for the venv (default: python3.11, else python3)
#   LI_CONFORMANCE_JOBS    parallel Ludwig trainers and ludwig-infer runners (default: nproc)
#
# Outputs (gitignored): conformance/.venv, conformance/work/ (exports, requests, results,
# work/lib/libludwiginfer.so built against the venv's torch); per profile conformance/.venv-<v>,
# conformance/work-<v>/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${LI_CONFORMANCE_VENV:-$HERE/.venv}
WORK=$HERE/work
log() { echo "conformance: $*" >&2; }

# Current Ludwig (0.13 and later: model folder + model.pt2) has its own suite, current/run.sh.
ARGS=() CURRENT=
if [[ "${LI_CONFORMANCE_LUDWIG:-}" == 0.1[3-9]* ]]; then CURRENT=$LI_CONFORMANCE_LUDWIG; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --ludwig) if [[ "${2:-}" == 0.1[3-9]* ]]; then CURRENT=$2; shift 2; continue; fi ;;
    --ludwig=0.1[3-9]*) CURRENT=${1#--ludwig=}; shift; continue ;;
  esac
  ARGS+=("$1"); shift
done
if [ -n "$CURRENT" ]; then
  exec "$HERE/current/run.sh" --version "$CURRENT" ${ARGS[@]+"${ARGS[@]}"}
fi
set -- ${ARGS[@]+"${ARGS[@]}"}

RETRAIN=()
CASES=()
LUDWIG=${LI_CONFORMANCE_LUDWIG:-}
while [ $# -gt 0 ]; do
  a=$1; shift
  case "$a" in
    --retrain) RETRAIN=(--retrain) ;;
    --ludwig) [ $# -gt 0 ] || { log "--ludwig needs a version"; exit 2; }; LUDWIG=$1; shift ;;
    --ludwig=*) LUDWIG=${a#--ludwig=} ;;
    --list) cd "$HERE" && python3 -c 'import cases; print("\n".join(c["name"] + "\t" + c.get("note", "") for c in cases.CASES))'; exit 0 ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) CASES+=("$a") ;;
  esac
done

# --- 0. the profile: the default (conformance/requirements.txt) or profiles/<version>/ ------
REQS=$HERE/requirements.txt
CONS=$HERE/constraints.txt
DEFAULT_LUDWIG=$(sed -n 's/^ludwig==\([^ ]*\).*/\1/p' "$REQS")
if [ -n "$LUDWIG" ] && [ "$LUDWIG" != "$DEFAULT_LUDWIG" ] && [ "$LUDWIG" != default ]; then
  PROFILE=$HERE/profiles/$LUDWIG
  if [ ! -f "$PROFILE/requirements.txt" ] || [ ! -f "$PROFILE/constraints.txt" ]; then
    log "no profile for Ludwig $LUDWIG (conformance/profiles/$LUDWIG/{requirements,constraints}.txt);" \
        "profiles: $DEFAULT_LUDWIG (default) $(cd "$HERE/profiles" 2>/dev/null && ls -d -- */ 2>/dev/null | tr -d / | tr '\n' ' ')"
    exit 2
  fi
  REQS=$PROFILE/requirements.txt
  CONS=$PROFILE/constraints.txt
  VENV=$VENV-$LUDWIG
  WORK=$HERE/work-$LUDWIG
  log "profile Ludwig $LUDWIG (venv $VENV, work $WORK)"
fi

start=$(date +%s)
JOBS=${LI_CONFORMANCE_JOBS:-$(nproc)}

# --- 1. the venv (cached: rebuilt only when requirements, constraints or Python change) ---
PY_BASE=${LI_CONFORMANCE_PYTHON:-}
if [ -z "$PY_BASE" ]; then
  if command -v python3.11 >/dev/null; then PY_BASE=python3.11; else PY_BASE=python3; fi
fi
stamp=$( (cat "$REQS" "$CONS"; "$PY_BASE" --version) | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.li-stamp" 2>/dev/null)" != "$stamp" ]; then
  mkdir -p "$(dirname "$VENV")"
  avail=$(df -Pk "$(dirname "$VENV")" | awk 'NR==2 {print int($4/1024/1024)}')
  if [ "$avail" -lt 12 ]; then
    log "only ${avail} GiB free where the venv goes; it needs about 7 GiB (plus pip's cache)"; exit 2
  fi
  log "installing the Ludwig venv into $VENV (first run only: about 4 minutes, 6.4 GiB)"
  t0=$(date +%s)
  rm -rf "$VENV"
  "$PY_BASE" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q -c "$CONS" -r "$REQS" || {
    log "pip install failed"; exit 2; }
  echo "$stamp" > "$VENV/.li-stamp"
  log "venv installed in $(( $(date +%s) - t0 )) s ($(du -sh "$VENV" | cut -f1))"
fi
PY="$VENV/bin/python"
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

# Ludwig reads and writes audio through torchaudio's sox backend, which dlopens libsox.so
# (Debian's libsox-dev). Without it the audio case is an expected Ludwig failure.
if ! ldconfig -p 2>/dev/null | grep 'libsox\.so ' >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing libsox-dev (torchaudio's sox backend, for the audio case)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsox-dev >/dev/null 2>&1 || {
      apt-get update >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsox-dev >/dev/null 2>&1 || \
        log "could not install libsox-dev: the audio case will be an expected Ludwig failure"; }
  else
    log "libsox.so is missing (sudo apt-get install libsox-dev): the audio case will be an expected Ludwig failure"
  fi
fi

# --- 2. ludwig-infer built against the venv's libtorch (build.sh's own flags) --------------
mkdir -p "$WORK/lib"
log "building ludwig-infer against $SITE/torch"
(
  cd "$ROOT"
  eval "$(LIBTORCH="$SITE/torch" ./build.sh env)"
  go build -buildmode=c-shared -o "$WORK/lib/libludwiginfer.so" ./capi
  # The Go reader's tests, run on the real exports in step 5.
  go test -c -o "$WORK/lib/script.test" ./core/script
) || { log "building ludwig-infer failed"; exit 2; }
rm -f "$WORK/lib/libludwiginfer.h"

# --- 3. Ludwig: train, export, record its answers (cached per case) -----------------------
log "Ludwig side (train + export + predict; cached cases are skipped)"
# One process per core (training is single-threaded): each takes every JOBS-th case.
pids=()
for ((k = 0; k < JOBS; k++)); do
  "$PY" "$HERE/ludwig_side.py" --work "$WORK" --shard "$k/$JOBS" ${RETRAIN[@]+"${RETRAIN[@]}"} \
    ${CASES[@]+"${CASES[@]}"} 2>"$WORK/ludwig_side.$k.log" &
  pids+=($!)
done
crashed=0
for ((k = 0; k < JOBS; k++)); do
  wait "${pids[$k]}" || { crashed=1; tail -n 30 "$WORK/ludwig_side.$k.log" >&2; }
done
[ "$crashed" = 0 ] || { log "the Ludwig side crashed (logs: $WORK/ludwig_side.*.log)"; exit 2; }

# --- 4. ludwig-infer: run, compare, print the table ---------------------------------------
set +e
"$PY" "$HERE/check.py" --work "$WORK" --lib "$WORK/lib/libludwiginfer.so" --site "$SITE" --jobs "$JOBS" \
  ${CASES[@]+"${CASES[@]}"}
rc=$?

# --- 5. The Go reader against libtorch on these real exports (issue 15) ------------------
# Every module's aten operator set derived from the printed code, and every attribute
# the Go reader decodes, must equal what the venv's libtorch reports.
archives=()
for d in "$WORK"/cases/*/export; do
  c=$(basename "$(dirname "$d")")
  if [ ${#CASES[@]} -eq 0 ] || [[ " ${CASES[*]} " == *" $c "* ]]; then archives+=("$d/*.pt"); fi
done
if [ ${#archives[@]} -gt 0 ]; then
  if (cd "$ROOT/core/script" && LI_READER_ARCHIVES="$(IFS=:; echo "${archives[*]}")" \
      "$WORK/lib/script.test" -test.run 'TestClassOpsMatchLibtorch|TestAttrsMatchLibtorch' -test.v \
      >"$WORK/reader.log" 2>&1); then
    log "Go reader = libtorch: $(grep -o '[0-9]* modules compared in [0-9]* archives' "$WORK/reader.log"), $(grep -o '[0-9]* attributes compared' "$WORK/reader.log") (operator sets, attributes)"
  else
    grep -v '^=== RUN' "$WORK/reader.log" | tail -n 40 >&2
    log "Go reader differs from libtorch (log: $WORK/reader.log)"
    rc=1
  fi
fi
set -e
log "finished in $(( $(date +%s) - start )) s"
exit $rc
