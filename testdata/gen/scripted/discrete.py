"""Binary, category, set and bag features (class names of `ludwig.features.binary_feature`,
`category_feature` and `set_feature`; a bag input is a `_SetPreprocessing` that counts).

Behaviour (contract sections 4, 5 and 9):
- binary in: strings are stripped, then looked up in `str2bool` (the training labels) or, without
  one, lowercased and looked up among the true spellings; anything else is False. Tensors are
  cast to float32. Out: P(true) >= threshold; the postprocessor gives [1 - p, p] and the labels of
  `bool2str` when the metadata has one, else the bool tensor.
- category in: the stripped string's index, or the `<UNK>` index (0 without one). Out: argmax of
  the softmax, mapped back through `idx2str`.
- set/bag in: the tokens' multi-hot (set) or count (bag) vector, unknown tokens on `<UNK>`. Out:
  sigmoid >= threshold; the labels and the probabilities of the positive classes per row.
"""
from typing import Any, Dict, List

import torch

from scripted.common import UNK, ModuleInput, PredictModule, keep, predictor_output
from scripted.naming import ludwig_name
from scripted.tokenizers import make_tokenizer

BINARY = "ludwig.features.binary_feature"
CATEGORY = "ludwig.features.category_feature"
SET = "ludwig.features.set_feature"

# The spellings a binary column without str2bool metadata reads as True (after lowercasing).
TRUE_SPELLINGS = ("1", "1.0", "t", "true", "y", "yes")


@ludwig_name(BINARY)
class _BinaryPreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        labels = metadata.get("str2bool")
        self.str2bool = labels if labels else {s: True for s in TRUE_SPELLINGS}
        self.should_lower = labels is None

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, List[str]):
            truth: List[bool] = []
            for raw in v:
                key = raw.strip()
                if self.should_lower:
                    key = key.lower()
                truth.append(self.str2bool.get(key, False))
            return torch.tensor(truth, dtype=torch.float32)
        if torch.jit.isinstance(v, torch.Tensor):
            return v.to(dtype=torch.float32)
        if torch.jit.isinstance(v, List[torch.Tensor]):
            return torch.stack(v).to(dtype=torch.float32)
        raise ValueError(f"a binary feature takes strings or tensors, not {v}")


@ludwig_name(BINARY)
class _BinaryPredict(PredictModule):
    def __init__(self, threshold, calibration_module=None):
        super().__init__()
        # calibration_module: an optional module from logits to probabilities (none here).
        self.threshold, self.calibration_module = threshold, calibration_module

    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = predictor_output(inputs, feature_name, self.logits_key)
        calibrate = self.calibration_module
        p = torch.sigmoid(logits) if calibrate is None else calibrate(logits)
        return {self.probabilities_key: p, self.predictions_key: p >= self.threshold, self.logits_key: logits}


@ludwig_name(BINARY)
class _BinaryPostprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        labels = metadata.get("bool2str")
        keep(self, bool2str=None if labels is None else dict(enumerate(labels)),
             predictions_key="predictions", probabilities_key="probabilities")

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        decided = predictor_output(preds, feature_name, self.predictions_key)
        p = predictor_output(preds, feature_name, self.probabilities_key)
        pair = torch.stack([1 - p, p], dim=-1)
        names = self.bool2str
        if names is not None:
            spelled: List[str] = []
            for flag in decided.to(dtype=torch.int32):
                spelled.append(names.get(flag, names[0]))
            return {self.predictions_key: spelled, self.probabilities_key: pair}
        return {self.predictions_key: decided, self.probabilities_key: pair}


@ludwig_name(CATEGORY)
class _CategoryPreprocessing(torch.nn.Module):
    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        self.str2idx = metadata["str2idx"]
        # A vocabulary without <UNK> sends unknown values to index 0.
        self.unk = self.str2idx.get(UNK, 0)

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if torch.jit.isinstance(v, List[str]):
            ids: List[int] = []
            for raw in v:
                ids.append(self.str2idx.get(raw.strip(), self.unk))
            return torch.tensor(ids, dtype=torch.int32)
        raise ValueError(f"a category feature takes strings, not {v}")


@ludwig_name(CATEGORY)
class _CategoryPredict(PredictModule):
    def __init__(self, calibration_module=None, use_cumulative_probs=False):
        super().__init__()
        self.calibration_module, self.use_cumulative_probs = calibration_module, use_cumulative_probs

    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = predictor_output(inputs, feature_name, self.logits_key)
        calibrate = self.calibration_module
        if self.use_cumulative_probs:
            # Ordinal labels: the number of leading levels whose cumulative probability passes 1/2.
            levels = torch.sigmoid(logits) if calibrate is None else calibrate(logits)
            p = torch.cumprod(levels, dim=1)
            best = torch.sum(p > 0.5, dim=1)
        else:
            p = torch.softmax(logits, -1) if calibrate is None else calibrate(logits)
            best = torch.argmax(p, -1)
        return {self.predictions_key: best.long(), self.probabilities_key: p, self.logits_key: logits}


class _IndexedLabels(torch.nn.Module):
    """Postprocessing that names class indices: idx2str, with unk for an index it lacks."""

    def __init__(self, metadata: Dict[str, Any]):
        super().__init__()
        keep(self, idx2str=dict(enumerate(metadata["idx2str"])), unk=UNK,
             predictions_key="predictions", probabilities_key="probabilities")


@ludwig_name(CATEGORY)
class _CategoryPostprocessing(_IndexedLabels):

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        best = predictor_output(preds, feature_name, self.predictions_key)
        p = predictor_output(preds, feature_name, self.probabilities_key)
        names: List[str] = []
        for index in best:
            names.append(self.idx2str.get(index, self.unk))
        return {self.predictions_key: names, self.probabilities_key: p}


@ludwig_name(SET)
class _SetPreprocessing(torch.nn.Module):
    """Multi-hot rows (is_bag False) or token counts (is_bag True: a bag feature)."""

    def __init__(self, metadata: Dict[str, Any], is_bag: bool = False):
        super().__init__()
        prep = metadata["preprocessing"]
        keep(self, lowercase=prep["lowercase"], tokenizer=make_tokenizer(prep["tokenizer"]), is_bag=is_bag,
             vocab_size=metadata["vocab_size"], unit_to_id=metadata["str2idx"], unknown_symbol=UNK)

    def forward(self, v: ModuleInput) -> torch.Tensor:
        if not torch.jit.isinstance(v, List[str]):
            raise ValueError(f"a set or bag feature takes strings, not {v}")
        rows = torch.zeros(len(v), self.vocab_size, dtype=torch.float32)
        for r in range(len(v)):
            text = v[r].lower() if self.lowercase else v[r]
            units = self.tokenizer(text)
            assert torch.jit.isinstance(units, List[str])
            for unit in units:
                slot = self.unit_to_id[unit] if unit in self.unit_to_id else self.unit_to_id[self.unknown_symbol]
                if self.is_bag:
                    rows[r][slot] += 1
                else:
                    rows[r][slot] = 1
        return rows


@ludwig_name(SET)
class _SetPredict(PredictModule):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = predictor_output(inputs, feature_name, self.logits_key)
        p = torch.sigmoid(logits)
        chosen = torch.greater_equal(p, self.threshold).type(torch.int64)
        return {self.predictions_key: chosen, self.probabilities_key: p, self.logits_key: logits}


@ludwig_name(SET)
class _SetPostprocessing(_IndexedLabels):

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, Any]:
        chosen = predictor_output(preds, feature_name, self.predictions_key)
        p = predictor_output(preds, feature_name, self.probabilities_key)
        labels: List[List[str]] = []
        kept: List[torch.Tensor] = []
        for r in range(len(chosen)):
            flags = chosen[r]
            positive: List[int] = []
            named: List[str] = []
            for c in range(len(flags)):
                if bool(flags[c] == 1):
                    positive.append(c)
                    named.append(self.idx2str.get(c, self.unk))
            labels.append(named)
            kept.append(p[r][positive])
        return {self.predictions_key: labels, self.probabilities_key: kept}
