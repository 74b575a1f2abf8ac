"""Writes DIR/golden.json for DIR/model.pt2 (a real `ludwig export_model -f
torch_export` export, or any torch.export file): the program's own example
inputs, repeated to a few batch sizes where the batch is dynamic, through
the reloaded program, in the goldens' format (testdata/README.md). Run with
a venv whose torch can load the file; core/pt2's TestExportDir compares:

    $VENV/bin/python testdata/gen/pt2/export_golden.py DIR
    LI_PT2_EXPORT=DIR go test ./core/pt2 -run TestExportDir -v
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import tensor_json  # noqa: E402


def main():
    d = sys.argv[1]
    ep = torch.export.load(os.path.join(d, "model.pt2"))
    args, kwargs = ep.example_inputs
    if kwargs or len(args) != 1 or not isinstance(args[0], dict):
        raise SystemExit("expected one dict of inputs (Ludwig's call)")
    inputs = args[0]
    batch = next(iter(inputs.values())).shape[0]
    with torch.no_grad():
        out = ep.module()(inputs)
    golden = {"torch": torch.__version__, "model": os.path.basename(os.path.abspath(d)),
              "range_constraints": {str(k): [int(v.lower), str(v.upper)] for k, v in ep.range_constraints.items()},
              "cases": [{"batch": batch, "inputs": {k: tensor_json(v) for k, v in inputs.items()},
                         "outputs": {k: tensor_json(torch.as_tensor(v)) for k, v in out.items()}}]}
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(sorted({str(n.target) for n in ep.graph.nodes if n.op == "call_function"}))


if __name__ == "__main__":
    main()
