"""Contender (e): Python torch calling the export's three modules, as Ludwig's
InferenceModule does (torch.set_num_threads(1), under torch.inference_mode).

Cases:
  predict  InferenceModule.predict's work, dict of columns in, dict of columns
           out (the Python binding's "predict" case does the same): build the
           preprocessor's inputs as Ludwig's
           to_inference_module_input_from_dataframe does (pandas' astype(str)
           spellings for string-typed features, from_numpy for numbers; pandas
           itself is not installed for /usr/bin/python3, so its dtype inference
           is reproduced on lists), run the three stages, and turn the outputs
           into columns "<f>_<key>" of Python lists.
  json     the same with json.loads of the request before and json.dumps of
           the columns after: the work of li_infer's JSON path.
  modules  the three stages alone on prebuilt typed inputs (inputs_<B>.txt, the
           floor's inputs): InferenceModule.forward with nothing around it.

Speaks the protocol of bench/c/harness.h. Run with /usr/bin/python3 (the
Python that has torch):  bench_torch.py <model dir> <data dir>
"""
import json
import math
import os
import sys
import threading
import time

import numpy as np
import torch

BATCHES = [1, 32, 1000]
STRING_TYPES = {"binary", "category", "bag", "set", "text", "sequence", "timeseries", "vector"}


def read_inputs(path):
    """Reads inputs_<B>.txt (see bench/gen) into a preprocessor input dict."""
    out = {}
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def line():
        nonlocal pos
        end = data.index(b"\n", pos)
        s = data[pos:end]
        pos = end + 1
        return s

    while pos < len(data):
        head = line().split()
        if not head:
            continue
        if head[0] == b"tensor":
            name, dtype, nd = head[1].decode(), head[2].decode(), int(head[3])
            shape = [int(x) for x in head[4:4 + nd]]
            vals = line().split()
            np_dtype = {"float64": np.float64, "int64": np.int64, "int32": np.int32}[dtype]
            arr = np.array([float(v) if np_dtype == np.float64 else int(v) for v in vals], dtype=np_dtype)
            out[name] = torch.from_numpy(arr.reshape(shape))
        else:
            name, n = head[1].decode(), int(head[2])
            strs = []
            for _ in range(n):
                ln = int(line())
                strs.append(data[pos:pos + ln].decode())
                pos += ln + 1
            out[name] = strs
    return out


def py_float(x):
    return "nan" if x is None else repr(float(x))


def astype_str(vals):
    """pandas' Series(vals).astype(str) after pandas' dtype inference, with
    ludwig-infer's spelling "nan" for a missing value."""
    kinds = {type(v) for v in vals}
    if kinds <= {bool}:
        return [str(v) for v in vals]
    if kinds <= {int}:
        return [str(v) for v in vals]
    if kinds <= {int, float, type(None)}:
        return [py_float(v) for v in vals]
    return ["nan" if v is None else (repr(v) if type(v) is float else str(v)) for v in vals]


def number_tensor(vals):
    if vals and all(type(v) is int for v in vals):
        return torch.from_numpy(np.array(vals, dtype=np.int64))
    return torch.from_numpy(np.array([math.nan if v is None else float(v) for v in vals], dtype=np.float64))


class Contender:
    def __init__(self, model_dir, data_dir):
        self.dir = model_dir
        with open(os.path.join(model_dir, "model_hyperparameters.json")) as f:
            cfg = json.load(f)
        self.features = [(f["name"], f.get("column", f["name"]), f["type"]) for f in cfg["input_features"]]
        self.req = []
        self.cols = []
        self.inputs = []
        for b in BATCHES:
            with open(os.path.join(data_dir, "req_%d.json" % b), "rb") as f:
                self.req.append(f.read())
            self.cols.append(json.loads(self.req[-1]))
            self.inputs.append(read_inputs(os.path.join(data_dir, "inputs_%d.txt" % b)))
        self.warmup = read_inputs(os.path.join(data_dir, "inputs_warmup.txt"))
        self.load()

    def load(self):
        d = self.dir
        self.pre = torch.jit.load(os.path.join(d, "inference_preprocessor.pt"))
        self.pred = torch.jit.load(os.path.join(d, "inference_predictor-cpu.pt"))
        self.post = torch.jit.load(os.path.join(d, "inference_postprocessor.pt"))
        for m in (self.pre, self.pred, self.post):
            m.eval()
        for _ in range(3):  # ludwig-infer's load-time warm-up
            self.forward(self.warmup)

    def forward(self, inputs):
        with torch.inference_mode():
            return self.post(self.pred(self.pre(inputs)))

    def featurize(self, cols):
        inputs = {}
        for name, column, ftype in self.features:
            vals = cols[column] if column in cols else cols[name]
            if ftype in STRING_TYPES:
                inputs[name] = astype_str(vals)
            elif ftype == "h3":
                inputs[name] = torch.from_numpy(np.array(vals, dtype=np.int64))
            else:
                inputs[name] = number_tensor(vals)
        return inputs

    @staticmethod
    def columns(out):
        res = {}
        for k, v in out.items():
            f, _, key = k.rpartition("::")
            res[f + "_" + key] = v.tolist() if isinstance(v, torch.Tensor) else v
        return res

    def call(self, case, b):
        if case == "json":
            out = self.forward(self.featurize(json.loads(self.req[b])))
            return json.dumps(self.columns(out))
        if case == "predict":
            return self.columns(self.forward(self.featurize(self.cols[b])))
        return self.forward(self.inputs[b])

    def check(self, case, b):
        out = self.call(case, b)
        if case == "json":
            return out
        return json.dumps(out if case == "predict" else self.columns(out))


def rss():
    hwm = cur = -1
    with open("/proc/self/status") as f:
        for ln in f:
            if ln.startswith("VmHWM:"):
                hwm = int(ln.split()[1])
            elif ln.startswith("VmRSS:"):
                cur = int(ln.split()[1])
    return hwm, cur


def serve(c, cases):
    """The harness.h protocol; c has call(case, b), check(case, b), load()."""
    for raw in sys.stdin:
        f = raw.split()
        if not f:
            continue
        try:
            if f[0] == "lat":
                case, b, n = f[1], BATCHES.index(int(f[2])), int(f[3])
                assert case in cases
                ns = []
                for _ in range(n):
                    t = time.perf_counter_ns()
                    c.call(case, b)
                    ns.append(time.perf_counter_ns() - t)
                print("ok " + " ".join(map(str, ns)))
            elif f[0] == "thr":
                case, b, threads, secs = f[1], BATCHES.index(int(f[2])), int(f[3]), float(f[4])
                counts = [0] * threads
                start = threading.Event()
                deadline = [0.0]

                def work(i):
                    start.wait()
                    while time.perf_counter() < deadline[0]:
                        c.call(case, b)
                        counts[i] += 1

                ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
                for t in ts:
                    t.start()
                time.sleep(0.02)
                t0 = time.perf_counter_ns()
                deadline[0] = time.perf_counter() + secs
                start.set()
                for t in ts:
                    t.join()
                print("ok %d %d" % (sum(counts), time.perf_counter_ns() - t0))
            elif f[0] == "check":
                print("ok " + c.check(f[1], BATCHES.index(int(f[2]))))
            elif f[0] == "load":
                out = []
                for _ in range(int(f[1])):
                    t = time.perf_counter_ns()
                    c.load_close()
                    out.append(time.perf_counter_ns() - t)
                print("ok " + " ".join(map(str, out)))
            elif f[0] == "rss":
                print("ok %d %d" % rss())
            elif f[0] == "quit":
                break
            else:
                print("err unknown command")
        except Exception as e:  # noqa: BLE001 - reported to the driver
            print("err %s" % str(e).replace("\n", " "))
        sys.stdout.flush()


def main():
    torch.set_num_threads(1)
    t0 = time.perf_counter_ns()
    c = Contender(sys.argv[1], sys.argv[2])
    load_ns = time.perf_counter_ns() - t0

    def load_close():
        # A second copy of the model, loaded, warmed up and dropped.
        other = Contender.__new__(Contender)
        other.__dict__.update(c.__dict__)
        other.load()
        del other

    c.load_close = load_close
    print("ready %d %d %d" % ((load_ns,) + rss()))
    sys.stdout.flush()
    serve(c, {"json", "predict", "modules"})


if __name__ == "__main__":
    main()
