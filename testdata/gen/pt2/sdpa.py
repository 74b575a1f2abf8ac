"""Writes testdata/pt2/sdpa.golden.json: torch's
scaled_dot_product_attention on small inputs (masks bool and float,
broadcast; causal; explicit scale; float64), for core/kernels' test.

    python testdata/gen/pt2/sdpa.py   (the torch >= 2.8 venv, testdata/README.md)
"""

import json
import os

import torch
import torch.nn.functional as F


def tj(t):
    t = t.contiguous()
    data = [bool(v) for v in t.reshape(-1).tolist()] if t.dtype == torch.bool else t.reshape(-1).tolist()
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "data": data}


def main():
    g = torch.Generator().manual_seed(5)
    cases = []

    def add(name, q, k, v, mask=None, causal=False, scale=None):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, scale=scale)
        case = {"name": name, "q": tj(q), "k": tj(k), "v": tj(v), "causal": causal,
                "scale": scale, "out": tj(out)}
        if mask is not None:
            case["mask"] = tj(mask)
        cases.append(case)

    def r(*shape, dt=torch.float32):
        return torch.randn(*shape, generator=g, dtype=dt)

    add("plain_4d", r(2, 2, 4, 3), r(2, 2, 4, 3), r(2, 2, 4, 3))
    add("l_ne_s_ev_ne_e", r(2, 3, 4), r(2, 5, 4), r(2, 5, 6))
    add("bool_mask_broadcast", r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4),
        mask=torch.tensor([[True, False, True, True, False]] * 3))
    add("float_mask", r(1, 3, 4), r(1, 3, 4), r(1, 3, 4), mask=r(1, 3, 3))
    add("causal", r(2, 4, 2), r(2, 4, 2), r(2, 4, 2), causal=True)
    add("scale", r(3, 2, 5), r(3, 2, 5), r(3, 2, 5), scale=0.3)
    add("float64", r(2, 3, 4, dt=torch.float64), r(2, 3, 4, dt=torch.float64), r(2, 3, 4, dt=torch.float64))
    add("2d", r(3, 4), r(5, 4), r(5, 2))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pt2", "sdpa.golden.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
