#!/usr/bin/env bash
# tests/reliability/run.sh - ludwig-infer's reliability tests, one command.
#
#   tests/reliability/run.sh            the fast part (about a minute; CI runs it):
#                                       fuzz seed corpora, hostile inputs and limits,
#                                       RSS flat over 3,000 inferences, 16 threads x
#                                       300 mixed calls + concurrent load/close,
#                                       50 load/close cycles and 5,000 calls with a
#                                       native RSS check
#   tests/reliability/run.sh --ci       the fast part's C programs only, for
#                                       `./build.sh test`, which has built the library
#                                       and run `go test ./...` (the Go part) already
#   tests/reliability/run.sh --long     everything at full size (about 1.5 hours on
#                                       2 cores): 100,000 inferences for RSS,
#                                       16 x 10,000 calls, valgrind on 100 cycles and
#                                       10,000 calls (memcheck.sh), each fuzzer for
#                                       $FUZZTIME (default 3m)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
LONG=""
CI=""
case "${1:-}" in
  --long) LONG=1 ;;
  --ci) CI=1 ;;
  "") ;;
  *) echo "usage: tests/reliability/run.sh [--ci|--long]" >&2; exit 2 ;;
esac
log() { echo "reliability: $*" >&2; }

[ -n "$CI" ] || ./build.sh
eval "$(LI_QUIET=1 ./build.sh env)"
export OPENBLAS_NUM_THREADS=1
T="$ROOT/build/reliability"
mkdir -p "$T"
failed=()

if [ -z "$CI" ]; then
  log "Go: fuzz corpora, hostile inputs, limits, RSS"
  if [ -n "$LONG" ]; then export LI_RELIABILITY_LONG=1; fi
  go test -count=1 ./core/request ./core/dates ./core/featurize ./tests/reliability/... || failed+=("go: fuzz corpora / RSS")
  go test -count=1 ./core -run 'Fuzz|Hostile|Limit' || failed+=("go: hostile inputs and limits")
fi

log "C: hostile inputs, stress, memory"
CF=(-std=c11 -O1 -g -Wall -Wextra -Werror -I build)
LIB=(-L build -lludwiginfer -Wl,-rpath,"$ROOT/build")
cc "${CF[@]}" tests/reliability/c/hostile.c "${LIB[@]}" -o "$T/hostile"
cc "${CF[@]}" tests/reliability/c/stress.c "${LIB[@]}" -lpthread -o "$T/stress"
cc "${CF[@]}" tests/reliability/c/memcheck.c "${LIB[@]}" -o "$T/memcheck"
rm -rf "$T/scratch" && mkdir -p "$T/scratch"
"$T/hostile" "$ROOT" "$T/scratch" || failed+=("hostile (C)")
if [ -n "$LONG" ]; then
  "$T/stress" "$ROOT" 16 10000 8 25 || failed+=("stress")
  HEAP_LIMIT_KB=1024 RSS_LIMIT_KB=16384 "$T/memcheck" "$ROOT" 100 100000 || failed+=("memcheck (native)")
else
  "$T/stress" "$ROOT" 16 300 4 6 || failed+=("stress")
  HEAP_LIMIT_KB=1024 RSS_LIMIT_KB=16384 "$T/memcheck" "$ROOT" 50 5000 || failed+=("memcheck (native)")
fi

if [ -n "$LONG" ]; then
  log "valgrind"
  bash tests/reliability/memcheck.sh 100 10000 || failed+=("valgrind")
  FT=${FUZZTIME:-3m}
  for t in "core/request FuzzDecode" "core/dates FuzzParse" "core/dates FuzzParseRoundTrip" "core/dates FuzzParseAuto" \
           "core/dates FuzzFromEpoch" "core/featurize FuzzFromCells" "core/featurize FuzzFromTensors" \
           "core FuzzInfer" "tests/reliability/capifuzz FuzzCABI" "core/ptfile FuzzRead" "core/ptfile FuzzPickle" \
           "core/script FuzzParse" "core/script FuzzInterpreter"; do
    set -- $t
    log "fuzzing $2 ($1) for $FT"
    go test "./$1" -run '^$' -fuzz "^$2\$" -fuzztime "$FT" || failed+=("fuzz $2")
  done
fi

if [ ${#failed[@]} -gt 0 ]; then
  log "FAILED: ${failed[*]}"
  exit 1
fi
log "all reliability tests passed"
