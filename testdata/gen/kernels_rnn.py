"""Traced test predictors for the Go engine's recurrent kernels.

Modules of our own that call aten::lstm, aten::gru, aten::rnn_tanh and
aten::rnn_relu (through nn.LSTM / nn.GRU / nn.RNN, as Ludwig's recurrent
encoders and generator decoder do) over layer counts, directions,
batch_first, biases, given or zero initial states and float32/float64, and
a greedy decoding loop (repeat, topk, copy_ into a slice of a buffer, clone) like
Ludwig's traced sequence generator. Run with Debian's Python (torch 1.13):

    /usr/bin/python3 testdata/gen/kernels_rnn.py

It writes testdata/kernels/rnn_<name>.pt and testdata/kernels/rnn.json: for
each module, cases of inputs and the outputs the saved and re-loaded module
gives. Deterministic (fixed seeds).
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kernels import write_goldens  # noqa: E402

FEATURES, HIDDEN = 5, 4

# (cell, num_layers, bidirectional, batch_first, bias): every combination a
# Ludwig rnn/cnnrnn encoder can produce is covered by these axes.
SETTINGS = [
    (1, False, True, True),
    (2, False, True, True),
    (1, True, True, True),
    (2, True, False, True),
    (3, True, True, False),
    (1, False, False, False),
]


def stack(cls, dtype, **kw):
    layers = nn.ModuleList()
    for num_layers, bidi, batch_first, bias in SETTINGS:
        layers.append(cls(FEATURES, HIDDEN, num_layers=num_layers, bidirectional=bidi,
                          batch_first=batch_first, bias=bias, **kw).to(dtype))
    return layers


class Recurrent(nn.Module):
    """One cell type over SETTINGS, with zero and given initial states,
    float32 and float64."""

    def __init__(self, cls, **kw):
        super().__init__()
        self.lstm = cls is nn.LSTM
        self.f32 = stack(cls, torch.float32, **kw)
        self.f64 = stack(cls, torch.float64, **kw)

    def forward(self, x):
        out = {}
        for dt, layers in (("f", self.f32), ("d", self.f64)):
            for i, rnn in enumerate(layers):
                seq = x[dt]
                if not rnn.batch_first:
                    seq = seq.transpose(0, 1)
                o, h = rnn(seq)
                n = rnn.num_layers * (2 if rnn.bidirectional else 1)
                h0 = x[dt + "h"][:n]
                if self.lstm:
                    o2, (h2, c2) = rnn(seq, (h0, x[dt + "c"][:n]))
                    h, c = h
                    out[f"{dt}{i}_c"] = c
                    out[f"{dt}{i}_c_given"] = c2
                else:
                    o2, h2 = rnn(seq, h0)
                out[f"{dt}{i}_out"] = o
                out[f"{dt}{i}_h"] = h
                out[f"{dt}{i}_out_given"] = o2
                out[f"{dt}{i}_h_given"] = h2
        return out


class Decode(nn.Module):
    """A greedy decoding loop in the shape of Ludwig's traced generator:
    the state repeated over the batch, a logits buffer filled step by step
    with copy_ into a slice, topk picking the next token."""

    def __init__(self, steps=4, vocab=6):
        super().__init__()
        self.steps = steps
        self.embedding = nn.Embedding(vocab, FEATURES)
        self.rnn = nn.GRU(FEATURES, HIDDEN, batch_first=True)
        self.lstm = nn.LSTM(FEATURES, HIDDEN, batch_first=True)
        self.out = nn.Linear(HIDDEN, vocab)
        self.register_buffer("logits", torch.zeros(steps, vocab))
        self.register_buffer("start", torch.tensor([1]))

    def forward(self, x):
        h = x["f"][:, 0, :HIDDEN].unsqueeze(0).repeat(1, 1, 1)
        batch = h.size(1)
        logits = self.logits.unsqueeze(0).repeat(batch, 1, 1)
        tok = self.start.repeat(batch)
        for i in range(self.steps):
            o, h = self.rnn(self.embedding(tok.unsqueeze(1).to(torch.int32)), h)
            step = self.out(o)
            logits[:, i, :].copy_(step.squeeze(1))
            _, top = torch.topk(step, 1)
            tok = top.squeeze(1).squeeze(1).detach()
        h0 = x["f"][:, 0, :HIDDEN].unsqueeze(0)
        c0 = h0.clone()
        lo, (lh, lc) = self.lstm(self.embedding(tok.unsqueeze(1)), (h0.repeat(1, 1, 1), c0.repeat(1, 1, 1)))
        acc = x["f"].clone()
        acc[:, 0, 1:5:2].add_(x["f"][:, 0, :2])  # an in-place op on a view writes into acc
        v2, i2 = torch.topk(x["f"], 2, 2, largest=False)
        v3, i3 = torch.topk(x["d"], 3)
        return {"logits": logits, "h": h, "tok": tok, "topk_small": v2, "topk_small_i": i2,
                "topk3": v3, "topk3_i": i3, "add_view": acc, "lstm_step": lo, "lstm_h": lh, "lstm_c": lc, "repeat": x["f"][0].repeat(2, 1, 3)}


MODULES = [
    ("rnn_lstm", lambda: Recurrent(nn.LSTM)),
    ("rnn_gru", lambda: Recurrent(nn.GRU)),
    ("rnn_tanh", lambda: Recurrent(nn.RNN)),
    ("rnn_relu", lambda: Recurrent(nn.RNN, nonlinearity="relu")),
    ("rnn_decode", Decode),
]


# The sequence length of each input seed: one step (seed 3) and a few.
SEQ = {1: 4, 2: 4, 3: 1, 4: 3}


def inputs(seed, batch):
    g = torch.Generator().manual_seed(seed)
    seq = SEQ[seed]
    layers = 6  # the most layers*directions of SETTINGS
    return {
        "f": torch.randn(batch, seq, FEATURES, generator=g),
        "d": torch.randn(batch, seq, FEATURES, generator=g, dtype=torch.float64),
        "fh": torch.randn(layers, batch, HIDDEN, generator=g),
        "fc": torch.randn(layers, batch, HIDDEN, generator=g),
        "dh": torch.randn(layers, batch, HIDDEN, generator=g, dtype=torch.float64),
        "dc": torch.randn(layers, batch, HIDDEN, generator=g, dtype=torch.float64),
    }


if __name__ == "__main__":
    write_goldens("rnn.json", MODULES, inputs, [(2, 3), (3, 1), (4, 4)], seed=0)
