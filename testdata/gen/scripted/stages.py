"""The three stages of an export (`ludwig.models.inference`'s `_InferencePreprocessor`,
`_InferencePredictor`, `_InferencePostprocessor`), the monolithic `InferenceModule` that
`LudwigModel.to_torchscript()` scripts, and the module a v0.10 `.carton` holds.

Contract section 2: the preprocessor maps {input feature name: raw values} to {name: tensor}
through one module per feature in `preproc_modules` (keys from common.module_key); the predictor
runs the traced model, then each output feature's predict module, and returns the outputs
flattened as "<feature>::<key>"; the postprocessor runs one module per output feature on that
flat dict and flattens again. The InferenceModule chains the three (its staged methods included);
the carton module retypes a Dict[str, Any] for it and keeps each output's predictions.
"""
from typing import Any, Dict, List, Optional

import torch

from scripted.common import ModuleInput, feature_of_key, module_key, split_flat_key
from scripted.naming import ludwig_name
from scripted.registry import postprocessing_module, preprocessing_module

INFERENCE = "ludwig.models.inference"


def _keyed(modules: Dict[str, torch.nn.Module]) -> torch.nn.ModuleDict:
    return torch.nn.ModuleDict({module_key(name): m for name, m in modules.items()})


@ludwig_name(INFERENCE)
class _InferencePreprocessor(torch.nn.Module):
    def __init__(self, config: Dict[str, Any], training_set_metadata: Dict[str, Any]):
        super().__init__()
        self.preproc_modules = _keyed({
            f["name"]: preprocessing_module(f["type"], training_set_metadata[f["name"]])
            for f in config["input_features"]
        })

    def forward(self, inputs: Dict[str, ModuleInput]) -> Dict[str, torch.Tensor]:
        tensors: Dict[str, torch.Tensor] = {}
        for key, module in self.preproc_modules.items():
            name = feature_of_key(key)
            tensors[name] = module(inputs[name])
        return tensors


@ludwig_name(INFERENCE)
class _InferencePredictor(torch.nn.Module):
    """`model` is the stand-in ECD (scripted.ecd): traced here, with its predict modules."""

    def __init__(self, model, device: str):
        super().__init__()
        self.device = torch.device(device)
        self.model = model.to_torchscript(self.device)
        self.predict_modules = _keyed({name: m.to(device=self.device) for name, m in model.prediction_modules.items()})

    def forward(self, preproc_inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        logits = self.model(preproc_inputs)
        flat: Dict[str, torch.Tensor] = {}
        for key, module in self.predict_modules.items():
            name = feature_of_key(key)
            for out_key, value in module(logits, name).items():
                flat[name + "::" + out_key] = value
        return flat


@ludwig_name(INFERENCE)
class _InferencePostprocessor(torch.nn.Module):
    def __init__(self, config: Dict[str, Any], training_set_metadata: Dict[str, Any]):
        super().__init__()
        self.postproc_modules = _keyed({
            f["name"]: postprocessing_module(f["type"], training_set_metadata[f["name"]])
            for f in config["output_features"]
        })

    def forward(self, predictions_flattened: Dict[str, torch.Tensor]) -> Dict[str, Any]:
        flat: Dict[str, Any] = {}
        for key, module in self.postproc_modules.items():
            name = feature_of_key(key)
            for out_key, value in module(predictions_flattened, name).items():
                flat[name + "::" + out_key] = value
        return flat


@ludwig_name(INFERENCE)
def nest_by_feature(flat: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """{"<f>::<key>": v} -> {f: {key: v}}, features in first-seen order."""
    nested: Dict[str, Dict[str, Any]] = {}
    for flat_key, value in flat.items():
        feature, key = split_flat_key(flat_key)
        if feature not in nested:
            fresh: Dict[str, Any] = {}
            nested[feature] = fresh
        nested[feature][key] = value
    return nested


@ludwig_name(INFERENCE)
class InferenceModule(torch.nn.Module):
    """The three scripted stages in one module. config and training_set_metadata are plain
    attributes: TorchScript cannot type them, so the scripted module leaves them out."""

    def __init__(self, preprocessor, predictor, postprocessor,
                 config: Optional[Dict[str, Any]] = None, training_set_metadata: Optional[Dict[str, Any]] = None):
        super().__init__()
        self.preprocessor, self.predictor, self.postprocessor = preprocessor, predictor, postprocessor
        self.config, self.training_set_metadata = config, training_set_metadata

    def preprocessor_forward(self, inputs: Dict[str, ModuleInput]) -> Dict[str, torch.Tensor]:
        return self.preprocessor(inputs)

    def predictor_forward(self, preproc_inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Moves the tensors (in the caller's dict) to the predictor's device; runs without autograd."""
        for name in list(preproc_inputs.keys()):
            preproc_inputs[name] = preproc_inputs[name].to(self.predictor.device)
        with torch.no_grad():
            return self.predictor(preproc_inputs)

    def postprocessor_forward(self, predictions_flattened: Dict[str, torch.Tensor]) -> Dict[str, Dict[str, Any]]:
        return nest_by_feature(self.postprocessor(predictions_flattened))

    def forward(self, inputs: Dict[str, ModuleInput]) -> Dict[str, Dict[str, Any]]:
        return self.postprocessor_forward(self.predictor_forward(self.preprocessor_forward(inputs)))


@ludwig_name("generated.ts")
class GeneratedInferenceModule(torch.nn.Module):
    """What a v0.10 `.carton` holds as model/model.pt: forward takes Dict[str, Any] (each value must
    be one of the preprocessor's input types) and returns {output feature: its predictions}."""

    def __init__(self, inference_module, output_features: List[str]):
        super().__init__()
        self.inference_module = inference_module
        self.output_features = output_features

    def forward(self, inputs: Dict[str, Any]) -> Dict[str, Any]:
        typed: Dict[str, ModuleInput] = {}
        for name, value in inputs.items():
            assert isinstance(value, ModuleInput)
            typed[name] = value
        nested = self.inference_module(typed)
        return {name: nested[name]["predictions"] for name in self.output_features}


def carton_module(config: Dict[str, Any], inference_module) -> torch.jit.ScriptModule:
    """The scripted GeneratedInferenceModule around a scripted InferenceModule."""
    return torch.jit.script(GeneratedInferenceModule(inference_module, [f["name"] for f in config["output_features"]]))
