#!/usr/bin/env bash
# build.sh - set up, build and test ludwig-infer.
#
#   ./build.sh            find (or install) libtorch, build build/libludwiginfer.so,
#                         build/ludwig_infer.h and build/ludwig-infer
#   ./build.sh test       build, then run every test: Go, C, Python, Rust
#   ./build.sh --no-libtorch
#                         build build/nolibtorch/libludwiginfer.so (cgo for the C ABI
#                         only, the li_notorch tag: every stage in Go) and a static
#                         build/nolibtorch/ludwig-infer (CGO_ENABLED=0); needs no libtorch
#   ./build.sh env        print the environment the Go tool needs (eval "$(./build.sh env)")
#   ./build.sh install [--prefix DIR] [--no-libtorch]
#                         build (--no-libtorch: the library without libtorch), then install lib/libludwiginfer.so.1 (+ symlink), the
#                         header, pkg-config and CMake files and bin/ludwig-infer
#                         (default prefix /usr/local)
#
# libtorch comes from, in order:
#   $LIBTORCH             a folder with include/ and lib/ (a libtorch zip, or the
#                         torch/ folder of a pip wheel:
#                         LIBTORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))'))
#   Debian's libtorch-dev (1.13), installed with apt-get when missing and run as root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD="$ROOT/build"
ABI=$(sed -n 's/^#define LI_ABI_VERSION \([0-9]*\)$/\1/p' "$ROOT/include/ludwig_infer.h")
VERSION=$(sed -n 's/^#define LI_VERSION "\(.*\)"$/\1/p' "$ROOT/include/ludwig_infer.h")
cd "$ROOT"

log() { [ -n "${LI_QUIET:-}" ] || echo "build.sh: $*" >&2; }
die() { echo "build.sh: $*" >&2; exit 1; }

apt_install() {
  # apt_install PKG... : installs Debian packages as root, else prints the command.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $* with apt-get"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; then
      apt-get update >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
    fi
  else
    die "missing Debian packages; run: sudo apt-get install -y --no-install-recommends $*"
  fi
}

find_torch() {
  # Sets TORCH_CXXFLAGS, TORCH_LIBDIR, TORCH_LIBS.
  if [ -n "${LIBTORCH:-}" ]; then
    [ -f "$LIBTORCH/include/torch/script.h" ] || die "LIBTORCH=$LIBTORCH has no include/torch/script.h"
    [ -d "$LIBTORCH/lib" ] || die "LIBTORCH=$LIBTORCH has no lib/"
    TORCH_LIBDIR="$LIBTORCH/lib"
    TORCH_CXXFLAGS="-isystem $LIBTORCH/include -isystem $LIBTORCH/include/torch/csrc/api/include"
    # The C++ ABI flag must match the one libtorch was built with (pip wheels
    # before torch 2.7 used the old ABI).
    local abi=""
    local cfg="$LIBTORCH/share/cmake/Torch/TorchConfig.cmake"
    if [ -f "$cfg" ]; then
      abi=$(grep -o '_GLIBCXX_USE_CXX11_ABI=[01]' "$cfg" | head -n1 | cut -d= -f2 || true)
    fi
    if [ -z "$abi" ]; then
      if nm -DC "$TORCH_LIBDIR/libc10.so" 2>/dev/null | grep '__cxx11::basic_string' >/dev/null; then abi=1; else abi=0; fi
    fi
    TORCH_CXXFLAGS="$TORCH_CXXFLAGS -D_GLIBCXX_USE_CXX11_ABI=$abi"
  else
    if [ ! -f /usr/include/torch/script.h ]; then
      apt_install libtorch-dev
    fi
    TORCH_LIBDIR=/usr/lib/x86_64-linux-gnu
    [ -f "$TORCH_LIBDIR/libtorch.so" ] || TORCH_LIBDIR=$(dirname "$(ls /usr/lib/*/libtorch.so | head -n1)")
    TORCH_CXXFLAGS=""
  fi
  TORCH_LIBS="-ltorch -ltorch_cpu -lc10"
  # A CUDA libtorch registers its kernels from libtorch_cuda: link it even
  # though no symbol of ours needs it.
  if [ -f "$TORCH_LIBDIR/libtorch_cuda.so" ]; then TORCH_LIBS="$TORCH_LIBS -ltorch_cuda"; fi
}

build_shim() {
  # Prebuilds the C++ shim into a static library under a folder named by the
  # hash of its sources and flags, so Go's build cache (keyed on CGO_LDFLAGS)
  # sees every change.
  local src="$ROOT/core/torch/csrc"
  local flags="-std=c++17 -O2 -fPIC -fvisibility=hidden $TORCH_CXXFLAGS"
  local hash
  hash=$( (cat "$src/shim.cc" "$src/shim.h"; echo "$flags $TORCH_LIBDIR") | sha256sum | cut -c1-16)
  SHIM_DIR="$BUILD/shim/$hash"
  if [ ! -f "$SHIM_DIR/libli_shim.a" ]; then
    log "compiling the libtorch shim (about 10 s)"
    mkdir -p "$SHIM_DIR"
    # Built under temporary names and renamed, so a concurrent build never
    # links a half-written archive.
    # shellcheck disable=SC2086
    g++ $flags -c "$src/shim.cc" -o "$SHIM_DIR/shim.o.$$"
    ar rcs "$SHIM_DIR/libli_shim.a.$$" "$SHIM_DIR/shim.o.$$"
    rm -f "$SHIM_DIR/shim.o.$$"
    mv -f "$SHIM_DIR/libli_shim.a.$$" "$SHIM_DIR/libli_shim.a"
  fi
}

setup_env() {
  command -v go >/dev/null || die "Go is not installed (https://go.dev/doc/install)"
  command -v g++ >/dev/null || apt_install g++
  find_torch
  build_shim
  export CGO_ENABLED=1
  export CGO_LDFLAGS="$SHIM_DIR/libli_shim.a -L$TORCH_LIBDIR -Wl,-rpath,$TORCH_LIBDIR -Wl,--no-as-needed $TORCH_LIBS -Wl,--as-needed -lstdc++ -ldl"
  export LI_TORCH_LIBDIR="$TORCH_LIBDIR"
  # Debian's libtorch links OpenBLAS-pthread, whose own pool ignores libtorch's
  # thread setting; one thread is best for small models.
  export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
}

build_all() {
  setup_env
  mkdir -p "$BUILD"
  log "building build/libludwiginfer.so"
  # A SONAME carrying the ABI version, and only the documented li_* symbols
  # exported (capi/exports.map).
  go build -buildmode=c-shared \
    -ldflags "-extldflags '-Wl,-soname,libludwiginfer.so.$ABI -Wl,--version-script=$ROOT/capi/exports.map'" \
    -o "$BUILD/libludwiginfer.so.$ABI" ./capi
  ln -sf "libludwiginfer.so.$ABI" "$BUILD/libludwiginfer.so"
  rm -f "$BUILD/libludwiginfer.h" "$BUILD/libludwiginfer.so.h" # cgo's generated header: never shipped
  cp include/ludwig_infer.h "$BUILD/ludwig_infer.h"
  if [ -d cmd/ludwig-infer ]; then
    log "building build/ludwig-infer"
    go build -o "$BUILD/ludwig-infer" ./cmd/ludwig-infer
  fi
}

# build_nolibtorch builds the library and command without libtorch into
# build/nolibtorch/ (the full build is untouched).
build_nolibtorch() {
  command -v go >/dev/null || die "Go is not installed (https://go.dev/doc/install)"
  local out="$BUILD/nolibtorch"
  mkdir -p "$out"
  log "building build/nolibtorch/libludwiginfer.so (no libtorch)"
  CGO_ENABLED=1 CGO_LDFLAGS= CGO_CFLAGS="-O2 -g -DLI_NOTORCH" go build -tags li_notorch -buildmode=c-shared \
    -ldflags "-extldflags '-Wl,-soname,libludwiginfer.so.$ABI -Wl,--version-script=$ROOT/capi/exports.map'" \
    -o "$out/libludwiginfer.so.$ABI" ./capi
  ln -sf "libludwiginfer.so.$ABI" "$out/libludwiginfer.so"
  rm -f "$out/libludwiginfer.h" "$out/libludwiginfer.so.h"
  cp include/ludwig_infer.h "$out/ludwig_infer.h"
  log "building build/nolibtorch/ludwig-infer (static, CGO_ENABLED=0)"
  CGO_ENABLED=0 go build -o "$out/ludwig-infer" ./cmd/ludwig-infer
}

run_tests() {
  build_all
  build_nolibtorch
  # The audio test export needs torchaudio's custom ops (libtorchaudio.so):
  # Debian ships them for its libtorch in python3-torchaudio.
  if [ -z "${LIBTORCH:-}" ] && [ ! -f /usr/lib/python3/dist-packages/torchaudio/lib/libtorchaudio.so ]; then
    apt_install python3-torchaudio
  fi
  local failed=()
  log "go vet + go test (with the race detector)"
  go vet ./... || failed+=("go vet")
  go test -race -count=1 ./... || failed+=("go test")
  log "pure-Go build without libtorch (CGO_ENABLED=0): the Go engine on the goldens, the command builds"
  (CGO_ENABLED=0 go vet ./core/... && CGO_ENABLED=0 go test -count=1 -run 'TestNoTorch|TestGoEngine|TestEngineOption|TestUnsupportedOperator|TestLudwigModel' ./core &&
    CGO_ENABLED=0 go test -count=1 ./core/ptfile ./core/script ./core/kernels ./core/engine ./core/stage ./core/pyproc ./core/pt2 &&
    CGO_ENABLED=0 go build -o /dev/null ./cmd/ludwig-infer) || failed+=("no-cgo build")
  log "C tests"
  bash tests/c/run.sh || failed+=("C tests")
  log "reliability, fast part (hostile inputs, 16-thread stress, load/close cycles with RSS and C-heap checks)"
  bash tests/reliability/run.sh --ci || failed+=("reliability tests")
  log "install tests (temporary prefix; pkg-config, CMake, C++)"
  bash tests/install/run.sh || failed+=("install tests")
  if [ -d bindings/python/tests ]; then
    log "Python tests"
    python3 -m pytest -q bindings/python/tests || failed+=("Python tests")
    log "the current-Ludwig conformance suite's comparison rules (standard library + pytest; no Ludwig)"
    python3 -m pytest -q conformance/current/test_check017.py || failed+=("conformance rules")
    log "Python goldens with the library without libtorch (build/nolibtorch)"
    LI_NOLIBTORCH=1 LUDWIG_INFER_LIB="$BUILD/nolibtorch/libludwiginfer.so" python3 -m pytest -q bindings/python/tests/test_goldens.py ||
      failed+=("Python goldens without libtorch")
  fi
  if [ -f bindings/rust/Cargo.toml ]; then
    log "Rust tests"
    (cd bindings/rust && cargo test --offline -q 2>/dev/null || cargo test -q) || failed+=("Rust tests")
    log "Rust goldens with the library without libtorch (build/nolibtorch)"
    (cd bindings/rust && LI_NOLIBTORCH=1 LUDWIG_INFER_LIB_DIR="$BUILD/nolibtorch" cargo test --offline -q --test goldens) ||
      failed+=("Rust goldens without libtorch")
    log "Rust docs (cargo doc, warnings are errors)"
    (cd bindings/rust && RUSTDOCFLAGS="-D warnings" cargo doc --offline --no-deps -q) || failed+=("Rust docs")
  fi
  if [ ${#failed[@]} -gt 0 ]; then
    die "FAILED: ${failed[*]}"
  fi
  log "all tests passed"
}

install_all() {
  local prefix=/usr/local notorch=
  while [ $# -gt 0 ]; do
    case "$1" in
      --prefix) prefix="$2"; shift 2 ;;
      --prefix=*) prefix="${1#--prefix=}"; shift ;;
      --no-libtorch) notorch=1; shift ;;
      *) die "install: unknown option $1 (usage: ./build.sh install [--prefix DIR] [--no-libtorch])" ;;
    esac
  done
  local from="$BUILD" torch_libdir torch_libs
  if [ -n "$notorch" ]; then
    build_nolibtorch
    from="$BUILD/nolibtorch" torch_libdir= torch_libs=
  else
    build_all
    torch_libdir="$TORCH_LIBDIR" torch_libs="$TORCH_LIBS"
  fi
  prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
  log "installing into $prefix"
  install -d "$prefix/lib/pkgconfig" "$prefix/lib/cmake/LudwigInfer" "$prefix/include" "$prefix/bin"
  install -m 0755 "$from/libludwiginfer.so.$ABI" "$prefix/lib/"
  ln -sf "libludwiginfer.so.$ABI" "$prefix/lib/libludwiginfer.so"
  install -m 0644 include/ludwig_infer.h "$prefix/include/"
  install -m 0755 "$from/ludwig-infer" "$prefix/bin/"
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$VERSION|g" -e "s|@TORCH_LIBDIR@|$torch_libdir|g" \
    -e "s|@TORCH_LIBS@|$torch_libs|g" packaging/ludwiginfer.pc.in > "$prefix/lib/pkgconfig/ludwiginfer.pc"
  if [ -n "$notorch" ]; then
    # No libtorch to link privately against.
    sed -i -e '/^Libs.private:/d' -e 's/^torch_libdir=$/torch_libdir=none (built without libtorch)/' "$prefix/lib/pkgconfig/ludwiginfer.pc"
  fi
  sed -e "s|@VERSION@|$VERSION|g" -e "s|@ABI@|$ABI|g" packaging/LudwigInferConfig.cmake.in \
    > "$prefix/lib/cmake/LudwigInfer/LudwigInferConfig.cmake"
  sed -e "s|@VERSION@|$VERSION|g" packaging/LudwigInferConfigVersion.cmake.in \
    > "$prefix/lib/cmake/LudwigInfer/LudwigInferConfigVersion.cmake"
  log "installed ludwig-infer $VERSION (ABI $ABI) into $prefix"
}

case "${1:-build}" in
  build) build_all ;;
  --no-libtorch|nolibtorch) build_nolibtorch ;;
  test) run_tests ;;
  env)
    LI_QUIET=1 setup_env
    echo "export CGO_ENABLED=1 CGO_LDFLAGS='$CGO_LDFLAGS' OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS LI_TORCH_LIBDIR='$LI_TORCH_LIBDIR'"
    ;;
  install) shift; install_all "$@" ;;
  *) die "usage: ./build.sh [build|--no-libtorch|test|env|install [--prefix DIR] [--no-libtorch]]" ;;
esac
