"""Shared fixtures for the ludwig_infer tests.

Run from the repository root: python3 -m pytest -q bindings/python/tests

* The package is imported from the source tree (bindings/python) unless
  LUDWIG_INFER_TEST_INSTALLED=1, which tests the installed one.
* LUDWIG_INFER_NO_NUMPY=1 hides numpy and pandas from the whole test process
  (imports of them fail), so the binding's standard-library path runs and
  the tests that need them skip. test_stdlib_only.py does this in a
  subprocess on every run.
"""

import json
import math
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDING = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(BINDING))
MODELS = os.path.join(REPO, "testdata", "models")
GOLDEN = os.path.join(REPO, "testdata", "golden")

NO_NUMPY = os.environ.get("LUDWIG_INFER_NO_NUMPY", "") not in ("", "0")
if NO_NUMPY:
    # A None entry makes `import numpy` raise ImportError: the binding and
    # pytest.importorskip both see numpy and pandas as absent.
    for _m in ("numpy", "pandas"):
        sys.modules[_m] = None

if os.environ.get("LUDWIG_INFER_TEST_INSTALLED", "") in ("", "0"):
    sys.path.insert(0, BINDING)

import ludwig_infer  # noqa: E402

from ludwig_infer._compat import np  # noqa: E402

GOLDEN_NAMES = sorted(f[:-5] for f in os.listdir(GOLDEN) if f.endswith(".json"))
# LI_NOLIBTORCH=1: the library is ./build.sh --no-libtorch's, which cannot
# preprocess images and audio (no native implementation; they need libtorch).
NEEDS_LIBTORCH = ("image_input", "audio_input")
if os.environ.get("LI_NOLIBTORCH"):
    GOLDEN_NAMES = [n for n in GOLDEN_NAMES if n not in NEEDS_LIBTORCH]


def model_dir(name):
    return os.path.join(MODELS, name)


def load_golden(name):
    with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def golden_cases():
    """(model, case) pairs of every golden, as pytest params."""
    out = []
    for name in GOLDEN_NAMES:
        for c in load_golden(name)["cases"]:
            out.append(pytest.param(name, c, id="%s-%s" % (name, c["name"])))
    return out


_models = {}


@pytest.fixture(scope="session")
def models():
    """Loads testdata models once per session: models(name) -> InferenceModule."""

    def get(name):
        if name not in _models:
            _models[name] = ludwig_infer.InferenceModule.from_directory(model_dir(name))
        return _models[name]

    yield get
    for m in _models.values():
        m.close()
    _models.clear()


# --- golden values ---------------------------------------------------------------


def nest(t):
    """A golden tensor {"dtype", "shape", "data"} as nested lists."""
    from ludwig_infer._tensors import nest as _nest

    return _nest(t["data"], t["shape"])


def golden_tensor(t):
    """A golden tensor as the binding's tensor type: a numpy array, or the dict."""
    if np is None:
        return t
    data = [math.nan if x is None else x for x in t["data"]]
    return np.array(data, dtype=t["dtype"]).reshape(t["shape"])


def golden_module_inputs(case):
    """The case's module_inputs in the binding's types."""
    out = {}
    for name, v in case["module_inputs"].items():
        if v["kind"] == "strings":
            out[name] = list(v["value"])
        elif v["kind"] == "tensor":
            out[name] = golden_tensor(v["tensor"])
        elif v["kind"] == "audio":  # List[Tuple[Tensor, int]]
            out[name] = [(golden_tensor(a["waveform"]), a["sample_rate"]) for a in v["value"]]
        else:
            out[name] = [golden_tensor(t) for t in v["value"]]
    return out


def golden_value(p):
    """A golden postprocessed value as the nested JSON a response carries."""
    if p["kind"] == "tensor":
        return nest(p["tensor"])
    if p["kind"] == "tensors":
        return [nest(t) for t in p["value"]]
    return p["value"]


def want_features(case):
    out = {}
    for k, p in case["postprocessed"].items():
        i = k.rfind("::")
        out.setdefault(k[:i], {})[k[i + 2 :]] = golden_value(p)
    return out


def want_columns(case, full=False):
    out = {}
    for f, keys in want_features(case).items():
        for k, v in keys.items():
            out[f + "_" + k] = v
    if full:
        out.update(case.get("full") or {})
    return out


# --- comparison --------------------------------------------------------------------


def plain(x):
    """numpy arrays and scalars -> Python lists and scalars, recursively."""
    if np is not None:
        if isinstance(x, np.ndarray):
            return x.tolist()
        if isinstance(x, np.generic):
            return x.item()
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    return x


def diff(got, want, path="$"):
    """'' when got matches want: strings and booleans exactly, numbers as
    numpy's allclose (atol = rtol = 1e-5), a null want as NaN or null."""
    got, want = plain(got), plain(want)
    if want is None:
        # goldens write NaN and infinities as null
        if got is None or (isinstance(got, float) and not math.isfinite(got)):
            return ""
        return "%s: got %r, want null (NaN or infinity)" % (path, got)
    if isinstance(want, bool):
        return "" if isinstance(got, bool) and got == want else "%s: got %r, want %r" % (path, got, want)
    if isinstance(want, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return "%s: got %r, want number %r" % (path, got, want)
        if isinstance(want, int) and isinstance(got, int):
            return "" if got == want else "%s: got %r, want %r" % (path, got, want)
        if isinstance(want, float) and math.isnan(want):
            return "" if math.isnan(got) else "%s: got %r, want NaN" % (path, got)
        if math.isnan(got) or abs(got - want) > 1e-5 + 1e-5 * abs(want):
            return "%s: got %r, want %r" % (path, got, want)
        return ""
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: got %s, want %s" % (path, str(got)[:200], str(want)[:200])
        for i, (g, w) in enumerate(zip(got, want)):
            d = diff(g, w, "%s[%d]" % (path, i))
            if d:
                return d
        return ""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return "%s: got keys %s, want keys %s" % (
                path,
                sorted(got) if isinstance(got, dict) else type(got).__name__,
                sorted(want),
            )
        for k in want:
            d = diff(got[k], want[k], "%s.%s" % (path, k))
            if d:
                return d
        return ""
    return "" if got == want else "%s: got %r, want %r" % (path, got, want)


def tensor_diff(got, want, path="$"):
    """Compares a returned tensor (numpy array or dict) with a golden tensor."""
    if np is not None and isinstance(got, np.ndarray):
        if got.dtype.name != want["dtype"]:
            return "%s: dtype %s, want %s" % (path, got.dtype, want["dtype"])
        if list(got.shape) != list(want["shape"]):
            return "%s: shape %s, want %s" % (path, list(got.shape), want["shape"])
        return diff(got.reshape(-1).tolist(), want["data"], path)
    if not isinstance(got, dict):
        return "%s: got %s, want a tensor" % (path, type(got).__name__)
    if got["dtype"] != want["dtype"] or list(got["shape"]) != list(want["shape"]):
        return "%s: %s%s, want %s%s" % (path, got["dtype"], got["shape"], want["dtype"], want["shape"])
    return diff(got["data"], want["data"], path)


def tensors_diff(got, want):
    if set(got) != set(want):
        return "keys %s, want %s" % (sorted(got), sorted(want))
    for k in want:
        d = tensor_diff(got[k], want[k], k)
        if d:
            return d
    return ""
