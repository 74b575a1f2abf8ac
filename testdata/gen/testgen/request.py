"""Request (a column dict of JSON values) -> the preprocessor's input dict, as Ludwig's
to_inference_module_input_from_dataframe (ludwig/utils/inference_utils.py) builds it from a pandas
DataFrame, with the rules this project fixes for JSON:

- string-cast types (binary, category, bag, set, text, sequence, timeseries, vector): pandas
  `astype(str)`: JSON booleans -> "True"/"False"; a column of only integers -> "1"; integers in a
  column that also has floats or nulls -> float repr ("1.0"); floats -> Python repr ("2.5");
  null -> "nan" (deliberate: the spelling the scripted modules treat as missing).
- number: 1-D int64 tensor if every value is an integer, else float64 with NaN for null.
- h3: 1-D int64 tensor (parsed exactly, never through float64).
- date: List[Tensor], each int64[9], from strict strptime with the feature's datetime_format.
- image: List[Tensor] uint8 [C,H,W] decoded "unchanged" (testgen/media.read_image) from a path
  (relative to testdata/) or a data: URI.
- audio: List[Tuple[Tensor, int]] from torchaudio.load (testgen/media.read_audio), same sources.
"""
from datetime import datetime
from typing import Any, Dict, List

import torch

from scripted.vocab import date_vector
from testgen.media import read_audio, read_image

STRING_CAST_TYPES = {"binary", "category", "bag", "set", "text", "sequence", "timeseries", "vector"}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_float(v) -> bool:
    return isinstance(v, float)


def pandas_str_column(values: List[Any]) -> List[str]:
    """The strings pandas' astype(str) gives for a column built from these JSON values."""
    numeric_only = all(v is None or _is_int(v) or _is_float(v) for v in values)
    if numeric_only and any(_is_float(v) or v is None for v in values) and any(v is not None for v in values):
        # pandas makes a float64 column: integers are spelled as floats.
        return ["nan" if v is None else repr(float(v)) for v in values]
    out = []
    for v in values:
        if v is None:
            out.append("nan")
        elif isinstance(v, bool):
            out.append("True" if v else "False")
        elif _is_int(v):
            out.append(str(v))
        elif _is_float(v):
            out.append(repr(v))
        else:
            out.append(v)
    return out


def number_tensor(values: List[Any]) -> torch.Tensor:
    if all(_is_int(v) for v in values):
        return torch.tensor(values, dtype=torch.int64)
    return torch.tensor([float("nan") if v is None else float(v) for v in values], dtype=torch.float64)


def h3_tensor(values: List[Any]) -> torch.Tensor:
    return torch.tensor([int(v) for v in values], dtype=torch.int64)


def date_tensors(values: List[Any], datetime_format: str) -> List[torch.Tensor]:
    return [torch.tensor(date_vector(datetime.strptime(v, datetime_format))) for v in values]


def to_module_inputs(request: Dict[str, List[Any]], config: Dict[str, Any]) -> Dict[str, Any]:
    inputs = {}
    for f in config["input_features"]:
        values = request[f["column"]]
        t = f["type"]
        if t in STRING_CAST_TYPES:
            inputs[f["name"]] = pandas_str_column(values)
        elif t == "number":
            inputs[f["name"]] = number_tensor(values)
        elif t == "h3":
            inputs[f["name"]] = h3_tensor(values)
        elif t == "date":
            inputs[f["name"]] = date_tensors(values, f["preprocessing"]["datetime_format"])
        elif t == "image":
            inputs[f["name"]] = [read_image(v) for v in values]
        elif t == "audio":
            inputs[f["name"]] = [read_audio(v) for v in values]
        else:
            raise ValueError(f"no request conversion for input type {t} (add one here)")
    return inputs
