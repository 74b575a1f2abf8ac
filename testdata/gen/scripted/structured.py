"""Vector, date and h3 features (class names of `ludwig.features.vector_feature`, `date_feature`
and `h3_feature`).

Behaviour (contract sections 3-5):
- vector in: a [B,D] tensor, a list of [D] tensors (stacked), or strings of white-space separated
  numbers (float32); a NaN anywhere raises. Out: the projection, as predictions and as logits.
- date in: the 9-int vectors (year, month, day, weekday, day of year, hour, minute, second,
  second of day), stacked and cast to int32.
- h3 in: int64 cell ids (NaN -> the fill value), each spelled as 19 uint8: mode, edge, resolution,
  base cell, then one 3-bit digit per resolution level, padded with 7 up to 15 digits. The bit
  layout is H3's (mode at bit 59, edge 56, resolution 52, base cell 45, digit i at 45 - 3i).
"""
from typing import Any, Dict, List

import torch

from scripted.common import ModuleInput, PredictModule, keep, predictor_output
from scripted.naming import ludwig_name

VECTOR = "ludwig.features.vector_feature"
DATE = "ludwig.features.date_feature"
H3 = "ludwig.features.h3_feature"

H3_LEVELS = 15  # finest H3 resolution: at most this many digits
H3_UNUSED_DIGIT = 7  # H3 writes 7 in the digits past a cell's resolution


@ludwig_name(VECTOR)
class _VectorPreprocessing(torch.nn.Module):
    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, List[str]):
            batch = torch.stack([self.numbers(text) for text in v])
        elif torch.jit.isinstance(v, List[torch.Tensor]):
            batch = torch.stack(v)
        elif torch.jit.isinstance(v, torch.Tensor):
            batch = v
        else:
            raise ValueError(f"a vector feature takes strings or tensors, not {v}")
        if bool(batch.isnan().any()):
            raise ValueError("a vector feature cannot have NaN values (no fill value is scripted)")
        return batch

    def numbers(self, text: str) -> torch.Tensor:
        values: List[float] = []
        for part in text.split():
            values.append(float(part))
        return torch.tensor(values, dtype=torch.float32)


@ludwig_name(VECTOR)
class _VectorPredict(PredictModule):
    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        projected = predictor_output(inputs, feature_name, self.logits_key)
        return {self.predictions_key: projected, self.logits_key: projected}


@ludwig_name(VECTOR)
class _VectorPostprocessing(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.predictions_key = "predictions"
        self.logits_key = "logits"

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        return {
            self.predictions_key: predictor_output(preds, feature_name, self.predictions_key),
            self.logits_key: predictor_output(preds, feature_name, self.logits_key),
        }


@ludwig_name(DATE)
class _DatePreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, torch.Tensor):
            return v.to(dtype=torch.int)
        if torch.jit.isinstance(v, List[torch.Tensor]):
            return torch.stack(v).to(dtype=torch.int)
        raise ValueError(f"a date feature takes int vectors, not {v}")


@ludwig_name("ludwig.utils.h3_util")
def h3_fields(cell: int) -> List[int]:
    """[mode, edge, resolution, base cell, digit 1, ..., digit resolution] of an H3 index."""
    resolution = (cell >> 52) & 15
    fields = [(cell >> 59) & 15, (cell >> 56) & 7, resolution, (cell >> 45) & 127]
    for level in range(1, resolution + 1):
        fields.append((cell >> (45 - 3 * level)) & 7)
    return fields


@ludwig_name(H3)
class _H3Preprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        keep(self, max_h3_resolution=H3_LEVELS, h3_padding_value=H3_UNUSED_DIGIT,
             computed_fill_value=float(metadata["preprocessing"]["computed_fill_value"]))

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, torch.Tensor):
            cells = v
        elif torch.jit.isinstance(v, List[torch.Tensor]):
            cells = torch.stack(v)
        else:
            raise ValueError(f"an h3 feature takes int64 cell ids, not {v}")
        cells = torch.nan_to_num(cells, nan=self.computed_fill_value).long()
        spelled: List[torch.Tensor] = []
        for cell in cells:
            fields = h3_fields(cell)
            unused = self.max_h3_resolution + 4 - len(fields)
            fields = fields + [self.h3_padding_value] * unused
            spelled.append(torch.tensor(fields, dtype=torch.uint8, device=cells.device))
        return torch.stack(spelled)
