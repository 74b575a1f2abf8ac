"""Which scripted module each feature type gets (what Ludwig's feature classes' create_preproc_module,
create_predict_module and create_postproc_module return). SIMPLIFIED: functions instead of feature classes."""
from typing import Any, Dict

import torch

from ludwig.features import (
    audio_feature,
    bag_feature,
    binary_feature,
    category_feature,
    date_feature,
    h3_feature,
    image_feature,
    number_feature,
    sequence_feature,
    set_feature,
    timeseries_feature,
    vector_feature,
)


def create_preproc_module(feature_type: str, metadata: Dict[str, Any]) -> torch.nn.Module:
    if feature_type == "number":
        return number_feature._NumberPreprocessing(metadata)
    if feature_type == "category":
        return category_feature._CategoryPreprocessing(metadata)
    if feature_type == "binary":
        return binary_feature._BinaryPreprocessing(metadata)
    if feature_type == "set":
        return set_feature._SetPreprocessing(metadata)
    if feature_type == "bag":
        return bag_feature.create_preproc_module(metadata)
    if feature_type in ("text", "sequence"):
        return sequence_feature._SequencePreprocessing(metadata)
    if feature_type == "vector":
        return vector_feature._VectorPreprocessing()
    if feature_type == "timeseries":
        return timeseries_feature._TimeseriesPreprocessing(metadata)
    if feature_type == "date":
        return date_feature._DatePreprocessing(metadata)
    if feature_type == "h3":
        return h3_feature._H3Preprocessing(metadata)
    if feature_type == "image":
        return image_feature._ImagePreprocessing(metadata)
    if feature_type == "audio":
        return audio_feature._AudioPreprocessing(metadata)
    raise ValueError(f"no preprocessing module for input type {feature_type}")


def create_predict_module(feature_config: Dict[str, Any]) -> torch.nn.Module:
    feature_type = feature_config["type"]
    if feature_type == "number":
        return number_feature._NumberPredict(feature_config.get("clip"))
    if feature_type == "category":
        return category_feature._CategoryPredict(calibration_module=None, use_cumulative_probs=False)
    if feature_type == "binary":
        return binary_feature._BinaryPredict(feature_config.get("threshold", 0.5), calibration_module=None)
    if feature_type == "set":
        return set_feature._SetPredict(feature_config.get("threshold", 0.5))
    if feature_type in ("text", "sequence"):
        return sequence_feature._SequencePredict()
    if feature_type == "vector":
        return vector_feature._VectorPredict()
    raise ValueError(f"no predict module for output type {feature_type}")


def create_postproc_module(feature_type: str, metadata: Dict[str, Any]) -> torch.nn.Module:
    if feature_type == "number":
        return number_feature._NumberPostprocessing(metadata)
    if feature_type == "category":
        return category_feature._CategoryPostprocessing(metadata)
    if feature_type == "binary":
        return binary_feature._BinaryPostprocessing(metadata)
    if feature_type == "set":
        return set_feature._SetPostprocessing(metadata)
    if feature_type in ("text", "sequence"):
        return sequence_feature._SequencePostprocessing(metadata)
    if feature_type == "vector":
        return vector_feature._VectorPostprocessing()
    raise ValueError(f"no postprocessing module for output type {feature_type}")
