"""Every golden case of testdata/golden through every entry point of the binding."""

import pytest

import ludwig_infer
from conftest import (
    diff,
    load_golden,
    golden_cases,
    golden_module_inputs,
    golden_tensor,
    tensors_diff,
    want_columns,
    want_features,
)

CASES = golden_cases()


def full_diff(got, case):
    return diff(got, want_columns(case, full=True))


@pytest.mark.parametrize("name,case", CASES)
def test_predict_column_dict(models, name, case):
    m = models(name)
    preds, extra = m.predict(case["request"], return_type=dict)
    assert extra is None
    assert diff(preds, want_columns(case)) == ""
    assert list(preds) == list(want_columns(case)) or len(preds) == len(want_columns(case))


@pytest.mark.parametrize("name,case", CASES)
def test_predict_forms(models, name, case):
    m = models(name)
    full, _ = m.predict(case["request"], return_type=dict, form="full")
    assert full_diff(full, case) == ""
    features, _ = m.predict(case["request"], return_type=dict, form="features")
    assert diff(features, want_features(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_predict_records(models, name, case):
    req = case["request"]
    n = len(next(iter(req.values())))
    records = [{k: v[i] for k, v in req.items()} for i in range(n)]
    preds, _ = models(name).predict(records, return_type=dict)
    assert diff(preds, want_columns(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_predict_split(models, name, case):
    req = case["request"]
    cols = list(req)
    n = len(req[cols[0]])
    split = {"columns": cols, "data": [[req[c][i] for c in cols] for i in range(n)]}
    preds, _ = models(name).predict(split, return_type=dict)
    assert diff(preds, want_columns(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_predict_dataframe(models, name, case):
    pd = pytest.importorskip("pandas", reason="DataFrame in/out needs pandas")
    df = pd.DataFrame(case["request"])
    m = models(name)
    out, extra = m.predict(df)
    assert extra is None
    assert isinstance(out, pd.DataFrame)
    want = want_columns(case)
    assert list(out.columns) == list(want)
    assert diff({c: out[c].tolist() for c in out.columns}, want) == ""
    full, _ = m.predict(df, return_type=pd.DataFrame, form="full")
    # features form flattens to the same columns, as Ludwig's convert_dict_to_df
    feats, _ = m.predict(df, form="features")
    assert list(feats.columns) == list(want)
    assert full_diff({c: full[c].tolist() for c in full.columns}, case) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_to_inference_module_input(models, name, case):
    """The helper builds the golden module inputs (Ludwig's astype(str) spellings)."""
    m = models(name)
    data = case["request"]
    try:
        import pandas as pd

        data = pd.DataFrame(data)
    except ImportError:
        pass
    got = ludwig_infer.to_inference_module_input_from_dataframe(data, m.config)
    want = case["module_inputs"]
    assert set(got) == set(want)
    media = {f["name"] for f in m.input_features if f["type"] in ("image", "audio")}
    for k, v in want.items():
        if k in media:
            # image and audio paths (and data: URIs) are read by the library,
            # not by the helper: they stay as they are
            assert got[k] == case["request"][m.config["input_features"][0]["column"]] or isinstance(got[k], list)
        elif v["kind"] == "strings":
            assert got[k] == v["value"], k
        elif v["kind"] == "tensor":
            assert tensors_diff({k: got[k]}, {k: v["tensor"]}) == ""
        else:
            assert len(got[k]) == len(v["value"])
            for g, w in zip(got[k], v["value"]):
                assert tensors_diff({k: g}, {k: w}) == ""
    # the same from the model's schema, and through forward
    got2 = ludwig_infer.to_inference_module_input_from_dataframe(data, m)
    assert diff(got2, got) == ""
    assert diff(m(got), want_features(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_forward_golden_module_inputs(models, name, case):
    m = models(name)
    inputs = golden_module_inputs(case)
    assert diff(m.forward(inputs), want_features(case)) == ""
    assert diff(m(inputs), want_features(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_stages(models, name, case):
    m = models(name)
    pre = m.preprocessor_forward(golden_module_inputs(case))
    assert tensors_diff(pre, case["preprocessed"]) == ""
    golden_pre = {k: golden_tensor(t) for k, t in case["preprocessed"].items()}
    pred = m.predictor_forward(golden_pre)
    assert tensors_diff(pred, case["predicted"]) == ""
    golden_pred = {k: golden_tensor(t) for k, t in case["predicted"].items()}
    assert diff(m.postprocessor_forward(golden_pred), want_features(case)) == ""


@pytest.mark.parametrize("name,case", CASES)
def test_stages_chained(models, name, case):
    """pre -> predict -> post on the binding's own outputs equals one forward."""
    m = models(name)
    pre = m.preprocessor_forward(case["request"])
    pred = m.predictor_forward(pre)
    post = m.postprocessor_forward(pred)
    assert diff(post, want_features(case)) == ""


@pytest.mark.parametrize("variant", ["model_only", "tabular_cuda0", "tabular_underscore"])
def test_variants(models, variant):
    """Byte copies of tabular: tabular's goldens apply (model_only: predictor only)."""
    m = models(variant)
    for case in load_golden("tabular")["cases"]:
        golden_pre = {k: golden_tensor(t) for k, t in case["preprocessed"].items()}
        assert tensors_diff(m.predictor_forward(golden_pre), case["predicted"]) == ""
        if variant != "model_only":
            preds, _ = m.predict(case["request"], return_type=dict)
            assert diff(preds, want_columns(case)) == ""


# Regression: the full form's <f>_probability of a row with NaN probabilities is NaN
# (core/response/forms.go derived() once returned -Inf; JSON shows both as null).
def test_full_probability_of_nan_row_is_nan(models):
    np = pytest.importorskip("numpy", reason="only tensor outputs show the raw value")
    case = [c for c in load_golden("timeseries_input")["cases"] if c["name"] == "batch5_nan_token_empty"][0]
    full, _ = models("timeseries_input").predict(case["request"], return_type=dict, form="full")
    assert np.isnan(full["alarm_probabilities"][0]).all()
    assert np.isnan(full["alarm_probability"][0])


def test_ludwig_model_folder(tmp_path):
    """A model folder saved by Ludwig 0.17.10 with its model.pt2
    (testdata/ludwig_model/concat): form="full" gives LudwigModel.predict's
    columns, names and order; the graph option loads a model.pt2 kept
    outside the folder."""
    import json
    import os
    import shutil

    from conftest import REPO

    folder = os.path.join(REPO, "testdata", "ludwig_model", "concat")
    with open(os.path.join(folder, "golden.json"), encoding="utf-8") as f:
        g = json.load(f)
    want = {name: values for name, values in g["columns"]}
    for f in ("model_hyperparameters.json", "training_set_metadata.json"):
        shutil.copy(os.path.join(folder, f), tmp_path)
    import pathlib

    for directory, options in ((folder, {}), (tmp_path, {"graph": pathlib.Path(folder) / "model.pt2"})):
        with ludwig_infer.InferenceModule.from_directory(directory, **options) as m:
            assert m.schema["artifact"]["kind"] == "ludwig_model"
            assert m.schema["artifact"]["batch"] == {"fixed": 2}
            full, _ = m.predict(g["records"], return_type=dict, form="full")
            assert list(full) == list(want)
            assert diff(full, want) == ""
            columns, _ = m.predict(g["records"], return_type=dict)
            assert list(columns) == [c for c in want if c.endswith(("_predictions", "_probabilities"))]
            assert diff(columns, {c: want[c] for c in columns}) == ""
