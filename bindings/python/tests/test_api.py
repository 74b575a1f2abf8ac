"""The public API: versions, introspection, lifetime, forms, return types, logs."""

import json
import pickle

import pytest

import ludwig_infer
from ludwig_infer._compat import pd
from conftest import diff, load_golden, model_dir, want_columns

# LudwigModel.predict's column order (a category: probability before the per-label columns).
TABULAR_FULL = [
    "plan_predictions",
    "plan_probabilities",
    "plan_probability",
    "plan_probabilities_<UNK>",
    "plan_probabilities_premium",
    "plan_probabilities_plus",
    "plan_probabilities_basic",
]


def test_versions():
    assert ludwig_infer.__version__ == "0.1.0"
    assert ludwig_infer.version() == "0.1.0"
    assert ludwig_infer.abi_version() == 1
    assert ludwig_infer.torch_version().count(".") >= 1
    assert ludwig_infer.library_path().endswith(("libludwiginfer.so", ".dylib", ".dll"))


def test_schema_and_features(models):
    m = models("tabular")
    s = m.schema
    assert s["abi_version"] == 1 and s["version"] == ludwig_infer.version()
    assert s["devices"]["predictor"] == "cpu" and m.device == "cpu"
    assert [f["name"] for f in m.input_features] == ["age", "city", "member", "cell"]
    assert m.input_features[0]["column"] == "Age" and m.input_features[0]["type"] == "number"
    (out,) = m.output_features
    assert out["name"] == "plan" and out["type"] == "category"
    assert out["labels"] == ["<UNK>", "premium", "plus", "basic"]
    s["inputs"].clear()  # a copy: the model is unaffected
    assert len(m.input_features) == 4
    assert m.config["input_features"][0]["name"] == "age"
    assert m.directory == model_dir("tabular")
    assert "InferenceModule(" in repr(m)


def test_context_manager_and_close():
    with ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), warmup=False) as m:
        assert not m.closed
        preds, _ = m.predict(load_golden("tabular")["cases"][0]["request"], return_type=dict)
        assert preds["plan_predictions"] == ["plus"]
    assert m.closed
    m.close()
    assert "closed" in repr(m)


def test_results_survive_close():
    m = ludwig_infer.InferenceModule(model_dir("tabular"), device="cpu", warmup=False)
    case = load_golden("tabular")["cases"][1]
    preds, _ = m.predict(case["request"], return_type=dict)
    m.close()
    assert diff(preds, want_columns(case)) == ""


def test_not_picklable(models):
    with pytest.raises(TypeError):
        pickle.dumps(models("tabular"))


def test_column_order(models):
    """Columns keep the modules' order, whether tensors come back as buffers or in JSON."""
    m = models("tabular")
    req = load_golden("tabular")["cases"][0]["request"]
    assert list(m.predict(req, return_type=dict)[0]) == TABULAR_FULL[:2]
    assert list(m.predict(req, return_type=dict, form="full")[0]) == TABULAR_FULL
    assert list(json.loads(m.predict_json(json.dumps(req), form="full"))) == TABULAR_FULL
    feats, _ = m.predict(req, return_type=dict, form="features")
    assert list(feats) == ["plan"] and list(feats["plan"]) == ["predictions", "probabilities"]


def test_multi_output_order(models):
    m = models("multi_output")
    req = load_golden("multi_output")["cases"][0]["request"]
    want = list(json.loads(m.predict_json(json.dumps(req), form="full")))
    assert list(m.predict(req, return_type=dict, form="full")[0]) == want


def test_predict_json(models):
    m = models("tabular")
    case = load_golden("tabular")["cases"][2]
    out = m.predict_json(json.dumps(case["request"]))
    assert isinstance(out, str)
    assert diff(json.loads(out), want_columns(case)) == ""
    feats = json.loads(m.predict_json(json.dumps(case["request"]).encode(), form="features"))
    assert set(feats) == {"plan"}


def test_default_return_type(models):
    m = models("tabular")
    req = load_golden("tabular")["cases"][0]["request"]
    preds, extra = m.predict(req)
    assert extra is None
    if pd is not None:
        assert isinstance(preds, pd.DataFrame)
    else:
        assert isinstance(preds, dict)
        with pytest.raises(ludwig_infer.InvalidArgumentError):
            m.predict(req, return_type="DataFrame")


def test_dict_output_types(models):
    """Without numpy, numeric outputs are nested lists; with it, arrays."""
    m = models("binary_plain")
    case = load_golden("binary_plain")["cases"][1]
    preds, _ = m.predict(case["request"], return_type=dict)
    from ludwig_infer._compat import np

    if np is None:
        assert preds["approved_predictions"] == [True, False] or all(isinstance(x, bool) for x in preds["approved_predictions"])
        assert isinstance(preds["approved_probabilities"], list)
        assert isinstance(preds["approved_probabilities"][0], list)
    else:
        assert preds["approved_predictions"].dtype == np.bool_
        assert preds["approved_probabilities"].dtype == np.float32
        assert preds["approved_probabilities"].shape == (2, 2)


def test_stage_tensor_types(models):
    """Stage outputs are numpy arrays, or {"dtype", "shape", "data"} dicts without numpy."""
    from ludwig_infer._compat import np

    m = models("tabular")
    pre = m.preprocessor_forward(load_golden("tabular")["cases"][0]["request"])
    assert list(pre) == ["age", "city", "member", "cell"]
    for v in pre.values():
        if np is None:
            assert set(v) == {"dtype", "shape", "data"}
        else:
            assert isinstance(v, np.ndarray)
    pred = m.predictor_forward(pre)
    assert list(pred) == ["plan::predictions", "plan::probabilities", "plan::logits"]


def test_log_callback():
    got = []
    ludwig_infer.set_log_callback(lambda level, msg: got.append((level, msg)), "debug")
    try:
        with ludwig_infer.InferenceModule.from_directory(model_dir("regression"), warmup=False):
            pass
    finally:
        ludwig_infer.set_log_callback(None)
    assert any(level == "info" and "loaded" in msg and "regression" in msg for level, msg in got), got
    n = len(got)
    with ludwig_infer.InferenceModule.from_directory(model_dir("regression"), warmup=False):
        pass
    assert len(got) == n  # removed
    with pytest.raises(ludwig_infer.InvalidArgumentError):
        ludwig_infer.set_log_callback(print, "loud")


def test_log_callback_exceptions_are_swallowed():
    def boom(level, msg):
        raise ValueError("boom")

    ludwig_infer.set_log_callback(boom)
    try:
        with ludwig_infer.InferenceModule.from_directory(model_dir("regression"), warmup=False):
            pass
    finally:
        ludwig_infer.set_log_callback(None)


def test_helper_without_config_infers_types():
    data = {"a": [1.5, 2.0], "b": ["x", None]}
    got = ludwig_infer.to_inference_module_input_from_dataframe(data)
    assert got["b"] == ["x", "nan"]
    from ludwig_infer._compat import np

    if np is None:
        assert got["a"] == {"dtype": "float64", "shape": [2], "data": [1.5, 2.0]}
    else:
        assert got["a"].dtype == np.float64 and got["a"].tolist() == [1.5, 2.0]


def test_helper_spellings():
    """pandas astype(str) spellings of the column a DataFrame would hold."""
    cfg = {"input_features": [{"name": "c", "type": "category"}]}
    h = ludwig_infer.to_inference_module_input_from_dataframe
    assert h({"c": [1, 2]}, cfg)["c"] == ["1", "2"]
    assert h({"c": [1, None]}, cfg)["c"] == ["1.0", "nan"]
    assert h({"c": [1, 2.5]}, cfg)["c"] == ["1.0", "2.5"]
    assert h({"c": [True, None]}, cfg)["c"] == ["True", "nan"]
    assert h({"c": ["a", 1, None]}, cfg)["c"] == ["a", "1", "nan"]
    assert h([{"c": "a"}, {"c": 1e-05}], cfg)["c"] == ["a", "1e-05"]
    if pd is not None:
        import numpy as np

        df = pd.DataFrame({"c": np.array([0.1, np.nan], dtype=np.float32)})
        assert h(df, cfg)["c"] == ["0.1", "nan"]
        assert h(pd.DataFrame({"c": [True, False]}), cfg)["c"] == ["True", "False"]
        assert h(pd.DataFrame({"c": pd.array([1, None], dtype="Int64")}), cfg)["c"] == ["1", "nan"]
        assert h(pd.DataFrame({"c": pd.Categorical(["x", None])}), cfg)["c"] == ["x", "nan"]
    with pytest.raises(ludwig_infer.InputError) as ei:
        h({"d": [1]}, cfg)
    assert "'c'" in ei.value.message


def test_engine_option():
    """The engine load option reaches li_load as a keyword: the Go engine
    answers the golden within 1e-5, model info says which engine runs, and
    an unknown engine is an InvalidArgumentError."""
    case = load_golden("tabular")["cases"][2]
    with ludwig_infer.InferenceModule(model_dir("tabular"), engine="go", warmup=False) as m:
        out = json.loads(m.predict_json(json.dumps(case["request"])))
        assert diff(out, want_columns(case)) == ""
        assert m.schema["engine"] == {"predictor": "go", "unsupported": None}
    with pytest.raises(ludwig_infer.errors.InvalidArgumentError, match='unknown engine "onnx"'):
        ludwig_infer.InferenceModule(model_dir("tabular"), engine="onnx")
