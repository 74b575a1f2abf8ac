"""Times LudwigModel.predict on 1000 rows of the model_folder.py case (the
model behind testdata/ludwig_model/concat, trained again the same way;
nothing is written to testdata).

Run in the Ludwig 0.17.10 venv; compare, on the same machine, with
`go test ./core -run XXX -bench LudwigModel1000` (the same 5 golden rows
repeated to 1000, the committed model.pt2).
"""

import logging
import os
import sys
import tempfile
import time

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import model_folder  # noqa: E402
from ludwig.api import LudwigModel  # noqa: E402


def main():
    name = "concat"
    config = dict(model_folder.CASES[name], trainer={"epochs": 2, "batch_size": 16})
    model = LudwigModel(config, logging_level=logging.ERROR, backend="local")
    model.train(dataset=pd.DataFrame(gen.rng_rows(60, seed=len(name))), output_directory=tempfile.mkdtemp(),
                skip_save_processed_input=True, skip_save_progress=True, skip_save_log=True, skip_save_model=True,
                random_seed=7)
    in_names = [f["name"] for f in config["input_features"]]
    rows = [{k: r.get(k) for k in in_names} for r in gen.rng_rows(5, seed=200 + len(name))]
    rows[1]["num_mm"] = None
    rows[2]["city"] = "berlin"
    for n in (1, 1000):
        df = pd.DataFrame([rows[i % 5] for i in range(n)])
        model.predict(df, batch_size=1000)  # warm-up
        times = []
        for _ in range(5):
            t = time.perf_counter()
            model.predict(df, batch_size=1000)
            times.append(time.perf_counter() - t)
        times.sort()
        print(f"LudwigModel.predict {n} rows: min {times[0] * 1e3:.1f} ms, median {times[2] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
