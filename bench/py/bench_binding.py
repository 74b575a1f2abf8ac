"""Contender (d), Python: the ctypes binding (bindings/python, package
ludwig_infer) over libludwiginfer.so.

Cases:
  predict  InferenceModule.predict(dict of columns, return_type=dict): the
           drop-in for Ludwig's InferenceModule; the same work as (e)'s
           "predict" case (dict in, dict of columns out; numeric outputs are
           numpy arrays when numpy is installed)
  json     predict_json(request bytes) -> response JSON str: the work of
           li_infer's JSON path, from Python

Speaks the protocol of bench/c/harness.h (the loop is bench_torch.py's).
  PYTHONPATH=bindings/python bench_binding.py <model dir> <data dir>
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_torch import BATCHES, rss, serve  # noqa: E402

import ludwig_infer  # noqa: E402


def plain(v):
    return v.tolist() if hasattr(v, "tolist") else v


class Contender:
    def __init__(self, model_dir, data_dir):
        self.dir = model_dir
        self.req, self.cols = [], []
        for b in BATCHES:
            with open(os.path.join(data_dir, "req_%d.json" % b), "rb") as f:
                self.req.append(f.read())
            self.cols.append(json.loads(self.req[-1]))
        self.model = ludwig_infer.InferenceModule.from_directory(model_dir)

    def call(self, case, b):
        if case == "json":
            return self.model.predict_json(self.req[b])
        return self.model.predict(self.cols[b], return_type=dict)[0]

    def check(self, case, b):
        out = self.call(case, b)
        if case == "json":
            return out
        return json.dumps({k: plain(v) for k, v in out.items()})

    def load_close(self):
        ludwig_infer.InferenceModule.from_directory(self.dir).close()


def main():
    t0 = time.perf_counter_ns()
    c = Contender(sys.argv[1], sys.argv[2])
    print("ready %d %d %d" % ((time.perf_counter_ns() - t0,) + rss()))
    sys.stdout.flush()
    serve(c, {"json", "predict"})


if __name__ == "__main__":
    main()
