"""ludwig_infer.ray on a local Ray (2 CPUs): 100,000 rows through
map_batches(Predictor, ActorPoolStrategy) in pandas and pyarrow batches equal
`ludwig-infer predict`; every golden model in both forms equals the binding
in one process; ObjectRef bytes; the error policy; one load per actor; and
LudwigInferDeployment on Ray Serve answering /predict on loopback as
`ludwig-infer serve` does."""

import json
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

import ludwig_infer
import ludwig_infer.ray as lir
from ludwig_infer import _scale
from conftest import CLI, ROWS, assert_columns, golden_batches, golden_names, model_dir, same, single_process

import ray  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def ray_local():
    ray.init(num_cpus=2, object_store_memory=256 * 1024 * 1024, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def _score(ds, model, fmt, size=2, **kw):
    return ds.map_batches(
        lir.Predictor,
        fn_constructor_kwargs={"model": model, **kw},
        compute=ray.data.ActorPoolStrategy(size=size),
        batch_format=fmt,
        batch_size=4096,
    )


@pytest.mark.parametrize("fmt", ["pandas", "pyarrow"])
def test_100k_rows_equal_the_command(big_csv, cli_predictions, fmt):
    from pyarrow import csv

    # Materialized first: two 1-CPU actors on a 2-CPU Ray leave no CPU for read tasks.
    ds = ray.data.read_csv(big_csv, convert_options=csv.ConvertOptions(strings_can_be_null=True)).materialize()
    pdf = _score(ds, model_dir("tabular"), fmt, form="columns").to_pandas().sort_values("customer_id")
    assert len(pdf) == ROWS
    assert pdf["customer_id"].tolist() == ["c%06d" % i for i in range(ROWS)]
    assert_columns({c: pdf[c].tolist() for c in cli_predictions}, cli_predictions, "ray " + fmt)


@pytest.mark.parametrize("form", ["columns", "full"])
@pytest.mark.parametrize("name", golden_names())
def test_goldens(name, form):
    fmt = "pandas" if form == "columns" else "pyarrow"
    for frame, cases, want in golden_batches(name, form):
        got = _score(ray.data.from_pandas(frame), model_dir(name), fmt, size=1, form=form, keep_columns=False).to_pandas()
        assert_columns({c: got[c].tolist() for c in want}, want, "%s %s %s (cases %s)" % (name, form, fmt, cases), nan_as_null=True)


def test_object_ref_bytes_and_error_policy():
    import pandas as pd

    ref = ray.put(ludwig_infer.archive(model_dir("tabular")))
    frame = pd.DataFrame(
        {
            "Age": ["34", "abc", "51.5", "28"],
            "city": ["Paris", "Paris", "Reykjavik", None],
            "member": [True, False, None, True],
            "cell": [617703466028236799, 617703466028236799, 622236723497533439, 624008872107900927],
        }
    )
    for fmt in ("pandas", "pyarrow"):
        got = _score(ray.data.from_pandas(frame), ref, fmt, size=1, on_error="null").to_pandas()
        want = single_process("tabular", frame.iloc[[0, 2, 3]].astype({"Age": float}).reset_index(drop=True), "columns")
        nulls = lambda col: [None if v is None or v is pd.NA else v for v in got[col].tolist()]  # noqa: E731
        assert nulls("_ludwig_infer_error") == [None, "input feature 'age' (number), row 0: cannot convert 'abc' to a number", None, None]
        assert nulls("plan_predictions") == [want["plan_predictions"][0], None, want["plan_predictions"][1], want["plan_predictions"][2]]
        assert got["Age"].tolist() == frame["Age"].tolist()
    with pytest.raises(Exception, match=r"cannot convert 'abc' to a number \(batch 1 of this actor\)"):
        _score(ray.data.from_pandas(frame), ref, "pandas", size=1).materialize()


class _Probe(lir.Predictor):
    def __call__(self, batch):
        out = super().__call__(batch)
        out["pid"] = os.getpid()
        out["loads"] = _scale.load_count(self.source.key)
        return out


def test_one_load_per_actor():
    ds = ray.data.range(20000).map_batches(
        lambda b: b.assign(Age=34.0, city="Paris", member=True, cell=617703466028236799), batch_format="pandas"
    ).materialize()
    got = ds.map_batches(
        _Probe,
        fn_constructor_kwargs={"model": model_dir("tabular")},
        compute=ray.data.ActorPoolStrategy(size=2),
        batch_format="pandas",
        batch_size=1000,
    ).to_pandas()
    assert len(got) == 20000
    assert set(got["loads"]) == {1}
    assert 1 <= got["pid"].nunique() <= 2
    assert got["plan_predictions"].nunique() == 1


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port, body):
    req = urllib.request.Request(
        "http://127.0.0.1:%d/predict" % port, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read()), r.headers.get("X-Ludwig-Infer-Error")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), e.headers.get("X-Ludwig-Infer-Error")


@pytest.fixture(scope="module")
def cli_server():
    port = _free_port()
    p = subprocess.Popen(
        [CLI, "serve", "--model", model_dir("tabular"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        p.terminate()
        p.wait(10)


def test_serve_answers_as_ludwig_infer_serve(cli_server):
    from ray import serve

    port = _free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    try:
        serve.run(lir.LudwigInferDeployment.bind(model_dir("tabular"), max_batch_size=8), route_prefix="/", name="li")
        records = [
            {"Age": 34, "city": "Paris", "member": True, "cell": 617703466028236799},
            {"Age": 51.5, "city": "Reykjavik", "member": False, "cell": 622236723497533439},
            {"Age": None, "city": " London ", "member": None, "cell": 624008872107900927},
        ] * 6
        results = [None] * len(records)

        def call(i):
            results[i] = _post(port, records[i])

        threads = [threading.Thread(target=call, args=(i,)) for i in range(len(records))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for rec, got in zip(records, results):
            want = _post(cli_server, rec)
            assert got[0] == want[0] == 200, (got, want)
            assert list(got[1]) == list(want[1]) and all(same(got[1][k], want[1][k]) for k in want[1]), (got, want)
        # A missing feature: 400 and Ludwig's body, as the server.
        bad = {"Age": 34, "member": True}
        got, want = _post(port, bad), _post(cli_server, bad)
        assert got[:2] == want[:2] == (
            400,
            {"error": "Data received does not contain all input features. Missing features: {'cell', 'city'}."},
        )
        # A row the model cannot score: 500, Ludwig's body, the reason in the header.
        bad = {"Age": "abc", "city": "Paris", "member": True, "cell": 617703466028236799}
        got, want = _post(port, bad), _post(cli_server, bad)
        assert got[0] == want[0] == 500 and got[1] == want[1] == {"error": "Unexpected Error: could not run inference on model"}
        assert 'input feature "age"' in got[2], got
        assert _post(port, [1, 2])[0] == 400
    finally:
        serve.shutdown()


def _raw_bytes(value):
    """The file bytes of a data: URI (a golden image request)."""
    import base64

    head, _, data = value.partition(",")
    assert head.startswith("data:") and head.endswith(";base64"), head
    return base64.b64decode(data)


@pytest.mark.parametrize("fmt", ["pandas", "pyarrow"])
def test_image_column_of_raw_bytes(fmt):
    """An image column holding the files' raw bytes (a binary Arrow column,
    bytes cells in pandas) scores as the golden's data: URIs do: the binding
    sends raw bytes as base64 data: URIs (docs/scale.md)."""
    batches = golden_batches("image_input", "columns")
    assert batches, "no golden batch of image_input"
    for frame, cases, want in batches:
        raw = frame.assign(image_path=[_raw_bytes(v) for v in frame["image_path"]])
        assert all(isinstance(v, bytes) for v in raw["image_path"])
        got = _score(ray.data.from_pandas(raw), model_dir("image_input"), fmt, size=1, form="columns", keep_columns=False).to_pandas()
        assert_columns({c: got[c].tolist() for c in want}, want, "image_input raw bytes %s (cases %s)" % (fmt, cases), nan_as_null=True)
