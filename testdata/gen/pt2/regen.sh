#!/usr/bin/env bash
# Regenerates testdata/pt2 (the model.pt2 fixtures and their goldens) in two
# venvs cached under $HOME/.cache/ludwig-infer: torch 2.15.0 (the PT2
# archive, the TorchScript file, the SDPA goldens) and torch 2.5.1 (the
# torch < 2.8 zip). Python 3.12 from pyenv. A cold install downloads
# ~2 x 5 GB (torch's CUDA wheels from PyPI) and took 5 and 8.5 minutes here;
# the generation itself about a minute. testdata/README.md, "model.pt2".
set -euo pipefail
cd "$(dirname "$0")/../../.."
cache="${HOME}/.cache/ludwig-infer"
py="$(ls -d "$(pyenv root)"/versions/3.12*/bin/python | tail -1)"

venv() { # venv DIR TORCH_VERSION
  if ! "$1/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$2')" 2>/dev/null; then
    "$py" -m venv "$1"
    "$1/bin/pip" install -q "torch==$2" numpy
  fi
}

venv "$cache/pt2-venv" 2.15.0
venv "$cache/pt2-legacy-venv" 2.5.1
"$cache/pt2-venv/bin/python" testdata/gen/pt2/gen.py
"$cache/pt2-venv/bin/python" testdata/gen/pt2/sdpa.py
"$cache/pt2-legacy-venv/bin/python" testdata/gen/pt2/gen.py
