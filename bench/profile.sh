#!/usr/bin/env bash
# bench/profile.sh <build/bench> <number column> [--quick] - profiles li_infer's
# path and prints Markdown (bench/run.sh puts it into RESULTS.md):
#  1. Go pprof of core.Model.Infer (bench/profile_test.go) at batch 1 and 1000,
#     with the default stages (auto: native Go pre/postprocessing where it is
#     exact) and with the exported TorchScript stages: the cgo calls into the
#     shim (libtorch) vs everything else;
#  2. perf (when it works here) of li_infer from C, both modes: time by shared
#     object and the top symbols outside libtorch.
# Needs the environment of `eval "$(./build.sh env)"`.
set -euo pipefail
B=$1
NUM=$2
SECS=4
[ "${3:-}" = "--quick" ] && SECS=1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
echo "## Profile of li_infer's path"
echo
echo "Regenerate with \`bench/run.sh\` (or \`bench/profile.sh build/bench $NUM\` after it)."
echo
go test -c -o "$B/bench.test" ./bench
for run in "auto 1" "auto 1000" "torchscript 1" "torchscript 1000"; do
  set -- $run
  stages=$1 rows=$2
  LI_BENCH_DATA="$B/data" "$B/bench.test" -test.run '^$' -test.bench "Infer/$stages/json/$rows\$" \
    -test.benchtime "${SECS}s" -test.cpuprofile "$B/cpu_${stages}_$rows.out" > "$B/gobench_${stages}_$rows.txt"
  echo "### Go pprof, core.Model.Infer, JSON, batch $rows, stages $stages"
  echo
  echo '```'
  grep -E '^Benchmark' "$B/gobench_${stages}_$rows.txt" || true
  # Time inside libtorch is the shim's cgo calls (_Cfunc_lt_*); the rest is Go.
  go tool pprof -top -nodecount 30 -focus 'core\.\(\*Model\)\.Infer$' -relative_percentages "$B/bench.test" "$B/cpu_${stages}_$rows.out" 2>/dev/null | sed -n '1,40p'
  echo '```'
  echo
  echo "Cumulative, by the stage that spends it:"
  echo
  echo '```'
  go tool pprof -top -cum -nodecount 400 -focus 'core\.\(\*Model\)\.Infer$' -relative_percentages "$B/bench.test" "$B/cpu_${stages}_$rows.out" 2>/dev/null |
    grep -E ' (github.com/ludwig-infer/ludwig-infer/core(/[a-z]+)?\.[A-Za-z(*).]+|.*_Cfunc_lt_[a-z_]+|runtime\.cgocall|runtime\.gcBgMarkWorker|runtime\.mallocgc)$' | head -30 || true
  echo '```'
  echo
done
if command -v perf >/dev/null && perf record -o /dev/null true >/dev/null 2>&1; then
  for run in "json 1" "json 1000" "json-ts 1" "json-ts 1000"; do
    set -- $run
    /usr/bin/python3 bench/perf_profile.py "$B/bench_c" testdata/models/tabular "$B/data" "$NUM" "$1" "$2" "$SECS" "$B/perf_$1_$2"
  done
else
  echo "(perf is not available here: only the Go profile above.)"
fi
