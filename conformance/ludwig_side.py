"""Ludwig side of the conformance suite: train, export, and record what Ludwig answers.

Runs in the conformance venv (Ludwig + torch). For each case of cases.py it writes
conformance/work/cases/<name>/:

  export/          LudwigModel.save_torchscript(export/, device="cpu")
  train.csv        the training rows; test.csv the held-out rows
  requests/<r>.json            the request handed to ludwig-infer (column dict, keys = columns)
  requests/<r>.tensors.json    image/audio inputs as tensor buffers (.npy files beside it)
  expected.json    per request: Ludwig's InferenceModule.predict columns (the TorchScript
                   path), the `full` columns derived from them, LudwigModel.predict's columns
                   (the Python path)
  status.json      {"stamp", "ludwig": "ok" | "failed", "stage", "error", "seconds"}

A case whose stamp (hash of cases.py, this file, versions and the case) matches is reused
unless --retrain is given: exports are build outputs, deterministic for a given spec.

Usage: python ludwig_side.py --work DIR [--retrain] [CASE ...]
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
import sys
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

warnings.filterwarnings("ignore")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import cases as case_catalogue  # noqa: E402

# torch and Ludwig take ~15 s to import: only done when a case has to be (re)built.
torch = ludwig = LudwigModel = build_synthetic_dataset = InferenceModule = None
to_inference_module_input_from_dataframe = None


def import_ludwig():
    global torch, ludwig, LudwigModel, build_synthetic_dataset, InferenceModule
    global to_inference_module_input_from_dataframe
    if ludwig is not None:
        return
    with contextlib.redirect_stdout(sys.stderr):  # bitsandbytes prints a CPU-build warning
        import torch as _torch
        import ludwig as _ludwig
        from ludwig.api import LudwigModel as _LM
        from ludwig.data.dataset_synthesizer import build_synthetic_dataset as _bsd
        from ludwig.models.inference import InferenceModule as _IM
        from ludwig.utils.inference_utils import to_inference_module_input_from_dataframe as _ti

    torch, ludwig, LudwigModel, build_synthetic_dataset, InferenceModule = _torch, _ludwig, _LM, _bsd, _IM
    to_inference_module_input_from_dataframe = _ti
    logging.getLogger("ludwig").setLevel(logging.ERROR)
    torch.set_num_threads(1)  # one process per core (run.sh)


def versions():
    from importlib.metadata import PackageNotFoundError, version

    v = {}
    for p in ("ludwig", "torch", "torchtext", "torchaudio", "torchvision", "pandas", "numpy"):
        try:
            v[p] = version(p)
        except PackageNotFoundError:  # Ludwig 0.11 no longer uses torchtext
            pass
    v["python"] = sys.version.split()[0]
    return v


def source_hash():
    h = hashlib.sha256()
    for f in ("cases.py", "ludwig_side.py"):
        with open(os.path.join(HERE, f), "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def case_stamp(case, src_hash, vers):
    spec = {k: v for k, v in case.items() if not callable(v)}
    blob = json.dumps({"src": src_hash, "versions": vers, "case": spec}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


# --- data -----------------------------------------------------------------------------------

def synthesize(case, n, media_dir):
    feats = copy.deepcopy(case["inputs"] + case["outputs"])
    for f in feats:
        if f["type"] in ("image", "audio"):
            f["destination_folder"] = media_dir
    gen = build_synthetic_dataset(n, feats, outdir=media_dir)
    header = next(gen)
    rows = [next(gen) for _ in range(n)]
    df = pd.DataFrame(rows, columns=header)
    # the synthesiser names columns by feature name; the config may give another column
    rename = {f["name"]: f["column"] for f in case["inputs"] + case["outputs"]}
    return df.rename(columns=rename)


def make_frames(case, case_dir, rng):
    media = os.path.join(case_dir, "media")
    n_train, n_test = case["rows"], case["test_rows"]
    if case.get("data"):
        d = case["data"](rng, n_train + n_test, case["names"])
        df = pd.DataFrame(d)
    else:
        df = synthesize(case, n_train + n_test, media)
    for name in case.get("yes_no", []):
        col = column_of(case, name)
        df[col] = df[col].map(lambda x: "Yes" if x else "No")
    train, test = df.iloc[:n_train].reset_index(drop=True), df.iloc[n_train:].reset_index(drop=True)
    if case.get("test_data"):
        extra = case["test_data"](rng, case.get("names"))
        k = len(next(iter(extra.values())))
        rows = test.iloc[[i % len(test) for i in range(k)]].copy().reset_index(drop=True)
        for col, vals in extra.items():
            rows[col] = vals
        test = pd.concat([test, rows], ignore_index=True)
    if case["nan_inputs"]:
        for f in case["inputs"]:
            col = f["column"]
            for frame, seed in ((train, 1), (test, 2)):
                k = int(round(case["nan_inputs"] * len(frame)))
                idx = random.Random(seed).sample(range(len(frame)), k)
                frame[col] = frame[col].astype(object)
                frame.loc[idx, col] = np.nan
    return train, test


def column_of(case, name):
    for f in case["inputs"] + case["outputs"]:
        if f["name"] == name:
            return f["column"]
    return name


def roundtrip_csv(df, path):
    # NaN as "NaN" so that empty strings survive the round trip as empty strings.
    df.to_csv(path, index=False, na_rep="NaN")
    return pd.read_csv(path, keep_default_na=False, na_values=["NaN"])


# --- encoding -------------------------------------------------------------------------------

def enc(v):
    """JSON-safe value of a DataFrame cell / module output (NaN -> None)."""
    if torch is not None and isinstance(v, torch.Tensor):
        return enc(v.detach().cpu().tolist())
    if isinstance(v, np.ndarray):
        return enc(v.tolist())
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, np.generic):
        return enc(v.item())
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


def frame_columns(df):
    return {c: [enc(x) for x in df[c].tolist()] for c in df.columns}


def request_json(case, df):
    """The ludwig-infer request: a column dict keyed by the features' columns."""
    req = {}
    tensor_feats = set(case.get("tensors", []))
    for f in case["inputs"]:
        if f["name"] in tensor_feats:
            continue
        col = f["column"]
        vals = []
        for x in df[col].tolist():
            x = enc(x)
            if f["name"] in case.get("vector_as_arrays", []) and isinstance(x, str):
                x = [float(t) for t in x.split()]
            if f["type"] == "h3" and isinstance(x, float) and x.is_integer():
                x = int(x)  # a column with missing values is float64 in pandas; callers send integers
            vals.append(x)
        req[col] = vals
    return req


def write_tensors(case, df, config, out_dir, rname):
    """Image/audio inputs decoded exactly as InferenceModule.predict decodes them."""
    tensor_feats = set(case.get("tensors", []))
    if not tensor_feats:
        return None
    inputs = to_inference_module_input_from_dataframe(df, config, load_paths=True)
    meta = []
    for f in case["inputs"]:
        if f["name"] not in tensor_feats:
            continue
        for i, v in enumerate(inputs[f["name"]]):
            sr = 0
            if isinstance(v, tuple):
                v, sr = v
            fn = f"{rname}.{f['name']}.{i}.npy"
            np.save(os.path.join(out_dir, fn), v.detach().cpu().numpy())
            meta.append({"name": f["name"], "file": fn, "sample_rate": int(sr)})
    return meta


# --- expected values ------------------------------------------------------------------------

def derived_full(ts_cols, config, metadata):
    """The columns LudwigModel.predict adds, computed from the TorchScript outputs (contract
    section 5): binary <f>_probabilities_<False label>/<True label>, <f>_probability;
    category <f>_probability, <f>_probabilities_<label> for every idx2str label; text
    <f>_response, the predicted tokens joined by spaces."""
    out = {}
    for f in config["output_features"]:
        name, t = f["name"], f["type"]
        if t == "text" and f"{name}_predictions" in ts_cols:
            out[f"{name}_response"] = [None if r is None else " ".join(r) for r in ts_cols[f"{name}_predictions"]]
            continue
        probs = ts_cols.get(f"{name}_probabilities")
        if probs is None or t not in ("binary", "category"):
            continue
        meta = metadata.get(name, {})
        labels = meta.get("bool2str", ["False", "True"]) if t == "binary" else meta["idx2str"]
        for i, label in enumerate(labels):
            out[f"{name}_probabilities_{label}"] = [None if r is None else r[i] for r in probs]
        out[f"{name}_probability"] = [None if r is None or any(x is None for x in r) else max(r) for r in probs]
    return out


def predict_both(model, module, df, case_dir, rendered, metadata, ts_in=None):
    """What Ludwig answers for df: InferenceModule.predict (the TorchScript path, on ts_in
    when given) and LudwigModel.predict (the Python path, only a second opinion: when it
    fails, the TorchScript path is still checked and the failure is reported as a note)."""
    ts_df, _ = module.predict(df if ts_in is None else ts_in)
    ts_cols = frame_columns(ts_df)
    py_cols, py_error = {}, None
    try:
        py_df, _ = model.predict(dataset=df, output_directory=os.path.join(case_dir, "results"))
        py_cols = frame_columns(py_df)
    except Exception as e:  # noqa: BLE001
        py_error = f"{type(e).__name__}: {e}"
    return {
        "rows": len(df),
        "columns": ts_cols,
        "column_order": list(ts_df.columns),
        "derived_full": derived_full(ts_cols, rendered, metadata),
        "python": py_cols,
        "outputs": {f["name"]: f["type"] for f in rendered["output_features"]},
        "python_error": py_error,
    }


# --- one case -------------------------------------------------------------------------------

def expected_failure(case, ludwig_version, error):
    """Whether `error` is the case's expect_ludwig_failure for this Ludwig (cases.py): a
    substring (every version), or a dict keyed by version ("0.11.0"), release line ("0.11")
    or "*" (any other) whose values are a substring or a list of them."""
    expect = case.get("expect_ludwig_failure")
    if isinstance(expect, dict):
        line = ".".join(ludwig_version.split(".")[:2])
        expect = expect.get(ludwig_version, expect.get(line, expect.get("*")))
    if isinstance(expect, str):
        expect = [expect]
    return any(e in error for e in expect or [])


def run_case(case, case_dir, stamp, vers):
    t0 = time.time()
    import_ludwig()
    status = {"stamp": stamp, "case": case["name"], "versions": vers, "ludwig": "ok"}
    stage = "data"
    try:
        seed = int(hashlib.sha256(case["name"].encode()).hexdigest()[:8], 16)
        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
        rng = random.Random(seed)
        train, test = make_frames(case, case_dir, rng)
        train = roundtrip_csv(train, os.path.join(case_dir, "train.csv"))
        test = roundtrip_csv(test, os.path.join(case_dir, "test.csv"))

        stage = "train"
        config = {"input_features": copy.deepcopy(case["inputs"]),
                  "output_features": copy.deepcopy(case["outputs"]),
                  "trainer": {"epochs": 2, "batch_size": 128}}
        if case.get("combiner"):
            config["combiner"] = copy.deepcopy(case["combiner"])
        model = LudwigModel(config, backend="local", logging_level=logging.ERROR)
        model.train(dataset=os.path.join(case_dir, "train.csv"), output_directory=os.path.join(case_dir, "results"),
                    skip_save_training_description=True, skip_save_training_statistics=True,
                    skip_save_model=True, skip_save_progress=True, skip_save_log=True,
                    skip_save_processed_input=True, random_seed=seed % 100000)

        stage = "export"
        export_dir = os.path.join(case_dir, "export")
        os.makedirs(export_dir, exist_ok=True)  # as `ludwig export_torchscript` does
        model.save_torchscript(export_dir, device="cpu")

        stage = "inference_module"
        with contextlib.redirect_stdout(sys.stderr):  # it prints a line per stage
            module = InferenceModule.from_directory(export_dir, device="cpu")
        with open(os.path.join(export_dir, "model_hyperparameters.json")) as fh:
            rendered = json.load(fh)
        with open(os.path.join(export_dir, "training_set_metadata.json")) as fh:
            metadata = json.load(fh)

        req_dir = os.path.join(case_dir, "requests")
        os.makedirs(req_dir, exist_ok=True)
        expected = {"requests": {}}
        slices = {"batch": test, "row1": test.iloc[:1].reset_index(drop=True)}
        for rname, df in slices.items():
            stage = f"inference_module ({rname})"
            ts_in = df
            if case.get("sanitize_for_torchscript"):
                # InferenceModule.predict looks the config's (sanitised) columns up as they
                # are; LudwigModel.predict sanitises the frame first. Give the TorchScript
                # path the frame the Python path would see; ludwig-infer gets the user's.
                from ludwig.utils.data_utils import sanitize_column_names
                ts_in = sanitize_column_names(df)
            expected["requests"][rname] = predict_both(model, module, df, case_dir, rendered, metadata, ts_in)
            with open(os.path.join(req_dir, f"{rname}.json"), "w") as fh:
                json.dump(request_json(case, df), fh, ensure_ascii=False)
            meta = write_tensors(case, df, rendered, req_dir, rname)
            if meta is not None:
                with open(os.path.join(req_dir, f"{rname}.tensors.json"), "w") as fh:
                    json.dump(meta, fh)
        if case.get("requests"):
            records = [{c: enc(v) for c, v in r.items()} for r in test.to_dict("records")]
            for rname, recs in case["requests"](rng, records).items():
                stage = f"inference_module ({rname})"
                df = pd.DataFrame(recs)
                # ludwig-infer gets the records as Python's json writes them.
                with open(os.path.join(req_dir, f"{rname}.json"), "w") as fh:
                    json.dump(recs, fh, ensure_ascii=False)
                expected["requests"][rname] = predict_both(model, module, df, case_dir, rendered, metadata)
        with open(os.path.join(case_dir, "expected.json"), "w") as fh:
            json.dump(expected, fh, ensure_ascii=False)
    except Exception as e:  # noqa: BLE001 - any Ludwig failure is recorded
        status.update({"ludwig": "failed", "stage": stage, "error": f"{type(e).__name__}: {e}",
                       "traceback": traceback.format_exc()[-4000:]})
        status["expected_failure"] = expected_failure(case, vers["ludwig"], status["error"])
    status["seconds"] = round(time.time() - t0, 1)
    case_meta = {"name": case["name"], "note": case.get("note", ""), "extensions": case.get("extensions", []),
                 "inputs": [f["type"] for f in case["inputs"]], "outputs": [f["type"] for f in case["outputs"]]}
    with open(os.path.join(case_dir, "case.json"), "w") as fh:
        json.dump(case_meta, fh)
    with open(os.path.join(case_dir, "status.json"), "w") as fh:
        json.dump(status, fh, indent=1)
    return status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--retrain", action="store_true")
    ap.add_argument("--shard", default="0/1", help="K/N: run every Nth selected case from the Kth")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    k, n = (int(x) for x in args.shard.split("/"))
    vers = versions()
    src = source_hash()
    selected = [c for c in case_catalogue.CASES if not args.cases or c["name"] in args.cases]
    unknown = set(args.cases) - {c["name"] for c in case_catalogue.CASES}
    if unknown:
        sys.exit(f"unknown cases: {sorted(unknown)}")
    selected = selected[k::n]
    root = os.path.join(args.work, "cases")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(args.work, "versions.json"), "w") as fh:
        json.dump(vers, fh, indent=1)
    for case in selected:
        case_dir = os.path.join(root, case["name"])
        stamp = case_stamp(case, src, vers)
        st_path = os.path.join(case_dir, "status.json")
        if not args.retrain and os.path.exists(st_path):
            with open(st_path) as fh:
                old = json.load(fh)
            if old.get("stamp") == stamp:
                print(f"[ludwig] {case['name']}: cached ({old['ludwig']})", flush=True)
                continue
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir)
        st = run_case(case, case_dir, stamp, vers)
        msg = st["ludwig"] if st["ludwig"] == "ok" else f"failed at {st['stage']}: {st['error'][:300]}"
        print(f"[ludwig] {case['name']}: {msg} ({st['seconds']} s)", flush=True)


if __name__ == "__main__":
    main()
