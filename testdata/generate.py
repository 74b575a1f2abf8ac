#!/usr/bin/python3
"""Writes the test exports under testdata/models/<name>/ and their goldens under testdata/golden/.

Run with a Python that has torch 1.13 (Debian's): /usr/bin/python3 testdata/generate.py [--out DIR] [name ...]
Deterministic and idempotent: every listed model directory is deleted and rewritten.
--out DIR writes DIR/models and DIR/golden instead of testdata/models and testdata/golden (and leaves
testdata/media alone: the requests read it); testdata/compare_goldens.py compares two golden folders.
See testdata/README.md.
"""
import importlib.machinery
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep testdata/gen free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
GEN = os.path.join("testdata", "gen")  # `scripted` (the modules exports are compiled from) and `testgen`


class _RelativeFinder(importlib.machinery.FileFinder):
    """Finds modules under GEN and names their files relative to the repository: TorchScript
    records each compiled function's source file in the archive (code/**.py.debug_pkl), and this
    keeps the generating machine's directories out of the committed exports."""

    def __init__(self, path: str):
        super().__init__(path, (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES))
        self.path = path  # FileFinder makes it absolute


def _relative_hook(path: str):
    if path == GEN or path.startswith(GEN + os.sep):
        return _RelativeFinder(path)
    raise ImportError("not under " + GEN)


os.chdir(REPO)  # the relative paths below are the repository's
sys.path_hooks.insert(0, _relative_hook)
sys.path_importer_cache.clear()
sys.path.insert(0, GEN)

import torch  # noqa: E402

from testgen.export import PREDICTOR_FILE, write_export  # noqa: E402
from testgen.models import MODELS  # noqa: E402
from testgen.artifacts import ARTIFACTS  # noqa: E402

MODELS_ROOT = os.path.join(HERE, "models")
GOLDEN_ROOT = os.path.join(HERE, "golden")


def set_out(out):
    """Points MODELS_ROOT and GOLDEN_ROOT at out/models and out/golden."""
    global MODELS_ROOT, GOLDEN_ROOT
    MODELS_ROOT = os.path.join(out, "models")
    GOLDEN_ROOT = os.path.join(out, "golden")


def _fresh_dir(name):
    d = os.path.join(MODELS_ROOT, name)
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def copy_variant(src_name, dst_name, rename=None, only=None):
    """A file-name variant of an existing export: copies its files, optionally renaming some
    ({old: new}) or keeping only some (list of old names)."""
    src = os.path.join(MODELS_ROOT, src_name)
    dst = _fresh_dir(dst_name)
    for fn in sorted(os.listdir(src)):
        if only is not None and fn not in only:
            continue
        shutil.copyfile(os.path.join(src, fn), os.path.join(dst, (rename or {}).get(fn, fn)))


# Exports derived from others by copying files. Each: (name, source, kwargs of copy_variant).
VARIANTS = [
    # `ludwig export_torchscript --model_only`: only the predictor.
    ("model_only", "tabular", {"only": [PREDICTOR_FILE]}),
    # `--device cuda:0`: the file name carries the device string, colon included (a CPU module here).
    ("tabular_cuda0", "tabular", {"rename": {PREDICTOR_FILE: "inference_predictor-cuda:0.pt"}}),
    # The spelling of Ludwig's docs page.
    ("tabular_underscore", "tabular", {"rename": {PREDICTOR_FILE: "inference_predictor_cpu.pt"}}),
]


def build_one(name):
    torch.set_num_threads(1)
    for make in MODELS:
        spec = make()
        if spec.name == name:
            out = write_export(spec, MODELS_ROOT, GOLDEN_ROOT)
            print(f"wrote {os.path.relpath(out, HERE)} and golden/{spec.name}.json")
            return
    raise SystemExit(f"unknown model {name}")


def build_artifact(name):
    torch.set_num_threads(1)
    for art_name, src, make, kwargs in ARTIFACTS:
        if art_name == name:
            print(f"wrote {make(MODELS_ROOT, GOLDEN_ROOT, src, art_name, **kwargs)}")
            return
    raise SystemExit(f"unknown artifact {name}")


def _rerun(args):
    """Runs this script again in a new process, loaded by its path relative to the repository (the
    tracer records the Python call stack, this file included, in the predictor's debug_pkl)."""
    me = os.path.relpath(os.path.abspath(__file__), REPO)
    code = f"import runpy; runpy.run_path({me!r}, run_name='__main__')"
    subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=REPO)


def main(argv):
    out_args = []
    if argv[:1] == ["--out"]:
        if len(argv) < 2:
            raise SystemExit("--out needs a directory")
        out_args = ["--out", os.path.abspath(argv[1])]
        set_out(out_args[1])
        argv = argv[2:]
    if argv[:1] == ["--one"]:
        build_one(argv[1])
        return
    if argv[:1] == ["--artifact"]:
        build_artifact(argv[1])
        return
    wanted = set(argv)
    if not out_args and (not wanted or wanted & {"image_input", "audio_input", "media"}):
        from testgen.media import write_media

        write_media()
        print("wrote media/")
    for make in MODELS:
        name = make().name
        if wanted and name not in wanted:
            continue
        # One process per export: TorchScript mangles the qualified names of classes scripted again in
        # the same process (__torch__...___torch_mangle_N._InferencePreprocessor), which a real
        # export (one `ludwig export_torchscript` per process) does not show.
        _rerun([*out_args, "--one", name])
    for name, src, kwargs in VARIANTS:
        if wanted and name not in wanted and src not in wanted:
            continue
        if not os.path.isdir(os.path.join(MODELS_ROOT, src)):
            continue
        copy_variant(src, name, **kwargs)
        print(f"wrote {os.path.join(MODELS_ROOT, name)} (copy of {src})")
    # Other artefacts built from an export's stages (testgen/artifacts.py), one process each.
    for name, src, _, _ in ARTIFACTS:
        if wanted and name not in wanted and src not in wanted:
            continue
        if not os.path.isdir(os.path.join(MODELS_ROOT, src)):
            continue
        _rerun([*out_args, "--artifact", name])


if __name__ == "__main__":
    main(sys.argv[1:])
