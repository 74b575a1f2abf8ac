"""A committed Ludwig 0.17 model folder with its model.pt2: testdata/ludwig_model/<case>/.

Run in the Ludwig 0.17.10 venv (conformance/profiles/0.17.10):

    ~/.cache/ludwig-infer/ludwig-0.17.10-venv/bin/python testdata/gen/ludwig017/model_folder.py

It trains a tiny model on gen.py's synthetic rows (two epochs, CPU), saves
it, exports it with the stock `LudwigModel.export_model(format="torch_export")`
(batch fixed at 2), then reloads the program and saves it again without
node metadata that carries source (stack_trace, nn_module_stack,
source_fn_stack, from_node): the stock file's model.json holds Ludwig's
source lines, which cannot be committed; the graph, weights and signature
are the export's own. It writes the folder's two JSON files, model.pt2 and
golden.json: the rows, LudwigModel.predict's columns in order, the versions,
and the reloaded program's outputs on its own sample inputs.
"""

import json
import logging
import os
import shutil
import sys
import tempfile

import pandas as pd
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (rows, tensor_json, jsonable, copy_json_files)
import ludwig  # noqa: E402
from ludwig.api import LudwigModel  # noqa: E402

# LI_LUDWIG_MODEL_OUT writes elsewhere (by-hand checks of the larger cases below, not committed).
OUT = os.environ.get("LI_LUDWIG_MODEL_OUT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                             "ludwig_model")

CASES = {
    # concat combiner; binary, number, category, set and bag inputs; binary, number, category, set outputs
    "concat": {
        "input_features": [
            {"name": "yes_no", "type": "binary"},
            {"name": "num_z", "type": "number", "preprocessing": {"normalization": "zscore"}},
            {"name": "num_mm", "type": "number", "preprocessing": {"normalization": "minmax",
                                                                      "missing_value_strategy": "fill_with_const",
                                                                      "fill_value": 1.5}},
            {"name": "city", "type": "category"},
            {"name": "tags", "type": "set"},
            {"name": "words", "type": "bag"},
        ],
        "output_features": [
            {"name": "out_bin", "type": "binary", "threshold": 0.4},
            {"name": "out_num", "type": "number", "preprocessing": {"normalization": "zscore"}},
            {"name": "out_cat", "type": "category"},
            {"name": "out_set", "type": "set", "threshold": 0.45},
        ],
        "combiner": {"type": "concat", "output_size": 16},
    },
    # text through the parallel_cnn encoder (conv1d), a category input; category and binary outputs
    "text_cnn": {
        "input_features": [
            {"name": "text", "type": "text", "preprocessing": {"tokenizer": "space_punct", "max_sequence_length": 8,
                                                                 "lowercase": True},
             "encoder": {"type": "parallel_cnn", "embedding_size": 8, "num_filters": 4, "output_size": 8,
                         "num_fc_layers": 1}},
            {"name": "city", "type": "category"},
        ],
        "output_features": [
            {"name": "out_cat", "type": "category"},
            {"name": "out_bin", "type": "binary"},
        ],
        "combiner": {"type": "concat", "output_size": 8},
    },
    # the ft_transformer combiner (scaled_dot_product_attention), Ludwig 0.17's default for 3+ inputs
    "ft_transformer": {
        "input_features": [
            {"name": "num_z", "type": "number"},
            {"name": "num_mm", "type": "number", "preprocessing": {"normalization": "minmax"}},
            {"name": "city", "type": "category"},
            {"name": "yes_no", "type": "binary"},
        ],
        "output_features": [
            {"name": "out_num", "type": "number"},
            {"name": "out_cat", "type": "category"},
        ],
        "combiner": {"type": "ft_transformer", "hidden_size": 8, "num_heads": 2, "num_layers": 1,
                     "transformer_output_size": 8, "output_size": 8},
    },
}

# calibrated binary and category outputs (temperature scaling fit on the validation split: the
# temperatures are weights of model.pt2, read by the loader) and a category output trained with
# the CORN loss (cumulative probabilities)
CASES["calibrated"] = {
    "input_features": [
        {"name": "num_z", "type": "number"},
        {"name": "city", "type": "category"},
    ],
    "output_features": [
        {"name": "out_bin", "type": "binary", "calibration": True},
        {"name": "out_human", "type": "category", "calibration": True},
        {"name": "out_cat", "type": "category", "loss": {"type": "corn"}},
    ],
    "combiner": {"type": "concat", "output_size": 8},
}


def every_type():
    """core/pyproc's tabular config (every input type) with small encoders, so the graph stays small."""
    small = {"type": "parallel_cnn", "embedding_size": 8, "num_filters": 4, "output_size": 8, "num_fc_layers": 1}
    cfg = json.loads(json.dumps(gen.CASES["tabular"]))
    for f in cfg["input_features"]:
        if f["type"] in ("text", "sequence"):
            f["encoder"] = dict(small)
        elif f["type"] == "timeseries":
            f["encoder"] = {k: v for k, v in small.items() if k != "embedding_size"}
    cfg["combiner"] = {"type": "concat", "output_size": 16}
    return cfg


CASES["every_type"] = every_type()

# By hand only (LI_LUDWIG_MODEL_OUT): core/pyproc's golden configs, Ludwig's default encoders (every input
# type; a text output through the generator decoder).
BY_HAND = {"tabular": gen.CASES["tabular"], "tokens": gen.CASES["tokens"]}

DROP_META = ("stack_trace", "nn_module_stack", "source_fn_stack", "from_node", "torch_fn")


def resave(src, dst):
    ep = torch.export.load(src)
    for n in ep.graph.nodes:
        for k in DROP_META:
            n.meta.pop(k, None)
    torch.export.save(ep, dst)
    return ep


def run_case(name, config, work):
    config = dict(config, trainer={"epochs": 2, "batch_size": 16})
    model = LudwigModel(config, logging_level=logging.ERROR, backend="local")
    model.train(dataset=pd.DataFrame(gen.rng_rows(60, seed=len(name))), output_directory=os.path.join(work, "results"),
                skip_save_processed_input=True, skip_save_progress=True, skip_save_log=True, skip_save_model=True,
                random_seed=7)
    mdir = os.path.join(work, name)
    model.save(mdir)
    path = model.export_model(os.path.join(work, "export"), format="torch_export")
    dest = os.path.join(OUT, name)
    os.makedirs(dest, exist_ok=True)
    ep = resave(path, os.path.join(dest, "model.pt2"))
    with open(os.path.join(dest, "model.pt2"), "rb") as f:
        blob = f.read()
    for needle in (b"ludwig/", b"site-packages", b"File \""):
        if needle in blob:
            raise SystemExit(f"model.pt2 still holds {needle!r}")

    in_names = [f["name"] for f in config["input_features"]]
    records = [{k: r.get(k) for k in in_names} for r in gen.rng_rows(5, seed=200 + len(name))]
    if "num_mm" in records[1]:
        records[1]["num_mm"] = None  # filled
    if "city" in records[2]:
        records[2]["city"] = "berlin"  # unseen: the most frequent category
    if "text" in records[3]:
        records[3]["text"] = "ÉTÉ, Été: RED!! unseen words beyond the max length"  # Unicode, unknown, truncated
    preds, _ = model.predict(pd.DataFrame(records), batch_size=len(records), return_type=pd.DataFrame)
    # The reloaded program on its own sample inputs (Ludwig's, batch 2): the graph's outputs.
    two = ep.example_inputs[0][0]
    with torch.no_grad():
        out = ep.module()(two)

    gen.copy_json_files(mdir, dest)
    golden = {
        "ludwig_version": ludwig.__version__,
        "torch_version": torch.__version__,
        "records": records,
        "columns": [[c, gen.jsonable(list(preds[c]))] for c in preds.columns],
        "graph_inputs": {k: gen.tensor_json(v) for k, v in two.items()},
        "graph_outputs": {k: gen.tensor_json(torch.as_tensor(v)) for k, v in out.items()},
    }
    with open(os.path.join(dest, "golden.json"), "w") as f:
        json.dump(golden, f, allow_nan=False)
        f.write("\n")
    print(name, "columns", list(preds.columns))
    print(name, "ops", sorted({str(n.target) for n in ep.graph.nodes if n.op == "call_function"}))


def main():
    torch.manual_seed(0)
    work = tempfile.mkdtemp(prefix="ludwig-model-gen-")
    try:
        for name in sys.argv[1:] or list(CASES):
            run_case(name, CASES.get(name) or BY_HAND[name], work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
