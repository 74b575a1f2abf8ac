#!/usr/bin/env bash
# run.sh - per-call latency of the tabular model from Rust and from C, side by
# side (1 row and 1000 rows; median and p99).
#
#   bindings/rust/bench/run.sh [ITERS_1ROW [ITERS_1000ROWS]]
#
# Needs build/libludwiginfer.so (./build.sh at the repository root) and a C
# compiler.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRATE=$(dirname "$HERE")
ROOT=$(cd "$CRATE/../.." && pwd)
LIB=${LUDWIG_INFER_LIB_DIR:-$ROOT/build}
I1=${1:-20000}
I1000=${2:-300}
OUT=$CRATE/target/bench
mkdir -p "$OUT"
cd "$CRATE"
cargo run --release -q --example bench_latency -- "$I1" "$I1000"
${CC:-cc} -O2 -o "$OUT/latency_c" "$HERE/latency.c" -I"$ROOT/include" -L"$LIB" -lludwiginfer -Wl,-rpath,"$LIB"
"$OUT/latency_c" "$ROOT/testdata/models/tabular" "$OUT/req1.json" "$I1"
"$OUT/latency_c" "$ROOT/testdata/models/tabular" "$OUT/req1000.json" "$I1000"
