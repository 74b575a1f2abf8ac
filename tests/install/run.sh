#!/usr/bin/env bash
# Installs into a temporary prefix, then builds and runs the C and C++
# examples only against that prefix: with pkg-config and with CMake. Also
# checks that the library exports exactly the functions the header declares.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PREFIX=$(mktemp -d /tmp/ludwig-infer-prefix.XXXXXX)
trap 'rm -rf "$PREFIX"' EXIT
LI_QUIET=1 ./build.sh install --prefix "$PREFIX"
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
fail=0

echo "== exported symbols == header functions"
declared=$(grep -oE '^[a-z_ *]*\bli_[a-z_]+\(' include/ludwig_infer.h | grep -oE 'li_[a-z_]+\($' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$PREFIX/lib/libludwiginfer.so.1" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u)
if [ "$declared" != "$exported" ]; then
  echo "FAIL: exported symbols differ from the header:"; diff <(echo "$declared") <(echo "$exported") || true
  fail=1
fi
soname=$(readelf -d "$PREFIX/lib/libludwiginfer.so.1" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libludwiginfer.so.1" ] || { echo "FAIL: SONAME is '$soname'"; fail=1; }

echo "== C example with pkg-config"
cc -std=c11 -Wall -Werror examples/c/predict.c $(pkg-config --cflags --libs ludwiginfer) -o "$PREFIX/predict_pc"
out=$("$PREFIX/predict_pc" testdata/models/tabular)
echo "$out"
echo "$out" | grep -q '"plan_predictions":\["plus","premium"\]' || { echo "FAIL: pkg-config example output"; fail=1; }

echo "== C and C++ examples with CMake (find_package(LudwigInfer))"
cmake -S examples/cpp -B "$PREFIX/cmake-build" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$PREFIX/cmake-build" >/dev/null
out=$("$PREFIX/cmake-build/predict_cpp" testdata/models/tabular)
echo "$out"
echo "$out" | grep -q '"plan_predictions":\["plus","premium"\]' || { echo "FAIL: C++ example output"; fail=1; }
echo "$out" | grep -q 'caught LI_ERR_INPUT: missing input feature' || { echo "FAIL: C++ example error"; fail=1; }
"$PREFIX/cmake-build/predict_c" testdata/models/tabular | grep '"plan_predictions":\["plus","premium"\]' >/dev/null || { echo "FAIL: CMake C example"; fail=1; }

echo "== installed command"
"$PREFIX/bin/ludwig-infer" --version | grep "ludwig-infer 0.1.0 (ABI 1, libtorch" >/dev/null || { echo "FAIL: --version"; fail=1; }

PREFIX="$PREFIX" bash "$ROOT/tests/install/bindings.sh" || fail=1

echo "== the library without libtorch (./build.sh install --no-libtorch)"
NPREFIX=$(mktemp -d /tmp/ludwig-infer-prefix-nolibtorch.XXXXXX)
trap 'rm -rf "$PREFIX" "$NPREFIX"' EXIT
LI_QUIET=1 ./build.sh install --prefix "$NPREFIX" --no-libtorch
nexported=$(nm -D --defined-only "$NPREFIX/lib/libludwiginfer.so.1" | awk '$2 == "T" {print $3}' | sed 's/@.*//' | sort -u)
[ "$declared" = "$nexported" ] || { echo "FAIL: no-libtorch exported symbols differ from the header"; fail=1; }
# Outputs are captured before grep: with pipefail, `cmd | grep -q` fails when grep exits first.
deps=$(ldd "$NPREFIX/lib/libludwiginfer.so.1")
if grep -q torch <<<"$deps"; then echo "FAIL: no-libtorch library links libtorch"; fail=1; fi
cc -std=c11 -Wall -Werror examples/c/predict.c $(PKG_CONFIG_PATH="$NPREFIX/lib/pkgconfig" pkg-config --cflags --libs ludwiginfer) -o "$NPREFIX/predict_pc"
out=$("$NPREFIX/predict_pc" testdata/models/tabular)
grep -q '"plan_predictions":\["plus","premium"\]' <<<"$out" || { echo "FAIL: no-libtorch pkg-config example"; fail=1; }
out=$("$NPREFIX/bin/ludwig-infer" --version)
grep -q "libtorch none" <<<"$out" || { echo "FAIL: no-libtorch --version"; fail=1; }
out=$("$NPREFIX/bin/ludwig-infer" predict --model testdata/models/tabular --dataset testdata/data/tabular.csv)
grep -q plan_predictions <<<"$out" || { echo "FAIL: no-libtorch command predict"; fail=1; }
[ $fail = 0 ] && echo "install tests: all passed (symbols, pkg-config C, CMake C/C++, command, Python wheel, Rust via pkg-config; without libtorch: symbols, pkg-config C, command)" || { echo "install tests failed"; exit 1; }
