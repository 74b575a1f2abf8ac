"""Times LudwigModel.predict on the suite's saved models, for bench017.py's side-by-side table.

    ~/.cache/ludwig-infer/ludwig-0.17.10-venv/bin/python conformance/current/ludwig_timing.py \\
        --work conformance/work-0.17.10 [CASE ...]

For each case (default: number_zscore, tabular, text_space) it loads <case>/model with
LudwigModel.load and times predict on the recorded requests b1 and b1000 (pd.DataFrame of the
JSON records, batch_size = the rows, one torch thread), best of 20 and of 5 after one warm-up,
and writes <work>/ludwig_timing.json. Run it right before bench017.py so that both see the
same machine load.
"""

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("cases", nargs="*", default=["number_zscore", "tabular", "text_space"])
    args = ap.parse_args()
    with contextlib.redirect_stdout(sys.stderr):
        import pandas as pd
        import torch
        from ludwig.api import LudwigModel
    torch.set_num_threads(1)
    out = {}
    for name in args.cases:
        case = os.path.join(args.work, "cases", name)
        with contextlib.redirect_stdout(sys.stderr):
            model = LudwigModel.load(os.path.join(case, "model"), backend="local", logging_level=logging.ERROR)
        res = {}
        for rname, reps in (("b1", 20), ("b1000", 5)):
            with open(os.path.join(case, "requests", f"{rname}.json")) as fh:
                df = pd.DataFrame(json.load(fh))
            best = float("inf")
            with contextlib.redirect_stdout(sys.stderr):
                model.predict(dataset=df, batch_size=len(df))
                for _ in range(reps):
                    t0 = time.perf_counter()
                    model.predict(dataset=df, batch_size=len(df))
                    best = min(best, time.perf_counter() - t0)
            res[f"{rname}_s"] = best
        out[name] = res
        print(name, res, flush=True)
    with open(os.path.join(args.work, "ludwig_timing.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
