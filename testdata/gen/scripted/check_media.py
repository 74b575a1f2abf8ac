"""Checks the scripted image and audio preprocessing of media.py against the committed goldens.

For image_input and audio_input: build the module from the model's training_set_metadata.json,
script it, save and reload it, run every golden case's module inputs through it and require the
golden's preprocessed tensor bit for bit; require the archive's code/ files, the class's scripted
attributes and its forward signature to be those of a real export; and recompute the audio
feature's max_length from its settings.

    /usr/bin/python3 testdata/gen/scripted/check_media.py

Exit status 0 when everything matches, 1 otherwise (each mismatch is printed).
"""
import json
import os
import sys
import tempfile
import zipfile

import torch

GEN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # testdata/gen
TESTDATA = os.path.dirname(GEN)
sys.path.insert(0, GEN)

from scripted.media import (  # noqa: E402
    _AudioPreprocessing,
    _ImagePreprocessing,
    get_length_in_samp,
    get_max_length_stft_based,
)

# model -> (input feature, module class, its scripted attributes, the code/ files a real export's
# feature module compiles to)
MODELS = {
    "image_input": ("photo", _ImagePreprocessing, [
        "resize_method : str", "torchvision_transform : NoneType", "height : int", "width : int",
        "num_channels : int",
    ], [
        "__torch__/ludwig/features/image_feature.py",
        "__torch__/ludwig/utils/image_utils.py",
        "__torch__/torch/nn/functional.py",
        "__torch__/torch/nn/functional/___torch_mangle_0.py",
        "__torch__/torchvision/transforms/functional.py",
        "__torch__/torchvision/transforms/functional_tensor.py",
    ]),
    "audio_input": ("voice", _AudioPreprocessing, [
        "audio_feature_dict : Dict[str, Union[float, int, str]]", "feature_dim : int", "max_length : int",
        "padding_value : float", "normalization_type : str",
    ], [
        "__torch__/ludwig/features/audio_feature.py",
        "__torch__/ludwig/utils/audio_utils.py",
        "__torch__/torchaudio/functional/filtering.py",
    ]),
}


def golden_tensor(t):
    return torch.tensor(t["data"], dtype=getattr(torch, t["dtype"])).reshape(t["shape"])


def module_input(value):
    if value["kind"] == "tensors":
        return [golden_tensor(t) for t in value["value"]]
    if value["kind"] == "audio":
        return [(golden_tensor(a["waveform"]), a["sample_rate"]) for a in value["value"]]
    raise ValueError("unexpected module input kind " + value["kind"])


def save_and_reload(module, workdir):
    """The scripted module as an export holds it, the code/ files of its archive and the text of the
    file holding its class."""
    path = os.path.join(workdir, type(module).__name__ + ".pt")
    torch.jit.save(torch.jit.script(module), path)
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if "/code/" in n and n.endswith(".py")]
        code = sorted(n.split("/code/", 1)[1] for n in names)
        feature_file = "/" + type(module)._jit_override_qualname.rsplit(".", 1)[0].replace(".", "/") + ".py"
        source = "".join(archive.read(n).decode() for n in names if n.endswith(feature_file))
    return torch.jit.load(path), code, source


def class_header(source, qualname):
    """The attribute lines of the class's scripted definition (TorchScript's own ones left out), and
    whether its forward takes the preprocessing input union and returns a Tensor."""
    cls = qualname.rsplit(".", 1)[1]
    head = source[source.index("class " + cls + "(Module):"):source.index("  def forward")]
    attributes = [line.strip() for line in head.splitlines()[1:]
                  if " : " in line and line.split(" : ")[0].strip() not in ("training", "_is_full_backward_hook")]
    signature = ("def forward(self: " + qualname + ",\n    v: Union[Tensor, List[Tuple[Tensor, int]], "
                 "List[Tensor], List[str]]) -> Tensor:") in source
    return attributes, signature


def same_bits(got, want):
    """(identical, max |difference|, equal elements, elements): float32 compared as bit patterns."""
    if got.dtype != want.dtype or got.shape != want.shape:
        return False, float("inf"), 0, want.numel()
    equal = got.contiguous().view(torch.int32) == want.contiguous().view(torch.int32)
    worst = float((got.double() - want.double()).abs().max()) if want.numel() else 0.0
    return bool(equal.all()), worst, int(equal.sum()), want.numel()


def check_model(name, workdir):
    feature, cls, want_attributes, want_code = MODELS[name]
    with open(os.path.join(TESTDATA, "models", name, "training_set_metadata.json")) as f:
        metadata = json.load(f)[feature]
    with open(os.path.join(TESTDATA, "golden", name + ".json")) as f:
        golden = json.load(f)
    failures = 0
    module, code, source = save_and_reload(cls(metadata), workdir)
    if code != want_code:
        print(f"FAIL {name}: archive code files {code}, want {want_code}")
        failures += 1
    attributes, signature = class_header(source, cls._jit_override_qualname)
    if attributes != want_attributes or not signature:
        print(f"FAIL {name}: scripted attributes {attributes} (want {want_attributes}), forward signature "
              f"{'as' if signature else 'not as'} in a real export")
        failures += 1
    for case in golden["cases"]:
        got = module(module_input(case["module_inputs"][feature]))
        identical, worst, equal, total = same_bits(got, golden_tensor(case["preprocessed"][feature]))
        print(f"{'ok  ' if identical else 'FAIL'} {name}/{case['name']}: {equal}/{total} bit-equal, "
              f"max |diff| {worst:.3g}")
        failures += not identical
    if name == "audio_input":
        prep = metadata["preprocessing"]
        rate = metadata["sampling_rate_in_hz"]
        limit = get_length_in_samp(prep["audio_file_length_limit_in_s"], rate)
        max_length = get_max_length_stft_based(limit, prep["window_length_in_s"], prep["window_shift_in_s"], rate)
        if max_length != metadata["max_length"]:
            print(f"FAIL {name}: max_length {max_length} from the settings, {metadata['max_length']} in the metadata")
            failures += 1
    return failures


def main():
    with tempfile.TemporaryDirectory() as workdir:
        failures = sum(check_model(name, workdir) for name in MODELS)
    print("media.py: " + ("all match" if not failures else f"{failures} mismatches"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
