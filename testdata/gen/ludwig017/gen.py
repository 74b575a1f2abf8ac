"""Goldens for core/pyproc: Ludwig 0.17's own preprocessing and postprocessing.

Run in the Ludwig 0.17.10 venv (conformance/profiles/0.17.10):

    ~/.cache/ludwig-infer/ludwig-0.17.10-venv/bin/python testdata/gen/ludwig017/gen.py

For each case it trains a tiny model on synthetic data (one epoch, CPU), keeps
the two JSON files of the saved model folder, and runs LudwigModel.predict on
edge-case rows while recording, through a wrapper around the predictor's
forward call, the tensors the model received and the model's raw outputs.
It writes testdata/pyproc/<case>/{model_hyperparameters.json,
training_set_metadata.json,golden.json}: the rows (as JSON records), the
inputs (dtype, shape, values), the model's `<feature>::logits` outputs,
predict's columns in their order, and the input specs of the graph that
LudwigModel.export_model(format="torch_export") writes (model.pt2).
"""

import json
import logging
import math
import os
import random
import shutil
import sys
import tempfile

import numpy as np
import pandas as pd
import torch

import ludwig
from ludwig.api import LudwigModel
from ludwig.models import predictor as predictor_mod

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pyproc")

WORDS = ["red", "green", "blue", "fast", "slow", "big", "small", "cat", "dog", "sun", "été"]
H3_CELLS = [617700169958293503, 617700169958031359, 617700169961177087, 617700169964847103]


def rng_rows(n, seed):
    r = random.Random(seed)
    rows = []
    for i in range(n):
        x = r.uniform(1.0, 10.0)
        cat = r.choice(["Paris", "Rome", "Oslo"]) if i % 7 else "Paris"
        rows.append(
            {
                "yes_no": r.choice(["Yes", "No"]),
                "flag": r.choice([True, False]),
                "num_z": x,
                "num_mm": r.uniform(-5, 5),
                "num_log": r.uniform(0.5, 50),
                "num_iq": r.uniform(0, 100),
                "city": cat,
                "tags": " ".join(r.sample(["a", "b", "c", "d"], r.randint(1, 3))),
                "words": " ".join(r.choice(WORDS) for _ in range(r.randint(1, 4))),
                "vec": " ".join(f"{r.uniform(-1, 1):.3f}" for _ in range(3)),
                "day": f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                "cell": r.choice(H3_CELLS),
                "text": " ".join(r.choice(WORDS).capitalize() for _ in range(r.randint(2, 6))) + "!",
                "seq": " ".join(r.choice(WORDS) for _ in range(r.randint(1, 5))),
                "ts": " ".join(f"{r.uniform(0, 1):.2f}" for _ in range(r.randint(2, 5))),
                "chars": r.choice(WORDS),
                "csv": ",".join(r.sample(WORDS[:5], 2)),
                "out_bin": x > 5,
                "out_human": "human" if x > 5 else "bot",
                "out_num": 2 * x + 1,
                "out_cat": ["low", "mid", "high"][min(2, int(x // 3.4))],
                "out_set": " ".join(s for s, keep in (("p", x > 3), ("q", x > 6), ("s", x < 8)) if keep) or "p",
                "out_vec": f"{x:.2f} {-x:.2f}",
                "out_seq": " ".join(WORDS[: 1 + int(x) % 4]),
            }
        )
    return rows


CASES = {
    # every input type with its common preprocessing options; outputs binary/number/category/set/vector
    "tabular": {
        "input_features": [
            {"name": "yes_no", "type": "binary"},
            {"name": "flag", "type": "binary"},
            {"name": "num_z", "type": "number", "preprocessing": {"normalization": "zscore",
                                                                     "outlier_strategy": "fill_with_mean",
                                                                     "outlier_threshold": 2.0}},
            {"name": "num_mm", "type": "number", "preprocessing": {"normalization": "minmax",
                                                                      "missing_value_strategy": "fill_with_const",
                                                                      "fill_value": 1.5}},
            {"name": "num_log", "type": "number", "preprocessing": {"normalization": "log1p"}},
            {"name": "num_iq", "type": "number", "preprocessing": {"normalization": "iq"}},
            {"name": "city", "type": "category"},
            {"name": "tags", "type": "set"},
            {"name": "words", "type": "bag"},
            {"name": "vec", "type": "vector"},
            {"name": "day", "type": "date", "preprocessing": {"datetime_format": "%Y-%m-%d",
                                                                 "fill_value": "2000-01-01"}},
            {"name": "cell", "type": "h3"},
            {"name": "text", "type": "text", "preprocessing": {"tokenizer": "space_punct", "max_sequence_length": 6,
                                                                 "lowercase": True}},
            {"name": "seq", "type": "sequence", "preprocessing": {"tokenizer": "space", "max_sequence_length": 5,
                                                                    "padding": "left"}},
            {"name": "ts", "type": "timeseries", "preprocessing": {"timeseries_length_limit": 4}},
        ],
        "output_features": [
            {"name": "out_bin", "type": "binary", "threshold": 0.4},
            {"name": "out_num", "type": "number", "preprocessing": {"normalization": "zscore"}},
            {"name": "out_cat", "type": "category", "top_k": 2},
            {"name": "out_set", "type": "set", "threshold": 0.45},
            {"name": "out_vec", "type": "vector"},
        ],
        "combiner": {"type": "concat"},
    },
    # other tokenizers, a category with <UNK>, string binary labels, log1p output, a text output
    "tokens": {
        "input_features": [
            {"name": "chars", "type": "text", "preprocessing": {"tokenizer": "characters",
                                                                "max_sequence_length": 8}},
            {"name": "csv", "type": "sequence", "preprocessing": {"tokenizer": "comma", "lowercase": False}},
            {"name": "city", "type": "category", "preprocessing": {"most_common": 2}},
            {"name": "num_z", "type": "number", "preprocessing": {"missing_value_strategy": "fill_with_mean"}},
        ],
        "output_features": [
            {"name": "out_human", "type": "binary", "preprocessing": {"fallback_true_label": "human"}},
            {"name": "out_num", "type": "number", "preprocessing": {"normalization": "log1p"}},
            {"name": "out_seq", "type": "text", "decoder": {"type": "generator", "max_sequence_length": 6},
             "preprocessing": {"max_sequence_length": 6}},
        ],
        "combiner": {"type": "concat"},
    },
    # booleans given as strings, bfill, a category vocabulary with <UNK>, output options
    "options": {
        "input_features": [
            {"name": "flag", "type": "binary"},
            {"name": "num_iq", "type": "number", "preprocessing": {"missing_value_strategy": "bfill"}},
            {"name": "city", "type": "category", "preprocessing": {"most_common": 2}},
            {"name": "num_log", "type": "number", "preprocessing": {"normalization": "log1p"}},
        ],
        "output_features": [
            {"name": "out_num", "type": "number", "preprocessing": {"normalization": "minmax"}, "clip": [4, 15]},
            {"name": "out_cat", "type": "category", "preprocessing": {"most_common": 2}},
            {"name": "out_set", "type": "set", "threshold": 0.3},
            {"name": "out_seq", "type": "sequence", "decoder": {"type": "generator", "max_sequence_length": 5},
             "preprocessing": {"max_sequence_length": 5}},
        ],
        "combiner": {"type": "concat"},
    },
}

# Values Ludwig refuses: (case, column, value); each is predicted alone, in the first row.
PROBES = [
    ("tabular", "yes_no", "maybe"),
    ("tabular", "yes_no", " Yes "),
    ("tabular", "num_log", -1.0),
    ("tabular", "num_log", None),
    ("tabular", "vec", "1 2"),
    ("tabular", "vec", None),
    ("options", "flag", "perhaps"),
]

# Rows predicted for the goldens: ordinary rows first, then edge cases.
NAN = float("nan")
EDGE = {
    "tabular": [
        {"yes_no": "Yes", "flag": False, "num_z": 100.0, "num_mm": None, "num_log": 3.0, "num_iq": 50.0,
         "city": "rome", "tags": "a zz", "words": "red red Blue", "vec": "0.5 -0.25 1e-3",
         "day": "2024-02-29", "cell": H3_CELLS[1], "text": "ÉTÉ, Été: RED!! x y z",
         "seq": "dog cat sun fast slow big", "ts": "0.5 nan 0.25 1 2 3", "out_bin": True},
        {"yes_no": "No", "flag": True, "num_z": None, "num_mm": 7.0, "num_log": 0.5, "num_iq": None,
         "city": " Oslo ", "tags": "d", "words": "", "vec": "1 2 3", "day": "not a date",
         "cell": H3_CELLS[2], "text": "", "seq": "", "ts": "0.1", "out_bin": False},
        {"yes_no": "No", "flag": True, "num_z": "4.5", "num_mm": -9.0, "num_log": 1.0, "num_iq": 99.0,
         "city": "Atlantis", "tags": "c b", "words": "cat", "vec": "0 0 0", "day": "2023-12-31",
         "cell": H3_CELLS[3], "text": "Über naïve façade", "seq": "DOG", "ts": "", "out_bin": False},
        {"yes_no": None, "flag": None, "num_z": None, "num_mm": None, "num_log": 1.0, "num_iq": None,
         "city": None, "tags": None, "words": None, "vec": "0 0 1", "day": None, "cell": None, "text": None,
         "seq": None, "ts": None},
    ],
    "tokens": [
        {"chars": "Ça va", "csv": "red , Green,blue", "city": "Rome", "num_z": None},
        {"chars": "averyveryverylongword", "csv": "", "city": "paris", "num_z": 3.25},
        {"chars": "", "csv": "sun", "city": None, "num_z": "x"},
    ],
    "options": [
        {"flag": "yes", "num_iq": None, "city": "Oslo", "num_log": 2.0},
        {"flag": "F", "num_iq": 42.0, "city": "oslo", "num_log": 0.25},
        {"flag": "1", "num_iq": None, "city": None, "num_log": 100.0},
    ],
}


def jsonable(v):
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return None if math.isnan(f) else f
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return [jsonable(x) for x in v]
    return v


def tensor_json(t):
    t = t.detach().cpu()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "data": jsonable(t.to(torch.float64).reshape(-1).numpy() if t.dtype != torch.bool
                             else t.reshape(-1).numpy())}


def probe(model, case, record):
    """Ludwig's exception for each value of PROBES, predicted alone in a copy of record."""
    out = []
    for c, column, value in PROBES:
        if c != case:
            continue
        row = dict(record)
        row[column] = value
        try:
            model.predict(pd.DataFrame([row]), return_type=pd.DataFrame)
            error = None
        except Exception as e:  # the type and first line of what Ludwig raised
            error = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        out.append({"column": column, "value": value, "error": error})
    return out


def export_specs(model, work):
    """Exports with the stock torch_export path and returns the graph's user inputs: {name: {dtype, shape}}."""
    out = os.path.join(work, "export")
    path = model.export_model(out, format="torch_export")
    ep = torch.export.load(path)
    specs = {}
    placeholders = {n.name: n for n in ep.graph.nodes if n.op == "placeholder"}
    for spec in ep.graph_signature.input_specs:
        if spec.kind != torch.export.graph_signature.InputKind.USER_INPUT:
            continue
        val = placeholders[spec.arg.name].meta["val"]
        specs[spec.arg.name] = {"dtype": str(val.dtype).replace("torch.", ""), "shape": [int(d) for d in val.shape]}
    # The user inputs are the flattened input dict: map them back to the feature names.
    names = list(model.model.input_features.keys())
    return dict(zip(names, specs.values())) if len(names) == len(specs) else specs


def copy_json_files(mdir, dest):
    """Copies the saved folder's two JSON files to dest, without the paths of the training run."""
    for f in ("model_hyperparameters.json", "training_set_metadata.json"):
        with open(os.path.join(mdir, f)) as src:
            data = json.load(src)
        data.pop("data_train_parquet_fp", None)
        data.pop("src", None)
        with open(os.path.join(dest, f), "w") as dst:
            json.dump(data, dst, indent=1, sort_keys=False)
            dst.write("\n")


def run_case(name, config, work):
    rows = rng_rows(60, seed=len(name))
    train = pd.DataFrame(rows)
    config = dict(config)
    config["trainer"] = {"epochs": 2, "batch_size": 16}
    model = LudwigModel(config, logging_level=logging.ERROR, backend="local")
    model.train(dataset=train, output_directory=os.path.join(work, "results"), skip_save_processed_input=True,
                skip_save_progress=True, skip_save_log=True, skip_save_model=True, random_seed=7)
    mdir = os.path.join(work, name)
    model.save(mdir)

    graph_inputs = export_specs(model, work)

    predict_rows = rng_rows(4, seed=100 + len(name)) + EDGE[name]
    in_names = [f["name"] for f in config["input_features"]]
    records = [{k: r.get(k) for k in in_names} for r in predict_rows]
    df = pd.DataFrame(records)

    captured = []
    original = predictor_mod.Predictor._predict_on_inputs

    def capture(self, inputs):
        outputs = original(self, inputs)
        captured.append(({k: v.clone() for k, v in inputs.items()}, {k: v.clone() for k, v in outputs.items() if isinstance(v, torch.Tensor)}))
        return outputs

    predictor_mod.Predictor._predict_on_inputs = capture
    try:
        preds, _ = model.predict(df, batch_size=len(df), return_type=pd.DataFrame)
    finally:
        predictor_mod.Predictor._predict_on_inputs = original
    assert len(captured) == 1, len(captured)
    inputs, outputs = captured[0]

    dest = os.path.join(OUT, name)
    os.makedirs(dest, exist_ok=True)
    copy_json_files(mdir, dest)
    golden = {
        "ludwig_version": ludwig.__version__,
        "torch_version": torch.__version__,
        "records": [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
                    for r in records],
        "inputs": {k: tensor_json(v) for k, v in inputs.items()},
        "outputs": {k: tensor_json(v) for k, v in outputs.items() if k.endswith("::logits")},
        "columns": [[c, jsonable(list(preds[c]))] for c in preds.columns],
        "graph_inputs": graph_inputs,
        "probes": probe(model, name, records[0]),
    }
    with open(os.path.join(dest, "golden.json"), "w") as f:
        json.dump(golden, f, indent=None, allow_nan=False)
        f.write("\n")
    print(name, "inputs", {k: (v["dtype"], v["shape"]) for k, v in golden["inputs"].items()})
    print(name, "outputs", {k: (v["dtype"], v["shape"]) for k, v in golden["outputs"].items()})
    print(name, "columns", list(preds.columns))


def main():
    torch.manual_seed(0)
    names = sys.argv[1:] or list(CASES)
    work = tempfile.mkdtemp(prefix="pyproc-gen-")
    try:
        for name in names:
            run_case(name, CASES[name], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
