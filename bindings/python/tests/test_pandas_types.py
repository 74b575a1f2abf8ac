"""Issue 20: values typed as pandas types them, through the Python binding.

Expected values come from core/featurize/testdata/pandas_columns.json, which
pandas itself wrote (its generator, pandas_columns.py, beside it): for each
JSON column, the dtype pandas infers and astype(str) of the column.
"""

import json
import math
import os

import pytest

import ludwig_infer
from conftest import REPO

with open(os.path.join(REPO, "core", "featurize", "testdata", "pandas_columns.json"), encoding="utf-8") as fh:
    PANDAS = json.load(fh)["cases"]

TEXT = {"input_features": [{"name": "review", "type": "text"}]}


def plain(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def same(m, req, want):
    got = m.predict(req, return_type=dict)[0]
    exp = m.predict(want, return_type=dict)[0]
    assert {k: plain(v) for k, v in got.items()} == {k: plain(v) for k, v in exp.items()}


def test_pandas_columns_spelled(models):
    """Every column of the file, as a Python list (json.loads of its JSON):
    predict answers as for pandas' strings, and the binding's own
    to_inference_module_input_from_dataframe spells them as pandas."""
    m = models("text_category")
    assert len(PANDAS) > 600
    for case in PANDAS:
        values = json.loads(case["json"])
        got = ludwig_infer.to_inference_module_input_from_dataframe({"review": values}, TEXT)["review"]
        assert got == case["strings"], case["json"]
        same(m, {"review": values}, {"review": case["strings"]})
        # the request's own JSON, NaN and Infinity literals included
        a = json.loads(m.predict_json('{"review": %s}' % case["json"]))
        b = json.loads(m.predict_json(json.dumps({"review": case["strings"]})))
        assert a == b, case["json"]


def test_issue_examples(models):
    text, tab = models("text_category"), models("tabular")
    same(text, [{"review": 5}, {"review": None}, {"review": 7}, {"review": "alpha beta"}],
         {"review": ["5", "nan", "7", "alpha beta"]})
    same(text, {"review": [12345678901234567890, 5, "alpha beta"]}, {"review": ["12345678901234567890", "5", "alpha beta"]})
    same(text, {"review": [math.nan, math.inf, -math.inf, 1]}, {"review": ["nan", "inf", "-inf", "1.0"]})
    base = {"Age": [30, 31], "city": ["Paris", "Paris"], "member": [True, True]}
    # 3: a null in an h3 column (float64: ids round through float64); 4: an id as a float
    same(tab, dict(base, cell=[617721196000313343, None]), dict(base, cell=[617721196000313344.0, math.nan]))
    same(tab, dict(base, cell=[6.177211960003133e17, 6.177211960003133e17]), dict(base, cell=[617721196000313344] * 2))
    # 5: a number column of booleans
    same(tab, dict(base, Age=[True, False], cell=[617721196000313343] * 2), dict(base, Age=[1.0, 0.0], cell=[617721196000313343] * 2))
    # 6: vector strings; 7: fullwidth digits in a date
    same(models("set_bag_vector"), {"tags": ["a"], "words": ["a"], "emb": ["0x10 0x1.8 1\x1c2"]},
         {"tags": ["a"], "words": ["a"], "emb": ["16 1.5 1 2"]})
    same(models("date_input"), {"signup": ["04/03/２０２１ 05:06"], "amount": [1]}, {"signup": ["04/03/2021 05:06"], "amount": [1]})
    # 8: a key absent from the first record
    same(tab, [{"Age": 30, "member": True, "cell": 617721196000313343},
               {"Age": 31, "member": True, "cell": 617721196000313343, "city": "Lima"}],
         {"Age": [30, 31], "city": ["nan", "Lima"], "member": [True, True], "cell": [617721196000313343] * 2})


def test_issue_examples_dataframe(models):
    pd = pytest.importorskip("pandas")
    text = models("text_category")
    df = pd.DataFrame([{"review": 5}, {"review": None}, {"review": 7}, {"review": "alpha beta"}])
    same(text, df, {"review": ["5", "nan", "7", "alpha beta"]})
    df = pd.DataFrame([{"review": 12345678901234567890}, {"review": 5}])  # uint64
    same(text, df, {"review": ["12345678901234567890", "5"]})


def test_list_in_scalar_column_is_refused(models):
    with pytest.raises(ludwig_infer.InputError) as ei:
        models("tabular").predict({"Age": [1], "city": [["red"]], "member": [True], "cell": [617721196000313343]})
    assert ei.value.message == (
        'input feature "city" (category), row 0: expected a string, number or boolean, got array '
        "(ludwig-infer refuses lists and objects in category columns, where pandas would pass their printed form)"
    )


def test_libtorch_warnings_logged_once(tmp_path):
    with open(os.path.join(REPO, "core", "torch", "testdata", "warn.pt"), "rb") as fh:
        (tmp_path / "inference_predictor-cpu.pt").write_bytes(fh.read())
    logs = []
    ludwig_infer.set_log_callback(lambda level, msg: logs.append((level, msg)), min_level="debug")
    try:
        with ludwig_infer.InferenceModule.from_directory(str(tmp_path)) as m:
            for _ in range(3):
                m.predictor_forward({"x": {"dtype": "float32", "shape": [1], "data": [1.0]}})
    finally:
        ludwig_infer.set_log_callback(None)
    got = [(lvl, msg) for lvl, msg in logs if "libtorch: ludwig-infer test warning" in msg]
    assert len(got) == 1 and got[0][0] == "warn", logs
