#!/usr/bin/env bash
# Builds and runs the C tests and the C example against build/ (run from
# anywhere; ./build.sh must have built the library, and `./build.sh env`
# supplies the cgo flags for the test-hooks build).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
B="$ROOT/build"
T="$B/ctest"
mkdir -p "$T"
CFLAGS=(-std=c11 -Wall -Wextra -Werror -O1 -g -I "$B")
cc "${CFLAGS[@]}" tests/c/test_capi.c -L "$B" -lludwiginfer -Wl,-rpath,"$B" -lpthread -lm -o "$T/test_capi"
cc "${CFLAGS[@]}" examples/c/predict.c -L "$B" -lludwiginfer -Wl,-rpath,"$B" -o "$T/predict"
echo "== C example"
"$T/predict" testdata/models/tabular
echo "== C ABI tests"
"$T/test_capi"
echo "== values typed as pandas types them, libtorch warnings (issue 20)"
cc "${CFLAGS[@]}" tests/c/test_pandas.c -L "$B" -lludwiginfer -Wl,-rpath,"$B" -o "$T/test_pandas"
mkdir -p "$T/warn_model"
cp core/torch/testdata/warn.pt "$T/warn_model/inference_predictor-cpu.pt"
"$T/test_pandas" "$T/warn_model" 2>"$T/test_pandas.stderr" || { cat "$T/test_pandas.stderr"; exit 1; }
if grep -v '^FAIL' "$T/test_pandas.stderr" | grep -q .; then
  echo "test_pandas: libtorch wrote to stderr:"; cat "$T/test_pandas.stderr"; exit 1
fi
echo "== panic recovery (li_testhooks build)"
eval "$(LI_QUIET=1 ./build.sh env)"
go build -tags li_testhooks -buildmode=c-shared -o "$T/hooks/libludwiginfer.so" ./capi
cc "${CFLAGS[@]}" tests/c/test_poison.c -L "$T/hooks" -lludwiginfer -Wl,-rpath,"$T/hooks" -o "$T/test_poison"
LI_TEST_PANIC=li_model_info "$T/test_poison"
echo "== artifacts: scripted InferenceModule and .carton through the C ABI"
cc "${CFLAGS[@]}" tests/c/test_artifacts.c -L "$B" -lludwiginfer -Wl,-rpath,"$B" -o "$T/test_artifacts"
"$T/test_artifacts"
echo "== li_load_buffer: models from memory (tar, zip, .pt, .carton)"
cc "${CFLAGS[@]}" tests/c/test_buffer.c -L "$B" -lludwiginfer -Wl,-rpath,"$B" -o "$T/test_buffer"
rm -f "$T/tabular.tar" "$T/tabular.zip"
tar -cf "$T/tabular.tar" -C testdata/models tabular
(cd testdata/models/tabular && python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED); [z.write(f) for f in sys.argv[2:]]; z.close()' "$T/tabular.zip" *)
mkdir -p "$T/alone" && cp testdata/models/tabular_module/inference_module.pt "$T/alone/"
"$T/test_buffer" "$T/tabular.tar" "$T/tabular.zip" "$T/alone/inference_module.pt"
if [ -f "$B/nolibtorch/libludwiginfer.so" ]; then
  echo "== the library without libtorch (./build.sh --no-libtorch): C ABI tests and the C example"
  N="$B/nolibtorch"
  cc "${CFLAGS[@]}" -I "$N" tests/c/test_capi.c -L "$N" -lludwiginfer -Wl,-rpath,"$N" -lpthread -lm -o "$T/test_capi_nolibtorch"
  cc "${CFLAGS[@]}" -I "$N" examples/c/predict.c -L "$N" -lludwiginfer -Wl,-rpath,"$N" -o "$T/predict_nolibtorch"
  out=$("$T/predict_nolibtorch" testdata/models/tabular)
  grep -q '"plan_predictions":\["plus","premium"\]' <<<"$out"
  LI_NOLIBTORCH=1 "$T/test_capi_nolibtorch"
fi
