"""ludwig-infer side of the conformance suite: runs one case's requests through the C ABI.

Plain ctypes on libludwiginfer.so (include/ludwig_infer.h): li_load, li_infer, li_result_json,
li_result_free, li_close. It imports no torch and no Ludwig, so the library runs as it would
in a service; numpy is used only to read the .npy tensor buffers of image/audio inputs.

Usage: python li_runner.py --lib build/libludwiginfer.so CASE_DIR
Writes CASE_DIR/got.json: {"load_error": ..., "stages": model info's "stages",
                           "requests": {r: {"columns": {...} | {"__error__": ...}, "full": ...,
                                            "native_vs_torchscript": [differences],
                                            "go_vs_libtorch": [[errors], [notes]]}},
                           "go_engine": {"loaded": bool, "error": ...}}

With the default stages (auto) the library runs the pre- and postprocessing it recognises in
Go (core/native). Each request is also run through a second load of the export with
{"stages": "torchscript"}: the preprocess stage's tensors and the full form must be the same
- integers, strings and booleans exactly, floats bit for bit or within 1 ulp (float32; libtorch's
vectorised log1p/expm1 round differently) - or the difference is listed (a failure).
"""

import argparse
import ctypes
import json
import os
import re
import sys

import numpy as np

LI_FORM_COLUMNS = 1
LI_FORM_FULL = 2
LI_STAGE_ALL = 0
LI_STAGE_PREPROCESS = 1
LI_FORM_FEATURES = 0

DTYPES = {np.dtype("float32"): 1, np.dtype("float64"): 2, np.dtype("int32"): 3, np.dtype("int64"): 4,
          np.dtype("uint8"): 5, np.dtype("bool"): 6, np.dtype("int8"): 7, np.dtype("int16"): 8}

STATUS = ["LI_OK", "LI_ERR_INVALID_ARGUMENT", "LI_ERR_NOT_FOUND", "LI_ERR_MODEL", "LI_ERR_INPUT",
          "LI_ERR_RUNTIME", "LI_ERR_CLOSED", "LI_ERR_CANCELLED", "LI_ERR_INTERNAL"]


class Tensor(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int), ("ndim", ctypes.c_size_t),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p),
                ("nbytes", ctypes.c_size_t), ("sample_rate", ctypes.c_int64)]


class InferOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_size_t), ("stage", ctypes.c_int), ("form", ctypes.c_int),
                ("timeout_ms", ctypes.c_int64), ("tensor_outputs", ctypes.c_int)]


class Lib:
    def __init__(self, path):
        self.lib = lib = ctypes.CDLL(path)
        vp, pvp = ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)
        lib.li_load.argtypes = [ctypes.c_char_p, ctypes.c_char_p, pvp, pvp]
        lib.li_load.restype = ctypes.c_int
        lib.li_infer.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Tensor), ctypes.c_size_t,
                                 ctypes.POINTER(InferOptions), pvp, pvp]
        lib.li_infer.restype = ctypes.c_int
        lib.li_result_json.argtypes = [vp, ctypes.POINTER(ctypes.c_size_t)]
        lib.li_result_json.restype = vp  # owned by the result: read with string_at, never freed
        lib.li_result_free.argtypes = [vp]
        lib.li_close.argtypes = [vp]
        lib.li_free.argtypes = [vp]
        lib.li_version.restype = ctypes.c_char_p
        lib.li_torch_version.restype = ctypes.c_char_p
        lib.li_model_info.argtypes = [vp, pvp, pvp]
        lib.li_model_info.restype = ctypes.c_int

    def _err(self, code, err):
        msg = ""
        if err.value:
            msg = ctypes.string_at(err.value).decode("utf-8", "replace")
            self.lib.li_free(err)
        name = STATUS[code] if 0 <= code < len(STATUS) else str(code)
        return f"{name}: {msg}"

    def load(self, path, options):
        model, err = ctypes.c_void_p(), ctypes.c_void_p()
        code = self.lib.li_load(path.encode(), json.dumps(options).encode(), ctypes.byref(model), ctypes.byref(err))
        if code != 0:
            raise RuntimeError(self._err(code, err))
        return model

    def info(self, model):
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        code = self.lib.li_model_info(model, ctypes.byref(out), ctypes.byref(err))
        if code != 0:
            raise RuntimeError(self._err(code, err))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            self.lib.li_free(out)

    def infer(self, model, request, tensors, form, stage=LI_STAGE_ALL):
        body = request.encode("utf-8")
        keep = []  # keeps buffers alive during the call
        arr = (Tensor * max(len(tensors), 1))()
        for i, (name, a, sr) in enumerate(tensors):
            a = np.ascontiguousarray(a)
            shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
            nm = name.encode()
            keep += [a, shape, nm]
            arr[i] = Tensor(nm, DTYPES[a.dtype], a.ndim, shape, a.ctypes.data_as(ctypes.c_void_p), a.nbytes, sr)
        opts = InferOptions(ctypes.sizeof(InferOptions), stage, form, 0, 0)
        res, err = ctypes.c_void_p(), ctypes.c_void_p()
        code = self.lib.li_infer(model, body, len(body), arr, len(tensors), ctypes.byref(opts),
                                 ctypes.byref(res), ctypes.byref(err))
        if code != 0:
            raise RuntimeError(self._err(code, err))
        try:
            n = ctypes.c_size_t()
            p = self.lib.li_result_json(res, ctypes.byref(n))
            return ctypes.string_at(p, n.value).decode("utf-8")
        finally:
            self.lib.li_result_free(res)


def extension_paths(names, site):
    out = []
    for n in names:
        p = os.path.join(site, n, "lib", f"lib{n}.so")
        if os.path.exists(p):
            out.append(p)
    return out


def ulps32(a, b):
    """The distance of two floats in float32 units in the last place."""
    x, y = np.array([a, b], dtype=np.float32).view(np.int32).astype(np.int64)
    x = x if x >= 0 else -(x & 0x7FFFFFFF)
    y = y if y >= 0 else -(y & 0x7FFFFFFF)
    return abs(int(x) - int(y))


def walk_tree(a, b, path, leaf, out, limit=5):
    """Walks two JSON trees side by side: a structural difference (keys, list lengths) is
    appended to out; every pair of leaves goes to leaf(a, b, path). Stops at limit findings."""
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            out.append(f"{path}: keys {sorted(a)} vs {sorted(b)}")
            return
        for k in a:
            walk_tree(a[k], b[k], f"{path}.{k}" if path else k, leaf, out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items vs {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            walk_tree(x, y, f"{path}[{i}]", leaf, out, limit)
    else:
        leaf(a, b, path)


def numbers(a, b):
    """Whether a and b are two numbers (not booleans), one of them a float."""
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
        and not isinstance(b, bool) and (isinstance(a, float) or isinstance(b, float))


def same(a, b, path, out, limit=5):
    """Appends to out where a (native) and b (TorchScript) differ beyond 1 float32 ulp."""
    def leaf(x, y, p):
        if numbers(x, y):
            if x != y and ulps32(x, y) > 1:
                out.append(f"{p}: native {x!r} vs TorchScript {y!r}")
        elif x != y or type(x) is not type(y):
            out.append(f"{p}: native {json.dumps(x)[:80]} vs TorchScript {json.dumps(y)[:80]}")
    walk_tree(a, b, path, leaf, out, limit)


def native_vs_torchscript(lib, auto, ts, request, tensors):
    """Differences between the default (native where recognised) and TorchScript stages on
    one request: the preprocess stage's tensors, then the full form."""
    diffs = []
    for what, stage, form in (("preprocess", LI_STAGE_PREPROCESS, LI_FORM_FEATURES), ("full", LI_STAGE_ALL, LI_FORM_FULL)):
        got = []
        for model in (auto, ts):
            try:
                got.append(json.loads(lib.infer(model, request, tensors, form, stage)))
            except RuntimeError as e:
                got.append({"__error__": "failed"})  # statuses and messages may differ (docs/native.md)
        out = []
        same(got[0], got[1], what, out)
        diffs += out
    return diffs


TOL = 1e-5


def close(a, b):
    """The Go engine's float tolerance against libtorch: 1e-5 absolute + 1e-5 relative."""
    return abs(a - b) <= TOL + TOL * abs(b)


def margin_below_tol(lt_columns, feature, row):
    """Whether libtorch's own decision for feature's row is within the tolerance of flipping:
    the gap between the two largest probabilities (category, set) or the distance of P(true)
    to 0.5 (binary, whose probabilities are [1-p, p])."""
    probs = lt_columns.get(f"{feature}_probabilities")
    if not isinstance(probs, list) or row >= len(probs) or not isinstance(probs[row], list):
        return False
    p = sorted((x for x in probs[row] if isinstance(x, (int, float))), reverse=True)
    return len(p) >= 2 and p[0] - p[1] <= 2 * TOL * (1 + abs(p[0]))


def go_vs_libtorch(go, lt):
    """(errors, notes) between the columns form of the Go engine (go) and libtorch (lt):
    integers, strings and booleans identical, floats within 1e-5 absolute + 1e-5 relative;
    a label that differs where libtorch's own decision margin is below the tolerance is a
    note (reported, not hidden), any other difference an error."""
    errors, notes = [], []

    def leaf(a, b, path):
        if numbers(a, b):
            if not close(a, b):
                errors.append(f"{path}: go {a!r} vs libtorch {b!r}")
            return
        if a == b and type(a) is type(b):
            return
        msg = f"{path}: go {json.dumps(a)[:60]} vs libtorch {json.dumps(b)[:60]}"
        col = re.match(r"[^.\[]*", path).group(0)
        row = re.search(r"\[(\d+)\]", path)
        if col.endswith("_predictions") and row and margin_below_tol(lt, col[: -len("_predictions")], int(row.group(1))):
            notes.append(msg + " (libtorch's decision margin is below the tolerance)")
        else:
            errors.append(msg)

    walk_tree(go, lt, "", leaf, errors)
    return errors, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--site", default="", help="site-packages holding torchaudio/torchtext (custom-op libraries)")
    ap.add_argument("case_dir")
    args = ap.parse_args()
    with open(os.path.join(args.case_dir, "case.json")) as fh:
        case = json.load(fh)
    lib = Lib(args.lib)
    got = {"version": lib.lib.li_version().decode(), "torch": lib.lib.li_torch_version().decode(), "requests": {}}
    out_path = os.path.join(args.case_dir, "got.json")
    try:
        opts = {}
        ext = extension_paths(case.get("extensions", []), args.site)
        if ext:
            opts["extensions"] = ext
        model = lib.load(os.path.join(args.case_dir, "export"), opts)
    except RuntimeError as e:
        got["load_error"] = str(e)
        with open(out_path, "w") as fh:
            json.dump(got, fh, ensure_ascii=False)
        return
    got["stages"] = lib.info(model).get("stages", {})
    try:
        ts_model = lib.load(os.path.join(args.case_dir, "export"), dict(opts, stages="torchscript"))
    except RuntimeError as e:
        ts_model = None
        got["torchscript_load_error"] = str(e)
    # The Go engine (core/script, issue 15) on the same export: where it loads, its columns
    # form is compared with libtorch's on every request; where it does not, the load error
    # names the first operator it lacks (the coverage table of docs/go-engine.md).
    try:
        go_model = lib.load(os.path.join(args.case_dir, "export"), dict(opts, engine="go"))
        got["go_engine"] = {"loaded": True}
    except RuntimeError as e:
        go_model = None
        got["go_engine"] = {"loaded": False, "error": str(e)}
    req_dir = os.path.join(args.case_dir, "requests")
    for fn in sorted(os.listdir(req_dir)):
        if not fn.endswith(".json") or fn.endswith(".tensors.json"):
            continue
        rname = fn[:-5]
        with open(os.path.join(req_dir, fn), encoding="utf-8") as fh:
            request = fh.read()
        tensors = []
        tpath = os.path.join(req_dir, f"{rname}.tensors.json")
        if os.path.exists(tpath):
            with open(tpath) as fh:
                for t in json.load(fh):
                    tensors.append((t["name"], np.load(os.path.join(req_dir, t["file"])), t["sample_rate"]))
        # The header: several tensors with one name form a list (Ludwig's List[Tensor]); a
        # single tensor is the whole column. So a one-row image batch goes as [1,C,H,W]
        # (audio clips are always a list of (waveform, rate) pairs).
        for i, (name, a, sr) in enumerate(tensors):
            if sr == 0 and sum(1 for t in tensors if t[0] == name) == 1:
                tensors[i] = (name, a[np.newaxis], sr)
        entry = {}
        for form_name, form in (("columns", LI_FORM_COLUMNS), ("full", LI_FORM_FULL)):
            try:
                entry[form_name] = json.loads(lib.infer(model, request, tensors, form))
            except RuntimeError as e:
                entry[form_name] = {"__error__": str(e)}
        if ts_model is not None:
            entry["native_vs_torchscript"] = native_vs_torchscript(lib, model, ts_model, request, tensors)
        if go_model is not None:
            try:
                go_cols = json.loads(lib.infer(go_model, request, tensors, LI_FORM_COLUMNS))
            except RuntimeError as e:
                go_cols = {"__error__": str(e)}
            lt_cols = entry["columns"]
            if "__error__" in go_cols or "__error__" in lt_cols:
                same_failure = "__error__" in go_cols and "__error__" in lt_cols
                entry["go_vs_libtorch"] = ([], []) if same_failure else (
                    [f"go {go_cols.get('__error__', 'answers')} vs libtorch {lt_cols.get('__error__', 'answers')}"], [])
            else:
                entry["go_vs_libtorch"] = go_vs_libtorch(go_cols, lt_cols)
        got["requests"][rname] = entry
    lib.lib.li_close(model)
    if ts_model is not None:
        lib.lib.li_close(ts_model)
    if go_model is not None:
        lib.lib.li_close(go_model)
    with open(out_path, "w") as fh:
        json.dump(got, fh, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
