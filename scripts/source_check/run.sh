#!/usr/bin/env bash
# scripts/source_check/run.sh - fails if the repository holds Ludwig's source text.
#
# Downloads Ludwig's sdists from PyPI (pip download --no-deps; cached), lays out the text of this
# repository and of every archive in it (TorchScript .pt zips, .carton zstd entries, .debug_pkl
# source text, the hostile-test archives: scripts/source_check/unpack.py), then fails when
#   1. a marker of copied text remains ("verbatim", "copied from", ... outside this folder);
#   2. a run of 6 or more lines is shared to the letter with Ludwig (compare.py);
#   3. `duplicates` (the tool library's command) pairs 6 or more lines of ours with Ludwig's,
#      the same lines or lines of the same shape with other names, strings and numbers.
# Without `duplicates` on PATH, step 3 is skipped with a warning (steps 1 and 2 still run).
#
# Environment: LI_SOURCE_CHECK_VERSIONS (default "0.8.6 0.10.4 0.11.0"),
# LI_SOURCE_CHECK_CACHE (default $HOME/.cache/ludwig-infer/source-check: sdists and the venv with
# `zstandard`, which reads the .carton entries), LI_SOURCE_CHECK_KEEP=1 keeps the work folder.
# Needs PyPI on the first run. Cold about 1 minute, cached about 30 seconds (README).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VERSIONS=${LI_SOURCE_CHECK_VERSIONS:-0.8.6 0.10.4 0.11.0}
CACHE=${LI_SOURCE_CHECK_CACHE:-$HOME/.cache/ludwig-infer/source-check}
WORK=$(mktemp -d)
log() { echo "source-check: $*" >&2; }
cleanup() { if [ "${LI_SOURCE_CHECK_KEEP:-}" = 1 ]; then log "work folder kept: $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

# --- the venv (zstandard) and the sdists, cached -------------------------------------------
mkdir -p "$CACHE/sdists"
VENV=$CACHE/venv
if ! "$VENV/bin/python" -c 'import zstandard' 2>/dev/null; then
  log "creating $VENV (zstandard)"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c "$HERE/constraints.txt" zstandard
fi
for v in $VERSIONS; do
  if [ ! -f "$CACHE/sdists/ludwig-$v.tar.gz" ]; then
    log "downloading Ludwig $v's sdist"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: "ludwig==$v" -d "$CACHE/sdists"
  fi
  "$VENV/bin/python" "$HERE/unpack.py" sdist "$CACHE/sdists/ludwig-$v.tar.gz" "$WORK/ludwig/$v"
done
"$VENV/bin/python" "$HERE/unpack.py" repo "$ROOT" "$WORK/ours"

failed=0

# --- 1. markers ----------------------------------------------------------------------------
markers='verbatim|copied (verbatim )?from|copied (from|out of) ludwig|taken from ludwig|ludwig.s (source|code),? copied'
if grep -rIniE "$markers" "$WORK/ours" --exclude-dir=source_check >"$WORK/markers.txt"; then
  log "markers of copied text:"; sed "s|$WORK/ours/||" "$WORK/markers.txt" | head -50 >&2
  failed=1
else
  log "markers: none"
fi

# --- 2. exact runs -------------------------------------------------------------------------
if ! python3 "$HERE/compare.py" "$WORK/ours" "$WORK"/ludwig/* >"$WORK/exact.txt"; then failed=1; fi
sed "s|^|source-check: |" "$WORK/exact.txt" | head -60 >&2

# --- 3. duplicates: Ludwig committed, ours added; a row not "(both added)" crosses the trees --
if command -v duplicates >/dev/null; then
  python3 "$HERE/dupcheck.py" "$WORK" || failed=1
else
  log "WARNING: the duplicates command is not on PATH: same-shape runs not checked (steps 1-2 ran)"
fi

if [ $failed = 0 ]; then log "passed: no Ludwig source text in the repository or its archives ($VERSIONS)"; fi
exit $failed
