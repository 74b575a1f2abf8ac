"""Times Ludwig 0.17's own preprocessing and LudwigModel.predict on 1000 rows of the tabular case.

Run in the Ludwig 0.17.10 venv; compare with `go test ./core/pyproc -run XXX -bench .`
(BenchmarkPreprocess1000 uses the same 4 rows repeated to 1000).
"""

import logging
import os
import sys
import tempfile
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402  (the cases and rows of the golden generator)
from ludwig.api import LudwigModel  # noqa: E402
from ludwig.data import preprocessing  # noqa: E402


def main():
    config = dict(gen.CASES["tabular"], trainer={"epochs": 1, "batch_size": 16})
    work = tempfile.mkdtemp(prefix="pyproc-bench-")
    model = LudwigModel(config, logging_level=logging.ERROR, backend="local")
    model.train(dataset=pd.DataFrame(gen.rng_rows(60, seed=7)), output_directory=work,
                skip_save_processed_input=True, skip_save_progress=True, skip_save_log=True, skip_save_model=True)
    names = [f["name"] for f in config["input_features"]]
    rows = [{k: r[k] for k in names} for r in gen.rng_rows(4, seed=100 + len("tabular"))]
    df = pd.DataFrame([rows[i % 4] for i in range(1000)])

    spent = []
    original = preprocessing.build_dataset

    def timed(*args, **kwargs):
        t = time.perf_counter()
        out = original(*args, **kwargs)
        spent.append(time.perf_counter() - t)
        return out

    preprocessing.build_dataset = timed
    model.predict(df, batch_size=1000)  # warm-up
    spent.clear()
    totals = []
    for _ in range(5):
        t = time.perf_counter()
        model.predict(df, batch_size=1000)
        totals.append(time.perf_counter() - t)
    preprocessing.build_dataset = original
    print(f"build_dataset (preprocessing) 1000 rows: min {min(spent) * 1e3:.1f} ms, median {sorted(spent)[2] * 1e3:.1f} ms")
    print(f"LudwigModel.predict 1000 rows: min {min(totals) * 1e3:.1f} ms, median {sorted(totals)[2] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
