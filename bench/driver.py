"""bench/driver.py - runs every benchmark contender side by side and writes
bench/RESULTS.md. Started by bench/run.sh (which builds the contenders and
the inputs first); standard library only.

Every contender is a long-lived process that loaded the model once and
speaks the line protocol of bench/c/harness.h. The driver interleaves them:
each round gives every contender the same slot in turn, in an order rotated
round by round, so machine noise lands on all of them alike.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

BATCHES = [1, 32, 1000]


class Contender:
    """One (process, case) pair."""

    def __init__(self, key, label, proc, case):
        self.key, self.label, self.proc, self.case = key, label, proc, case
        self.lat = {b: [] for b in BATCHES}
        self.thr = {}  # (batch, threads) -> [calls/s]
        self.load = []


class Proc:
    """A contender process."""

    def __init__(self, name, argv, env, extra_env=None):
        self.name = name
        self.argv = argv
        self.extra_env = extra_env or {}
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        line = self.p.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError("%s did not start (%s): %r" % (name, " ".join(argv), line))
        self.load_ns, self.hwm_ready, self.rss_ready = int(line[1]), int(line[2]), int(line[3])

    def ask(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line.startswith("ok"):
            raise RuntimeError("%s: %s -> %s" % (self.name, cmd, line.strip() or "(process ended)"))
        return line[3:].strip()

    def close(self):
        try:
            self.p.stdin.write("quit\n")
            self.p.stdin.flush()
            self.p.wait(timeout=30)
        except Exception:  # noqa: BLE001
            self.p.kill()


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def fmt_us(ns):
    us = ns / 1e3
    return "%.0f" % us if us >= 100 else "%.1f" % us


def fmt_rate(x):
    if x >= 1e6:
        return "%.2fM" % (x / 1e6)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


def allclose(a, b, path="$"):
    """numpy's allclose (atol = rtol = 1e-5) on nested JSON; strings exact."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) <= 1e-5 + 1e-5 * abs(b) or ("%s: %r != %r" % (path, a, b))
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: lengths %d != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            r = allclose(x, y, "%s[%d]" % (path, i))
            if r is not True:
                return r
        return True
    return a == b or ("%s: %r != %r" % (path, a, b))


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for ln in f:
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    mem = ""
    with open("/proc/meminfo") as f:
        for ln in f:
            if ln.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(ln.split()[1]) / 1024 / 1024)
    return {"cores": os.cpu_count(), "cpu": cpu, "mem": mem, "kernel": platform.release()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup-rounds", type=int, default=3)
    ap.add_argument("--thr-seconds", type=float, default=0.5)
    ap.add_argument("--thr-rounds", type=int, default=2)
    ap.add_argument("--load-rounds", type=int, default=2)
    ap.add_argument("--out", required=True)
    ap.add_argument("--json-out", required=True)
    ap.add_argument("--command", required=True)
    ap.add_argument("--profile", default="")
    ap.add_argument("--torch-version", default="")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()

    root, data, model = args.root, args.data, args.model
    meta = json.load(open(os.path.join(data, "meta.json")))
    num = meta.get("number_column", "")
    bench = os.path.join(root, "build", "bench")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    iters = {1: 200, 32: 100, 1000: 20}
    if args.quick:
        iters = {1: 20, 32: 10, 1000: 3}
    if args.smoke:
        iters = {1: 3, 32: 2, 1000: 1}

    procs, contenders, hooks = {}, [], []

    def start(name, argv, extra_env=None):
        try:
            e = dict(env, **(extra_env or {}))
            procs[name] = Proc(name, argv, e, extra_env)
            return procs[name]
        except Exception as ex:  # noqa: BLE001
            hooks.append("%s: not run (%s)" % (name, ex))
            return None

    p = start("floor", [os.path.join(bench, "floor"), model, data])
    if p is None:
        sys.exit("the floor (a) did not start: " + hooks[-1])
    contenders.append(Contender("a", "(a) C++ libtorch floor", p, "floor"))
    # A model without a number column has no tensor-buffer cases.
    tensors = bool(num)
    if not tensors:
        hooks.append("tensor-buffer contenders: the model has no number column")
    p = start("c", [os.path.join(bench, "bench_c"), model, data, num])
    if p:
        contenders.append(Contender("b", "(b) li_infer C, JSON", p, "json"))
        if tensors:
            contenders.append(Contender("b-tensor", "(b) li_infer C, tensor buffer", p, "tensor"))
        contenders.append(Contender("b-ts", "(b) li_infer C, JSON, TorchScript stages", p, "json-ts"))
        if tensors:
            contenders.append(Contender("b-tensor-ts", "(b) li_infer C, tensor buffer, TorchScript stages", p, "tensor-ts"))
    # The Go engine: the same program on models loaded with {"engine": "go"}
    # (libtorch still runs nothing else: the stages are native), and the
    # library built without libtorch (bench_c_nolibtorch).
    p = start("c-go", [os.path.join(bench, "bench_c"), model, data, num],
              {"BENCH_LOAD_OPTIONS": '{"engine": "go"}', "BENCH_TWO_CASES": "1"})
    if p:
        contenders.append(Contender("b-go", "(b) li_infer C, JSON, engine=go", p, "json"))
        if tensors:
            contenders.append(Contender("b-go-tensor", "(b) li_infer C, tensor buffer, engine=go", p, "tensor"))
    nl = os.path.join(bench, "bench_c_nolibtorch")
    if os.path.exists(nl):
        p = start("c-nolibtorch", [nl, model, data, num], {"BENCH_TWO_CASES": "1"})
        if p:
            contenders.append(Contender("b-nolibtorch", "(b) li_infer C, JSON, library without libtorch", p, "json"))
    else:
        hooks.append("no-libtorch library: build/bench/bench_c_nolibtorch was not built")
    p = start("go", [os.path.join(bench, "gobench"), model, data, num])
    if p:
        contenders.append(Contender("c", "(c) Go core.Model.Infer, JSON", p, "json"))
        contenders.append(Contender("c-ts", "(c) Go core.Model.Infer, JSON, TorchScript stages", p, "json-ts"))
    # (d) the bindings: run when they are built (bench/run.sh builds them when
    # their sources are there); otherwise listed as hooks in RESULTS.md.
    pyb = os.path.join(root, "bench", "py", "bench_binding.py")
    if os.path.exists(os.path.join(root, "bindings", "python", "ludwig_infer", "__init__.py")):
        p = start("python binding", [sys.executable, pyb, model, data],
                  {"PYTHONPATH": os.path.join(root, "bindings", "python"),
                   "LUDWIG_INFER_LIB": os.path.join(root, "build", "libludwiginfer.so")})
        if p:
            contenders.append(Contender("d-py", "(d) Python binding, predict dict->dict", p, "predict"))
            contenders.append(Contender("d-py-json", "(d) Python binding, JSON", p, "json"))
    else:
        hooks.append("python binding: bindings/python/ludwig_infer is not there")
    rust = os.path.join(bench, "rust_bench")
    if os.path.exists(rust):
        p = start("rust", [rust, model, data, num])
        if p:
            contenders.append(Contender("d-rust", "(d) Rust crate, JSON", p, "json"))
    else:
        hooks.append("rust crate: build/bench/rust_bench was not built (bench/rust did not build against bindings/rust)")
    p = start("python torch", ["/usr/bin/python3", os.path.join(root, "bench", "py", "bench_torch.py"), model, data])
    if p:
        contenders.append(Contender("e", "(e) Python torch, predict dict->dict", p, "predict"))
        contenders.append(Contender("e-json", "(e) Python torch, JSON", p, "json"))
        contenders.append(Contender("e-modules", "(e) Python torch, modules only", p, "modules"))

    # Outputs agree (batch 32) before anything is timed.
    checks = []
    ref = json.loads(contenders[0].proc.ask("check %s 32" % contenders[0].case))
    for c in contenders[1:]:
        got = json.loads(c.proc.ask("check %s 32" % c.case))
        bad = []
        for k, v in ref.items():
            if k not in got:
                bad.append("missing " + k)
                continue
            r = allclose(got[k], v, k)
            if r is not True:
                bad.append(r)
        checks.append((c.label, "same outputs as (a)" if not bad else "DIFFERENT: " + "; ".join(bad[:3])))
        if bad:
            print("bench: %s: outputs differ from (a): %s" % (c.label, bad[:3]), file=sys.stderr)

    n = len(contenders)

    def rounds(k, fn):
        for r in range(k):
            order = contenders[r % n:] + contenders[:r % n]
            for c in order:
                fn(r, c)

    t_start = time.time()
    print("bench: %d contenders, %d warm-up + %d rounds" % (n, args.warmup_rounds, args.rounds), file=sys.stderr)
    for b in BATCHES:
        rounds(args.warmup_rounds, lambda r, c: c.proc.ask("lat %s %d %d" % (c.case, b, iters[b])))
    for r in range(args.rounds):
        for b in BATCHES:
            order = contenders[r % n:] + contenders[:r % n]
            for c in order:
                c.lat[b] += [int(x) for x in c.proc.ask("lat %s %d %d" % (c.case, b, iters[b])).split()]
    t_lat = time.time() - t_start

    threads = [1, 2, 4, 8]
    thr_batches = [1, 32]
    t0 = time.time()
    for b in thr_batches:
        for t in threads:
            def thr(r, c):
                calls, ns = map(int, c.proc.ask("thr %s %d %d %g" % (c.case, b, t, args.thr_seconds)).split())
                c.thr.setdefault((b, t), []).append(calls / (ns / 1e9))
            rounds(args.thr_rounds, thr)
    t_thr = time.time() - t0

    t0 = time.time()
    for r in range(args.load_rounds):
        for c in contenders[r % n:] + contenders[:r % n]:
            c.load += [int(x) for x in c.proc.ask("load 2").split()]
    t_load = time.time() - t0
    rss = {name: tuple(map(int, p.ask("rss").split())) for name, p in procs.items()}
    for p in procs.values():
        p.close()

    # Peak RSS of one loaded model: each program afresh with one model (the
    # C and Go contenders otherwise host several copies), 3 calls at each
    # batch size of its first case, then VmHWM.
    one_rss = {}
    for c in contenders:
        if c.proc.name in one_rss:
            continue
        try:
            p1 = Proc(c.proc.name, c.proc.argv, dict(env, BENCH_ONE_MODEL="1", **c.proc.extra_env))
            for b in BATCHES:
                p1.ask("lat %s %d 3" % (c.case, b))
            one_rss[c.proc.name] = (p1.hwm_ready, int(p1.ask("rss").split()[0]))
            p1.close()
        except Exception as ex:  # noqa: BLE001
            print("bench: one-model RSS of %s: %s" % (c.proc.name, ex), file=sys.stderr)

    # ---- results --------------------------------------------------------
    floor = contenders[0]
    res = {"machine": machine(), "command": args.command, "torch_version": args.torch_version,
           "rounds": args.rounds, "iters": iters, "contenders": {}}
    for c in contenders:
        d = {"label": c.label, "latency": {}, "throughput": {}, "load_ms": None}
        for b in BATCHES:
            med, p99 = statistics.median(c.lat[b]), pct(c.lat[b], 0.99)
            d["latency"][b] = {"n": len(c.lat[b]), "median_ns": med, "p99_ns": p99,
                               "rows_per_s": b / (med / 1e9),
                               "median_ratio": med / statistics.median(floor.lat[b]),
                               "p99_ratio": p99 / pct(floor.lat[b], 0.99)}
        for (b, t), xs in c.thr.items():
            d["throughput"]["%d/%d" % (b, t)] = statistics.median(xs)
        if c.load:
            d["load_ms"] = statistics.median(c.load) / 1e6
        d["first_load_ms"] = c.proc.load_ns / 1e6
        d["rss_ready_mb"] = c.proc.hwm_ready / 1024
        d["rss_peak_mb"] = rss[c.proc.name][0] / 1024
        if c.proc.name in one_rss:
            d["one_model_rss_loaded_mb"] = one_rss[c.proc.name][0] / 1024
            d["one_model_rss_peak_mb"] = one_rss[c.proc.name][1] / 1024
        res["contenders"][c.key] = d
    with open(args.json_out, "w") as f:
        json.dump(res, f, indent=1)

    L = []
    m = res["machine"]
    L.append("# Benchmark results\n")
    name = os.path.basename(os.path.normpath(model))
    if name == "tabular":
        L.append("Generated by `bench/run.sh` (do not edit by hand; the analysis below the tables is "
                 "`bench/analysis.md`, included as written).\n")
    else:
        L.append("Generated by `bench/run.sh --model %s` (do not edit by hand; the analysis is in "
                 "docs/go-engine.md).\n" % name)
    L.append("- Machine: %d cores, %s, %s RAM, Linux %s" % (m["cores"], m["cpu"], m["mem"], m["kernel"]))
    L.append("- libtorch: %s (Debian `libtorch1.13`, OpenBLAS; `OPENBLAS_NUM_THREADS=1`, 1 intra-op thread everywhere)" % args.torch_version)
    kind = {"tabular": "number, category, binary and h3 inputs; one category output",
            "text_parallel_cnn": "one text input, space tokenizer, 16 tokens, parallel_cnn encoder; one category output"}
    L.append("- Model: `%s` (test export: %s); requests repeat the %d rows of `testdata/golden/%s.json`'s requests"
             % (os.path.relpath(model, root), kind.get(name, "see testdata/README.md"), meta["rows"], name))
    L.append("- Command: `%s`" % args.command)
    L.append("- Date: %s; %d measured rounds after %d warm-up rounds; per round and contender %s calls "
             "(batch 1 / 32 / 1000); contenders interleaved round-robin, order rotated every round"
             % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), args.rounds, args.warmup_rounds,
                " / ".join(str(iters[b]) for b in BATCHES)))
    L.append("- Run time: latency %.0f s, concurrency %.0f s, load %.0f s\n" % (t_lat, t_thr, t_load))
    L.append("## Contenders\n")
    L.append("| key | contender | what one timed call does |")
    L.append("|---|---|---|")
    what = {
        "a": "build the typed input dict from native columns (strings copied into a `List[str]`, numbers read in place), 3 forwards under `InferenceMode`, copy outputs into C++ containers",
        "b": "`li_infer` with the JSON request, read `li_result_json`, `li_result_free`",
        "b-tensor": "`li_infer` with the number column as a float64 `li_tensor` + the other columns as JSON, `tensor_outputs=1`; read the tensors and JSON, free",
        "b-ts": "(b) on a model loaded with `{\"stages\": \"torchscript\"}`: the exported TorchScript pre- and postprocessor run, the same three modules as (a)",
        "b-tensor-ts": "(b) tensor buffer on the `torchscript`-stages model",
        "b-go": "(b) on a model loaded with `{\"engine\": \"go\"}`: the predictor runs in Go (core/engine), the stages natively",
        "b-go-tensor": "(b) tensor buffer on the `engine=go` model",
        "b-nolibtorch": "(b) JSON against `build/nolibtorch/libludwiginfer.so` (`./build.sh --no-libtorch`): no libtorch in the process",
        "c": "`core.Model.Infer(Request{JSON})`, read `Result.JSON`",
        "c-ts": "(c) on the `torchscript`-stages model",
        "d-py": "`InferenceModule.predict(dict of lists, return_type=dict)` of `bindings/python`",
        "d-py-json": "the binding's JSON path: request bytes in, response JSON bytes out",
        "d-rust": "the Rust crate's JSON call, response JSON read",
        "e": "Ludwig's `InferenceModule.predict` work in Python: featurise the dict of lists as `to_inference_module_input_from_dataframe`, 3 forwards under `inference_mode`, outputs to lists",
        "e-json": "(e) plus `json.loads` of the request and `json.dumps` of the columns (the work of (b))",
        "e-modules": "the 3 forwards alone on prebuilt typed inputs (`InferenceModule.forward`)",
    }
    for c in contenders:
        L.append("| %s | %s | %s |" % (c.key, c.label, what.get(c.key, "")))
    if hooks:
        L.append("\nNot run (hooks left in place; `bench/run.sh` runs them once they build):\n")
        for h in hooks:
            L.append("- " + h)
    L.append("\nOutputs checked before timing (batch 32, allclose 1e-5):\n")
    for label, r in checks:
        L.append("- %s: %s" % (label, r))

    L.append("\n## Latency (one caller)\n")
    L.append("Median and p99 per call in microseconds; rows/s = batch / median; ratios to (a).\n")
    for b in BATCHES:
        L.append("### batch %d\n" % b)
        L.append("| contender | median us | p99 us | rows/s | median / (a) | p99 / (a) |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for c in contenders:
            d = res["contenders"][c.key]["latency"][b]
            L.append("| %s | %s | %s | %s | %.2f | %.2f |" % (c.label, fmt_us(d["median_ns"]), fmt_us(d["p99_ns"]),
                                                            fmt_rate(d["rows_per_s"]), d["median_ratio"], d["p99_ratio"]))
        L.append("")

    L.append("## Throughput: callers on one model\n")
    L.append("Calls/s (rows/s = calls/s x batch) with 1, 2, 4, 8 threads calling one loaded model "
             "(%g s per slot, median of %d rounds). The machine has %d cores: beyond that, threads only share them.\n"
             % (args.thr_seconds, args.thr_rounds, m["cores"]))
    for b in thr_batches:
        L.append("### batch %d (calls/s)\n" % b)
        L.append("| contender | " + " | ".join("%d thr" % t for t in threads) + " | 2 thr / 1 thr |")
        L.append("|---|" + "---:|" * (len(threads) + 1))
        for c in contenders:
            tp = res["contenders"][c.key]["throughput"]
            vals = [tp.get("%d/%d" % (b, t), float("nan")) for t in threads]
            # A slot too short for one call (the smoke run on a busy machine) has rate 0.
            ratio = vals[1] / vals[0] if vals[0] else float("nan")
            L.append("| %s | %s | %.2f |" % (c.label, " | ".join(fmt_rate(v) for v in vals), ratio))
        L.append("")

    L.append("## Load time and memory\n")
    L.append("Load = load the three modules + the JSON files + the warm-up (ludwig-infer warms up at load; "
             "the floor and Python torch run the same 3 warm-up calls), then close: median of %d loads in "
             "the warm process. First load = the process's first, including library start-up. "
             "Peak RSS, one model = VmHWM of a fresh process of the contender's program holding one "
             "loaded model, after the load and after 3 calls at each batch size (the benchmark's own "
             "processes host several model copies: the C program one per case, the Go one two)."
             % (2 * args.load_rounds))
    L.append("Contenders that share a program share its memory row.\n")
    L.append("| contender | load ms | first load ms | peak RSS, one model, loaded MiB | peak RSS, one model, after calls MiB |")
    L.append("|---|---:|---:|---:|---:|")
    for c in contenders:
        d = res["contenders"][c.key]
        L.append("| %s | %.0f | %.0f | %.0f | %.0f |" % (c.label, d["load_ms"] or float("nan"), d["first_load_ms"],
                                                     d.get("one_model_rss_loaded_mb", float("nan")),
                                                     d.get("one_model_rss_peak_mb", float("nan"))))
    L.append("")

    # Medians by contender key (None: not run).
    def med(key, b):
        return res["contenders"][key]["latency"][b]["median_ns"] if key in res["contenders"] else None

    L.append("## engine=go next to engine=libtorch (medians)\n")
    L.append("| contender | batch 1 us | batch 32 us | batch 1000 us | / engine=libtorch, batch 1 | batch 32 | batch 1000 |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for key in ["b", "b-go", "b-nolibtorch", "b-tensor", "b-go-tensor"]:
        if key in res["contenders"] and med("b", 1):
            base = "b-tensor" if "tensor" in key else "b"
            L.append("| %s | %s | %s |" % (res["contenders"][key]["label"], " | ".join(fmt_us(med(key, b)) for b in BATCHES),
                                           " | ".join("%.2f" % (med(key, b) / med(base, b)) for b in BATCHES)))
    L.append("")

    # The targets are the tabular model's.
    if name == "tabular":
        L.append("## Targets (tabular model, medians)\n")
        L.append("| target | measured | verdict |")
        L.append("|---|---|---|")

        def target(name, got, limit, cmp="<="):
            if got is None:
                L.append("| %s | not run | - |" % name)
                return
            ok = got <= limit if cmp == "<=" else got < limit
            L.append("| %s | %.2f | %s |" % (name, got, "met" if ok else "MISSED by %.0f%%" % ((got / limit - 1) * 100)))

        for sfx, what in [("", "default stages"), ("-ts", "TorchScript stages")]:
            for key, b, lim in [("b" + sfx, 1, 1.2), ("b" + sfx, 1000, 1.5)]:
                target("(b) JSON, %s / (a), batch %d <= %.2f" % (what, b, lim), med(key, b) / med("a", b) if med(key, b) else None, lim)
            for b in BATCHES:
                k = "b-tensor" + sfx
                target("(b) tensor buffer, %s / (a), batch %d <= 1.05" % (what, b), med(k, b) / med("a", b) if med(k, b) else None, 1.05)
        for key in ["b", "b-ts", "c", "c-ts", "d-rust"]:
            for b in BATCHES:
                if med(key, b) is None or med("e", b) is None:
                    target("(%s) faster than (e), batch %d" % (key, b), None, 1)
                    continue
                target("%s / (e), batch %d < 1" % (res["contenders"][key]["label"], b), med(key, b) / med("e", b), 1.0, "<")
        if med("d-py", 1) is not None:
            target("(d) Python binding / (e), batch 1 < 1", med("d-py", 1) / med("e", 1), 1.0, "<")
            target("(d) Python binding / (e), batch 1000 <= 1.2", med("d-py", 1000) / med("e", 1000), 1.2)
        else:
            target("(d) Python binding vs (e)", None, 1)
        L.append("")

    if args.profile and os.path.exists(args.profile):
        L.append(open(args.profile).read())
    an = os.path.join(root, "bench", "analysis.md")
    if os.path.exists(an) and name == "tabular":
        L.append(open(an).read())
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n")
    print("bench: wrote %s" % args.out, file=sys.stderr)
    bad = [label for label, r in checks if r != "same outputs as (a)"]
    if bad:
        sys.exit("bench: outputs differ from (a): " + ", ".join(bad))


if __name__ == "__main__":
    main()
