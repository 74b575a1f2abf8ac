"""Traced test predictors for the Go engine's kernels (core/kernels).

Each module takes a dict of input tensors and returns a dict of output
tensors, the shape of Ludwig's predictor; together they call every operator
the Go engine implements for tabular predictors, over every dtype it
supports. Run with Debian's Python (torch 1.13):

    /usr/bin/python3 testdata/gen/kernels.py

It writes testdata/kernels/<name>.pt and testdata/kernels/golden.json: for
each module, cases of inputs and the outputs the saved and re-loaded module
gives. Deterministic (fixed seeds).
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "kernels")


class Dense(nn.Module):
    """linear, addmm, matmul, activations, softmaxes, norms, dropout."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 5)
        self.fc64 = nn.Linear(6, 3).double()
        self.w = nn.Parameter(torch.randn(6, 4))
        self.b = nn.Parameter(torch.randn(4))
        self.bn = nn.BatchNorm1d(5)
        self.bn.running_mean.uniform_(-1, 1)
        self.bn.running_var.uniform_(0.5, 2)
        self.ln = nn.LayerNorm(5)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        f, d = x["f"], x["d"]
        h = self.drop(self.fc(f))
        return {
            "linear": h,
            "linear64": self.fc64(d),
            "addmm": torch.addmm(self.b, f, self.w),
            "matmul": torch.matmul(f, self.w),
            "matvec": torch.matmul(f, self.w[:, 0]),
            "relu": F.relu(h),
            "leaky_relu": F.leaky_relu(h, 0.2),
            "elu": F.elu(h, 0.7),
            "gelu": F.gelu(h),
            "gelu_tanh": F.gelu(h, approximate="tanh"),
            "tanh": torch.tanh(h),
            "sigmoid": torch.sigmoid(d),
            "softmax": torch.softmax(h, -1),
            "log_softmax": torch.log_softmax(h, 1),
            "softmax0": torch.softmax(d, 0),
            "batch_norm": self.bn(h),
            "layer_norm": self.ln(h),
        }


class Shapes(nn.Module):
    """embedding, cat, stack, reshape, view, flatten, squeeze, unsqueeze,
    slice, select, index, to."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(7, 3)

    def forward(self, x):
        f, i, i32 = x["f"], x["i"], x["i32"]
        e = self.emb(i)
        e32 = self.emb(i32)
        u = torch.unsqueeze(f, 1)
        return {
            "embedding": e,
            "embedding32": e32,
            "cat": torch.cat([f, e, x["d"].to(torch.float32)], -1),
            "cat_promote": torch.cat([x["i16"], x["i8"]], 0),
            "stack": torch.stack([e, e32], 1),
            "reshape": torch.reshape(f, [-1, 2, 3]),
            "view": f.view(-1, 3),
            "flatten": torch.flatten(u, 1),
            "squeeze": torch.squeeze(u, 1),
            "squeeze_all": torch.squeeze(torch.reshape(f, [-1, 1, 6, 1])),
            "unsqueeze": u,
            "slice": f[:, 1:5:2],
            "slice_neg": f[:, -2:],
            "select": f[:, 3],
            "select_row": f[0],
            "index": f[i % 2 == 0],
            "index_select": torch.index_select(f, 1, i[:2] % 6),
            "transpose": torch.transpose(f, 0, 1).contiguous(),
            "to_f64": f.to(torch.float64),
            "to_i64": (f * 10).to(torch.int64),
            "to_i32": (f * 10).to(torch.int32),
            "to_i16": (f * 10).to(torch.int16),
            "to_i8": (f * 10).to(torch.int8),
            "to_u8": (f.abs() * 10).to(torch.uint8),
            "to_bool": f.to(torch.bool),
            "u8_to_f": x["u8"].to(torch.float32),
            "b_to_i": x["b"].to(torch.int64),
        }


class Arith(nn.Module):
    """arithmetic with promotion, reductions, comparisons, where,
    masked_fill, clamp."""

    def forward(self, x):
        f, d, i, i32, i16, i8, u8, b = x["f"], x["d"], x["i"], x["i32"], x["i16"], x["i8"], x["u8"], x["b"]
        fi = torch.unsqueeze(i, 1)
        return {
            "add": f + d,
            "add_int_float": fi + f,
            "add_scalar": f + 2,
            "add_alpha": torch.add(f, f, alpha=3),
            "sub": i32 - i16,
            "mul": i8 * u8,
            "mul_u8_i8": u8 * i8,
            "div": i / 2,
            "div_f": f / d,
            "neg": -i16,
            "pow": torch.pow(f, 2),
            "int_scalar": i32 * 3,
            "bool_add": b + b,
            "sum": torch.sum(f, [1]),
            "sum_int": torch.sum(i32),
            "sum_bool": torch.sum(b, [0]),
            "sum_keep": torch.sum(d, [0], keepdim=True),
            "mean": torch.mean(f, [1]),
            "max": torch.max(f),
            "max_dim": torch.max(f, 1)[0],
            "max_idx": torch.max(f, 1)[1],
            "argmax": torch.argmax(f, -1),
            "argmax_all": torch.argmax(d),
            "cumprod": torch.cumprod(torch.sigmoid(f), 1),
            "cumprod_int": torch.cumprod(i16, 0),
            "gt": torch.gt(f, 0.5),
            "ge": f >= d,
            "lt": i < 3,
            "le": i32 <= i16,
            "eq": i8 == 1,
            "ne": torch.ne(u8, 2),
            "where": torch.where(f > 0, f, d),
            "where_scalar": torch.where(b, i, 0),
            "masked_fill": torch.masked_fill(f, f < 0, -1.5),
            "clamp": torch.clamp(f, -0.5, 0.5),
            "clamp_min": torch.clamp(i, min=2),
            "abs": torch.abs(i8),
            "exp_log": torch.log(torch.exp(d)),
        }


def inputs(seed, batch):
    g = torch.Generator().manual_seed(seed)
    return {
        "f": torch.randn(batch, 6, generator=g),
        "d": torch.randn(batch, 6, generator=g, dtype=torch.float64),
        "i": torch.randint(0, 7, (batch,), generator=g),
        "i32": torch.randint(0, 7, (batch,), generator=g).to(torch.int32),
        "i16": torch.randint(-300, 300, (batch,), generator=g).to(torch.int16),
        "i8": torch.randint(-100, 100, (batch,), generator=g).to(torch.int8),
        "u8": torch.randint(0, 255, (batch,), generator=g).to(torch.uint8),
        "b": torch.randint(0, 2, (batch,), generator=g).to(torch.bool),
    }


DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.int32: "int32",
    torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool",
}


def encode(t):
    data = []
    for v in t.flatten().tolist():
        if isinstance(v, float) and not math.isfinite(v):
            v = None if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        data.append(v)
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data": data}


def write_goldens(json_name, modules, make_inputs, cases, seed):
    """Traces each (name, class) of modules (seeded) on make_inputs(1, 4), saves it as
    OUT/<name>.pt, and writes OUT/<json_name>: per module, for each (seed, batch) of cases,
    the inputs and the outputs the saved and re-loaded module gives."""
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(seed)
    golden = {}
    for name, cls in modules:
        m = cls().eval()
        example = make_inputs(1, 4)
        with torch.no_grad():
            traced = torch.jit.trace(m, (example,), strict=False)
        path = os.path.join(OUT, name + ".pt")
        traced.save(path)
        loaded = torch.jit.load(path)
        runs = []
        for case_seed, batch in cases:
            x = make_inputs(case_seed, batch)
            with torch.no_grad():
                y = loaded(x)
            runs.append({"inputs": {k: encode(v) for k, v in x.items()},
                         "outputs": {k: encode(v) for k, v in y.items()}})
        golden[name] = runs
    with open(os.path.join(OUT, json_name), "w") as f:
        json.dump(golden, f, sort_keys=True)
        f.write("\n")
    print("wrote", os.path.join(OUT, json_name), file=sys.stderr)


def main():
    write_goldens("golden.json", [("dense", Dense), ("shapes", Shapes), ("arith", Arith)], inputs,
                  [(2, 4), (3, 9), (4, 1)], seed=0)


if __name__ == "__main__":
    main()
