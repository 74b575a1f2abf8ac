#!/usr/bin/env bash
# Part of tests/install/run.sh: the Python wheel (carrying the installed
# libludwiginfer.so) in a fresh venv, and the Rust crate finding the library
# through the installed pkg-config file - both only against $PREFIX.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${PREFIX:?set PREFIX to an installed prefix}"
fail=0
want='plus'

echo "== Python wheel from the installed library, in a fresh venv"
LUDWIG_INFER_LIB="$PREFIX/lib/libludwiginfer.so.1" python3 -m pip wheel -q --no-build-isolation --no-index \
  --no-deps -w "$PREFIX/wheel" "$ROOT/bindings/python" >/dev/null
python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install -q --no-index "$PREFIX"/wheel/ludwig_infer-*.whl
out=$(cd "$PREFIX" && env -u LUDWIG_INFER_LIB -u PYTHONPATH "$PREFIX/venv/bin/python" - "$ROOT/testdata/models/tabular" <<'PY'
import sys
import ludwig_infer
from ludwig_infer import InferenceModule
lib = ludwig_infer.library_path()
assert "/venv/" in lib, lib  # the wheel's own copy, not the repository's build/
with InferenceModule.from_directory(sys.argv[1]) as m:
    preds, _ = m.predict({"Age": [34], "city": ["Paris"], "member": [True], "cell": [617703466028236799]}, return_type=dict)
print(list(preds["plan_predictions"]))
PY
)
echo "$out"
echo "$out" | grep -q "$want" || { echo "FAIL: Python wheel"; fail=1; }

echo "== Rust crate through pkg-config"
(cd "$ROOT/bindings/rust" && PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" CARGO_TARGET_DIR="$PREFIX/cargo" \
  cargo build -q --offline --example predict)
# (ldd's output is captured first: with pipefail, `ldd | grep -q` fails when
# grep exits early and ldd gets SIGPIPE.)
deps=$(ldd "$PREFIX/cargo/debug/examples/predict")
case "$deps" in
  *"$PREFIX/lib/libludwiginfer.so.1"*) ;;
  *) echo "FAIL: the Rust example does not link the installed library"; echo "$deps"; fail=1 ;;
esac
out=$("$PREFIX/cargo/debug/examples/predict" "$ROOT/testdata/models/tabular")
echo "$out" | tail -3
echo "$out" | grep -q "$want" || { echo "FAIL: Rust example"; fail=1; }
exit $fail
