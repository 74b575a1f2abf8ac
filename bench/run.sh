#!/usr/bin/env bash
# bench/run.sh - the benchmark, one command. Builds the library and every
# contender, writes the inputs, profiles li_infer's path, runs the contenders
# side by side (bench/driver.py) and writes bench/RESULTS.md.
#
#   bench/run.sh            the full run (about 6 minutes on 2 cores)
#   bench/run.sh --quick    a short run (about 2 minutes); writes
#                           build/bench/RESULTS-quick.md instead
#   bench/run.sh --smoke    builds every contender and checks that all give
#                           the same outputs, with a token timing run and no
#                           profile (about 40 s; for CI); writes
#                           build/bench/RESULTS-smoke.md
#   bench/run.sh --model text_parallel_cnn [--quick|--smoke]
#                           another model of testdata/models (its golden
#                           requests give the rows); the full run writes
#                           bench/RESULTS-<model>.md (quick and smoke:
#                           build/bench/RESULTS-<model>-quick.md / -smoke.md).
#                           No li_infer profile (bench/profile.sh is the
#                           tabular model's); a model without a number
#                           column has no tensor-buffer contenders.
#
# Contenders (see bench/RESULTS.md): (a) bench/floor/floor.cc, C++ on libtorch
# directly; (b) bench/c/bench_c.c, li_infer from C (JSON; tensor buffer);
# (c) bench/gobench, core.Model.Infer; (b) also with {"engine": "go"} and
# against build/nolibtorch's library (the Go engine, no libtorch); (d) bench/py/bench_binding.py (the
# ctypes binding) and bench/rust (the crate), run when they build; (e)
# bench/py/bench_torch.py, Python torch (/usr/bin/python3) on the modules.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
QUICK=""
SMOKE=""
NAME=tabular
COMMAND="bench/run.sh${*:+ $*}"
usage() { echo "usage: bench/run.sh [--quick|--smoke] [--model NAME]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --smoke) SMOKE=1 ;;
    --model) [ $# -ge 2 ] || usage; NAME=$2; shift ;;
    *) usage ;;
  esac
  shift
done
[ -n "$QUICK" ] && [ -n "$SMOKE" ] && usage
B="$ROOT/build/bench"
MODEL="$ROOT/testdata/models/$NAME"
GOLDEN="$ROOT/testdata/golden/$NAME.json"
if [ ! -d "$MODEL" ] || [ ! -f "$GOLDEN" ]; then
  echo "bench: no model testdata/models/$NAME with testdata/golden/$NAME.json" >&2; exit 2
fi
SUFFIX=""
[ "$NAME" != tabular ] && SUFFIX="-$NAME"
log() { echo "bench: $*" >&2; }

./build.sh
eval "$(LI_QUIET=1 ./build.sh env)"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$B"

log "inputs"
go run ./bench/gen -model "$MODEL" -golden "$GOLDEN" -out "$B/data"
NUM=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("number_column",""))' "$B/data/meta.json")

log "contenders"
TORCH_LIBDIR=${LI_TORCH_LIBDIR:-/usr/lib/x86_64-linux-gnu}
if [ -n "${LIBTORCH:-}" ]; then
  TORCH_INC=(-isystem "$LIBTORCH/include" -isystem "$LIBTORCH/include/torch/csrc/api/include")
else
  TORCH_INC=()
fi
g++ -std=c++17 -O2 "${TORCH_INC[@]}" bench/floor/floor.cc -o "$B/floor" \
  -L"$TORCH_LIBDIR" -Wl,-rpath,"$TORCH_LIBDIR" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 -Wl,--as-needed -lpthread
cc -std=c11 -O2 -Wall -Wextra -I build -I bench/c bench/c/bench_c.c -L build -lludwiginfer \
  -Wl,-rpath,"$ROOT/build" -lpthread -o "$B/bench_c"
go build -o "$B/gobench" ./bench/gobench
# The library without libtorch (the Go engine's contender b-nolibtorch).
./build.sh --no-libtorch
cc -std=c11 -O2 -Wall -Wextra -I build/nolibtorch -I bench/c bench/c/bench_c.c -L build/nolibtorch -lludwiginfer \
  -Wl,-rpath,"$ROOT/build/nolibtorch" -lpthread -o "$B/bench_c_nolibtorch"
# (d) Rust: built when the crate is there (the hook: without it the driver
# lists the contender as not run).
rm -f "$B/rust_bench"
if [ -f bindings/rust/src/lib.rs ] && command -v cargo >/dev/null; then
  if (cd bench/rust && CARGO_TARGET_DIR="$B/rust-target" cargo build --release --offline -q 2>"$B/rust_build.log"); then
    cp "$B/rust-target/release/rust_bench" "$B/rust_bench"
  else
    log "the Rust contender did not build (see $B/rust_build.log); it is left out"
  fi
fi

rm -f "$B/profile.md"
if [ -z "$SMOKE" ] && [ "$NAME" = tabular ]; then
  log "profile (Go pprof + perf)"
  bash bench/profile.sh "$B" "$NUM" ${QUICK:+--quick} > "$B/profile.md"
fi

OUT="$ROOT/bench/RESULTS$SUFFIX.md"
ARGS=()
if [ -n "$QUICK" ]; then
  OUT="$B/RESULTS$SUFFIX-quick.md"
  ARGS=(--quick --rounds 3 --warmup-rounds 1 --thr-seconds 0.2 --thr-rounds 1 --load-rounds 1)
elif [ -n "$SMOKE" ]; then
  OUT="$B/RESULTS$SUFFIX-smoke.md"
  ARGS=(--smoke --rounds 1 --warmup-rounds 1 --thr-seconds 0.05 --thr-rounds 1 --load-rounds 1)
fi
log "running the contenders"
/usr/bin/python3 bench/driver.py --root "$ROOT" --data "$B/data" --model "$MODEL" \
  --out "$OUT" --json-out "$B/results.json" --command "$COMMAND" --profile "$B/profile.md" \
  --torch-version "$(build/ludwig-infer --version | sed -n 's/.*libtorch \([0-9.]*\).*/\1/p')" "${ARGS[@]}"
log "done: $OUT"
