#!/usr/bin/env bash
# tests/reliability/memcheck.sh [cycles] [calls] - the C ABI under valgrind
# memcheck: tests/reliability/c/memcheck.c does <cycles> load/infer/close
# cycles (default 100) and <calls> li_infer calls on one model (default
# 10,000), freeing everything it gets. Two valgrind runs:
#
#  1. accesses: the library built with `go build -tags valgrind` (the Go
#     runtime then describes its heap and goroutine stacks to valgrind), no
#     leak check; passes when valgrind reports no error - invalid read or
#     write, use of uninitialised memory, bad free - after the documented
#     suppressions for the Go runtime and libtorch (valgrind.supp), except
#     invalid accesses inside goroutine stacks, which vgcheck.py tells apart
#     by the block valgrind names (allocated by runtime.stackalloc: the Go
#     annotations lag behind stack copies; such an access cannot touch C
#     memory). Its leak check cannot be used: valgrind's leak checker aborts
#     on the Go heap's reused blocks ("Block ... overlaps with block") after
#     long runs.
#  2. leaks: the normal library, leak check only (--undef-value-errors=no);
#     passes when no block is definitely or indirectly lost. (Its access
#     reports are the Go runtime's goroutine stacks, which valgrind cannot
#     see without the tag; run 1 judges accesses.)
#
# Logs: build/valgrind/{errors,leaks}.log. The full run takes about 40
# minutes of CPU (about 10 s per load under valgrind). Installs valgrind
# with apt-get when missing (as root).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
CYCLES=${1:-100}
CALLS=${2:-10000}
V="$ROOT/build/valgrind"
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends valgrind >/dev/null; }
  else
    echo "memcheck.sh: valgrind is not installed (sudo apt-get install valgrind)" >&2
    exit 1
  fi
fi
[ -f build/libludwiginfer.so ] || ./build.sh
eval "$(LI_QUIET=1 ./build.sh env)"
mkdir -p "$V/tagged"
go build -tags valgrind -buildmode=c-shared -o "$V/tagged/libludwiginfer.so" ./capi
rm -f "$V/tagged/libludwiginfer.h"
CF=(-std=c11 -O1 -g -Wall -Wextra -Werror -I include tests/reliability/c/memcheck.c)
cc "${CF[@]}" -L "$V/tagged" -lludwiginfer -Wl,-rpath,"$V/tagged" -o "$V/memcheck-tagged"
cc "${CF[@]}" -L build -lludwiginfer -Wl,-rpath,"$ROOT/build" -o "$V/memcheck"
COMMON=(--tool=memcheck --num-callers=40 --suppressions=tests/reliability/valgrind.supp --gen-suppressions=all)
export OPENBLAS_NUM_THREADS=1
failed=0

echo "memcheck.sh: 1/2 accesses: $CYCLES load/infer/close cycles, $CALLS calls (log: $V/errors.log)"
set +e
valgrind "${COMMON[@]}" --leak-check=no "$V/memcheck-tagged" "$ROOT" "$CYCLES" "$CALLS" > "$V/errors.log" 2>&1
rc=$?
set -e
grep -E '^memcheck:' "$V/errors.log" || true
python3 tests/reliability/vgcheck.py "$V/errors.log" || rc=1
[ $rc -eq 0 ] || { echo "memcheck.sh: accesses FAILED: see $V/errors.log" >&2; failed=1; }

echo "memcheck.sh: 2/2 leaks: $CYCLES load/infer/close cycles, $CALLS calls (log: $V/leaks.log)"
set +e
valgrind "${COMMON[@]}" --undef-value-errors=no --leak-check=full --show-leak-kinds=definite,indirect \
  "$V/memcheck" "$ROOT" "$CYCLES" "$CALLS" > "$V/leaks.log" 2>&1
rc=$?
set -e
grep -E '^memcheck:|definitely lost:|indirectly lost:|possibly lost:|still reachable:|suppressed:' "$V/leaks.log" || true
if [ $rc -ne 0 ] || ! grep -qE 'definitely lost: 0 bytes' "$V/leaks.log" || ! grep -qE 'indirectly lost: 0 bytes' "$V/leaks.log"; then
  if ! grep -q 'All heap blocks were freed' "$V/leaks.log"; then
    echo "memcheck.sh: leaks FAILED (exit $rc): see $V/leaks.log" >&2
    failed=1
  fi
fi
[ $failed -eq 0 ] && echo "memcheck.sh: ok"
exit $failed
