"""Writes pandas_columns.json: how pandas types and spells JSON columns.

Each case is a JSON array as Python's json.dumps writes it (NaN and Infinity
literals included). For each, Python's json module parses it, pandas builds
the column (pd.DataFrame from records, as Ludwig's users do) and records:

  dtype    the column's dtype
  strings  astype(str) of the column, the List[str] Ludwig hands a string-typed
           feature's module; a JSON null ("None" in pandas) is written "nan",
           ludwig-infer's documented spelling of a missing value
  numbers  for an int64, float64 or bool column, the tensor
           torch.from_numpy(s.to_numpy()) holds, as [dtype, [repr(value), ...]]
           (bool columns as the float64 values Ludwig's number module makes of them)

The cases are the minimal examples of issue 20 plus generated columns (fixed
seed). Run with any Python that has pandas:  python3 pandas_columns.py
"""

import json
import math
import os
import random

import pandas as pd

BIG = 12345678901234567890

EXAMPLES = [
    [5, None, 7, "alpha beta"],
    [BIG, 5],
    [BIG, 5, "alpha beta"],
    [BIG, None],
    [BIG, -5],
    [BIG, 1.5],
    [2**70, 5],
    [-(2**63) - 1, 5],
    [True, False],
    [True, None],
    [True, 5],
    [None, None],
    [5, 7],
    [5, None],
    [5, 2.5],
    [float("nan"), 5],
    [float("nan"), "a"],
    [float("inf"), -1],
    [float("-inf"), "a"],
    [-0.0, 1],
    [1e16, 1e-05, 123456789.125],
    [617721196000313343, 617721196000313343.0],
    # pandas stops checking integers' ranges after the first None (not NaN)
    [None, 2**70],
    [2**70, None],
    [float("nan"), 2**70],
    [None, BIG, -3],
    [BIG, None, -3],
    [BIG, -3, None],
    [float("nan"), BIG, -3],
]

POOL = [0, 5, -3, 7, BIG, 2**64 - 1, 2**70, -(2**63) - 1, -(2**63), 2**63 - 1, 1.5, -0.0, 1e16, 1e-05,
        0.1, True, False, None, float("nan"), float("inf"), float("-inf"), "alpha beta", "", "5", "True"]


def case(values):
    text = json.dumps(values)  # allow_nan: NaN, Infinity, -Infinity
    parsed = json.loads(text)
    s = pd.DataFrame([{"x": v} for v in parsed])["x"]
    strings = s.astype(str).tolist()
    strings = ["nan" if v is None else sp for v, sp in zip(parsed, strings)]
    out = {"json": text, "dtype": str(s.dtype), "strings": strings}
    if s.dtype.kind in "ifb":
        arr = s.to_numpy()
        if s.dtype.kind == "b":
            out["numbers"] = ["float64", [repr(float(x)) for x in arr]]
        else:
            out["numbers"] = [str(s.dtype), [repr(x.item()) for x in arr]]
    return out


def main():
    rng = random.Random(20)
    cases = [case(v) for v in EXAMPLES]
    for _ in range(600):
        n = rng.randint(1, 7)
        cases.append(case([rng.choice(POOL) for _ in range(n)]))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "pandas_columns.json"), "w") as fh:
        fh.write('{"pandas": %s, "cases": [\n' % json.dumps(pd.__version__))
        fh.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
        fh.write("\n]}\n")


if __name__ == "__main__":
    main()
