#!/usr/bin/env bash
# run.sh - the Spark and Ray suite (tests/scale): makes (once) and caches a venv
# with pyspark, Ray (Data, Serve), pandas, pyarrow and fsspec at the versions of
# tests/scale/constraints.txt under $HOME/.cache/ludwig-infer/scale-venv (remade
# when constraints.txt changes), then runs pytest on tests/scale with the binding
# from the source tree and build/libludwiginfer.so. Needs ./build.sh, Java 17+
# (pyspark 4) and the network on the first run.
#
#   tests/scale/run.sh [pytest args...]
#   tests/scale/run.sh --python SCRIPT [args...]   # run a script in that venv (bench/scale.py)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
[ -f build/libludwiginfer.so ] || { echo "tests/scale: build/libludwiginfer.so is missing: run ./build.sh" >&2; exit 1; }
if ! command -v java > /dev/null; then
  # pyspark 4 needs Java 17+: installed from Debian when run as root (as build.sh installs libtorch).
  [ "$(id -u)" = 0 ] || { echo "tests/scale: java is missing (pyspark needs Java 17+): apt-get install -y openjdk-17-jre-headless" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless > /dev/null
fi
VENV=${LUDWIG_INFER_SCALE_VENV:-$HOME/.cache/ludwig-infer/scale-venv}
STAMP="$VENV/.constraints-$(cat tests/scale/requirements.txt tests/scale/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "tests/scale: creating $VENV (pyspark, ray, pandas, pyarrow; about 1.3 GB)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r tests/scale/requirements.txt -c tests/scale/constraints.txt
  touch "$STAMP"
fi
# tests/scale is on the path of every Python worker for li_loaded_daemon (the fork test).
export PYTHONPATH="$ROOT/bindings/python:$ROOT/tests/scale" LUDWIG_INFER_LIB="$ROOT/build/libludwiginfer.so"
# Ray: no dashboard or usage reporting, and a quiet log; pyspark: the venv's Python for workers.
export RAY_USAGE_STATS_ENABLED=0 RAY_DEDUP_LOGS=0 PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python"
# pytest's exit status 5 (no tests collected) fails the suite like any other.
if [ "${1:-}" = "--python" ]; then
  shift
  exec "$VENV/bin/python" "$@"
fi
[ $# -gt 0 ] || set -- tests/scale
exec "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
