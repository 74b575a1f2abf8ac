"""Writes warn.pt: a scripted module whose forward issues a libtorch warning.

forward(Dict[str, Tensor]) -> Dict[str, Tensor] returns {"y": x + 1} for the
input's "x" after warnings.warn(...), which TorchScript runs as aten::warn, the
same TORCH_WARN path libtorch's own kernels use (for example Convolution's
padding='same' warning). It is the shape of a Ludwig predictor, so it loads as
a --model_only export. Run with any torch (the committed file was written by
torch 2.3.1 and loads in libtorch 1.13):  python warn.py
"""

import os
import warnings
from typing import Dict

import torch


class Warn(torch.nn.Module):
    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        warnings.warn("ludwig-infer test warning: forward was called")
        return {"y": inputs["x"] + 1}


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    torch.jit.save(torch.jit.script(Warn()), os.path.join(here, "warn.pt"))
