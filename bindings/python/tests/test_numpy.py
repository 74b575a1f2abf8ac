"""numpy arrays in (without a copy) and out."""

import datetime

import pytest

np = pytest.importorskip("numpy", reason="numpy tensors need numpy")

import ludwig_infer  # noqa: E402
from ludwig_infer._tensors import TensorBatch  # noqa: E402
from conftest import diff, load_golden, want_columns, want_features  # noqa: E402


def test_contiguous_arrays_are_not_copied():
    batch = TensorBatch()
    arrays = [
        np.arange(6, dtype=np.float32).reshape(2, 3),
        np.arange(4, dtype=np.int64),
        np.array([True, False]),
        np.zeros((2, 3, 4, 5), dtype=np.uint8),
        np.arange(3, dtype=np.int16),
        np.arange(3, dtype=np.float64),
    ]
    for a in arrays:
        batch.add("x", a)
    for a, item in zip(arrays, batch._items):
        _, _, shape, addr, nbytes, _ = item
        assert addr == a.ctypes.data, "copied"
        assert shape == a.shape and nbytes == a.nbytes


def test_other_layouts_are_converted():
    batch = TensorBatch()
    strided = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2]
    batch.add("strided", strided)
    batch.add("half", np.ones(3, dtype=np.float16))
    batch.add("big_endian", np.arange(3, dtype=">f8"))
    batch.add("u32", np.arange(3, dtype=np.uint32))
    codes = [item[1] for item in batch._items]
    assert codes == [1, 1, 2, 4]
    for bad in (np.array([1 + 2j]), np.array(["a"]), np.array([2**63], dtype=np.uint64)):
        with pytest.raises(ludwig_infer.InputError):
            TensorBatch().add("bad", bad)


def numpy_request(req, model):
    """The golden request with number and h3 columns as numpy arrays."""
    out = dict(req)
    for f in model.input_features:
        col = f["column"]
        if f["type"] == "h3":
            out[col] = np.array(req[col], dtype=np.int64)
        elif f["type"] == "number":
            vals = req[col]
            if all(isinstance(v, int) for v in vals):
                out[col] = np.array(vals, dtype=np.int64)
            else:
                out[col] = np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
    return out


@pytest.mark.parametrize("name", ["tabular", "regression", "date_input", "multi_output", "binary_plain"])
def test_numpy_columns_match_goldens(models, name):
    m = models(name)
    for case in load_golden(name)["cases"]:
        req = numpy_request(case["request"], m)
        preds, _ = m.predict(req, return_type=dict)
        assert diff(preds, want_columns(case)) == "", case["name"]


def test_read_only_and_strided_inputs(models):
    m = models("regression")
    case = load_golden("regression")["cases"][2]
    sqft = np.array(case["request"]["sqft"], dtype=np.int64)
    sqft.setflags(write=False)
    lot = np.repeat(np.array(case["request"]["lot_size"], dtype=np.float64), 2)[::2]
    assert not lot.flags.c_contiguous
    preds, _ = m.predict({"sqft": sqft, "lot_size": lot}, return_type=dict)
    assert diff(preds, want_columns(case)) == ""
    assert sqft.tolist() == case["request"]["sqft"]  # untouched


def test_outputs_are_arrays(models):
    m = models("tabular")
    preds, _ = m.predict(load_golden("tabular")["cases"][2]["request"], return_type=dict)
    p = preds["plan_probabilities"]
    assert isinstance(p, np.ndarray) and p.dtype == np.float32 and p.shape == (5, 4)
    assert p.flags.writeable and p.flags.owndata  # a copy owned by Python
    assert isinstance(preds["plan_predictions"], list)


def test_dates_as_tensors(models):
    """date columns as a [B,9] int64 array, a list of [9] arrays, or datetimes."""
    m = models("date_input")
    for case in load_golden("date_input")["cases"]:
        vecs = [t["data"] for t in case["module_inputs"]["signup"]["value"]]
        amount = case["request"]["amount"]
        want = want_columns(case)
        as_matrix = {"signup": np.array(vecs, dtype=np.int64), "amount": amount}
        assert diff(m.predict(as_matrix, return_type=dict)[0], want) == ""
        as_list = {"signup": [np.array(v, dtype=np.int64) for v in vecs], "amount": amount}
        assert diff(m.predict(as_list, return_type=dict)[0], want) == ""
        fmt = m.input_features[0]["datetime_format"]
        dts = [datetime.datetime.strptime(s, fmt) for s in case["request"]["signup"]]
        assert diff(m.predict({"signup": dts, "amount": amount}, return_type=dict)[0], want) == ""
        as_dt64 = {"signup": np.array(dts, dtype="datetime64[s]"), "amount": amount}
        assert diff(m.predict(as_dt64, return_type=dict)[0], want) == ""


def test_dates_in_dataframe(models):
    pd = pytest.importorskip("pandas", reason="DataFrame input needs pandas")
    m = models("date_input")
    fmt = m.input_features[0]["datetime_format"]
    for case in load_golden("date_input")["cases"]:
        df = pd.DataFrame(case["request"])
        df["signup"] = pd.to_datetime(df["signup"], format=fmt)
        out, _ = m.predict(df)
        assert diff({c: out[c].tolist() for c in out.columns}, want_columns(case)) == ""


def test_forward_with_list_of_one_date(models):
    m = models("date_input")
    case = load_golden("date_input")["cases"][0]
    (t,) = case["module_inputs"]["signup"]["value"]
    inputs = {"signup": [np.array(t["data"], dtype=np.int64)], "amount": np.array([10])}
    assert diff(m(inputs), want_features(case)) == ""


def test_torch_like_objects(models):
    """Objects with __array__ (a pandas Series, a torch tensor's numpy) are arrays."""

    class ArrayLike:
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    m = models("regression")
    case = load_golden("regression")["cases"][0]
    req = {"sqft": ArrayLike(np.array([120])), "lot_size": ArrayLike(np.array([450]))}
    assert diff(m.predict(req, return_type=dict)[0], want_columns(case)) == ""
