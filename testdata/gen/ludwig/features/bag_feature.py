# ludwig/features/bag_feature.py (subset). Ludwig has no _BagPreprocessing class: a bag input is
# preprocessed by set_feature._SetPreprocessing with is_bag=True (token counts instead of multi-hot).
import torch

from ludwig.features.set_feature import _SetPreprocessing
from ludwig.types import TrainingSetMetadataDict


def create_preproc_module(metadata: TrainingSetMetadataDict) -> torch.nn.Module:
    return _SetPreprocessing(metadata, is_bag=True)
