"""Export a model folder of current Ludwig (0.13 and later) for ludwig-infer.

    python -m ludwig_infer.export MODEL_DIR OUT [--max-batch N] [--sample ROWS] [--no-check]

MODEL_DIR is what ``LudwigModel.save(dir)`` (or training's ``results/.../model``)
writes. OUT receives the two JSON files ludwig-infer pre- and postprocesses with
(``model_hyperparameters.json``, ``training_set_metadata.json``) and ``model.pt2``:
the model's tensor graph from ``torch.export.export`` with its batch dimension
dynamic, ``Dim("batch", min=1, max=N)`` on the first dimension of every input. Its
outputs are the model's tensor outputs under Ludwig's keys (``<feature>::logits``,
``::last_hidden``, ...); ``used_tokens``, a count over the whole batch that becomes a
symbolic int with a dynamic batch, is left out (ludwig-infer drops it anyway).

Unlike ``ludwig export_model -f torch_export`` (whose graph is fixed at a batch of 2,
the sample Ludwig makes), one call of the graph takes 1 to N rows; ludwig-infer runs
larger requests in chunks of N. N defaults to MAX_BATCH (1024): a request of a
thousand rows runs in one call, and the bound stays far below any size where int32
index arithmetic or memory could matter for the tiny tabular graphs Ludwig builds.
Node stack traces (``metadata.stack_trace``: lines of Ludwig's and torch's source)
are removed before saving, so the archive holds the graph, the weights and names only.

Then, unless ``--no-check``, it checks OUT: ``LudwigModel.predict`` on a sample
(``--sample`` a .csv/.json/.jsonl file of rows; by default rows synthesised from the
config with Ludwig's dataset synthesizer) against ``ludwig-infer predict --form full``
run in a SUBPROCESS (never two libtorches in one process), and prints the largest
difference. Exit status: 0 export and check agree, 1 they differ, 2 usage or export
error (the message names the cause).

This module is optional: it needs Ludwig >= 0.13 and torch (the training side has
both; ``pip install ludwig-infer[export]``), imported only when it runs, so
``import ludwig_infer`` stays standard-library only.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

MAX_BATCH = 1024
MIN_LUDWIG = (0, 13)
JSON_FILES = ("model_hyperparameters.json", "training_set_metadata.json")
# Floats agree when |a - b| <= ATOL + RTOL * |b| (the project's conformance rule).
ATOL = RTOL = 1e-5


class ExportError(Exception):
    """An export or check that cannot proceed; the message names the cause."""


def _version_tuple(v):
    out = []
    for part in v.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def _require_ludwig():
    from importlib.metadata import PackageNotFoundError, version

    try:
        lv = version("ludwig")
    except PackageNotFoundError:
        raise ExportError("Ludwig is not installed: the export helper needs ludwig>=0.13 and torch "
                          "(pip install 'ludwig-infer[export]')") from None
    if _version_tuple(lv) < MIN_LUDWIG:
        raise ExportError(f"Ludwig {lv} is older than 0.13: export it with `ludwig export_torchscript`, "
                          "which ludwig-infer loads as it is")
    return lv


def _load(model_dir):
    for f in JSON_FILES:
        if not os.path.isfile(os.path.join(model_dir, f)):
            raise ExportError(f"{model_dir}: no {f} (expected a folder written by LudwigModel.save)")
    _require_ludwig()
    import logging

    from ludwig.api import LudwigModel

    return LudwigModel.load(model_dir, backend="local", logging_level=logging.ERROR)


def strip_stack_traces(ep):
    """Drops every node's stack trace from the ExportedProgram (in place); returns how many."""
    n = 0
    for mod in ep.graph_module.modules():
        graph = getattr(mod, "graph", None)
        if graph is None:
            continue
        for node in graph.nodes:
            if node.meta.pop("stack_trace", None) is not None:
                n += 1
    return n


def archive_stack_traces(path):
    """Counts non-empty stack traces in a saved model.pt2's serialized program."""
    count = 0
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(("models/model.json", "serialized_exported_program.json")):
                count += z.read(name).count(b'"stack_trace": "')
    return count


def export(model_dir, out, max_batch=MAX_BATCH, keep_stack_traces=False):
    """Writes OUT/{model.pt2, model_hyperparameters.json, training_set_metadata.json}.

    Returns a dict: ludwig and torch versions, batch range, inputs (name, dtype, shape of
    the sample), stack traces removed."""
    if max_batch < 2:
        raise ExportError(f"--max-batch must be at least 2, got {max_batch}")
    model = _load(model_dir)
    import torch

    ecd = model.model
    ecd.eval()

    class TensorOutputs(torch.nn.Module):
        """Ludwig's model with its tensor outputs only: `used_tokens` (a count over the whole
        batch, no per-row meaning; a symbolic int once the batch is dynamic) is left out."""

        def __init__(self, inner):
            super().__init__()
            self.model = inner

        def forward(self, inputs):
            return {k: v for k, v in self.model(inputs).items() if isinstance(v, torch.Tensor)}

    # The sample has 2 rows, as Ludwig's own; torch specialises sizes 0 and 1, never 2.
    sample = {name: feat.create_sample_input(batch_size=2) for name, feat in ecd.input_features.items()}
    batch = torch.export.Dim("batch", min=1, max=max_batch)
    dynamic = ({name: {0: batch} for name in sample},)
    try:
        with torch.no_grad():
            ep = torch.export.export(TensorOutputs(ecd).eval(), args=(sample,), dynamic_shapes=dynamic)
    except Exception as e:  # noqa: BLE001 - reported with torch's own message
        raise ExportError(f"torch.export failed with a dynamic batch: {type(e).__name__}: {e}") from e
    removed = 0 if keep_stack_traces else strip_stack_traces(ep)
    os.makedirs(out, exist_ok=True)
    for f in JSON_FILES:
        shutil.copyfile(os.path.join(model_dir, f), os.path.join(out, f))
    path = os.path.join(out, "model.pt2")
    torch.export.save(ep, path)
    from importlib.metadata import version

    return {
        "ludwig_version": version("ludwig"),
        "torch_version": torch.__version__,
        "batch": {"min": 1, "max": max_batch},
        "inputs": {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)}
                   for k, v in sample.items()},
        "stack_traces_removed": removed,
        "stack_traces_left": archive_stack_traces(path),
        "model_pt2": path,
    }


# --- check ------------------------------------------------------------------------------

def _read_rows(path):
    import pandas as pd

    if path.endswith(".csv"):
        return pd.read_csv(path)
    if path.endswith((".jsonl", ".ndjson")):
        return pd.read_json(path, lines=True)
    with open(path) as fh:
        return pd.DataFrame(json.load(fh))


def _synthesize(model, n):
    import pandas as pd
    from ludwig.data.dataset_synthesizer import build_synthetic_dataset

    feats = [dict(f) for f in model.config["input_features"]]
    gen = build_synthetic_dataset(n, feats)
    header = next(gen)
    frame = pd.DataFrame([next(gen) for _ in range(n)], columns=header)
    return frame.rename(columns={f["name"]: f.get("column", f["name"]) for f in feats})


def _plain(v):
    """A JSON-comparable value of a DataFrame cell."""
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def compare_values(a, b):
    """Compares ludwig-infer's value a with Ludwig's b. Returns (max float difference,
    number of non-float mismatches)."""
    if isinstance(b, bool) or isinstance(a, bool) or isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return 0.0, int(a != b)
    if isinstance(a, list) or isinstance(b, list):
        if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
            return 0.0, 1
        worst, bad = 0.0, 0
        for x, y in zip(a, b):
            d, m = compare_values(x, y)
            worst, bad = max(worst, d), bad + m
        return worst, bad
    d = abs(float(a) - float(b))
    return d, int(d > ATOL + RTOL * abs(float(b)))


def find_cli(explicit=None):
    """The ludwig-infer command: explicit, $LUDWIG_INFER_CLI, then PATH."""
    cli = explicit or os.environ.get("LUDWIG_INFER_CLI") or shutil.which("ludwig-infer")
    if not cli:
        raise ExportError("ludwig-infer not found for the check: put it on PATH, set LUDWIG_INFER_CLI "
                          "or pass --ludwig-infer (or --no-check)")
    return cli


def check(model_dir, out, sample=None, rows=16, cli=None):
    """Runs LudwigModel.predict here and ludwig-infer in a subprocess on the same rows.

    Returns {"rows", "columns", "max_abs_diff", "mismatches": [...], "missing": [...]}."""
    cli = find_cli(cli)
    model = _load(model_dir)
    frame = _read_rows(sample) if sample else _synthesize(model, rows)
    expected, _ = model.predict(dataset=frame, batch_size=max(1, len(frame)))
    with tempfile.TemporaryDirectory(prefix="li-export-check-") as tmp:
        req = os.path.join(tmp, "rows.json")
        frame.to_json(req, orient="records")
        res = os.path.join(tmp, "out.jsonl")
        proc = subprocess.run([cli, "predict", "--model", out, "--dataset", req, "--form", "full",
                               "--batch-size", str(max(1, len(frame))), "--output", res],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise ExportError(f"ludwig-infer predict failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
        with open(res) as fh:
            got = [json.loads(line) for line in fh if line.strip()]
    if len(got) != len(expected):
        raise ExportError(f"ludwig-infer returned {len(got)} rows for {len(expected)}")
    report = {"rows": len(got), "columns": 0, "max_abs_diff": 0.0, "mismatches": [], "missing": []}
    for col in expected.columns:
        if col not in got[0]:
            report["missing"].append(col)
            continue
        report["columns"] += 1
        for i, want in enumerate(expected[col].tolist()):
            d, bad = compare_values(got[i][col], _plain(want))
            report["max_abs_diff"] = max(report["max_abs_diff"], d)
            if bad:
                report["mismatches"].append({"row": i, "column": col, "ludwig_infer": got[i][col],
                                             "ludwig": _plain(want)})
    return report


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m ludwig_infer.export",
                                 description="Export a Ludwig >= 0.13 model folder for ludwig-infer (model.pt2 "
                                             "with a dynamic batch + the two JSON files) and check it.")
    ap.add_argument("model_dir", help="folder written by LudwigModel.save")
    ap.add_argument("out", help="output folder (created)")
    ap.add_argument("--max-batch", type=int, default=MAX_BATCH, help=f"largest batch of one graph call (default {MAX_BATCH})")
    ap.add_argument("--keep-stack-traces", action="store_true", help="keep the nodes' source stack traces")
    ap.add_argument("--sample", help="rows to check with (.csv, .json, .jsonl); default: synthesised rows")
    ap.add_argument("--rows", type=int, default=16, help="synthesised rows for the check (default 16)")
    ap.add_argument("--ludwig-infer", dest="cli", help="the ludwig-infer command (default: $LUDWIG_INFER_CLI, PATH)")
    ap.add_argument("--no-check", action="store_true", help="export only")
    args = ap.parse_args(argv)
    try:
        info = export(args.model_dir, args.out, args.max_batch, args.keep_stack_traces)
        print(f"exported {info['model_pt2']}: batch 1..{args.max_batch}, Ludwig {info['ludwig_version']}, "
              f"torch {info['torch_version']}, {info['stack_traces_removed']} stack traces removed")
        if args.no_check:
            return 0
        rep = check(args.model_dir, args.out, args.sample, args.rows, args.cli)
    except ExportError as e:
        print(f"ludwig_infer.export: {e}", file=sys.stderr)
        return 2
    print(f"check: {rep['rows']} rows, {rep['columns']} columns compared with LudwigModel.predict, "
          f"max |difference| {rep['max_abs_diff']:.3g}, {len(rep['mismatches'])} mismatches")
    if rep["missing"]:
        print(f"check: columns ludwig-infer did not return: {', '.join(rep['missing'])}")
    for m in rep["mismatches"][:10]:
        print(f"  row {m['row']} {m['column']}: ludwig-infer {m['ludwig_infer']!r}, Ludwig {m['ludwig']!r}")
    return 1 if rep["mismatches"] or rep["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
