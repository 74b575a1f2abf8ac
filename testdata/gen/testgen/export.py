"""Builds one export directory and its golden file from a ModelSpec."""
import json
import os
import shutil
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from scripted.ecd import ECD
from scripted.stages import _InferencePostprocessor, _InferencePredictor, _InferencePreprocessor

from testgen.encode import json_float, module_input_json, post_json, tensor_json
from testgen.meta import build_config_and_metadata
from testgen.request import to_module_inputs

PREPROCESSOR_FILE = "inference_preprocessor.pt"
PREDICTOR_FILE = "inference_predictor-cpu.pt"
POSTPROCESSOR_FILE = "inference_postprocessor.pt"
CONFIG_FILE = "model_hyperparameters.json"
METADATA_FILE = "training_set_metadata.json"


@dataclass
class ModelSpec:
    """One test export. `train` maps column -> training values (used for vocabularies/statistics and,
    first two rows, as the tracing batch). `cases` is a list of (case name, request column dict)."""

    name: str
    description: str
    inputs: List[Dict[str, Any]]
    outputs: List[Dict[str, Any]]
    train: Dict[str, List[Any]]
    cases: List[Tuple[str, Dict[str, List[Any]]]]
    seed: int = 0
    weight_scale: float = 1.5
    extra: Dict[str, Any] = field(default_factory=dict)


def save_json(path, data):
    # Ludwig's save_json: sort_keys=True, indent=4
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, sort_keys=True, indent=4, ensure_ascii=False)
        f.write("\n")


def first_rows(train: Dict[str, List[Any]], n: int) -> Dict[str, List[Any]]:
    return {k: v[:n] for k, v in train.items()}


def full_columns(config, metadata, post) -> Dict[str, List[float]]:
    """The extra columns of the `full` form (LudwigModel.predict / ludwig serve), from postprocessor output."""
    cols: Dict[str, List[float]] = {}
    for f in config["output_features"]:
        name, t = f["name"], f["type"]
        meta = metadata[name]
        if t == "binary":
            probs = post[f"{name}::probabilities"]  # [B,2] = [1-p, p]
            labels = meta.get("bool2str") or ["False", "True"]
            p = probs[:, 1]
            cols[f"{name}_probabilities_{labels[0]}"] = [json_float(x) for x in probs[:, 0]]
            cols[f"{name}_probabilities_{labels[1]}"] = [json_float(x) for x in probs[:, 1]]
            cols[f"{name}_probability"] = [json_float(x) for x in torch.maximum(p, 1 - p)]
        elif t == "category":
            probs = post[f"{name}::probabilities"]  # [B,C]
            cols[f"{name}_probability"] = [json_float(x) for x in probs.max(dim=-1).values]
            for i, label in enumerate(meta["idx2str"]):
                cols[f"{name}_probabilities_{label}"] = [json_float(x) for x in probs[:, i]]
        elif t == "text":
            # TextOutputFeature.postprocess_predictions: the tokens joined by spaces.
            cols[f"{name}_response"] = [" ".join(row) for row in post[f"{name}::predictions"]]
    return cols


def build_modules(spec: ModelSpec, config, metadata):
    preprocessor = torch.jit.script(_InferencePreprocessor(config, metadata))
    torch.manual_seed(spec.seed)
    model = ECD(config, metadata, weight_scale=spec.weight_scale)
    model.center_output_biases(config, metadata, preprocessor(to_module_inputs(spec.train, config)))
    model.sample_inputs = preprocessor(to_module_inputs(first_rows(spec.train, 2), config))
    predictor = torch.jit.script(_InferencePredictor(model, device="cpu"))
    postprocessor = torch.jit.script(_InferencePostprocessor(config, metadata))
    return preprocessor, predictor, postprocessor


def write_export(spec: ModelSpec, models_root: str, golden_root: str) -> str:
    out_dir = os.path.join(models_root, spec.name)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    config, metadata = build_config_and_metadata(spec.name, spec.inputs, spec.outputs, spec.train)
    pre, pred, post = build_modules(spec, config, metadata)
    save_json(os.path.join(out_dir, CONFIG_FILE), config)
    save_json(os.path.join(out_dir, METADATA_FILE), metadata)
    pre.save(os.path.join(out_dir, PREPROCESSOR_FILE))
    pred.save(os.path.join(out_dir, PREDICTOR_FILE))
    post.save(os.path.join(out_dir, POSTPROCESSOR_FILE))

    # Goldens come from the saved and re-loaded modules.
    pre = torch.jit.load(os.path.join(out_dir, PREPROCESSOR_FILE))
    pred = torch.jit.load(os.path.join(out_dir, PREDICTOR_FILE))
    post = torch.jit.load(os.path.join(out_dir, POSTPROCESSOR_FILE))
    cases = []
    for case_name, request in spec.cases:
        module_inputs = to_module_inputs(request, config)
        preprocessed = pre(module_inputs)
        with torch.no_grad():
            predicted = pred(preprocessed)
        postprocessed = post(predicted)
        cases.append({
            "name": case_name,
            "request": request,
            "module_inputs": {k: module_input_json(v) for k, v in module_inputs.items()},
            "preprocessed": {k: tensor_json(v) for k, v in preprocessed.items()},
            "predicted": {k: tensor_json(v) for k, v in predicted.items()},
            "postprocessed": {k: post_json(v) for k, v in postprocessed.items()},
            "full": full_columns(config, metadata, postprocessed),
        })
    os.makedirs(golden_root, exist_ok=True)
    golden_path = os.path.join(golden_root, spec.name + ".json")
    with open(golden_path, "w", encoding="utf-8") as f:
        json.dump({"model": spec.name, "cases": cases}, f, indent=1, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    return out_dir
