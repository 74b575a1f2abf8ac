"""Every error class, with the library's message; nothing a caller passes crashes."""

import pickle
import shutil

import pytest

import ludwig_infer
from ludwig_infer import errors
from conftest import load_golden, model_dir

CLASSES = [
    (ludwig_infer.InvalidArgumentError, errors.LI_ERR_INVALID_ARGUMENT),
    (ludwig_infer.NotFoundError, errors.LI_ERR_NOT_FOUND),
    (ludwig_infer.ModelError, errors.LI_ERR_MODEL),
    (ludwig_infer.InputError, errors.LI_ERR_INPUT),
    (ludwig_infer.TorchRuntimeError, errors.LI_ERR_RUNTIME),
    (ludwig_infer.ClosedError, errors.LI_ERR_CLOSED),
    (ludwig_infer.DeadlineExceededError, errors.LI_ERR_CANCELLED),
    (ludwig_infer.InternalError, errors.LI_ERR_INTERNAL),
]


def tabular_request(i=0):
    return load_golden("tabular")["cases"][i]["request"]


@pytest.mark.parametrize("cls,code", CLASSES)
def test_hierarchy(cls, code):
    assert issubclass(cls, ludwig_infer.LudwigInferError)
    e = errors.error_for(code, "msg %d" % code)
    assert type(e) is cls and e.code == code and e.message == "msg %d" % code and str(e) == e.message
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is cls and e2.code == code and e2.message == e.message
    assert type(errors.error_for(99, "x")) is ludwig_infer.LudwigInferError


def test_missing_directory_is_not_found(tmp_path):
    with pytest.raises(ludwig_infer.NotFoundError) as ei:
        ludwig_infer.InferenceModule.from_directory(tmp_path / "no-such-export")
    assert ei.value.code == errors.LI_ERR_NOT_FOUND
    assert "no-such-export" in ei.value.message


def test_corrupt_pt_is_model_error(tmp_path):
    d = tmp_path / "corrupt"
    shutil.copytree(model_dir("tabular"), d)
    (d / "inference_predictor-cpu.pt").write_bytes(b"PK\x03\x04 this is not a torchscript archive" * 10)
    with pytest.raises(ludwig_infer.ModelError) as ei:
        ludwig_infer.InferenceModule.from_directory(d)
    assert ei.value.code == errors.LI_ERR_MODEL and ei.value.message


def test_truncated_pt_is_model_error(tmp_path):
    d = tmp_path / "truncated"
    shutil.copytree(model_dir("tabular"), d)
    p = d / "inference_preprocessor.pt"
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ludwig_infer.ModelError):
        ludwig_infer.InferenceModule.from_directory(d)


@pytest.mark.parametrize(
    "options",
    [{"bogus": 1}, {"warmup": "yes"}, {"extensions": "not-a-list"}, {"device": 3}],
    ids=["unknown-key", "warmup-type", "extensions-type", "device-type"],
)
def test_bad_load_options_are_invalid_argument(options):
    with pytest.raises(ludwig_infer.InvalidArgumentError) as ei:
        ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), **options)
    assert ei.value.code == errors.LI_ERR_INVALID_ARGUMENT and ei.value.message


def test_bad_device_is_invalid_argument():
    with pytest.raises(ludwig_infer.LudwigInferError) as ei:
        ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), device="tpu:7")
    assert "tpu" in ei.value.message


def test_unserialisable_options_are_invalid_argument():
    with pytest.raises(ludwig_infer.InvalidArgumentError):
        ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), warmup=object())


def test_missing_extension_library(tmp_path):
    with pytest.raises(ludwig_infer.LudwigInferError) as ei:
        ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), extensions=[tmp_path / "libnope.so"])
    assert "libnope.so" in ei.value.message


def test_bad_json_is_input_error(models):
    m = models("tabular")
    with pytest.raises(ludwig_infer.InputError) as ei:
        m.predict_json(b'{"Age": [1, 2')
    assert ei.value.code == errors.LI_ERR_INPUT and "JSON" in ei.value.message
    with pytest.raises(ludwig_infer.InputError):
        m.predict_json("[1, 2, 3]")


def test_missing_feature_names_it(models):
    m = models("tabular")
    req = dict(tabular_request())
    del req["city"]
    with pytest.raises(ludwig_infer.InputError) as ei:
        m.predict(req, return_type=dict)
    assert ei.value.code == errors.LI_ERR_INPUT
    assert '"city"' in ei.value.message


def test_wrong_value_names_feature_and_row(models):
    m = models("tabular")
    req = dict(tabular_request(1))
    req["Age"] = [30, "thirty"]
    with pytest.raises(ludwig_infer.InputError) as ei:
        m.predict(req, return_type=dict)
    assert '"age"' in ei.value.message and "row 1" in ei.value.message


def test_closed_model(models):
    m = ludwig_infer.InferenceModule.from_directory(model_dir("tabular"), warmup=False)
    m.close()
    m.close()  # idempotent
    assert m.closed
    for call in (
        lambda: m.predict(tabular_request(), return_type=dict),
        lambda: m.forward({"age": ["1"]}),
        lambda: m.preprocessor_forward(tabular_request()),
        lambda: m.predictor_forward({}),
        lambda: m.postprocessor_forward({}),
        lambda: m.predict_json("{}"),
    ):
        with pytest.raises(ludwig_infer.ClosedError) as ei:
            call()
        assert ei.value.code == errors.LI_ERR_CLOSED
    assert m.schema["inputs"]  # introspection still works


def test_torch_runtime_error(models):
    m = models("tabular")
    with pytest.raises(ludwig_infer.TorchRuntimeError) as ei:
        m.postprocessor_forward({"plan::predictions": {"dtype": "int64", "shape": [2], "data": [1, 2]}})
    assert ei.value.code == errors.LI_ERR_RUNTIME and "postprocessor" in ei.value.message


def test_deadline_exceeded(models):
    m = models("tabular")
    n = 20000
    req = {"Age": [30] * n, "city": ["Paris"] * n, "member": [True] * n, "cell": [617703466028236799] * n}
    with pytest.raises(ludwig_infer.DeadlineExceededError) as ei:
        m.predict(req, return_type=dict, timeout=1)
    assert ei.value.code == errors.LI_ERR_CANCELLED and "deadline" in ei.value.message
    preds, _ = m.predict(tabular_request(), return_type=dict, timeout=60000)
    assert preds["plan_predictions"] == ["plus"]


@pytest.mark.parametrize("timeout", [-1, "1", True, float("nan")])
def test_bad_timeout(models, timeout):
    with pytest.raises(ludwig_infer.InvalidArgumentError):
        models("tabular").predict(tabular_request(), return_type=dict, timeout=timeout)


def test_bad_form_and_return_type(models):
    m = models("tabular")
    with pytest.raises(ludwig_infer.InvalidArgumentError):
        m.predict(tabular_request(), return_type=dict, form="wide")
    with pytest.raises(ludwig_infer.InvalidArgumentError):
        m.predict(tabular_request(), return_type=list)


def test_model_only_export_has_no_table_path(models):
    m = models("model_only")
    with pytest.raises(ludwig_infer.InvalidArgumentError) as ei:
        m.predict(tabular_request(), return_type=dict)
    assert "model_only" in ei.value.message or "preprocessor" in ei.value.message


def test_set_threads_validation():
    for bad in (0, -1, 1.5, "2", True, 2**40):
        with pytest.raises(ludwig_infer.InvalidArgumentError):
            ludwig_infer.set_threads(bad)


def test_set_threads_after_load(models):
    models("tabular")
    with pytest.raises(ludwig_infer.InvalidArgumentError) as ei:
        ludwig_infer.set_threads(2)
    assert ei.value.code == errors.LI_ERR_INVALID_ARGUMENT


GARBAGE = [
    None,
    42,
    "Age",
    b"{}",
    {"Age": object()},
    {"Age": [object()]},
    {"Age": 5},
    {"Age": [b"bytes"]},
    {1: [1]},
    [1, 2],
    [{"Age": object()}],
    {"Age": {"dtype": "float64", "shape": [2], "data": [1.0]}},
    {"Age": {"dtype": "complex", "shape": [1], "data": [1.0]}},
    {"Age": {"dtype": "int64", "shape": [-1], "data": []}},
    {"Age": {"dtype": "int64", "shape": [1], "data": ["x"]}},
    {"Age": {"dtype": "int64", "shape": [1], "data": [2**70]}},
    {"Age": [[[[[]]]]]},
    {"Age": [float("inf")], "city": ["\udc80"], "member": [True], "cell": [1]},
    {"Age": [1], "city": ["x"], "member": [True], "cell": [-1]},
    {"Age": [1], "city": ["x"], "member": [True], "cell": [2**80]},
    {"Age": [1, 2], "city": ["x"], "member": [True], "cell": [1]},
    {"Age": [], "city": [], "member": [], "cell": []},
    {"columns": ["Age"], "data": [[1, 2, 3]]},
]


@pytest.mark.parametrize("value", GARBAGE, ids=[str(i) for i in range(len(GARBAGE))])
def test_garbage_never_crashes(models, value):
    """Bad arguments to every entry point raise LudwigInferError (the process survives)."""
    m = models("tabular")
    calls = [
        lambda: m.predict(value, return_type=dict),
        lambda: m.forward(value),
        lambda: m.preprocessor_forward(value),
        lambda: m.predictor_forward(value),
        lambda: m.postprocessor_forward(value),
        lambda: ludwig_infer.to_inference_module_input_from_dataframe(value, m),
    ]
    for call in calls:
        try:
            call()
        except ludwig_infer.LudwigInferError as e:
            assert isinstance(e.code, int) and e.message
        # some values are valid for some entry points: no exception is fine


def test_garbage_paths():
    for bad in (None, 3, b"/nonexistent\0x", "/tmp/\0"):
        with pytest.raises(ludwig_infer.LudwigInferError):
            ludwig_infer.InferenceModule.from_directory(bad)


def test_bad_tensor_names(models):
    m = models("tabular")
    for name in ("a\0b", 3):
        with pytest.raises(ludwig_infer.InputError):
            m.predictor_forward({name: {"dtype": "int64", "shape": [1], "data": [1]}})
