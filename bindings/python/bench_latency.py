"""Per-call latency of ludwig_infer from Python, next to Python torch running
the same three TorchScript modules directly.

    python3 bindings/python/bench_latency.py            # both (torch part via /usr/bin/python3)
    python3 bindings/python/bench_latency.py --binding  # ludwig_infer only
    /usr/bin/python3 bindings/python/bench_latency.py --torch   # torch only

Model: testdata/models/tabular; batches of 1 row and 1000 rows (the golden
rows of testdata/golden/tabular.json repeated). One intra-op thread on both
sides (the library's default; torch.set_num_threads(1)) and
OPENBLAS_NUM_THREADS=1 (Debian's OpenBLAS otherwise keeps a worker thread).
Prints median and p99 per call.

What is timed:
  ludwig_infer predict(dict)   column dict in -> column dict out (numpy arrays)
  ludwig_infer predict(df)     DataFrame in -> DataFrame out (as Ludwig's predict)
  ludwig_infer predict_json    JSON bytes in -> JSON str out
  ludwig_infer forward         module inputs (lists of str, numpy arrays) -> features dict
  torch (3 modules)            module inputs (lists of str, torch tensors) ->
                               preprocessor -> predictor -> postprocessor, as
                               InferenceModule.forward does (torch.no_grad)
"""

import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODEL = os.path.join(REPO, "testdata", "models", "tabular")
GOLDEN = os.path.join(REPO, "testdata", "golden", "tabular.json")
TORCH_PYTHON = "/usr/bin/python3"


def golden_rows():
    """The request columns of every golden row, in order."""
    with open(GOLDEN, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    req = {}
    for c in cases:
        for k, v in c["request"].items():
            req.setdefault(k, []).extend(v)
    return req


def take(columns, n):
    """The first n rows of the golden rows repeated."""
    out = {}
    for k, v in columns.items():
        reps = (n + len(v) - 1) // len(v)
        out[k] = (v * reps)[:n]
    return out


def module_inputs(req):
    """Ludwig's to_inference_module_input_from_dataframe of the rows (strings
    and numpy arrays), computed by the binding's stdlib helper (importing
    ludwig_infer does not load the library)."""
    sys.path.insert(0, HERE)
    from ludwig_infer import to_inference_module_input_from_dataframe

    with open(os.path.join(MODEL, "model_hyperparameters.json"), encoding="utf-8") as f:
        config = json.load(f)
    return to_inference_module_input_from_dataframe(req, config)


def measure(fn, seconds, max_calls):
    """Per-call times in seconds: warm-up, then calls for ~seconds."""
    for _ in range(20):
        fn()
    times = []
    deadline = time.perf_counter() + seconds
    while len(times) < max_calls and (len(times) < 30 or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def summary(times):
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))]
    return {"median_us": statistics.median(times) * 1e6, "p99_us": p99 * 1e6, "calls": len(times)}


def bench_binding(seconds):
    sys.path.insert(0, HERE)
    import pandas as pd

    import ludwig_infer

    rows = golden_rows()
    model = ludwig_infer.InferenceModule.from_directory(MODEL)
    results = {}
    for n in (1, 1000):
        req = take(rows, n)
        df = pd.DataFrame(req)
        body = json.dumps(req).encode()
        mod = module_inputs(req)
        calls = {
            "ludwig_infer predict(dict)": lambda: model.predict(req, return_type=dict),
            "ludwig_infer predict(df)": lambda: model.predict(df),
            "ludwig_infer predict_json": lambda: model.predict_json(body),
            "ludwig_infer forward": lambda: model.forward(mod),
        }
        for name, fn in calls.items():
            results["%s, %d rows" % (name, n)] = summary(measure(fn, seconds, 5000 if n == 1 else 500))
    model.close()
    return results


def bench_torch(seconds):
    import torch

    torch.set_num_threads(1)
    pre = torch.jit.load(os.path.join(MODEL, "inference_preprocessor.pt"))
    pred = torch.jit.load(os.path.join(MODEL, "inference_predictor-cpu.pt"))
    post = torch.jit.load(os.path.join(MODEL, "inference_postprocessor.pt"))
    rows = golden_rows()
    results = {}
    for n in (1, 1000):
        inputs = {k: v if isinstance(v, list) else torch.from_numpy(v) for k, v in module_inputs(take(rows, n)).items()}

        def run(inputs=inputs):
            with torch.no_grad():
                return post(pred(pre(inputs)))

        results["torch (3 modules), %d rows" % n] = summary(measure(run, seconds, 5000 if n == 1 else 500))
    results["_torch_version"] = torch.__version__
    return results


def main():
    args = sys.argv[1:]
    seconds = 3.0
    if "--torch" in args:
        print(json.dumps(bench_torch(seconds)))
        return
    results = bench_binding(seconds)
    torch_version = None
    if "--binding" not in args and os.path.exists(TORCH_PYTHON):
        out = subprocess.run(
            [TORCH_PYTHON, os.path.abspath(__file__), "--torch"], capture_output=True, text=True, timeout=600
        )
        if out.returncode == 0:
            tr = json.loads(out.stdout.strip().splitlines()[-1])
            torch_version = tr.pop("_torch_version")
            results.update(tr)
        else:
            print("torch part failed:\n" + out.stderr[-2000:], file=sys.stderr)
    print("tabular model, 1 intra-op thread, OPENBLAS_NUM_THREADS=%s, %d CPUs%s" % (
        os.environ.get("OPENBLAS_NUM_THREADS"), os.cpu_count(), ", torch " + torch_version if torch_version else ""))
    print("%-44s %12s %12s %7s" % ("call", "median", "p99", "calls"))
    for n in (1, 1000):
        for name, r in results.items():
            if name.endswith(", %d rows" % n):
                print("%-44s %10.1f us %10.1f us %7d" % (name, r["median_us"], r["p99_us"], r["calls"]))


if __name__ == "__main__":
    main()
