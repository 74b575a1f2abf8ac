"""Number features: the normalisations (`*Transformer`), outlier replacement, and the number
preprocessing, predict and postprocessing modules (class names of `ludwig.features.number_feature`).

Preprocessing (contract section 4): NaN -> the computed fill value in the input's dtype, then
float32; values whose z-score (metadata mean and std) exceeds the outlier threshold -> the outlier
fill value; then the normalisation. Postprocessing undoes the normalisation. Python floats meet
float32 tensors as libtorch rounds them, so every formula is written as a real export computes it:
(x - shift) / scale forward, x * scale + shift back.
"""
import math
from typing import Any, Dict, Optional

import torch

from scripted.common import ModuleInput, PredictModule, keep, predictor_output
from scripted.naming import ludwig_name

NUMBER = "ludwig.features.number_feature"


def _opt_float(x) -> Optional[float]:
    return None if x is None else float(x)


class _Affine(torch.nn.Module):
    """A normalisation that shifts and scales; subclasses name the two numbers after Ludwig's
    statistics (native recognition reads those attributes)."""

    def shifted(self, x: torch.Tensor, shift: float, scale: float) -> torch.Tensor:
        return (x - shift) / scale

    def restored(self, x: torch.Tensor, shift: float, scale: float) -> torch.Tensor:
        return x * scale + shift


@ludwig_name(NUMBER)
class ZScoreTransformer(_Affine):
    def __init__(self, mean: float = None, std: float = None, **stats):
        super().__init__()
        if std is not None and float(std) == 0:
            raise RuntimeError(f"zscore normalization of {stats.get('name', '')!r}: the standard deviation is 0")
        keep(self, mu=_opt_float(mean), sigma=_opt_float(std), feature_name=stats.get("name", ""))

    def transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.shifted(x, self.mu, self.sigma)

    def inverse_transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.restored(x, self.mu, self.sigma)


@ludwig_name(NUMBER)
class MinMaxTransformer(_Affine):
    def __init__(self, min: float = None, max: float = None, **stats):
        super().__init__()
        low, high = _opt_float(min), _opt_float(max)
        keep(self, min_value=low, max_value=high, range=None if low is None or high is None else high - low)

    def transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.shifted(x, self.min_value, self.range)

    def inverse_transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.restored(x, self.min_value, self.range)


@ludwig_name(NUMBER)
class InterQuartileTransformer(_Affine):
    def __init__(self, q1: float = None, q2: float = None, q3: float = None, **stats):
        super().__init__()
        low, mid, high = _opt_float(q1), _opt_float(q2), _opt_float(q3)
        keep(self, q1=low, q2=mid, q3=high, interquartile_range=None if low is None or high is None else high - low,
             feature_name=stats.get("name", ""))

    def transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.shifted(x, self.q2, self.interquartile_range)

    def inverse_transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.restored(x, self.q2, self.interquartile_range)


class _Stateless(torch.nn.Module):
    """A normalisation without statistics (the metadata's are ignored)."""

    def __init__(self, **stats):
        super().__init__()


@ludwig_name(NUMBER)
class Log1pTransformer(_Stateless):
    def transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log1p(x)

    def inverse_transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return torch.expm1(x)


@ludwig_name(NUMBER)
class IdentityTransformer(_Stateless):
    """No normalisation: both directions hand the values back."""

    def inverse_transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return self.transform_inference(x)

    def transform_inference(self, x: torch.Tensor) -> torch.Tensor:
        return x


NORMALIZATIONS = {
    "zscore": ZScoreTransformer,
    "minmax": MinMaxTransformer,
    "iq": InterQuartileTransformer,
    "log1p": Log1pTransformer,
    None: IdentityTransformer,
}


def normalization_of(metadata: Dict[str, Any]) -> torch.nn.Module:
    """The transformer the feature's `preprocessing.normalization` names, built from its statistics."""
    kind = metadata["preprocessing"].get("normalization")
    return NORMALIZATIONS[kind](**metadata)


@ludwig_name(NUMBER)
class _OutlierReplacer(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        prep = metadata["preprocessing"]
        keep(self, zscore_transformer=ZScoreTransformer(**metadata), outlier_threshold=prep.get("outlier_threshold"),
             computed_outlier_fill_value=float(prep["computed_outlier_fill_value"]))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        distance = self.zscore_transformer.transform_inference(v).abs()
        kept = v.masked_fill(distance > self.outlier_threshold, math.nan)
        return torch.nan_to_num(kept, nan=self.computed_outlier_fill_value).to(torch.float32)


@ludwig_name(NUMBER)
class _NumberPreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        prep = metadata["preprocessing"]
        keep(self, computed_fill_value=float(prep["computed_fill_value"]), numeric_transformer=normalization_of(metadata),
             outlier_replacer=None if prep.get("outlier_strategy") is None else _OutlierReplacer(metadata))

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, torch.Tensor):
            x = torch.nan_to_num(v, nan=self.computed_fill_value).to(torch.float32)
            if self.outlier_replacer is not None:
                x = self.outlier_replacer(x)
            return self.numeric_transformer.transform_inference(x)
        raise ValueError(f"a number feature takes a tensor, not {v}")


@ludwig_name(NUMBER)
class _NumberPredict(PredictModule):
    def __init__(self, clip):
        super().__init__()
        self.clip = clip

    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = predictor_output(inputs, feature_name, self.logits_key)
        bounds = self.clip
        if bounds is None:
            return {self.predictions_key: logits, self.logits_key: logits}
        return {self.predictions_key: torch.clamp(logits, bounds[0], bounds[1]), self.logits_key: logits}


@ludwig_name(NUMBER)
class _NumberPostprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        self.numeric_transformer = normalization_of(metadata)
        self.predictions_key = "predictions"

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        raw = predictor_output(preds, feature_name, self.predictions_key)
        return {self.predictions_key: self.numeric_transformer.inverse_transform_inference(raw)}
