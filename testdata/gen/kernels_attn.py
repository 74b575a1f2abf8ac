"""Traced test predictors for the Go engine's attention, sorting and
indexing kernels (core/kernels attention.go, sort.go, scatter.go,
advindex.go, glu.go).

Our own modules, shaped like Ludwig's: a transformer block with multi-head
self-attention built from linear/reshape/permute/matmul/softmax as Ludwig's
MultiHeadSelfAttention computes it, the sequence reducers ("last" through
advanced indexing, masks from amax/sign), the comparator's products, and
tabnet's sparse activations (sparsemax, 1.5-entmax by sorting, alpha-entmax
by bisection) with its GLU blocks. (topk and Tensor.repeat are the
recurrent family's: testdata/gen/kernels_rnn.py.) Each module takes a dict of input tensors
and returns a dict of output tensors. Run with Debian's Python (torch 1.13):

    /usr/bin/python3 testdata/gen/kernels_attn.py

It writes testdata/kernels/attn_*.pt and testdata/kernels/attn.json (for
each module, cases of inputs and the outputs the saved and re-loaded module
gives). Deterministic (fixed seeds). Float inputs are random, so their sorts see
no ties; the integer sort with ties is a stable one (the default sort's
order of tied indices is libtorch's implementation detail; see
core/kernels/sort.go).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from kernels import write_goldens  # testdata/gen/kernels.py: trace, save, run, write the JSON


class SelfAttention(nn.Module):
    """Heads split by reshape + permute, scores by a 4-D matmul."""

    def __init__(self, size, heads):
        super().__init__()
        self.heads, self.size = heads, size
        self.q, self.k, self.v = nn.Linear(size, size), nn.Linear(size, size), nn.Linear(size, size)
        self.out = nn.Linear(size, size)

    def split(self, t, b):
        return torch.permute(torch.reshape(t, (b, -1, self.heads, self.size // self.heads)), (0, 2, 1, 3))

    def forward(self, x):
        b = x.shape[0]
        q, k, v = self.split(self.q(x), b), self.split(self.k(x), b), self.split(self.v(x), b)
        scores = torch.matmul(q, k.permute(0, 1, 3, 2)) / math.sqrt(self.size // self.heads)
        w = F.softmax(scores, dim=-1)
        o = torch.matmul(w, v).permute(0, 2, 1, 3)
        return self.out(torch.reshape(o, (b, -1, self.size)))


class Attention(nn.Module):
    """A transformer block, sequence reducers and the batched products."""

    def __init__(self):
        super().__init__()
        self.attn = SelfAttention(8, 2)
        self.ln1, self.ln2 = nn.LayerNorm(8, eps=1e-6), nn.LayerNorm(8, eps=1e-6)
        self.ff = nn.Sequential(nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 8))
        self.bilinear = nn.Parameter(torch.randn(8, 8))

    def forward(self, x):
        seq, lens = x["seq"], x["lens"]
        b, s = seq.shape[0], seq.shape[1]
        mask = torch.arange(s) < torch.unsqueeze(lens, -1)  # [b, s]
        seq = seq * torch.unsqueeze(mask, -1).to(torch.float32)
        h1 = self.ln1(seq + self.attn(seq))
        block = self.ln2(h1 + self.ff(h1))
        # the "last" reducer: lengths from the padding, negatives cleared
        used = torch.sign(torch.amax(torch.abs(seq), [2]))
        last = torch.sum(used, [1]).to(torch.int32) - 1
        last[last < 0] = 0
        picked = block[torch.arange(b), last.to(torch.int64)]
        scores = torch.matmul(block, block.transpose(1, 2))
        masked = scores.masked_fill(torch.unsqueeze(mask, 1) == 0, -1e9)
        e1, e2 = block[:, 0], block[:, 1]
        bil = torch.bmm(torch.mm(e1, self.bilinear).unsqueeze(1), e2.unsqueeze(-1)).squeeze(-1)
        rows = torch.unsqueeze(picked, 1)
        return {
            "block": block,
            "picked": picked,
            "attn_masked": F.softmax(masked, -1),
            "bilinear": bil,
            "baddbmm": torch.baddbmm(scores, block, block.transpose(1, 2), beta=0.5, alpha=2.0),
            "matmul_bcast": torch.matmul(block, self.bilinear.expand(b, 8, 8)),
            "matmul_vec": torch.matmul(self.bilinear[0], block.transpose(1, 2)),
            "tile": torch.tile(rows, [1, s, 1]),
            "tile_rank": torch.tile(picked, [2, 1, 3]),
            "tile_short": torch.tile(block, [2]),
            "expand_as": rows.expand_as(block),
            "amin": torch.amin(seq, [1, 2], keepdim=True),
            "amax_int": torch.amax(x["ids"], 1),
            "index_mask": block[mask],
            "index_two": block[:, torch.tensor([0, 2])][..., torch.tensor([1, 3, 5])],
        }


def sparsemax(z):
    """Our sparsemax: project onto the simplex by sorting (rows)."""
    z = z - torch.max(z, -1, keepdim=True)[0]
    srt, _ = torch.sort(z, -1, descending=True)
    cum = torch.cumsum(srt, -1) - 1
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype).view(1, -1)
    support = (k * srt > cum).sum(-1, keepdim=True)
    tau = torch.gather(cum, -1, support - 1)
    tau /= support.to(z.dtype)
    return torch.clamp(z - tau, min=0)


def entmax15(z):
    """Our 1.5-entmax: the threshold from sorted running moments."""
    z = (z - torch.max(z, -1, keepdim=True)[0]) / 2
    srt, _ = torch.sort(z, -1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype).view(1, -1)
    mean = torch.cumsum(srt, -1) / k
    mean_sq = torch.cumsum(srt ** 2, -1) / k
    delta = torch.clamp((1 - k * (mean_sq - mean ** 2)) / k, 0)
    tau = mean - torch.sqrt(delta)
    n = (tau <= srt).sum(-1, keepdim=True)
    return torch.clamp(z - torch.gather(tau, -1, n - 1), min=0) ** 2


def entmax_bisect(z, alpha, steps):
    """Our alpha-entmax by bisection on the threshold (a few steps)."""
    a = alpha.expand(z.shape[0], 1)
    z = z * (a - 1)
    top = torch.max(z, -1, keepdim=True)[0]
    lo = top - 1
    width = top - torch.reciprocal(torch.tensor(float(z.shape[-1]))) ** (a - 1) - lo
    f_lo = (torch.clamp(z - lo, 0) ** torch.reciprocal(a - 1)).sum(-1) - 1
    p = z
    for _ in range(steps):
        width /= 2
        mid = lo + width
        p = torch.clamp(z - mid, 0) ** torch.reciprocal(a - 1)
        f = p.sum(-1) - 1
        lo = torch.where(torch.unsqueeze(f * f_lo >= 0, -1), mid, lo)
    return p / p.sum(-1, keepdim=True)


class Sparse(nn.Module):
    """tabnet's activations and the sort/gather/scatter family."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(6, 12)
        self.register_buffer("alpha", torch.tensor(1.3))

    def forward(self, x):
        f, idx, ids = x["f"], x["idx"], x["ids"]
        g = F.glu(self.fc(f), -1)
        vals, order = torch.sort(f, 1)
        zeros = f * 0
        return {
            "sparsemax": sparsemax(f),
            "entmax15": entmax15(f),
            "entmax_bisect": entmax_bisect(f, self.alpha, 6),
            "glu": g,
            "glu0": F.glu(f.transpose(0, 1), 0),
            "sort": vals,
            "sort_idx": order,
            "sort_desc_dim0": torch.sort(f, 0, descending=True)[0],
            "sort_int": torch.sort(ids * 7 % 11, -1)[0],
            "sort_stable": torch.sort(ids % 3, stable=True, dim=1, descending=True)[1],
            "gather": torch.gather(f, 1, idx),
            "gather_int": torch.gather(ids, 1, idx[:, :2]),
            "scatter": torch.scatter(zeros, 1, idx[:, :1], f[:, :1]),
            "scatter_value": torch.scatter(f, 1, idx[:, 1:2], 5.0),
            "scatter_add": torch.scatter_add(zeros, 1, idx, f[:, :3]),
            "cumsum": torch.cumsum(f, 1),
            "cumsum0": torch.cumsum(f, 0),
            "cumsum_int": torch.cumsum(ids, 1),
            "cumsum_bool": torch.cumsum(f > 0, 1),
            "reciprocal": torch.reciprocal(f),
            "sign": torch.sign(f),
        }


def inputs(seed, batch):
    g = torch.Generator().manual_seed(seed)
    return {
        "seq": torch.randn(batch, 5, 8, generator=g),
        "lens": torch.randint(0, 6, (batch,), generator=g),
        "ids": torch.randint(-20, 20, (batch, 6), generator=g),
        "f": torch.randn(batch, 6, generator=g) * 2,
        "idx": torch.randint(0, 6, (batch, 3), generator=g),
    }


def main():
    write_goldens("attn.json", [("attn_block", Attention), ("attn_sparse", Sparse)], inputs,
                  [(2, 4), (3, 7), (4, 1)], seed=16)


if __name__ == "__main__":
    main()
