#!/usr/bin/python3
"""Re-runs every golden against its saved modules, starting from the golden's own `module_inputs`
(decoded from JSON, so it also checks the encoding), and compares all stages: strings exactly,
numbers with numpy's allclose (atol 1e-5, rtol 1e-5), NaN == null. Also loads every .pt under
models/ and prints its forward schema. Usage: /usr/bin/python3 testdata/check_goldens.py
"""
import glob
import json
import math
import os
import sys
from typing import Dict, List, Tuple

import torch
import torchaudio  # noqa: F401  registers torchaudio's custom ops (audio_input's preprocessor needs _lfilter)

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
          "uint8": torch.uint8, "bool": torch.bool, "int8": torch.int8, "int16": torch.int16}


def decode_tensor(t):
    data = [float("nan") if x is None else x for x in t["data"]]
    return torch.tensor(data, dtype=DTYPES[t["dtype"]]).reshape(t["shape"])


def decode_input(i):
    if i["kind"] == "tensor":
        return decode_tensor(i["tensor"])
    if i["kind"] == "tensors":
        return [decode_tensor(t) for t in i["value"]]
    if i["kind"] == "audio":
        return [(decode_tensor(a["waveform"]), a["sample_rate"]) for a in i["value"]]
    return list(i["value"])


def same_tensor(a: torch.Tensor, t) -> bool:
    if a.dtype != DTYPES[t["dtype"]] or list(a.shape) != t["shape"]:
        return False
    b = decode_tensor(t)
    if a.dtype.is_floating_point:
        a, b = a.double(), b.double()
        null = torch.isnan(b)  # null in a golden: NaN or an infinity (JSON has neither)
        if not bool(torch.all(~torch.isfinite(a[null]))):
            return False
        return bool(torch.allclose(a[~null], b[~null], atol=1e-5, rtol=1e-5))
    return bool(torch.equal(a, b))


def same_post(v, p) -> bool:
    if p["kind"] == "tensor":
        return isinstance(v, torch.Tensor) and same_tensor(v, p["tensor"])
    if p["kind"] == "tensors":
        return len(v) == len(p["value"]) and all(same_tensor(a, t) for a, t in zip(v, p["value"]))
    return v == p["value"]


def main() -> int:
    failures = 0
    for pt in sorted(glob.glob(os.path.join(HERE, "models", "*", "*.pt"))):
        m = torch.jit.load(pt)
        print(f"{os.path.relpath(pt, HERE)}: {m.forward.schema}")
    for path in sorted(glob.glob(os.path.join(HERE, "golden", "*.json"))):
        g = json.load(open(path, encoding="utf-8"))
        d = os.path.join(HERE, "models", g["model"])
        pre = torch.jit.load(os.path.join(d, "inference_preprocessor.pt"))
        pred = torch.jit.load(glob.glob(os.path.join(d, "inference_predictor[-_]*.pt"))[0])
        post = torch.jit.load(os.path.join(d, "inference_postprocessor.pt"))
        for c in g["cases"]:
            inputs = {k: decode_input(v) for k, v in c["module_inputs"].items()}
            p1 = pre(inputs)
            with torch.no_grad():
                p2 = pred(p1)
            p3 = post(p2)
            ok = (set(p1) == set(c["preprocessed"]) and all(same_tensor(p1[k], t) for k, t in c["preprocessed"].items())
                  and set(p2) == set(c["predicted"]) and all(same_tensor(p2[k], t) for k, t in c["predicted"].items())
                  and set(p3) == set(c["postprocessed"])
                  and all(same_post(p3[k], p) for k, p in c["postprocessed"].items()))
            print(f"{g['model']}/{c['name']}: {'ok' if ok else 'MISMATCH'}")
            failures += not ok
    print("all goldens reproduce" if not failures else f"{failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
