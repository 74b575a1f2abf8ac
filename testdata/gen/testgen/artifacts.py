"""Other artefacts made from an existing export's saved stages, the way Ludwig made them:

- a monolithic scripted InferenceModule (`torch.jit.script(InferenceModule(pre, pred, post, config,
  metadata))`, what `LudwigModel.to_torchscript()` returns), saved as `inference_module.pt`, with or
  without the JSON files beside it;
- a `.carton` (Ludwig v0.10's `export_carton`): scripted.stages.GeneratedInferenceModule (a real carton's class)
  (forward(Dict[str, Any]) -> {output feature: predictions}) saved as model/model.pt in a zip with
  carton.toml and MANIFEST, laid out as cartonml's packer (carton/src/format/v1/save.rs) writes it:
  carton.toml and model/model.pt zstd-compressed (zip method 93), MANIFEST stored, MANIFEST lines
  `path=sha256` sorted.

Every artefact is re-loaded and checked against the source export's golden (testdata/golden/<src>.json):
all postprocessor keys for the InferenceModule, `predictions` for the carton.
"""
import ctypes
import ctypes.util
import glob
import hashlib
import io
import json
import os
import shutil
import struct
import zlib
from typing import Any, Dict, List, Tuple

import torch

from scripted.stages import InferenceModule, carton_module

from testgen.export import CONFIG_FILE, METADATA_FILE, POSTPROCESSOR_FILE, PREPROCESSOR_FILE

MODULE_FILE = "inference_module.pt"

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
          "uint8": torch.uint8, "bool": torch.bool, "int8": torch.int8, "int16": torch.int16}


def _load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build_inference_module(src_dir: str) -> Tuple[torch.jit.ScriptModule, Dict[str, Any], Dict[str, Any]]:
    config = _load_json(os.path.join(src_dir, CONFIG_FILE))
    metadata = _load_json(os.path.join(src_dir, METADATA_FILE))
    pre = torch.jit.load(os.path.join(src_dir, PREPROCESSOR_FILE))
    pred = torch.jit.load(glob.glob(os.path.join(src_dir, "inference_predictor[-_]*.pt"))[0])
    post = torch.jit.load(os.path.join(src_dir, POSTPROCESSOR_FILE))
    # As InferenceModule.from_ludwig_model + LudwigModel.to_torchscript: scripted stages composed, then
    # the whole scripted (the config/metadata dicts cannot be typed, so TorchScript leaves them out).
    module = torch.jit.script(InferenceModule(pre, pred, post, config=config, training_set_metadata=metadata))
    return module, config, metadata


# ---------------------------------------------------------------------------------------------
# golden checks


def _decode_tensor(t):
    data = [float("nan") if x is None else x for x in t["data"]]
    return torch.tensor(data, dtype=DTYPES[t["dtype"]]).reshape(t["shape"])


def _decode_input(i):
    if i["kind"] == "tensor":
        return _decode_tensor(i["tensor"])
    if i["kind"] == "tensors":
        return [_decode_tensor(t) for t in i["value"]]
    return list(i["value"])


def _same(v, p) -> bool:
    """Exactly equal (the artefacts run the very same scripted code as the goldens' stages)."""
    if p["kind"] == "tensor":
        t = _decode_tensor(p["tensor"])
        if not isinstance(v, torch.Tensor) or v.dtype != t.dtype or v.shape != t.shape:
            return False
        if v.is_floating_point():
            return bool(torch.allclose(v.double(), t.double(), atol=0, rtol=0, equal_nan=True))
        return bool(torch.equal(v, t))
    if p["kind"] == "tensors":
        return len(v) == len(p["value"]) and all(_same(a, {"kind": "tensor", "tensor": t}) for a, t in zip(v, p["value"]))
    return v == p["value"]


def check_against_golden(run, golden_path: str, predictions_only: bool) -> int:
    """run(inputs) -> {feature: {key: value}}; returns the number of cases checked."""
    g = _load_json(golden_path)
    for c in g["cases"]:
        inputs = {k: _decode_input(v) for k, v in c["module_inputs"].items()}
        out = run(inputs)
        want: Dict[str, Dict[str, Any]] = {}
        for concat, p in c["postprocessed"].items():
            f, key = concat.rsplit("::", 1)
            if predictions_only and key != "predictions":
                continue
            want.setdefault(f, {})[key] = p
        if set(out) != set(want):
            raise SystemExit(f"{golden_path} {c['name']}: features {sorted(out)} != {sorted(want)}")
        for f, keys in want.items():
            if set(out[f]) != set(keys):
                raise SystemExit(f"{golden_path} {c['name']}: {f} keys {sorted(out[f])} != {sorted(keys)}")
            for key, p in keys.items():
                if not _same(out[f][key], p):
                    raise SystemExit(f"{golden_path} {c['name']}: {f}::{key} differs from the golden")
    return len(g["cases"])


# ---------------------------------------------------------------------------------------------
# monolithic InferenceModule


def write_module_export(models_root: str, golden_root: str, src: str, dst: str, with_json: bool) -> str:
    src_dir = os.path.join(models_root, src)
    out_dir = os.path.join(models_root, dst)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    module, _, _ = build_inference_module(src_dir)
    path = os.path.join(out_dir, MODULE_FILE)
    module.save(path)
    if with_json:
        for fn in (CONFIG_FILE, METADATA_FILE):
            shutil.copyfile(os.path.join(src_dir, fn), os.path.join(out_dir, fn))
    loaded = torch.jit.load(path)
    n = check_against_golden(lambda x: loaded(x), os.path.join(golden_root, src + ".json"), predictions_only=False)
    # The staged methods reproduce the stages too.
    n += check_against_golden(
        lambda x: loaded.postprocessor_forward(loaded.predictor_forward(loaded.preprocessor_forward(x))),
        os.path.join(golden_root, src + ".json"), predictions_only=False)
    return f"{os.path.relpath(path, models_root)} ({n} golden runs match)"


# ---------------------------------------------------------------------------------------------
# carton


def _preproc_input_dtype(feature: Dict[str, Any], meta: Dict[str, Any]) -> str:
    # <Feature>.get_preproc_input_dtype (Ludwig v0.10): number float32, binary "string" with str2bool
    # metadata else "int32", every other type the base class's "string".
    t = feature["type"]
    if t == "number":
        return "float32"
    if t == "binary":
        return "string" if meta.get("str2bool") else "int32"
    return "string"


def _postproc_output_dtype(feature: Dict[str, Any], meta: Dict[str, Any]) -> str:
    # <Feature>.get_postproc_output_dtype: number float32, binary "string" with bool2str else "int32",
    # others "string".
    t = feature["type"]
    if t == "number":
        return "float32"
    if t == "binary":
        return "string" if meta.get("bool2str") else "int32"
    return "string"


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def carton_toml(model_name: str, config, metadata) -> str:
    """carton.toml as cartonml writes it (toml::to_string_pretty of CartonToml: top-level keys, then the
    [[input]] / [[output]] arrays of tables with multi-line arrays, then [runner])."""
    lines = ["spec_version = 1", f"model_name = {_toml_str(model_name)}", ""]
    for kind, key, dtype_of in (("input", "input_features", _preproc_input_dtype),
                                ("output", "output_features", _postproc_output_dtype)):
        for f in config[key]:
            lines += [f"[[{kind}]]", f"name = {_toml_str(f['name'])}",
                      f"dtype = {_toml_str(dtype_of(f, metadata[f['name']]))}",
                      "shape = [", '    "batch_size",', "]", ""]
    lines += ["[runner]", 'runner_name = "torchscript"', 'required_framework_version = ">=2"',
              "runner_compat_version = 1", "", "[runner.opts]", ""]
    return "\n".join(lines)


class _Zstd:
    """zstd compression through the system libzstd (Debian's Python has no zstd module)."""

    def __init__(self):
        name = ctypes.util.find_library("zstd") or "libzstd.so.1"
        self.lib = ctypes.CDLL(name)
        self.lib.ZSTD_compressBound.restype = ctypes.c_size_t
        self.lib.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
        self.lib.ZSTD_compress.restype = ctypes.c_size_t
        self.lib.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                           ctypes.c_int]
        self.lib.ZSTD_isError.restype = ctypes.c_uint
        self.lib.ZSTD_isError.argtypes = [ctypes.c_size_t]

    def compress(self, data: bytes, level: int = 3) -> bytes:
        cap = self.lib.ZSTD_compressBound(len(data))
        dst = ctypes.create_string_buffer(cap)
        n = self.lib.ZSTD_compress(dst, cap, data, len(data), level)
        if self.lib.ZSTD_isError(n):
            raise RuntimeError("ZSTD_compress failed")
        return dst.raw[:n]


def write_zip(path: str, entries: List[Tuple[str, bytes, str]]):
    """A zip of (name, data, method) entries, method "zstd" (93) or "stored" (0); fixed timestamps."""
    zstd = _Zstd()
    dos_time, dos_date = 0, (2023 - 1980) << 9 | 1 << 5 | 1  # 2023-01-01 00:00:00
    local, central = bytearray(), bytearray()
    for name, data, method in entries:
        raw = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        if method == "zstd":
            comp, code, version = zstd.compress(data), 93, 63
        else:
            comp, code, version = data, 0, 20
        offset = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, version, 0x0800, code, dos_time, dos_date, crc,
                             len(comp), len(data), len(raw), 0) + raw + comp
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | version, version, 0x0800, code,
                               dos_time, dos_date, crc, len(comp), len(data), len(raw), 0, 0, 0, 0,
                               0o100644 << 16, offset) + raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0)
    with open(path, "wb") as f:
        f.write(bytes(local) + bytes(central) + end)


def write_carton(models_root: str, golden_root: str, src: str, dst: str) -> str:
    src_dir = os.path.join(models_root, src)
    out_dir = os.path.join(models_root, dst)
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    inference_module, config, metadata = build_inference_module(src_dir)
    scripted_carton = carton_module(config, inference_module)
    model_path = os.path.join(out_dir, "model.pt.tmp")
    torch.jit.save(scripted_carton, model_path)
    with open(model_path, "rb") as f:
        model_bytes = f.read()
    os.remove(model_path)
    toml = carton_toml(src, config, metadata).encode("utf-8")
    files = {"carton.toml": toml, "model/model.pt": model_bytes}
    manifest = "".join(f"{k}={hashlib.sha256(v).hexdigest()}\n" for k, v in sorted(files.items()))
    path = os.path.join(out_dir, src + ".carton")
    write_zip(path, [("carton.toml", toml, "zstd"), ("model/model.pt", model_bytes, "zstd"),
                     ("MANIFEST", manifest.encode("utf-8"), "stored")])
    module = torch.jit.load(io.BytesIO(model_bytes))
    n = check_against_golden(lambda x: {f: {"predictions": v} for f, v in module(x).items()},
                             os.path.join(golden_root, src + ".json"), predictions_only=True)
    return f"{os.path.relpath(path, models_root)} ({n} golden runs match)"


# (name, source export, builder, kwargs): run by generate.py after the models and VARIANTS.
ARTIFACTS = [
    ("tabular_module", "tabular", write_module_export, {"with_json": True}),
    ("tabular_module_bare", "tabular", write_module_export, {"with_json": False}),
    ("multi_output_module_bare", "multi_output", write_module_export, {"with_json": False}),
    ("tabular_carton", "tabular", write_carton, {}),
    ("multi_output_carton", "multi_output", write_carton, {}),
    ("binary_yesno_carton", "binary_yesno", write_carton, {}),
]
