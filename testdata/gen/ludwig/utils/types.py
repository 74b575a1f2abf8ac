# ludwig/utils/types.py (subset)
from typing import List, Tuple, Union

import torch

TorchscriptPreprocessingInput = Union[List[str], List[torch.Tensor], List[Tuple[torch.Tensor, int]], torch.Tensor]
TorchDevice = Union[str, torch.device]
