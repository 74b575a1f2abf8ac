"""Shared by the client suites: the live server, golden cases as numpy
inputs, and comparisons with the goldens (strings exactly, floats within
1e-5 absolute and relative, as the Go tests compare them)."""
import base64
import json
import os
import re
import subprocess
import sys
import threading

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTDATA = os.path.join(ROOT, "testdata")

# (model, case) pairs without missing values in string columns (a BYTES
# tensor cannot hold None); image cases go as the files' own bytes.
CASES = [
    ("tabular", "batch1_ints"),
    ("tabular", "batch2_unknown_city_floats"),
    ("tabular", "batch3_string_bools_and_numbers"),
    ("multi_output", "batch1"),
    ("multi_output", "batch5"),
    ("text_output", "batch1"),
    ("image_input", "batch1_png"),
    ("image_input", "batch2_gray_png_tiff"),
    ("image_input", "batch3_bmp_gif_tiff_sizes"),
    ("set_bag_vector", "batch1"),
    ("set_bag_vector", "batch2_unknown_empty"),
]
MODELS = sorted({m for m, _ in CASES})


class Server:
    """`build/ludwig-infer serve` on loopback ports chosen by the system."""

    def __init__(self, grpc=True):
        exe = os.environ.get("LI_SERVE", os.path.join(ROOT, "build", "ludwig-infer"))
        args = [exe, "serve", "--port", "0", "--access-log", "off"]
        if grpc:
            args += ["--grpc-port", "0"]
        for m in MODELS:
            args += ["--model", os.path.join(TESTDATA, "models", m)]
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
        self.http = self.grpc = None
        self.log = []
        for line in self.proc.stderr:
            self.log.append(line)
            m = re.search(r"addr=(http|grpc)://(\S+)", line)
            if m:
                setattr(self, m.group(1), m.group(2))
            if self.http and (self.grpc or not grpc):
                break
        if not self.http:
            self.proc.kill()
            raise RuntimeError("ludwig-infer serve did not start:\n" + "".join(self.log))
        # Keep draining stderr so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [self.log.append(x) for x in self.proc.stderr], daemon=True).start()

    def stop(self):
        self.proc.terminate()  # SIGTERM: a graceful stop
        code = self.proc.wait(timeout=60)
        assert code == 0, "".join(self.log)


def golden(model, case):
    with open(os.path.join(TESTDATA, "golden", model + ".json")) as f:
        for c in json.load(f)["cases"]:
            if c["name"] == case:
                return c
    raise KeyError(case)


def column_array(values, raw_media=True):
    """A request column as the numpy array a client would build: bools as
    BOOL, integers INT64, numbers FP64 (None as NaN), the rest BYTES; data:
    URIs become the file's bytes when raw_media (binary data, gRPC), and stay
    as they are for JSON."""
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    if all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    out = []
    for v in values:
        if raw_media and isinstance(v, str) and v.startswith("data:"):
            out.append(base64.b64decode(v.split(";base64,", 1)[1]))
        else:
            out.append(str(v).encode("utf-8"))
    return np.array(out, dtype=np.object_)


def inputs(model, case, raw_media=True):
    """{column: numpy array} of a golden case."""
    return {k: column_array(v, raw_media) for k, v in golden(model, case)["request"].items()}


def datatype(arr):
    return {np.dtype(bool): "BOOL", np.dtype(np.int64): "INT64", np.dtype(np.float64): "FP64"}.get(arr.dtype, "BYTES")


def expected(model, case):
    """{output tensor name: expected per-row values} from the golden."""
    out = {}
    for key, v in golden(model, case)["postprocessed"].items():
        name = key.replace("::", "_", 1)
        if v["kind"] == "tensor":
            t = v["tensor"]
            out[name] = np.array(t["data"], dtype=np.float64).reshape(t["shape"])
        elif v["kind"] == "tensors":
            out[name] = [np.array(t["data"], dtype=np.float64) for t in v["value"]]
        else:
            out[name] = v["value"]
    return out


def check_output(name, got, want):
    """Compares one output as a client decoded it (numpy) with the golden."""
    if isinstance(want, np.ndarray):
        got = np.asarray(got, dtype=np.float64)
        assert got.shape == want.shape, (name, got.shape, want.shape)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-5), (name, got, want)
        return
    rows = [x.decode("utf-8") if isinstance(x, bytes) else x for x in np.asarray(got, dtype=object).reshape(-1)]
    assert len(rows) == len(want), (name, rows, want)
    for g, w in zip(rows, want):
        if isinstance(w, str):
            assert g == w, (name, g, w)
        elif isinstance(w, np.ndarray):
            assert np.allclose(np.array(json.loads(g), dtype=np.float64), w, rtol=1e-5, atol=1e-5), (name, g, w)
        else:
            assert json.loads(g) == w, (name, g, w)


def check_full_record(model, case, row, record):
    """A v1 prediction (the full form) against the golden's row."""
    c = golden(model, case)
    want = {}
    for name, v in expected(model, case).items():
        want[name] = v[row]
    for k, v in c["full"].items():
        want[k] = v[row]
    assert sorted(record) == sorted(want), (sorted(record), sorted(want))
    for k, w in want.items():
        g = record[k]
        if isinstance(w, np.ndarray):
            assert np.allclose(np.array(g, dtype=np.float64), w, rtol=1e-5, atol=1e-5), (k, g, w)
        elif isinstance(w, float):
            assert abs(g - w) <= 1e-5 + 1e-5 * abs(w), (k, g, w)
        else:
            assert g == w, (k, g, w)


if __name__ == "__main__":
    sys.exit("common.py is a helper module")


def run_readme_example(name, server):
    """Runs the README's Python block after `<!-- client-example: name -->`
    against server (its ports for the README's 8000 and 8001) and returns
    what it printed."""
    import contextlib
    import io

    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    m = re.search(r"<!-- client-example: " + re.escape(name) + r" -->\n```python\n(.*?)```", text, re.S)
    assert m, "README.md has no example " + name
    code = m.group(1).replace("localhost:8000", server.http).replace("localhost:8001", server.grpc)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md:" + name, "exec"), {"__name__": "__readme__"})
    return out.getvalue()
