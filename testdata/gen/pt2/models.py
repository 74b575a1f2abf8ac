"""Small ECD-shaped models for the model.pt2 fixtures.

Each model takes what Ludwig's exported ECD takes: one dict of preprocessed
tensors keyed by input feature (number float32 [B], category int32 [B, 1],
binary bool [B], text int32 [B, L]) and returns a dict keyed the way Ludwig
keys its outputs (`<feature>::logits`, `::last_hidden`, `::projection_input`,
and a batch-wide `used_tokens` count). Written for this project: the layers
are plain torch.nn, the shapes and dtypes follow docs/pt2.md.
"""

import torch
from torch import nn
import torch.nn.functional as F

D = 8          # every feature's encoding width
VOCAB = 11     # category vocabulary
TOKENS = 13    # text vocabulary (0 is padding)
SEQ = 6        # text max_sequence_length
CLASSES = 4    # category output classes


class Encoders(nn.Module):
    """One encoder per input feature, each giving [B, D]."""

    def __init__(self, text_conv=False):
        super().__init__()
        self.num = nn.Linear(1, D)
        self.cat = nn.Embedding(VOCAB, D)
        self.bin = nn.Linear(1, D)
        self.tok = nn.Embedding(TOKENS, D, padding_idx=0)
        self.conv = nn.Conv1d(D, D, 3, padding="same") if text_conv else None

    def forward(self, inputs):
        num = self.num(inputs["num1"].unsqueeze(-1))
        cat = self.cat(inputs["cat1"]).squeeze(1)
        binf = self.bin(inputs["bin1"].to(torch.float32).unsqueeze(-1))
        text = inputs["text1"]
        mask = text.ne(0)
        emb = self.tok(text)
        if self.conv is not None:
            emb = self.conv(emb.transpose(1, 2)).transpose(1, 2)
        summed = (emb * mask.unsqueeze(-1).to(torch.float32)).sum(dim=1)
        count = mask.sum(dim=1, keepdim=True).clamp(min=1)
        txt = torch.tanh(summed / count)
        used = mask.sum()
        return [num, cat, torch.relu(binf), txt], used


class Heads(nn.Module):
    """Output features: category `label`, number `score`, binary `flag`."""

    def __init__(self, width):
        super().__init__()
        self.label = nn.Linear(width, CLASSES)
        self.score = nn.Linear(width, 1)
        self.flag = nn.Linear(width, 1)

    def forward(self, hidden, used):
        return {
            "label::last_hidden": hidden,
            "label::logits": self.label(hidden),
            "label::projection_input": hidden,
            "score::logits": self.score(hidden).squeeze(-1),
            "flag::logits": self.flag(hidden).squeeze(-1),
            "used_tokens": used,
        }


class ConcatECD(nn.Module):
    """Concat combiner: cat, fc, relu, dropout."""

    def __init__(self, text_conv=False):
        super().__init__()
        self.enc = Encoders(text_conv)
        self.fc = nn.Linear(4 * D, 16)
        self.drop = nn.Dropout(0.1)
        self.heads = Heads(16)
        # A buffer (as normalisation statistics are) and, in forward, a
        # tensor made there (export lifts it to a constant).
        self.register_buffer("shift", torch.linspace(-0.5, 0.5, 16))

    def forward(self, inputs):
        feats, used = self.enc(inputs)
        hidden = torch.relu(self.fc(torch.cat(feats, dim=1)) - self.shift)
        hidden = self.drop(hidden * torch.tensor([1.5]))
        return self.heads(hidden, used)


class AttentionECD(nn.Module):
    """A tiny ft_transformer-like combiner: the features as tokens, one
    multi-head scaled_dot_product_attention layer, layer norm, mean."""

    HEADS = 2

    def __init__(self):
        super().__init__()
        self.enc = Encoders()
        self.qkv = nn.Linear(D, 3 * D)
        self.out = nn.Linear(D, D)
        self.norm = nn.LayerNorm(D)
        self.drop = nn.Dropout(0.1)
        self.heads = Heads(D)

    def forward(self, inputs):
        feats, used = self.enc(inputs)
        x = torch.stack(feats, dim=1)  # [B, F, D]
        b, f = x.size(0), x.size(1)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        h = self.HEADS

        def split(t):
            return t.reshape(b, f, h, D // h).transpose(1, 2)

        a = F.scaled_dot_product_attention(split(q), split(k), split(v), dropout_p=0.0)
        a = a.transpose(1, 2).reshape(b, f, D)
        x = self.norm(x + self.drop(self.out(a)))
        return self.heads(x.mean(dim=1), used)


def example_inputs(batch, seed):
    """Deterministic inputs of the given batch: a few text rows fully padded,
    a few at full length."""
    g = torch.Generator().manual_seed(seed)
    text = torch.randint(0, TOKENS, (batch, SEQ), generator=g, dtype=torch.int32)
    lengths = torch.randint(0, SEQ + 1, (batch,), generator=g)
    for i in range(batch):
        text[i, int(lengths[i]):] = 0
    return {
        "num1": (torch.randn(batch, generator=g) * 3).to(torch.float32),
        "cat1": torch.randint(0, VOCAB, (batch, 1), generator=g, dtype=torch.int32),
        "bin1": torch.randint(0, 2, (batch,), generator=g).to(torch.bool),
        "text1": text,
    }
