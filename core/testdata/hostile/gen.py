"""Writes the wrong-schema TorchScript fixtures of core/hostile_test.go: tiny
modules that load in libtorch but are not what an export's stage should be.
Run with a Python that has torch (here /usr/bin/python3, torch 1.13):

    /usr/bin/python3 core/testdata/hostile/gen.py
"""
import os
from typing import Dict, List

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


class TensorForward(torch.nn.Module):
    """forward takes a tensor, not a dict."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class NoInput(torch.nn.Module):
    """forward takes no argument at all."""

    def forward(self) -> Dict[str, torch.Tensor]:
        return {"x": torch.zeros(1)}


class TensorDict(torch.nn.Module):
    """A preprocessor that takes Dict[str, Tensor]: string columns do not fit."""

    def forward(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        return {k: v.float() for k, v in inputs.items()}


class Raises(torch.nn.Module):
    """A preprocessor whose forward always raises."""

    def forward(self, inputs: Dict[str, List[str]]) -> Dict[str, torch.Tensor]:
        raise RuntimeError("hostile fixture: forward always fails")


class ReturnsList(torch.nn.Module):
    """A postprocessor returning a list where a dict is expected."""

    def forward(self, inputs: Dict[str, torch.Tensor]) -> List[torch.Tensor]:
        return [v for v in inputs.values()]


def main():
    for name, cls in [("tensor_forward", TensorForward), ("no_input", NoInput), ("tensor_dict", TensorDict),
                      ("raises", Raises), ("returns_list", ReturnsList)]:
        torch.jit.script(cls()).save(os.path.join(HERE, name + ".pt"))


if __name__ == "__main__":
    main()
