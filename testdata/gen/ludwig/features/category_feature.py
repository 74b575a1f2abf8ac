# ludwig/features/category_feature.py (scripted parts, verbatim)
from typing import Dict, List

import torch

from ludwig.constants import PREDICTIONS, PROBABILITIES
from ludwig.features.base_feature import PredictModule
from ludwig.types import FeaturePostProcessingOutputDict, TrainingSetMetadataDict
from ludwig.utils import output_feature_utils
from ludwig.utils.strings_utils import UNKNOWN_SYMBOL
from ludwig.utils.types import TorchscriptPreprocessingInput


class _CategoryPreprocessing(torch.nn.Module):
    def __init__(self, metadata: TrainingSetMetadataDict):
        super().__init__()
        self.str2idx = metadata["str2idx"]
        if UNKNOWN_SYMBOL in self.str2idx:
            self.unk = self.str2idx[UNKNOWN_SYMBOL]
        else:
            # self.unk is set to 0 to comply with Torchscript type tracing and will
            # likely not be used during training, but potentially during inference
            self.unk = 0

    def forward(self, v: TorchscriptPreprocessingInput) -> torch.Tensor:
        if not torch.jit.isinstance(v, List[str]):
            raise ValueError(f"Unsupported input: {v}")

        indices = [self.str2idx.get(s.strip(), self.unk) for s in v]
        return torch.tensor(indices, dtype=torch.int32)


class _CategoryPostprocessing(torch.nn.Module):
    def __init__(self, metadata: TrainingSetMetadataDict):
        super().__init__()
        self.idx2str = {i: v for i, v in enumerate(metadata["idx2str"])}
        self.unk = UNKNOWN_SYMBOL
        self.predictions_key = PREDICTIONS
        self.probabilities_key = PROBABILITIES

    def forward(self, preds: Dict[str, torch.Tensor], feature_name: str) -> FeaturePostProcessingOutputDict:
        predictions = output_feature_utils.get_output_feature_tensor(preds, feature_name, self.predictions_key)
        probabilities = output_feature_utils.get_output_feature_tensor(preds, feature_name, self.probabilities_key)

        inv_preds = [self.idx2str.get(pred, self.unk) for pred in predictions]

        return {
            self.predictions_key: inv_preds,
            self.probabilities_key: probabilities,
        }


class _CategoryPredict(PredictModule):
    def __init__(self, calibration_module=None, use_cumulative_probs=False):
        super().__init__()
        self.calibration_module = calibration_module

        # Derive the label from the cumulative probability distribution of the ordered category logits.
        self.use_cumulative_probs = use_cumulative_probs

    def forward(self, inputs: Dict[str, torch.Tensor], feature_name: str) -> Dict[str, torch.Tensor]:
        logits = output_feature_utils.get_output_feature_tensor(inputs, feature_name, self.logits_key)

        if self.use_cumulative_probs:
            if self.calibration_module is not None:
                probabilities = self.calibration_module(logits)
            else:
                probabilities = torch.sigmoid(logits)
            probabilities = torch.cumprod(probabilities, dim=1)

            predict_levels = probabilities > 0.5
            predictions = torch.sum(predict_levels, dim=1)
        else:
            if self.calibration_module is not None:
                probabilities = self.calibration_module(logits)
            else:
                probabilities = torch.softmax(logits, -1)
            predictions = torch.argmax(probabilities, -1)

        predictions = predictions.long()

        # EXPECTED SHAPE OF RETURNED TENSORS
        # predictions: [batch_size]
        # probabilities: [batch_size, num_classes]
        # logits: [batch_size, num_classes]
        return {self.predictions_key: predictions, self.probabilities_key: probabilities, self.logits_key: logits}
