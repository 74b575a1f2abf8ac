"""Building requests: column dicts, records, DataFrames and module-input dicts
-> request JSON plus li_tensor buffers; and Ludwig's
to_inference_module_input_from_dataframe.
"""

import datetime as _dt
import json
import math
from decimal import Decimal

from ._compat import np, pd
from ._tensors import TensorBatch, as_array, is_tensor_dict
from .errors import InputError, InvalidArgumentError

__all__ = [
    "dumps",
    "encode_table",
    "encode_tensors",
    "feature_specs",
    "to_inference_module_input_from_dataframe",
    "TENSOR_TYPES",
    "STRING_TYPES",
]

# Input types Ludwig's to_inference_model_input_from_series casts to strings
# (FEATURES_TO_CAST_AS_STRINGS).
STRING_TYPES = frozenset(["binary", "category", "bag", "set", "text", "sequence", "timeseries", "vector"])
# Input types whose numeric arrays go in as li_tensor buffers, with the rank
# of one whole-column tensor.
TENSOR_TYPES = {"number": 1, "h3": 1, "vector": 2, "date": 2, "image": 4, "audio": 2}


# --- JSON --------------------------------------------------------------------


def _numpy_value(o):
    """The Python value json can write for a numpy scalar or array."""
    if isinstance(o, np.datetime64):
        return None if np.isnat(o) else str(o)
    if isinstance(o, np.floating):  # float() also takes long double, whose tolist() stays numpy
        return float(o)
    # int and bool scalars and whole arrays: numpy's own conversion
    # (np.int64 -> int, np.bool_ -> bool, arrays -> nested lists).
    return o.tolist()


def _default(o):
    """json.dumps fallback for numpy scalars and arrays, dates, pandas' missing values."""
    if np is not None and isinstance(o, (np.integer, np.floating, np.bool_, np.ndarray, np.datetime64)):
        return _numpy_value(o)
    if pd is not None:
        if o is pd.NA or o is pd.NaT:
            return None
        if isinstance(o, pd.Timestamp):
            return o.isoformat()
    if isinstance(o, (_dt.datetime, _dt.date)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, tuple):
        return list(o)
    raise TypeError("a value of type %s cannot be sent in a request" % type(o).__name__)


def dumps(obj):
    """UTF-8 JSON bytes of obj. NaN and infinities are written as Python's
    json module writes them (NaN, Infinity, -Infinity), which the library
    reads as Python does: NaN a missing value, Infinity a float."""
    kw = dict(allow_nan=True, ensure_ascii=False, separators=(",", ":"), default=_default)
    try:
        return json.dumps(obj, **kw).encode("utf-8")
    except (TypeError, ValueError, RecursionError, UnicodeEncodeError) as e:
        raise InputError("invalid request: %s" % e) from None


# --- feature specs -------------------------------------------------------------


def feature_specs(config):
    """Input feature specs [{"name", "column", "type", "datetime_format"}] from a
    Ludwig config dict ("input_features"), a model schema ("inputs") or an
    InferenceModule; None when config is None."""
    if config is None:
        return None
    schema = getattr(config, "schema", None)
    if isinstance(schema, dict):
        config = schema
    if not isinstance(config, dict):
        raise InvalidArgumentError(
            "config must be a Ludwig config dict, a model schema or an InferenceModule, got %s"
            % type(config).__name__
        )
    out = []
    if "input_features" in config:
        for f in config["input_features"]:
            pre = f.get("preprocessing") or {}
            out.append(
                {
                    "name": f["name"],
                    "column": f.get("column") or f["name"],
                    "type": f["type"],
                    "datetime_format": pre.get("datetime_format"),
                }
            )
    elif "inputs" in config:
        for f in config["inputs"]:
            out.append(
                {
                    "name": f["name"],
                    "column": f.get("column") or f["name"],
                    "type": f["type"],
                    "datetime_format": f.get("datetime_format"),
                }
            )
    else:
        raise InvalidArgumentError("config has neither \"input_features\" (a Ludwig config) nor \"inputs\" (a schema)")
    return out


# --- astype(str) ------------------------------------------------------------------


def _is_missing(v):
    if v is None:
        return True
    if isinstance(v, float):
        return v != v
    if np is not None and isinstance(v, np.floating):
        return bool(np.isnan(v))
    if pd is not None and (v is pd.NA or v is pd.NaT):
        return True
    return False


def _spell_cell(v):
    """One value as pandas' astype(str) spells it; a missing value is "nan"
    (the spelling the scripted modules treat as missing)."""
    if isinstance(v, str):
        return v
    if _is_missing(v):
        return "nan"
    if isinstance(v, bool) or (np is not None and isinstance(v, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)) or (np is not None and isinstance(v, np.ndarray)):
        # vectors and series given as sequences: space-separated, as their
        # string form is.
        return " ".join(_spell_cell(x) for x in (v.tolist() if hasattr(v, "tolist") else v))
    return str(v)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _dtype_of(values):
    """The dtype pd.DataFrame(records) gives a column of these Python values,
    as pandas infers it (values in order; pandas checks no integer's range
    after the first None): "int64", "uint64", "float64", "bool" or "object".
    The library's request.Profile applies the same rule to JSON requests."""
    null = ints = neg = uns = flt = boo = obj = False
    for v in values:
        if v is None:
            null = True
        elif isinstance(v, bool) or (np is not None and isinstance(v, np.bool_)):
            boo = True
        elif _is_int(v):
            ints = True
            if not null:
                if v < -(2**63) or v > 2**64 - 1:
                    obj = True
                elif v < 0:
                    neg = True
                elif v >= 2**63:
                    uns = True
                obj = obj or (neg and uns)
        elif isinstance(v, float):
            flt = True
        else:
            obj = True
    if obj:
        return "object"
    if boo:
        return "object" if (null or ints or flt) else "bool"
    if flt or (null and ints):
        return "float64"
    if null or not ints:
        return "object"
    return "uint64" if uns else "int64"


def _spell_list(values):
    """astype(str) of the column pandas builds from these Python values: in
    a float64 column (numbers with a float or a None) integers are spelled
    as floats ("1.0"); in any other column as integers ("1")."""
    if _dtype_of(values) == "float64":
        return ["nan" if v is None else repr(float(v)) for v in values]
    return [_spell_cell(v) for v in values]


def _spell_series(s):
    dt = s.dtype
    kind = getattr(dt, "kind", "O")
    if isinstance(dt, np.dtype):
        if kind == "f":
            if dt == np.float64:
                return [repr(x) for x in s.tolist()]
            return [str(x) for x in s.to_numpy()]
        if kind in "iu":
            return [str(x) for x in s.tolist()]
        if kind == "b":
            return ["True" if x else "False" for x in s.tolist()]
    return [_spell_cell(v) for v in s.astype(object).tolist()]


# --- number / h3 / date columns -------------------------------------------------


def _numbers(name, values):
    """A number column from Python values: int64 when all are integers, else
    float64 with NaN for missing values (numeric strings are parsed)."""
    if all(_is_int(v) for v in values):
        return "int64", list(values)
    out = []
    for row, v in enumerate(values):
        if _is_missing(v):
            out.append(math.nan)
            continue
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            raise InputError("input feature %r (number), row %d: cannot convert %r to a number" % (name, row, v)) from None
    return "float64", out


def _tensor(dtype, values):
    if np is not None:
        try:
            return np.asarray(values, dtype=dtype)
        except OverflowError as e:
            raise InputError("invalid request: a value does not fit %s: %s" % (dtype, e)) from None
    if dtype == "int64" and any(not -(2**63) <= v < 2**63 for v in values):
        raise InputError("invalid request: a value does not fit int64")
    return {"dtype": dtype, "shape": [len(values)], "data": list(values)}


def _number_column(name, col):
    if pd is not None and isinstance(col, pd.Series):
        dt = col.dtype
        if isinstance(dt, np.dtype) and dt.kind in "iufb":
            return col.to_numpy()
        if getattr(dt, "kind", "O") in "iuf":  # pandas nullable Int64 / Float64
            if col.isna().any():
                return col.to_numpy(dtype="float64", na_value=np.nan)
            return col.to_numpy(dtype="int64" if dt.kind in "iu" else "float64")
        col = col.astype(object).tolist()
    a = as_array(col)
    if a is not None and a.dtype.kind in "iufb":
        return a
    if a is not None:
        col = a.tolist()
    dtype, values = _numbers(name, list(col))
    return _tensor(dtype, values)


def _h3_column(name, col):
    if pd is not None and isinstance(col, pd.Series):
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":
            return col.to_numpy().astype("int64", copy=False)
        col = col.astype(object).tolist()
    a = as_array(col)
    if a is not None and a.dtype.kind in "iu":
        return a.astype("int64", copy=False)
    values = a.tolist() if a is not None else list(col)
    out = []
    for row, v in enumerate(values):
        try:
            out.append(int(v))
        except (TypeError, ValueError):
            raise InputError("input feature %r (h3), row %d: expected an integer cell id, got %r" % (name, row, v)) from None
    return _tensor("int64", out)


def date_vector(d):
    """Ludwig's create_vector_from_datetime_obj: [year, month, day, weekday,
    yearday, hour, minute, second, second of day]."""
    yearday = d.toordinal() - _dt.date(d.year, 1, 1).toordinal() + 1
    hour, minute, second = getattr(d, "hour", 0), getattr(d, "minute", 0), getattr(d, "second", 0)
    return [d.year, d.month, d.day, d.weekday(), yearday, hour, minute, second, hour * 3600 + minute * 60 + second]


def _as_datetime(v):
    if np is not None and isinstance(v, np.datetime64):
        v = v.astype("datetime64[us]").item()
    if isinstance(v, _dt.datetime):
        return v
    if isinstance(v, _dt.date):
        return _dt.datetime(v.year, v.month, v.day)
    return None


def _date_values(col):
    if pd is not None and isinstance(col, pd.Series):
        return col.astype(object).tolist()
    a = as_array(col)
    if a is not None:
        if a.dtype.kind == "M":
            return [None if np.isnat(x) else x.astype("datetime64[us]").item() for x in a]
        return a.tolist()
    return list(col)


def _date_column(name, fmt, col, parse):
    """parse: Ludwig's module input, a list of int64[9] tensors (strptime with
    the feature's datetime_format). Otherwise values for the request: strings
    and numbers as they are (the library parses them), datetimes as vectors."""
    values = _date_values(col)
    if not parse:
        out = []
        for v in values:
            d = _as_datetime(v)
            out.append(date_vector(d) if d is not None else (None if _is_missing(v) else v))
        return out
    out = []
    for row, v in enumerate(values):
        d = _as_datetime(v)
        if d is None:
            if not isinstance(v, str):
                raise InputError("input feature %r (date), row %d: expected a date string, got %r" % (name, row, v))
            try:
                d = _dt.datetime.strptime(v, fmt) if fmt else _dt.datetime.fromisoformat(v)
            except ValueError as e:
                raise InputError("input feature %r (date), row %d: %s" % (name, row, e)) from None
        vec = date_vector(d)
        out.append(np.asarray(vec, dtype="int64") if np is not None else {"dtype": "int64", "shape": [9], "data": vec})
    return out


def _get_column(dataset, f):
    """dataset's column for feature spec f (by column, else by name)."""
    for key in (f["column"], f["name"]):
        if key in dataset:
            return dataset[key]
    raise InputError("missing input feature %r (column %r, type %s)" % (f["name"], f["column"], f["type"]))


def _records_to_columns(records):
    cols = {}
    for i, r in enumerate(records):
        if not isinstance(r, dict):
            raise InputError("invalid request: record %d is a %s, not a dict" % (i, type(r).__name__))
        for k in r:
            if k not in cols:
                cols[k] = [math.nan] * i
        for k, col in cols.items():
            col.append(r.get(k, math.nan))  # pandas puts NaN where a record lacks a key
    return cols


def module_inputs(dataset, specs, parse_dates):
    """{feature name: module input} from a DataFrame or column dict."""
    out = {}
    for f in specs:
        col = _get_column(dataset, f)
        t, name = f["type"], f["name"]
        if not (isinstance(col, (list, tuple)) or (pd is not None and isinstance(col, pd.Series))):
            a = as_array(col)
            if a is None or a.ndim == 0:
                raise InputError(
                    "invalid request: column %r of input feature %r must be a list of values, got %s"
                    % (f["column"], name, type(col).__name__)
                )
        if t in STRING_TYPES:
            if pd is not None and isinstance(col, pd.Series):
                out[name] = _spell_series(col)
            else:
                a = as_array(col)
                out[name] = _spell_list(a.tolist() if a is not None else list(col))
        elif t == "number":
            out[name] = _number_column(name, col)
        elif t == "h3":
            out[name] = _h3_column(name, col)
        elif t == "date":
            out[name] = _date_column(name, f.get("datetime_format"), col, parse_dates)
        elif pd is not None and isinstance(col, pd.Series):
            out[name] = col.tolist()  # image, audio: tensors (or paths) as they are
        else:
            out[name] = list(col)
    return out


def _infer_specs(dataset):
    specs = []
    for key in dataset:
        col = dataset[key]
        kind = None
        if pd is not None and isinstance(col, pd.Series):
            kind = getattr(col.dtype, "kind", "O")
        elif as_array(col) is not None:
            kind = as_array(col).dtype.kind
        elif isinstance(col, (list, tuple)) and col and all(
            (isinstance(v, (int, float)) and not isinstance(v, bool)) or v is None for v in col
        ):
            kind = "f"
        t = "number" if kind in ("i", "u", "f") else "category"
        specs.append({"name": key, "column": key, "type": t, "datetime_format": None})
    return specs


def to_inference_module_input_from_dataframe(dataset, config=None):
    """Ludwig's ``ludwig.utils.inference_utils.to_inference_module_input_from_dataframe``.

    Builds the preprocessor's input dict, keyed by input feature name, from a
    DataFrame (or, without pandas, a column dict or a list of records):

    * binary, category, bag, set, text, sequence, timeseries, vector: a list
      of strings, spelled as pandas ``astype(str)`` spells them (a missing
      value is "nan");
    * number, h3: a 1-D tensor (``to_numpy()``; int64 when all values are
      integers, float64 with NaN for missing values otherwise);
    * date: a list of int64[9] tensors (``strptime`` with the feature's
      ``datetime_format``), Ludwig's ``create_vector_from_datetime_obj``;
    * image, audio: the column's values as they are.

    Tensors are numpy arrays, or {"dtype", "shape", "data"} dicts when numpy
    is absent. ``config`` is a Ludwig config dict (``input_features``), a
    model ``schema`` or an InferenceModule; without one, every numeric column
    becomes a number tensor and every other column strings, keyed by column.
    """
    if isinstance(dataset, (list, tuple)):
        dataset = _records_to_columns(dataset)
    if not (isinstance(dataset, dict) or (pd is not None and isinstance(dataset, pd.DataFrame))):
        raise InvalidArgumentError(
            "dataset must be a pandas DataFrame, a column dict or a list of records, got %s" % type(dataset).__name__
        )
    specs = feature_specs(config)
    if specs is None:
        specs = _infer_specs(dataset)
    return module_inputs(dataset, specs, parse_dates=True)


# --- encoding requests ------------------------------------------------------------


def _add_tensor_list(batch, key, items, ftype):
    rank = TENSOR_TYPES.get(ftype)
    for item in items:
        rate = 0
        if isinstance(item, tuple):
            if len(item) != 2 or not isinstance(item[1], int):
                raise InputError("input %r: expected (waveform, sample_rate) tuples" % key)
            item, rate = item
        if len(items) == 1 and rank is not None and ftype != "audio":
            # one tensor of a list (a date [9], an image [C,H,W]): add the
            # batch dimension the library expects of a single tensor.
            if is_tensor_dict(item) and len(item["shape"]) == rank - 1:
                item = dict(item, shape=[1] + list(item["shape"]))
            else:
                a = as_array(item)
                if a is not None and a.ndim == rank - 1:
                    item = a[None]
        batch.add(key, item, rate)


def _is_tensor_item(x):
    if is_tensor_dict(x):
        return True
    if isinstance(x, tuple) and len(x) == 2:
        return is_tensor_dict(x[0]) or as_array(x[0]) is not None
    return as_array(x) is not None and not isinstance(x, (str, bytes))


def _encode_column(key, value, ftype, out, batch):
    if is_tensor_dict(value):
        batch.add(key, value)
        return
    if isinstance(value, (list, tuple)):
        if value and _is_tensor_item(value[0]) and (np is None or not isinstance(value[0], np.generic)):
            _add_tensor_list(batch, key, list(value), ftype)
        elif ftype == "date":
            out[key] = _date_column(key, None, value, False)  # datetimes -> vectors
        else:
            out[key] = value
        return
    a = as_array(value)
    if a is None:
        raise InputError(
            "invalid request: column %r must be a list of values, an array or tensors, got %s"
            % (key, type(value).__name__)
        )
    if a.dtype.kind in "iufb" and (ftype is None or ftype in TENSOR_TYPES):
        batch.add(key, a)
    elif a.dtype.kind == "M" and ftype == "date":
        vectors = _date_column(key, None, a, False)
        if any(v is None for v in vectors):
            out[key] = vectors  # NaT: a JSON null, the library's missing date
        else:
            batch.add(key, np.asarray(vectors, dtype="int64").reshape(-1, 9))
    else:
        out[key] = a.tolist()


def encode_table(dataset, inputs):
    """(request JSON bytes, TensorBatch) for a table request: a column dict
    (values as lists, numpy arrays or tensors), a module-input dict, a split
    dict or a list of records (dicts). inputs is the schema's input list: keys that are
    no input feature's name or column are left out."""
    batch = TensorBatch()
    if isinstance(dataset, (list, tuple)):
        # records -> columns: the same table (pandas builds the same
        # DataFrame from either), with the column path's conversions.
        if not dataset:
            raise InputError("the request has no rows")
        dataset = _records_to_columns(dataset)
    if not isinstance(dataset, dict):
        raise InvalidArgumentError(
            "dataset must be a pandas DataFrame, a column dict or a list of records, got %s" % type(dataset).__name__
        )
    by_key = {}
    for f in inputs or ():
        by_key.setdefault(f["column"], f)
        by_key[f["name"]] = f
    if "columns" in dataset and "data" in dataset and not ({"columns", "data"} & set(by_key)):
        return dumps(dataset), batch  # pandas "split" form
    out = {}
    for key, value in dataset.items():
        if not isinstance(key, str):
            raise InputError("invalid request: column names must be strings, got %r" % (key,))
        f = by_key.get(key)
        if f is None and by_key:
            continue  # not an input: the preprocessor would ignore it
        _encode_column(key, value, f["type"] if f else None, out, batch)
    return (dumps(out) if out else b""), batch


def encode_tensors(tensors):
    """(b"", TensorBatch) for a dict of stage tensors (numpy arrays or tensor dicts)."""
    if not isinstance(tensors, dict):
        raise InvalidArgumentError("expected a dict of tensors, got %s" % type(tensors).__name__)
    batch = TensorBatch()
    for name, t in tensors.items():
        batch.add(name, t)
    return b"", batch
