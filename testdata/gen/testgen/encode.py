"""Golden JSON encodings: T (tensor), I (module input), P (postprocessor value)."""
import math
from typing import Any, Dict, List

import torch

DTYPE_NAMES = {
    torch.float32: "float32",
    torch.float64: "float64",
    torch.int32: "int32",
    torch.int64: "int64",
    torch.uint8: "uint8",
    torch.bool: "bool",
    torch.int8: "int8",
    torch.int16: "int16",
}


def _num(x):
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def json_float(x) -> Any:
    """A float32/float64 scalar (tensor or number) as a JSON number; NaN/Inf -> None (null)."""
    return _num(float(x))


def tensor_json(t: torch.Tensor) -> Dict[str, Any]:
    t = t.detach().cpu().contiguous()
    if t.dtype not in DTYPE_NAMES:
        raise TypeError(f"unsupported dtype {t.dtype}")
    flat = t.reshape(-1).tolist()  # float32 -> exact Python float of each element
    if t.dtype.is_floating_point:
        flat = [_num(float(x)) for x in flat]
    elif t.dtype == torch.bool:
        flat = [bool(x) for x in flat]
    else:
        flat = [int(x) for x in flat]
    return {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data": flat}


def module_input_json(v: Any) -> Dict[str, Any]:
    if isinstance(v, torch.Tensor):
        return {"kind": "tensor", "tensor": tensor_json(v)}
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return {"kind": "strings", "value": list(v)}
    if isinstance(v, list) and all(isinstance(x, torch.Tensor) for x in v):
        return {"kind": "tensors", "value": [tensor_json(x) for x in v]}
    if isinstance(v, list) and all(isinstance(x, tuple) and len(x) == 2 for x in v):
        return {"kind": "audio", "value": [{"waveform": tensor_json(w), "sample_rate": int(sr)} for w, sr in v]}
    raise TypeError(f"unsupported module input {type(v)}")


def post_json(v: Any) -> Dict[str, Any]:
    """Postprocessor values: Tensor, List[str], List[List[str]], List[Tensor] (batches are never empty)."""
    if isinstance(v, torch.Tensor):
        return {"kind": "tensor", "tensor": tensor_json(v)}
    if isinstance(v, list) and v:
        if all(isinstance(x, str) for x in v):
            return {"kind": "strings", "value": list(v)}
        if all(isinstance(x, list) and all(isinstance(y, str) for y in x) for x in v):
            return {"kind": "string_lists", "value": [list(x) for x in v]}
        if all(isinstance(x, torch.Tensor) for x in v):
            return {"kind": "tensors", "value": [tensor_json(x) for x in v]}
    raise TypeError(f"unsupported postprocessor value {type(v)}")
