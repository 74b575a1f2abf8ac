"""Writes testdata/pt2: small ECD-shaped models exported with torch.export,
saved as `model.pt2` in the layout of the running torch (the PT2 archive from
torch 2.8 on, the older zip before), node stack traces removed, and goldens
computed by torch.

    python testdata/gen/pt2/gen.py [--out DIR]

testdata/gen/pt2/regen.sh runs it in both venvs (testdata/README.md).
"""

import argparse
import json
import os
import sys
import zipfile

import torch
from torch.export import Dim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

DYNAMIC_MAX = 8
LEGACY = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2]) < (2, 8)


def tensor_json(t):
    t = t.detach().contiguous()
    dt = str(t.dtype).replace("torch.", "")
    if t.dtype == torch.bool:
        data = [bool(v) for v in t.reshape(-1).tolist()]
    else:
        data = t.reshape(-1).tolist()
    return {"dtype": dt, "shape": list(t.shape), "data": data}


def build(kind, seed):
    torch.manual_seed(seed)
    m = {"concat": lambda: models.ConcatECD(),
         "attention": lambda: models.AttentionECD(),
         "conv": lambda: models.ConcatECD(text_conv=True)}[kind]()
    return m.eval()


def export(model, dynamic):
    sample = models.example_inputs(2, 0)
    shapes = None
    if dynamic:
        batch = Dim("batch", min=1, max=DYNAMIC_MAX)
        shapes = ({k: {0: batch} for k in sample},)
    ep = torch.export.export(model, (sample,), dynamic_shapes=shapes)
    for node in ep.graph.nodes:
        node.meta.pop("stack_trace", None)
    return ep


def check_clean(path):
    """The saved archive must name no file of this machine."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name)
            for needle in (b"stack_trace\": \"", b"site-packages", b".py\", line", os.getcwd().encode()):
                if needle in raw:
                    raise SystemExit(f"{path}: {name} still holds {needle!r}")


def strip_debug(path):
    """Drops TorchScript's debug records (source ranges naming the
    generator's files on this machine); the archive loads without them."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist() if not i.filename.endswith(".debug_pkl")]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for info, data in entries:
            z.writestr(info, data)


def run_case(model, ep, batch, seed, in_range):
    inputs = models.example_inputs(batch, seed)
    with torch.no_grad():
        want = model(inputs)
        if in_range:
            got = ep.module()(inputs)
            for k, v in want.items():
                if not torch.allclose(got[k].to(torch.float64), v.to(torch.float64), atol=1e-6):
                    raise SystemExit(f"exported program differs from eager on {k}")
    return {
        "batch": batch,
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v) for k, v in want.items()},
    }


CATALOGUE = [
    # name, combiner, dynamic batch, golden batches
    ("concat_fixed", "concat", False, [2, 1, 3, 5]),
    ("concat_dynamic", "concat", True, [1, 3, DYNAMIC_MAX, 11]),
    ("attention_fixed", "attention", False, [2, 1, 5]),
    ("attention_dynamic", "attention", True, [1, 4, 19]),
    ("conv_fixed", "conv", False, [2]),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "pt2"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    suffix = "_legacy" if LEGACY else ""
    for i, (name, kind, dynamic, batches) in enumerate(CATALOGUE):
        if LEGACY and kind == "conv":
            continue
        model = build(kind, 100 + i)
        ep = export(model, dynamic)
        path = os.path.join(args.out, name + suffix + ".pt2")
        torch.export.save(ep, path)
        check_clean(path)
        loaded = torch.export.load(path)
        fixed = 2
        cases = [run_case(model, loaded, b, 1000 * i + b, (b <= DYNAMIC_MAX) if dynamic else b == fixed)
                 for b in batches]
        golden = {"torch": torch.__version__, "model": name + suffix, "layout": "legacy" if LEGACY else "pt2",
                  "batch": {"min": 1, "max": DYNAMIC_MAX} if dynamic else {"fixed": fixed},
                  "cases": cases}
        with open(os.path.join(args.out, name + suffix + ".golden.json"), "w") as f:
            json.dump(golden, f, indent=None, separators=(",", ":"))
            f.write("\n")
        print(name + suffix, os.path.getsize(path), "bytes")
    if not LEGACY:
        # A weight record as torch.save writes one (use_pickle in a weights
        # config): concat_fixed's lifted constant, for core/pt2's test.
        torch.save(torch.tensor([1.5]), os.path.join(args.out, "saved_tensor.pt"))
        # Ludwig's exporter writes a TorchScript file under the same name
        # when torch.export fails.
        model = build("concat", 7)
        traced = torch.jit.trace(model, (models.example_inputs(2, 0),), strict=False)
        path = os.path.join(args.out, "torchscript.pt2")
        torch.jit.save(traced, path)
        strip_debug(path)
        loaded = torch.jit.load(path)
        check_clean(path)
        cases = []
        for b in (2, 3):
            inputs = models.example_inputs(b, 50 + b)
            with torch.no_grad():
                got = loaded(inputs)
            cases.append({"batch": b, "inputs": {k: tensor_json(v) for k, v in inputs.items()},
                          "outputs": {k: tensor_json(v) for k, v in got.items()}})
        with open(os.path.join(args.out, "torchscript.golden.json"), "w") as f:
            json.dump({"torch": torch.__version__, "model": "torchscript", "layout": "torchscript",
                       "cases": cases}, f, separators=(",", ":"))
            f.write("\n")
        print("torchscript", os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
