"""Which scripted module a feature of each type gets in each stage (the generator's counterpart of
Ludwig's per-type feature classes)."""
from typing import Any, Callable, Dict

import torch

from scripted import discrete, numeric, sequences, structured


# Image and audio modules import torchvision and torchaudio: only models that have such inputs need them.
def _image(meta):
    from scripted.media import _ImagePreprocessing

    return _ImagePreprocessing(meta)


def _audio(meta):
    from scripted.media import _AudioPreprocessing

    return _AudioPreprocessing(meta)


# type -> constructor(feature metadata)
PREPROCESSING: Dict[str, Callable[[Dict[str, Any]], torch.nn.Module]] = {
    "number": numeric._NumberPreprocessing,
    "binary": discrete._BinaryPreprocessing,
    "category": discrete._CategoryPreprocessing,
    "set": discrete._SetPreprocessing,
    "bag": lambda meta: discrete._SetPreprocessing(meta, is_bag=True),
    "text": sequences._SequencePreprocessing,
    "sequence": sequences._SequencePreprocessing,
    "timeseries": sequences._TimeseriesPreprocessing,
    "vector": lambda meta: structured._VectorPreprocessing(),
    "date": structured._DatePreprocessing,
    "h3": structured._H3Preprocessing,
    "image": _image,
    "audio": _audio,
}

# type -> constructor(output feature config)
PREDICT: Dict[str, Callable[[Dict[str, Any]], torch.nn.Module]] = {
    "number": lambda f: numeric._NumberPredict(f.get("clip")),
    "binary": lambda f: discrete._BinaryPredict(f.get("threshold", 0.5)),
    "category": lambda f: discrete._CategoryPredict(),
    "set": lambda f: discrete._SetPredict(f.get("threshold", 0.5)),
    "text": lambda f: sequences._SequencePredict(),
    "sequence": lambda f: sequences._SequencePredict(),
    "vector": lambda f: structured._VectorPredict(),
}

# type -> constructor(feature metadata)
POSTPROCESSING: Dict[str, Callable[[Dict[str, Any]], torch.nn.Module]] = {
    "number": numeric._NumberPostprocessing,
    "binary": discrete._BinaryPostprocessing,
    "category": discrete._CategoryPostprocessing,
    "set": discrete._SetPostprocessing,
    "text": sequences._SequencePostprocessing,
    "sequence": sequences._SequencePostprocessing,
    "vector": lambda meta: structured._VectorPostprocessing(),
}


def _pick(table, feature_type: str, stage: str):
    if feature_type not in table:
        raise ValueError(f"no {stage} module for feature type {feature_type!r} (add one in scripted/registry.py)")
    return table[feature_type]


def preprocessing_module(feature_type: str, metadata: Dict[str, Any]) -> torch.nn.Module:
    return _pick(PREPROCESSING, feature_type, "preprocessing")(metadata)


def predict_module(output_feature: Dict[str, Any]) -> torch.nn.Module:
    return _pick(PREDICT, output_feature["type"], "predict")(output_feature)


def postprocessing_module(feature_type: str, metadata: Dict[str, Any]) -> torch.nn.Module:
    return _pick(POSTPROCESSING, feature_type, "postprocessing")(metadata)
