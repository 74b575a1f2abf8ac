"""Shared fixtures of the Spark and Ray suite (run by tests/scale/run.sh).

The 100,000-row reference is `build/ludwig-infer predict` on a generated CSV
shaped like testdata/data/tabular.csv (about 10% missing values, unknown
cities); golden rows come from testdata/golden. Comparisons: strings and
booleans exactly, numbers within 1e-5 (absolute and relative), lists
element by element, nulls as nulls.
"""

import json
import math
import os
import random
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(REPO, "testdata", "models")
GOLDEN = os.path.join(REPO, "testdata", "golden")
CLI = os.path.join(REPO, "build", "ludwig-infer")
ROWS = int(os.environ.get("LUDWIG_INFER_SCALE_ROWS", "100000"))


def model_dir(name):
    return os.path.join(MODELS, name)


def golden_names():
    return sorted(f[:-5] for f in os.listdir(GOLDEN) if f.endswith(".json"))


def _one_type(req):
    """Whether every column of a column-dict request holds one JSON type
    (plus nulls; ints and floats mix): Spark and Arrow columns have one type."""
    for values in req.values():
        kinds = {
            "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
            for v in values
            if v is not None
        }
        if len(kinds) > 1 or kinds & {"list", "dict"}:
            return False
    return True


def golden_frames(name):
    """[(frame, [case name])] of each golden case of name Spark can hold."""
    import pandas as pd

    with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    return [
        (pd.DataFrame(c["request"]), [c["name"]])
        for c in cases
        if isinstance(c["request"], dict) and not ("columns" in c["request"] and "data" in c["request"]) and _one_type(c["request"])
    ]


def golden_frame(name):
    """The golden requests of name as one pandas DataFrame: the column-dict
    cases with the first such case's columns, each column of one type, rows
    concatenated (cases that would mix types are left out). Returns
    (frame, case names)."""
    import pandas as pd

    with open(os.path.join(GOLDEN, name + ".json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    combined, names = None, []
    for c in cases:
        req = c["request"]
        if not isinstance(req, dict) or ("columns" in req and "data" in req) or not _one_type(req):
            continue
        if combined is None:
            combined = {k: list(v) for k, v in req.items()}
        elif set(req) == set(combined):
            trial = {k: combined[k] + list(req[k]) for k in combined}
            if not _one_type(trial):
                continue
            combined = trial
        else:
            continue
        names.append(c["name"])
    assert combined is not None, "%s: no golden case is a table Spark can hold" % name
    return pd.DataFrame(combined), names


def single_process(name, frame, form):
    """The binding's predictions for frame in one process: {column: values}."""
    import ludwig_infer

    with ludwig_infer.InferenceModule.from_directory(model_dir(name)) as m:
        preds, _ = m.predict(frame, return_type=dict, form=form)
    return preds


def golden_batches(name, form):
    """[(frame, case names, single-process predictions)] of name: all cases
    in one frame, or case by case when their rows cannot share a batch
    (images of different sizes)."""
    import ludwig_infer

    frame, cases = golden_frame(name)
    try:
        return [(frame, cases, single_process(name, frame, form))]
    except ludwig_infer.LudwigInferError:
        return [(f, names, single_process(name, f, form)) for f, names in golden_frames(name)]


def spark_session(name, **conf):
    """A local[2] SparkSession without UI, quiet, with conf."""
    from pyspark.sql import SparkSession

    b = SparkSession.builder.master("local[2]").appName(name).config("spark.ui.enabled", "false")
    for k, v in conf.items():
        b = b.config(k, v)
    s = b.getOrCreate()
    s.sparkContext.setLogLevel("ERROR")
    return s


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return abs(a - b) <= 1e-5 + 1e-5 * abs(b)


def same(got, want, nan_as_null=False):
    """got (a value from Spark, Ray, pandas or pyarrow) equals want (from
    JSON or the binding) as the suite compares. nan_as_null: a NaN wanted
    may come as a null (Ray Data stores a pandas NaN as an Arrow null)."""
    if hasattr(got, "tolist"):
        got = got.tolist()
    if hasattr(want, "tolist"):
        want = want.tolist()
    if nan_as_null and isinstance(want, float) and math.isnan(want) and (got is None or type(got).__name__ == "NAType"):
        return True
    if isinstance(want, bool) or isinstance(got, bool) or isinstance(want, str) or want is None:
        return got == want or (want is None and isinstance(got, float) and math.isnan(got))
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and not isinstance(got, bool) and close(float(got), float(want))
    if isinstance(want, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(same(g, w, nan_as_null) for g, w in zip(got, want))
    return got == want


def assert_columns(got, want, what, nan_as_null=False):
    """got, want: {column: list of values}; the same columns, rows equal."""
    assert list(got) == list(want), "%s: columns %s, want %s" % (what, list(got), list(want))
    for col in want:
        g, w = list(got[col]), list(want[col])
        assert len(g) == len(w), "%s: %s has %d rows, want %d" % (what, col, len(g), len(w))
        bad = [i for i in range(len(w)) if not same(g[i], w[i], nan_as_null)]
        assert not bad, "%s: %s differs in %d rows, first row %d: %r != %r" % (what, col, len(bad), bad[0], g[bad[0]], w[bad[0]])


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory):
    """ROWS rows shaped like testdata/data/tabular.csv, with missing values."""
    path = tmp_path_factory.mktemp("data") / "tabular_big.csv"
    rng = random.Random(19)
    cities = ["Paris", "London", "Berlin", "Reykjavik", " London ", "paris", ""]
    cells = ["599439121542283263", "617703466028236799", "622236723497533439", "624008872107900927"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("customer_id,Age,city,member,cell\n")
        for i in range(ROWS):
            age = "" if rng.random() < 0.1 else (str(rng.randint(18, 80)) if rng.random() < 0.5 else "%.2f" % rng.uniform(18, 80))
            member = "" if rng.random() < 0.1 else rng.choice(["True", "False"])
            f.write("c%06d,%s,%s,%s,%s\n" % (i, age, rng.choice(cities), member, rng.choice(cells)))
    return str(path)


@pytest.fixture(scope="session")
def cli_predictions(big_csv):
    """`ludwig-infer predict` (columns form) of big_csv: {column: values}."""
    out = subprocess.run(
        [CLI, "predict", "--model", model_dir("tabular"), "--dataset", big_csv, "--progress", "never"],
        check=True,
        capture_output=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == ROWS
    return {c: [r.get(c) for r in rows] for c in rows[0]}
