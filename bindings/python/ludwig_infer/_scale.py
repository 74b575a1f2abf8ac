"""What the Spark and Ray integrations share: shipping a model to workers,
loading it once per worker process, typing prediction columns, scoring
pandas and Arrow batches, and the error policy.

Imports only the standard library (and numpy/pandas/pyarrow inside the
functions that take such values), so that ``import ludwig_infer.spark``
never loads the native library: a process that forks workers (pyspark's
daemon) must not have it loaded (see ForkError).
"""

import io
import json
import os
import tarfile
import threading
import uuid

from .errors import ForkError, InputError, LudwigInferError, NotFoundError, TorchRuntimeError

__all__ = ["archive", "ModelSource", "output_columns", "score_pandas", "score_arrow", "ERROR_POLICIES"]

ERROR_POLICIES = ("raise", "null")

#: The default name of the error column of on_error="null".
ERROR_COLUMN = "_ludwig_infer_error"


# --- shipping ------------------------------------------------------------------


def _is_uri(s):
    return isinstance(s, str) and "://" in s


def _fsspec():
    try:
        import fsspec
    except ImportError:
        raise ImportError("a model URI needs fsspec: pip install fsspec (or ludwig-infer[spark] / [ray])") from None
    return fsspec


def archive(path):
    """The bytes of a model as one archive, for InferenceModule.from_bytes.

    path: a local folder (packed into a tar in memory), a local file (a
    ``.pt``, ``.carton``, ``.zip`` or ``.tar``: its bytes), or an fsspec URI
    (``memory://m/tabular``, ``s3://bucket/exports/tabular``) of either,
    read with fsspec. Only regular files are packed; the archive limits of
    li_load_buffer apply when it is loaded.
    """
    if _is_uri(path):
        fs, root = _fsspec().core.url_to_fs(path)
        if not fs.exists(root):
            raise NotFoundError("model %s: no such file or folder" % path)
        if not fs.isdir(root):
            with fs.open(root, "rb") as f:
                return f.read()
        root = root.rstrip("/")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name in sorted(fs.find(root)):
                rel = name[len(root) :].lstrip("/")
                data = fs.cat_file(name)
                info = tarfile.TarInfo(rel)
                info.size = len(data)
                info.mode = 0o644
                t.addfile(info, io.BytesIO(data))
        return buf.getvalue()
    path = os.fspath(path)
    if not os.path.isdir(path):
        with open(path, "rb") as f:
            return f.read()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name in sorted(os.listdir(path)):
            p = os.path.join(path, name)
            if os.path.isfile(p):
                t.add(p, arcname=name, recursive=False)
    return buf.getvalue()


class ModelSource:
    """A picklable reference to a model that each worker process loads once.

    model: a local path every worker can read (a folder, ``.pt`` or
    ``.carton``), an fsspec URI (read with fsspec in the worker, then loaded
    from memory), the bytes of an archive (``archive(path)``), or a zero
    argument callable returning such bytes (what a Spark broadcast's
    ``.value`` or ``ray.get`` gives). options: ``device`` and the load
    options of ``InferenceModule.from_directory``.
    """

    def __init__(self, model, threads=None, **options):
        if isinstance(model, ModelSource):
            threads = model.threads if threads is None else threads
            model, options = model.model, {**model.options, **options}
        if isinstance(model, (bytearray, memoryview)):
            model = bytes(model)
        if not (isinstance(model, (str, bytes)) or callable(model) or hasattr(model, "__fspath__")):
            raise TypeError(
                "model must be a path, an fsspec URI, archive bytes or a callable giving bytes, got %s"
                % type(model).__name__
            )
        self.model = os.fspath(model) if hasattr(model, "__fspath__") else model
        self.options = dict(options)
        self.threads = threads
        # The cache key: the same source and options load one model per
        # process, whatever pickling did to the object.
        self.key = "%s|%s" % (
            uuid.uuid4().hex if not isinstance(self.model, str) else self.model,
            json.dumps([self.options, threads], sort_keys=True),
        )

    def __repr__(self):
        what = self.model if isinstance(self.model, str) else "<%s>" % type(self.model).__name__
        return "ModelSource(%r, %r)" % (what, self.options)

    def _load_uncached(self):
        from . import _lib
        from .inference import InferenceModule

        if self.threads is not None and not _lib.usable():
            # libtorch's intra-op pool is per process and fixed at the first load.
            from . import set_threads

            set_threads(self.threads)

        m = self.model
        if callable(m):
            m = m()
        if isinstance(m, str) and _is_uri(m):
            if m.startswith("file://"):
                m = m[len("file://") :]
            else:
                m = archive(m)
        if isinstance(m, (bytes, bytearray, memoryview)):
            return InferenceModule.from_bytes(m, **self.options)
        return InferenceModule.from_directory(m, **self.options)

    def load(self):
        """The model, loaded on the first call in this process and reused
        (thread-safe). Raises ForkError in a process forked from one that
        had loaded the library."""
        with _cache_lock:
            pid = os.getpid()
            hit = _cache.get(self.key)
            if hit is not None and hit[0] == pid:
                return hit[1]
            model = self._load_uncached()
            _cache.pop(self.key, None)
            _cache[self.key] = (pid, model)
            _stats[self.key] = _stats.get(self.key, 0) + 1
            while len(_cache) > _CACHE_SIZE:
                # The oldest model goes (a job that is over); models
                # inherited from a parent process are dropped unclosed.
                old_pid, old = _cache.pop(next(iter(_cache)))
                if old_pid == pid:
                    old.close()
            return model


_CACHE_SIZE = 4
_cache_lock = threading.Lock()
_cache = {}
_stats = {}


def load_count(key):
    """How many times this process loaded the source with this key (tests)."""
    return _stats.get(key, 0)


# --- output columns --------------------------------------------------------------


def _column(feature, key):
    return feature if not key else "%s_%s" % (feature, key)


_SCALARS = {"float32": "float32", "float64": "float64", "int64": "int64", "int32": "int64", "bool": "bool"}


def _kind(out, key, dtype, shape):
    """The value kind of one prediction column (see docs in spark.py)."""
    if dtype is not None:
        if dtype == "string":
            return "string"
        if dtype == "string_list":
            return "list<string>"
        if dtype == "tensor_list":
            return "list<float32>"
        if dtype in _SCALARS and shape is not None:
            if len(shape) == 1:
                return _SCALARS[dtype]
            if len(shape) == 2:
                return "list<%s>" % _SCALARS[dtype]
        return "json"
    t = out.get("type")
    if key == "predictions":
        if t == "binary":
            return "bool" if (out.get("labels") or ["False", "True"]) == ["False", "True"] else "string"
        if t == "category":
            return "string"
        if t == "number":
            return "float32"
        if t in ("set", "sequence", "text"):
            return "list<string>"
        if t in ("vector", "timeseries"):
            return "list<float32>"
    if key == "probabilities" and t in ("binary", "category", "set", "sequence", "text"):
        return "list<float32>"
    if key == "probability":
        return "float32"
    if key == "logits":
        return "list<float32>"
    return "json"


def output_columns(schema, form):
    """[(column, kind)] of the predictions of a model (its schema dict) in
    form "columns" or "full"; kind is one of string, bool, float32,
    float64, int64, list<string>, list<float32>, list<float64>,
    list<int64>, list<bool>, json (the value as JSON text)."""
    if form not in ("columns", "full"):
        raise ValueError('form must be "columns" or "full" (a table form), got %r' % (form,))
    cols = []
    for o in schema.get("outputs") or []:
        keys = o.get("keys") or ["predictions"]
        types = dict(zip(keys, o.get("types") or []))
        shapes = dict(zip(keys, o.get("shapes") or []))
        for k in keys:
            cols.append((_column(o["name"], k), _kind(o, k, types.get(k), shapes.get(k))))
        if form == "full":
            if o.get("type") in ("binary", "category") and "probabilities" in keys:
                for label in o.get("labels") or []:
                    cols.append((_column(o["name"], "probabilities_" + label), "float32"))
                cols.append((_column(o["name"], "probability"), "float32"))
            if o.get("type") == "text" and "predictions" in keys:
                cols.append((_column(o["name"], "response"), "string"))
    seen, out = set(), []
    for name, kind in cols:
        if name not in seen:
            seen.add(name)
            out.append((name, kind))
    return out


def arrow_type(kind):
    """The pyarrow type of a column kind."""
    import pyarrow as pa

    scalar = {
        "string": pa.string(),
        "json": pa.string(),
        "bool": pa.bool_(),
        "float32": pa.float32(),
        "float64": pa.float64(),
        "int64": pa.int64(),
    }
    if kind.startswith("list<"):
        return pa.list_(scalar[kind[5:-1]])
    return scalar[kind]


# --- scoring ----------------------------------------------------------------------


def _typed(values, kind, n):
    """A column's values as a list/array for pandas and Arrow (None: null)."""
    import numpy as np

    if kind == "json":
        return [None if v is None else json.dumps(v.tolist() if hasattr(v, "tolist") else v) for v in values]
    if kind in ("float32", "float64", "int64", "bool") and not any(v is None for v in values):
        return np.asarray(values, dtype=kind)
    if isinstance(values, np.ndarray):
        if values.ndim == 1:
            return values
        return list(values)
    return list(values)


def _predict_dict(model, frame, form):
    preds, _ = model.predict(frame, return_type=dict, form=form)
    return preds


def _failing_rows(model, frame, form, start, errors):
    """Scores frame (rows start.. of the batch) by halves until every failing
    row is alone; returns {row: predictions dict of one row or None}."""
    try:
        preds = _predict_dict(model, frame, form)
        return [(start, len(frame), preds)]
    except (InputError, TorchRuntimeError) as e:
        if len(frame) == 1:
            errors[start] = str(e)
            return [(start, 1, None)]
    half = len(frame) // 2
    return _failing_rows(model, frame.iloc[:half], form, start, errors) + _failing_rows(
        model, frame.iloc[half:], form, start + half, errors
    )


def _media_bytes(model, frame):
    """frame with the raw bytes cells of image and audio columns as
    base64 data: URIs (the media type is sniffed from the content)."""
    import base64

    for f in model.input_features:
        if f["type"] not in ("image", "audio"):
            continue
        col = f["column"] if f["column"] in frame.columns else f["name"]
        if col not in frame.columns or frame[col].dtype != object:
            continue
        values = frame[col].tolist()
        if any(isinstance(v, (bytes, bytearray, memoryview)) for v in values):
            frame = frame.copy()
            frame[col] = [
                "data:;base64," + base64.b64encode(bytes(v)).decode("ascii")
                if isinstance(v, (bytes, bytearray, memoryview))
                else v
                for v in values
            ]
    return frame


def score_pandas(model, frame, columns, form, on_error, error_column, where):
    """The prediction columns (a pandas DataFrame, same index as frame) of a
    pandas batch. on_error "raise" re-raises the binding's error with where
    (e.g. "rows 0-4095 of partition 3") added; "null" bisects to find the
    failing rows, which get nulls and their message in error_column."""
    import pandas as pd

    frame = _media_bytes(model, frame)
    n = len(frame)
    if n == 0:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c, _ in columns})
        if on_error == "null":
            out[error_column] = pd.Series([], dtype=object)
        return out
    if on_error == "raise":
        try:
            preds = _predict_dict(model, frame, form)
        except ForkError:
            raise
        except LudwigInferError as e:
            raise type(e)("%s (%s)" % (e, where), e.code) from e
        out = pd.DataFrame({c: _typed(_get(preds, c, n), k, n) for c, k in columns}, index=frame.index)
        return out
    errors = {}
    parts = _failing_rows(model, frame, form, 0, errors)
    cols = {c: [None] * n for c, _ in columns}
    for start, length, preds in parts:
        if preds is None:
            continue
        for c, _ in columns:
            vals = _get(preds, c, length)
            vals = vals.tolist() if hasattr(vals, "tolist") and getattr(vals, "ndim", 1) == 1 else list(vals)
            cols[c][start : start + length] = vals
    out = pd.DataFrame({c: _typed(cols[c], k, n) for c, k in columns}, index=frame.index)
    out[error_column] = [errors.get(i) for i in range(n)]
    return out


def _get(preds, column, n):
    v = preds.get(column)
    if v is None:
        raise LudwigInferError(
            "the model returned no column %r (it returned %s): the output schema was derived from the "
            "model's info; report this with the model's `ludwig-infer info`" % (column, sorted(preds))
        )
    return v


def arrow_to_pandas(table):
    """A pyarrow Table or RecordBatch as pandas: nulls become missing values
    (None / NaN), binary columns bytes (images and audio as raw bytes are
    sent base64-encoded by the binding)."""
    return table.to_pandas()


def score_arrow(model, table, columns, form, on_error, error_column, where):
    """score_pandas for a pyarrow Table: returns the prediction columns as
    pyarrow arrays (in columns order, then the error column)."""
    import pyarrow as pa

    preds = score_pandas(model, arrow_to_pandas(table), columns, form, on_error, error_column, where)
    arrays = [pa.array(preds[c].tolist() if preds[c].dtype == object else preds[c].to_numpy(), type=arrow_type(k)) for c, k in columns]
    names = [c for c, _ in columns]
    if on_error == "null":
        arrays.append(pa.array(preds[error_column].tolist(), type=pa.string()))
        names.append(error_column)
    return names, arrays


def check_policy(on_error, error_column, columns, input_names):
    """Validates on_error and column names; returns the output column names."""
    if on_error not in ERROR_POLICIES:
        raise ValueError("on_error must be one of %s, got %r" % (", ".join(ERROR_POLICIES), on_error))
    names = [c for c, _ in columns] + ([error_column] if on_error == "null" else [])
    clash = sorted(set(names) & set(input_names))
    if clash:
        raise ValueError(
            "input column(s) %s have the name of a prediction column: rename them, or pass keep_columns=False"
            % ", ".join(clash)
        )
    return names
