"""What every scripted stand-in shares: the preprocessor's input type, the special vocabulary
symbols, the ModuleDict key of a feature, the flattened `<feature>::<key>` names of the predictor's
outputs, and the base of the predict modules (the three key names a real export stores on them).

TorchScript compiles the functions here into the archives that call them; their names follow the
layout of a real export (`code/__torch__/ludwig/...`), which nothing reads: only class names count.
"""
from typing import Dict, List, Tuple, Union

import torch

from scripted.naming import ludwig_name

# What a preprocessing module's forward takes (one of these, per feature): strings, tensors
# (dates, images, vectors), (waveform, sample rate) pairs (audio) or one tensor (numbers, h3).
ModuleInput = Union[List[str], List[torch.Tensor], List[Tuple[torch.Tensor, int]], torch.Tensor]

UNK = "<UNK>"
PAD = "<PAD>"
SOS = "<SOS>"
EOS = "<EOS>"
# Where the special symbols sit in a text/sequence vocabulary (set/bag vocabularies hold only UNK).
SYMBOL_SLOTS = ((EOS, 0), (SOS, 1), (PAD, 2), (UNK, 3))

# A feature's key in the stages' ModuleDicts: dots would make TorchScript attribute paths, so
# they are spelled out, and a suffix keeps the key clear of reserved words.
KEY_SUFFIX = "__ludwig"
DOT_IN_KEY = "__ludwig_punct_period__"

SEP = "::"  # between a feature name and an output key in the flattened dicts


def module_key(feature: str) -> str:
    """The ModuleDict key of a feature name (Python side: the stages are built with it)."""
    return feature.replace(".", DOT_IN_KEY) + KEY_SUFFIX


@ludwig_name("ludwig.features.feature_utils")
def feature_of_key(key: str) -> str:
    """The feature name a ModuleDict key stands for (scripted: the stages call it)."""
    spelled = key.replace("__ludwig_punct_period__", ".")  # DOT_IN_KEY (scripted code reads no str globals)
    return spelled[: len(spelled) - len("__ludwig")]


@ludwig_name("ludwig.utils.output_feature_utils")
def predictor_output(flat: Dict[str, torch.Tensor], feature: str, key: str) -> torch.Tensor:
    """flat["<feature>::<key>"], or a ValueError naming what is missing."""
    wanted = feature + "::" + key
    if wanted in flat:
        return flat[wanted]
    raise ValueError(f"the predictor's outputs have no {wanted} (keys: {list(flat.keys())})")


@ludwig_name("ludwig.utils.output_feature_utils")
def split_flat_key(flat_key: str) -> Tuple[str, str]:
    """("<feature>", "<key>") of a flattened name: the key follows the last separator."""
    parts = flat_key.split("::")
    return "::".join(parts[: len(parts) - 1]), parts[len(parts) - 1]


def keep(module: torch.nn.Module, **attributes) -> None:
    """Sets the attributes a scripted module carries (its metadata, baked into the export: the
    names are those native recognition reads)."""
    for name, value in attributes.items():
        setattr(module, name, value)


@ludwig_name("ludwig.features.base_feature")
class PredictModule(torch.nn.Module):
    """Base of the predict modules: the output key names live on the module (scripted code reads
    no module globals)."""

    def __init__(self):
        super().__init__()
        self.predictions_key = "predictions"
        self.probabilities_key = "probabilities"
        self.logits_key = "logits"
