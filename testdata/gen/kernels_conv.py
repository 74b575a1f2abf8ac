"""Traced (and scripted) test predictors for the Go engine's convolution and
pooling kernels (core/kernels/conv.go, pool.go).

Each module takes a dict of input tensors and returns a dict of outputs,
like kernels.py's. Together they call aten::_convolution_mode (string
padding, as tracing records nn.Conv1d(padding="same")), aten::_convolution
(int padding), aten::conv1d/conv2d (scripted functional calls, int and
string padding), max_pool1d/2d and avg_pool1d/2d over strides, padding,
dilation, groups, ceil_mode, count_include_pad and divisor_override, in
float32 and float64, and one_hot; "encoders" is a stand-in with the structure of
Ludwig's parallel_cnn and stacked_cnn text encoders and stacked_cnn image
encoder (our own code). Run with Debian's Python (torch 1.13):

    /usr/bin/python3 testdata/gen/kernels_conv.py

It writes testdata/kernels/conv_<name>.pt and testdata/kernels/conv.json.
Deterministic (fixed seeds).
"""
import json
import os
import sys
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernels import OUT, encode  # noqa: E402


class Conv(nn.Module):
    """nn.Conv1d/Conv2d traced: string padding (odd and even kernels,
    dilation) and int padding (stride, groups, no bias), float32/64."""

    def __init__(self):
        super().__init__()
        self.same3 = nn.Conv1d(4, 6, 3, padding="same")
        self.same4 = nn.Conv1d(4, 5, 4, padding="same")  # even: one more on the right
        self.same_dil = nn.Conv1d(4, 3, 4, padding="same", dilation=3)
        self.valid = nn.Conv1d(4, 2, 5, padding="valid")
        self.strided = nn.Conv1d(4, 6, 3, stride=2, padding=2, groups=2, bias=False)
        self.dilated = nn.Conv1d(4, 4, 2, padding=1, dilation=2, groups=4)
        self.c64 = nn.Conv1d(4, 3, 2, padding="same").double()
        self.same2d = nn.Conv2d(3, 4, (2, 3), padding="same", dilation=(2, 1))
        self.valid2d = nn.Conv2d(3, 5, 3, padding="valid")
        self.strided2d = nn.Conv2d(3, 6, (3, 2), stride=(2, 3), padding=(1, 1), dilation=(1, 2), groups=3)
        self.nobias2d = nn.Conv2d(3, 2, 1, bias=False).double()

    def forward(self, x):
        s, d, img, img64 = x["s"], x["d"], x["img"], x["img64"]
        return {
            "same3": self.same3(s),
            "same4": self.same4(s),
            "same_dil": self.same_dil(s),
            "valid": self.valid(s),
            "strided": self.strided(s),
            "dilated": self.dilated(s),
            "same64": self.c64(d),
            "unbatched": self.same4(s[0]),
            "same2d": self.same2d(img),
            "valid2d": self.valid2d(img),
            "strided2d": self.strided2d(img),
            "nobias2d": self.nobias2d(img64),
        }


class Pool(nn.Module):
    """max_pool1d/2d and avg_pool1d/2d traced: padding (never chosen by
    max: the inputs are all negative), ceil_mode, dilation,
    count_include_pad, divisor_override, NaN, float32/64."""

    def forward(self, x):
        s, neg, d, img, nan = x["s"], x["neg"], x["d"], x["img"], x["nan"]
        return {
            "max1": F.max_pool1d(s, 2),
            "max1_pad": F.max_pool1d(neg, 3, 2, 1),
            "max1_ceil": F.max_pool1d(neg, 4, 3, 2, ceil_mode=True),
            "max1_dil": F.max_pool1d(s, 3, 1, 1, dilation=2),
            "max1_64": F.max_pool1d(d, 5, 5, 2),
            "max1_nan": F.max_pool1d(nan, 3),
            "max1_unbatched": F.max_pool1d(s[0], 3, 2),
            "max2": F.max_pool2d(img, 2),
            "max2_pad": F.max_pool2d(-img.abs(), (3, 2), (2, 1), (1, 1), ceil_mode=True),
            "max2_dil": F.max_pool2d(img, 2, 1, 0, dilation=(2, 1)),
            "avg1": F.avg_pool1d(s, 3),
            "avg1_pad": F.avg_pool1d(s, 4, 3, 2, ceil_mode=True),
            "avg1_nopad": F.avg_pool1d(s, 4, 3, 2, ceil_mode=True, count_include_pad=False),
            "avg1_64": F.avg_pool1d(d, 2, 1, 1),
            "avg2": F.avg_pool2d(img, 2),
            "avg2_pad": F.avg_pool2d(img, 3, 2, 1, ceil_mode=True, count_include_pad=False),
            "avg2_div": F.avg_pool2d(img, (2, 3), (1, 2), (1, 1), divisor_override=5),
        }


class Scripted(nn.Module):
    """Scripted functional calls: aten::conv1d/conv2d (int and string
    padding) and the pools with list arguments."""

    def __init__(self):
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(6, 2, 3))
        self.b1 = nn.Parameter(torch.randn(6))
        self.w2 = nn.Parameter(torch.randn(4, 3, 2, 2))

    def forward(self, x: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        s, img = x["s"], x["img"]
        return {
            "conv1d": F.conv1d(s, self.w1, self.b1, 1, 1, 1, 2),
            "conv1d_same": F.conv1d(s, self.w1, None, 1, "same", 2, 2),
            "conv1d_valid": F.conv1d(s, self.w1, self.b1, padding="valid", groups=2),
            "conv2d": F.conv2d(img, self.w2, None, [2, 1], [1, 0]),
            "conv2d_same": F.conv2d(img, self.w2, None, 1, "same"),
            "max_pool2d": F.max_pool2d(img, [3, 3], [2, 2], [1, 1], [1, 1], True),
            "avg_pool1d": F.avg_pool1d(s, [2], [2], [1], False, False),
        }


class Encoders(nn.Module):
    """Stand-ins with the structure of Ludwig's text encoders parallel_cnn
    (parallel same-padded conv1d + relu + max over time, concatenated,
    fully connected) and stacked_cnn (stacked conv1d with max_pool1d), and
    its stacked_cnn image encoder (conv2d valid + relu + max_pool2d,
    flattened, fully connected), over an embedding of token ids; and the
    one_hot of its one-hot category encoder."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.parallel = nn.ModuleList([nn.Conv1d(8, 5, k, padding="same") for k in (2, 3, 4, 5)])
        self.fc = nn.Linear(20, 4)
        self.stacked = nn.ModuleList([nn.Conv1d(8, 6, 3, padding="same"), nn.Conv1d(6, 6, 3, padding="same")])
        self.pool = nn.MaxPool1d(2, 2, 1)
        self.img = nn.ModuleList([nn.Conv2d(3, 4, 3, padding="valid"), nn.Conv2d(4, 4, 2, padding="valid")])
        self.img_pool = nn.MaxPool2d(2, 2)
        self.img_fc = nn.Linear(4, 3)

    def forward(self, x):
        tokens, img, cat = x["tokens"], x["img"], x["cat"]
        e = self.emb(tokens).transpose(1, 2)
        p = torch.cat([torch.max(F.relu(c(e)), 2)[0] for c in self.parallel], 1)
        h = e
        for c in self.stacked:
            h = self.pool(F.relu(c(h)))
        g = img
        for c in self.img:
            g = self.img_pool(F.relu(c(g)))
        return {
            "parallel_cnn": self.fc(p),
            "stacked_cnn": torch.sum(h, 2),
            "image_cnn": self.img_fc(torch.flatten(g, 1)),
            "one_hot": F.one_hot(cat.reshape(-1).long(), 6).to(torch.float32),
            "one_hot_inferred": F.one_hot(tokens),
        }


def inputs(seed, batch):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(batch, 4, 11, generator=g)
    nan = s.clone()
    nan[:, 1, 4] = float("nan")
    return {
        "s": s,
        "neg": -s.abs() - 1,
        "d": torch.randn(batch, 4, 9, generator=g, dtype=torch.float64),
        "img": torch.randn(batch, 3, 9, 10, generator=g),
        "img64": torch.randn(batch, 3, 5, 4, generator=g, dtype=torch.float64),
        "nan": nan,
        "tokens": torch.randint(0, 20, (batch, 7), generator=g),
        "cat": torch.randint(0, 6, (batch, 1), generator=g, dtype=torch.int32),
    }


# name, module, scripted (else traced), the inputs it reads
MODULES = [("conv_layers", Conv, False, ["s", "d", "img", "img64"]),
           ("conv_pool", Pool, False, ["s", "neg", "d", "img", "nan"]),
           ("conv_scripted", Scripted, True, ["s", "img"]),
           ("conv_encoders", Encoders, False, ["tokens", "img", "cat"])]


CASES = [(2, 2), (3, 1), (4, 3)]  # (seed, batch)


def encoded(tensors):
    return {k: encode(v) for k, v in tensors.items()}


def run_case(module, x):
    """One golden case: the inputs and what the re-loaded module gives."""
    with torch.no_grad():
        return {"inputs": encoded(x), "outputs": encoded(module(x))}


def build(name, cls, script, keys):
    """Traces (or scripts) one module, saves it, and returns its cases run
    by the re-loaded copy."""
    pick = lambda x: {k: v for k, v in x.items() if k in keys}  # noqa: E731
    m = cls().eval()
    with torch.no_grad():
        built = torch.jit.script(m) if script else torch.jit.trace(m, (pick(inputs(1, 2)),), strict=False)
    path = os.path.join(OUT, name + ".pt")
    built.save(path)
    loaded = torch.jit.load(path)
    return [run_case(loaded, pick(inputs(seed, batch))) for seed, batch in CASES]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    golden = {spec[0]: build(*spec) for spec in MODULES}
    with open(os.path.join(OUT, "conv.json"), "w") as f:
        f.write(json.dumps(golden, sort_keys=True) + "\n")
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
