"""Current Ludwig's side of the conformance suite (0.13 and later; written for 0.17.10): train,
save, export, record predict.

Runs in the release's venv (profiles/<release>). For each case of cases017.py it writes
<work>/cases/<name>/:

  model/           LudwigModel.save(model/): the model folder of current Ludwig
  stock/           `ludwig export_model -f torch_export`'s model.pt2 (the same function the
                   command runs, ludwig.export.export_model, called in this process) plus the
                   two JSON files: the folder ludwig-infer loads
  helper/          python -m ludwig_infer.export's output (dynamic batch 1..MAX_BATCH)
  requests/<r>.json  the request: JSON records (Ludwig predicts on pd.DataFrame(records))
  expected.json    per request: LudwigModel.predict's columns (names, order, values), and per
                   output feature and row Ludwig's decision margin (binary/set |p - threshold|,
                   category top-1 minus top-2 probability, sequence/text the smallest such gap
                   over the steps), from the logits the model returned inside predict
  status.json      {"stamp", "ludwig", "stage", "error", "stock", "helper", "seconds"}

Requests: `held_out` (8 held-out rows + the case's edge rows), `single` (the last of them
alone), `b1`, `b2`, `b5` (the first 1, 2, 5 held-out rows) and `b1000` (1000 more rows of the
same generator). Each is predicted with batch_size = its row count (one model call).

Usage: python ludwig_side.py --work DIR [--retrain] [--cli-probe] [CASE ...]
"""

import argparse
import contextlib
import copy
import hashlib
import json
import logging
import math
import os
import random
import shutil
import subprocess
import sys
import time
import traceback
import warnings
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.dirname(HERE)
REPO = os.path.dirname(CONF)
sys.path.insert(0, HERE)
sys.path.insert(0, CONF)
sys.path.insert(0, os.path.join(REPO, "bindings", "python"))

warnings.filterwarnings("ignore")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cases017  # noqa: E402
import ludwig_side as suite  # noqa: E402  (../ludwig_side.py: data synthesis and encoding)

torch = LudwigModel = predictor_mod = None


def import_ludwig():
    global torch, LudwigModel, predictor_mod
    if LudwigModel is not None:
        return
    with contextlib.redirect_stdout(sys.stderr):
        import torch as _torch
        from ludwig.api import LudwigModel as _LM
        from ludwig.data.dataset_synthesizer import build_synthetic_dataset
        from ludwig.models import predictor as _pm
    torch, LudwigModel, predictor_mod = _torch, _LM, _pm
    suite.torch = _torch
    suite.build_synthetic_dataset = build_synthetic_dataset
    logging.getLogger("ludwig").setLevel(logging.ERROR)
    torch.set_num_threads(1)


def versions():
    from importlib.metadata import version

    v = {p: version(p) for p in ("ludwig", "torch", "pandas", "numpy")}
    v["python"] = sys.version.split()[0]
    return v


def source_hash():
    """Hash of the code every case runs: this file, cases017.py and ../ludwig_side.py (its data
    and encoding helpers). Not ../cases.py as a whole (a case added to the 0.10.4 suite must not
    retrain these; each case's own callables are in its stamp), nor the export helper
    (--retrain after changing bindings/python/ludwig_infer/export.py)."""
    h = hashlib.sha256()
    for f in (os.path.join(CONF, "ludwig_side.py"), os.path.join(HERE, "cases017.py"), os.path.abspath(__file__)):
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def case_stamp(case, src, vers):
    """The case's cache stamp: its spec, the source of its data callables, the code and versions."""
    import inspect

    code = {k: inspect.getsource(v) for k, v in sorted(case.items()) if callable(v)}
    return suite.case_stamp(dict(case, _callables=code), src, vers)


# --- Ludwig's decision margins -------------------------------------------------------------

def margins(config, logits):
    """Per output feature, per row: how far Ludwig's own decision is from flipping."""
    out = {}
    for f in config["output_features"]:
        x = logits.get(f"{f['name']}::logits")
        if x is None:
            continue
        x = x.double()
        t = f["type"]
        if t == "binary":
            m = (torch.sigmoid(x) - f.get("threshold", 0.5)).abs()
        elif t == "set":
            m = (torch.sigmoid(x) - f.get("threshold", 0.5)).abs().min(dim=-1).values
        elif t == "category":
            top = torch.softmax(x, dim=-1).topk(2, dim=-1).values
            m = top[..., 0] - top[..., 1]
        elif t in ("sequence", "text"):
            top = torch.softmax(x, dim=-1).topk(2, dim=-1).values
            m = (top[..., 0] - top[..., 1]).min(dim=-1).values
        else:
            continue
        out[f["name"]] = [float(v) for v in m.reshape(-1).tolist()]
    return out


def predict(model, records, case_dir):
    """LudwigModel.predict on pd.DataFrame(records) in one model call, with the logits."""
    df = pd.DataFrame(records)
    captured = []
    original = predictor_mod.Predictor._predict_on_inputs

    def capture(self, inputs):
        outputs = original(self, inputs)
        captured.append({k: v.detach().clone() for k, v in outputs.items() if k.endswith("::logits")})
        return outputs

    predictor_mod.Predictor._predict_on_inputs = capture
    try:
        pred, _ = model.predict(dataset=df, batch_size=max(1, len(df)),
                                output_directory=os.path.join(case_dir, "results"))
    finally:
        predictor_mod.Predictor._predict_on_inputs = original
    logits = {k: torch.cat([c[k] for c in captured]) for k in captured[0]} if captured else {}
    return {"rows": len(df), "column_order": list(pred.columns), "columns": suite.frame_columns(pred),
            "margins": margins(model.config, logits)}


def time_predict(model, records, repeat):
    df = pd.DataFrame(records)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.predict(dataset=df, batch_size=max(1, len(df)))
        best = min(best, time.perf_counter() - t0)
    return best


# --- exports --------------------------------------------------------------------------------

def pt2_kind(path):
    """"pt2" (the archive torch >= 2.8 writes), "legacy" (older zip) or "torchscript"."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    if any(n.endswith("archive_format") for n in names):
        return "pt2"
    if any(n.endswith("serialized_exported_program.json") for n in names):
        return "legacy"
    return "torchscript"


def copy_json(model_dir, dest):
    for f in ("model_hyperparameters.json", "training_set_metadata.json"):
        shutil.copyfile(os.path.join(model_dir, f), os.path.join(dest, f))


def stock_export(model_dir, dest):
    """What `ludwig export_model -m model_dir -o dest -f torch_export` runs. Ludwig catches a
    torch.export failure, logs it as a warning and falls back to torch.jit.trace: the warning
    is recorded as the case's export error and the file kind says which one was written."""
    from ludwig.export import export_model

    records = []

    class Keep(logging.Handler):
        def emit(self, rec):
            records.append(rec.getMessage())

    lg = logging.getLogger("ludwig.utils.model_export")
    h = Keep(level=logging.WARNING)
    lg.addHandler(h)
    old = lg.level
    lg.setLevel(logging.WARNING)
    t0 = time.time()
    try:
        export_model(model_dir, dest, format="torch_export")
        res = {"ok": True, "kind": pt2_kind(os.path.join(dest, "model.pt2"))}
    except Exception as e:  # noqa: BLE001
        res = {"ok": False, "error": f"{type(e).__name__}: {e}"[:3000]}
    finally:
        lg.removeHandler(h)
        lg.setLevel(old)
    res["warnings"] = [r[:3000] for r in records]
    res["seconds"] = round(time.time() - t0, 1)
    if res["ok"]:
        copy_json(model_dir, dest)
    return res


def helper_export(model_dir, dest):
    from ludwig_infer import export as helper

    t0 = time.time()
    try:
        info = helper.export(model_dir, dest)
        res = {"ok": True, "kind": pt2_kind(info["model_pt2"]), "batch": info["batch"],
               "stack_traces_removed": info["stack_traces_removed"], "stack_traces_left": info["stack_traces_left"]}
    except Exception as e:  # noqa: BLE001
        res = {"ok": False, "error": f"{type(e).__name__}: {e}"[:3000]}
    res["seconds"] = round(time.time() - t0, 1)
    return res


def cli_probe(work, model_dir):
    """Runs the stock command itself once per format (-f torch_export, -f onnx)."""
    ludwig_cli = os.path.join(os.path.dirname(sys.executable), "ludwig")
    out = {}
    for fmt in ("torch_export", "onnx"):
        dest = os.path.join(work, "cli_probe", fmt)
        shutil.rmtree(dest, ignore_errors=True)
        t0 = time.time()
        p = subprocess.run([ludwig_cli, "export_model", "-m", model_dir, "-o", dest, "-f", fmt],
                           capture_output=True, text=True)
        written = sorted(os.listdir(dest)) if os.path.isdir(dest) else []
        err = [ln for ln in (p.stdout + p.stderr).splitlines() if "Error" in ln or "error" in ln or "failed" in ln]
        out[fmt] = {"exit": p.returncode, "written": written, "seconds": round(time.time() - t0, 1),
                    "error_lines": err[-6:]}
    with open(os.path.join(work, "cli_probe.json"), "w") as fh:
        json.dump(out, fh, indent=1)
    return out


# --- one case -------------------------------------------------------------------------------

def records_of(frame):
    return [{c: suite.enc(v) for c, v in r.items()} for r in frame.to_dict("records")]


TRAINER = {"epochs": 2, "batch_size": 128}
# Nothing but the model is kept from training (model.save writes the folder afterwards).
SKIP_SAVES = ("training_description", "training_statistics", "model", "progress", "log", "processed_input")


def train_model(case, case_dir, seed):
    """Trains the case's tiny model on <case_dir>/train.csv (combiner: the case's, else the release's default)."""
    config = copy.deepcopy({"input_features": case["inputs"], "output_features": case["outputs"], "trainer": TRAINER})
    if case.get("combiner"):
        config["combiner"] = copy.deepcopy(case["combiner"])
    model = LudwigModel(config, backend="local", logging_level=logging.ERROR)
    with contextlib.redirect_stdout(sys.stderr):
        model.train(dataset=os.path.join(case_dir, "train.csv"), output_directory=os.path.join(case_dir, "results"),
                    random_seed=seed % 100000, **{f"skip_save_{k}": True for k in SKIP_SAVES})
    return model


def seeded(name):
    """Seeds Python, numpy and torch from the case's name; returns (seed, a Random of it)."""
    seed = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return seed, random.Random(seed)


def run_case(case, case_dir, stamp, vers, timing):
    t0 = time.time()
    import_ludwig()
    status = dict(stamp=stamp, case=case["name"], versions=vers, ludwig="ok")
    stage = "data"
    try:
        seed, rng = seeded(case["name"])
        n_test = case["test_rows"]
        grown = dict(case, test_rows=n_test + cases017.BULK_ROWS)
        train, test = suite.make_frames(grown, case_dir, rng)
        held = pd.concat([test.iloc[:n_test], test.iloc[n_test + cases017.BULK_ROWS:]], ignore_index=True)
        bulk = test.iloc[n_test:n_test + cases017.BULK_ROWS].reset_index(drop=True)
        train = suite.roundtrip_csv(train, os.path.join(case_dir, "train.csv"))

        stage = "train"
        model = train_model(case, case_dir, seed)
        status["combiner"] = model.config["combiner"]["type"]
        model_dir = os.path.join(case_dir, "model")
        model.save(model_dir)

        stage = "export"
        status["stock"] = stock_export(model_dir, os.path.join(case_dir, "stock"))
        status["helper"] = helper_export(model_dir, os.path.join(case_dir, "helper"))

        stage = "predict"
        req_dir = os.path.join(case_dir, "requests")
        os.makedirs(req_dir, exist_ok=True)
        held_recs = records_of(held)
        reqs = {"held_out": held_recs, "single": held_recs[-1:], "b1": held_recs[:1], "b2": held_recs[:2],
                "b5": held_recs[:5], "b1000": records_of(bulk)}
        expected = {"requests": {}, "outputs": {f["name"]: f["type"] for f in model.config["output_features"]}}
        with contextlib.redirect_stdout(sys.stderr):
            for rname, recs in reqs.items():
                stage = f"predict ({rname})"
                with open(os.path.join(req_dir, f"{rname}.json"), "w") as fh:
                    json.dump(recs, fh, ensure_ascii=False)
                expected["requests"][rname] = predict(model, recs, case_dir)
            if timing:
                stage = "timing"
                expected["timing"] = {"b1000_s": time_predict(model, reqs["b1000"], 3),
                                      "b1_s": time_predict(model, reqs["b1"], 5)}
        with open(os.path.join(case_dir, "expected.json"), "w") as fh:
            json.dump(expected, fh, ensure_ascii=False)
    except Exception as e:  # noqa: BLE001 - any Ludwig failure is recorded, with where it happened
        status["ludwig"], status["stage"] = "failed", stage
        status["error"] = f"{type(e).__name__}: {e}"[:3000]
        status["traceback"] = traceback.format_exc()[-4000:]
    status["seconds"] = round(time.time() - t0, 1)
    written = {
        "case.json": {"name": case["name"], "note": case.get("note", ""), "adapted": case.get("adapted", ""),
                      "inputs": [f["type"] for f in case["inputs"]],
                      "outputs": [f["type"] for f in case["outputs"]]},
        "status.json": status,
    }
    for fname, obj in written.items():
        with open(os.path.join(case_dir, fname), "w") as fh:
            json.dump(obj, fh, indent=1)
    return status


def current_status(case_dir, stamp):
    """The case's recorded status when its stamp is current, else None (it must be rebuilt)."""
    try:
        with open(os.path.join(case_dir, "status.json")) as fh:
            st = json.load(fh)
    except FileNotFoundError:
        return None
    return st if st.get("stamp") == stamp else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--cli-probe", action="store_true", help="also run `ludwig export_model` itself (both formats) on the first case")
    ap.add_argument("--timing", default="number_zscore,tabular,text_space",
                    help="cases whose LudwigModel.predict is timed (comma list)")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    known = {c["name"] for c in cases017.CASES}
    unknown = set(args.cases) - known
    if unknown:
        sys.exit(f"unknown cases: {sorted(unknown)}")
    selected = [c for c in cases017.CASES if not args.cases or c["name"] in args.cases]
    vers, src = versions(), source_hash()
    root = os.path.join(args.work, "cases")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(args.work, "versions.json"), "w") as fh:
        json.dump(vers, fh, indent=1)
    timed = set(args.timing.split(","))
    for case in selected:
        case_dir = os.path.join(root, case["name"])
        stamp = case_stamp(case, src, vers)
        old = None if args.retrain else current_status(case_dir, stamp)
        if old is not None:
            print(f"[ludwig] {case['name']}: cached ({old['ludwig']})", flush=True)
            continue
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir)
        st = run_case(case, case_dir, stamp, vers, case["name"] in timed)
        msg = st["ludwig"] if st["ludwig"] == "ok" else f"failed at {st['stage']}: {st['error'][:300]}"
        ex = "".join(f" {k}={'ok/' + st[k].get('kind', '') if st[k]['ok'] else 'FAILED'}"
                     for k in ("stock", "helper") if k in st)
        print(f"[ludwig] {case['name']}: {msg}{ex} ({st['seconds']} s)", flush=True)
    if args.cli_probe:
        first = os.path.join(root, selected[0]["name"], "model")
        print(f"[ludwig] cli probe: {json.dumps(cli_probe(args.work, first))}", flush=True)


if __name__ == "__main__":
    main()
