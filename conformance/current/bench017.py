"""Speed of ludwig-infer against LudwigModel.predict on the 0.17.10 suite's timed cases.

    LUDWIG_INFER_LIB=build/nolibtorch/libludwiginfer.so \\
        python3 conformance/current/bench017.py --work conformance/work-0.17.10

Standard library only: the Python binding (ctypes, in this process; no torch) loads each timed
case's `stock` and `helper` folders (li_load of the model folder) and runs `predict_json` on the
recorded requests `b1` and `b1000` (JSON records, the file ludwig-infer predict reads), best of
20 and of 5 calls after one warm-up, form `full`. LudwigModel.predict's times: those
ludwig_timing.py wrote to <work>/ludwig_timing.json (run it right before this, same load), else
those ludwig_side.py recorded at training time (expected.json "timing"). Prints a Markdown table
with the ratios; writes <work>/bench.json.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "bindings", "python"))

import ludwig_infer  # noqa: E402


def best(fn, n):
    t = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    root = os.path.join(args.work, "cases")
    fresh = {}
    path = os.path.join(args.work, "ludwig_timing.json")
    if os.path.exists(path):  # ludwig_timing.py, run just before: the same machine load
        with open(path) as fh:
            fresh = json.load(fh)
    out = {}
    print("| case | export | rows | LudwigModel.predict | ludwig-infer | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name, "expected.json")
        if not os.path.exists(path):
            continue
        with open(path) as fh:
            timing = json.load(fh).get("timing")
        timing = fresh.get(name, timing)
        if not timing:
            continue
        for export in ("stock", "helper"):
            reqs = {}
            for r in ("b1", "b1000"):
                with open(os.path.join(root, name, "requests", f"{r}.json")) as fh:
                    reqs[r] = fh.read()
            try:
                with ludwig_infer.InferenceModule.from_directory(os.path.join(root, name, export)) as m:
                    m.predict_json(reqs["b1"], form="full")
                    got = {"b1_s": best(lambda: m.predict_json(reqs["b1"], form="full"), 20),
                           "b1000_s": best(lambda: m.predict_json(reqs["b1000"], form="full"), 5)}
            except ludwig_infer.LudwigInferError as e:
                got = {"error": str(e)}
            out[f"{name}/{export}"] = {"ludwig_infer": got, "ludwig": timing}
            for r, rows in (("b1", 1), ("b1000", 1000)):
                li = got.get(f"{r}_s")
                lw = timing[f"{r}_s"]
                cell = f"{li * 1e3:.2f} ms" if li is not None else "error: " + got["error"][:80]
                ratio = "-" if not li else (f"{lw / li:.1f}x faster" if li <= lw else f"{li / lw:.1f}x slower")
                print(f"| `{name}` | {export} | {rows} | {lw * 1e3:.1f} ms | {cell} | {ratio} |")
    with open(os.path.join(args.work, "bench.json"), "w") as fh:
        json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
