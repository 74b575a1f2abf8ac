# ludwig/utils/carton_utils.py (v0.10, subset): the module Ludwig's export_carton packs as model/model.pt.
# SIMPLIFIED: generate_carton_torchscript takes the config and the scripted InferenceModule instead of a
# LudwigModel (which it only used for `model.config` and `model.to_torchscript()`); the packing itself
# (cartonml's `carton.pack`) is re-done by testgen/artifacts.py, which writes the same zip layout.
import importlib.util
import os
import tempfile
from typing import Any, Dict

import torch

from ludwig.constants import NAME

INFERENCE_MODULE_TEMPLATE = """
from typing import Any, Dict, List, Tuple, Union
import torch
from ludwig.utils.types import TorchscriptPreprocessingInput

class GeneratedInferenceModule(torch.nn.Module):
    def __init__(self, inference_module):
        super().__init__()
        self.inference_module = inference_module

    def forward(self, inputs: Dict[str, Any]):
        retyped_inputs: Dict[str, TorchscriptPreprocessingInput] = {{}}
        for k, v in inputs.items():
            assert isinstance(v, TorchscriptPreprocessingInput)
            retyped_inputs[k] = v

        results = self.inference_module(retyped_inputs)
        return {output_dicts}
"""


def _get_output_dicts(config: Dict[str, Any]) -> str:
    results = []
    for feature in config["output_features"]:
        name = feature[NAME]
        results.append(f'"{name}": results["{name}"]["predictions"]')
    return "{" + ", ".join(results) + "}"


def generate_carton_torchscript(config: Dict[str, Any], inference_module: torch.jit.ScriptModule):
    # SIMPLIFIED: a fixed folder instead of a TemporaryDirectory, so the source path TorchScript records
    # in the saved module's debug info (and so the carton's bytes) is the same on every run.
    tmpdir = os.path.join(tempfile.gettempdir(), "ludwig_carton_generated")
    os.makedirs(tmpdir, exist_ok=True)
    ts_path = os.path.join(tmpdir, "generated.py")
    with open(ts_path, "w") as f:
        f.write(
            INFERENCE_MODULE_TEMPLATE.format(
                output_dicts=_get_output_dicts(config),
            )
        )

    spec = importlib.util.spec_from_file_location("generated.ts", ts_path)
    gen_ts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_ts)

    gen_module = gen_ts.GeneratedInferenceModule(inference_module)
    scripted_module = torch.jit.script(gen_module)
    return scripted_module
