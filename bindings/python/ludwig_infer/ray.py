"""Batch scoring on Ray Data (``Predictor``) and online serving on Ray Serve
(``LudwigInferDeployment``). Install: ``pip install ludwig-infer[ray]``.
Imported lazily: ``import ludwig_infer`` never imports Ray, and importing
this module imports Ray Serve only when the deployment is first used.

    import ray, ludwig_infer.ray
    ds = ray.data.read_csv("rows.csv")
    scored = ds.map_batches(
        ludwig_infer.ray.Predictor,
        fn_constructor_kwargs={"model": "exports/tabular", "form": "columns"},
        compute=ray.data.ActorPoolStrategy(size=2),
        batch_format="pandas",            # or "pyarrow"
        batch_size=4096,
    )

``Predictor`` loads the model once per actor (in the actor's process, never
in the driver) and returns each batch with the prediction columns appended:
a pandas DataFrame for ``batch_format="pandas"``, a pyarrow Table for
``"pyarrow"`` (typed as ``ludwig_infer.spark``'s table says, in Arrow
types: string, bool, float32, list<string>, list<float32>, ...). The model:
a path the actors can read, a ``file://`` or fsspec URI, archive bytes
(``ludwig_infer.archive(path)``), or an ``ObjectRef`` of such bytes
(``ray.put(ludwig_infer.archive(path))``: shipped through the object store
once per node). Errors: ``on_error="raise"`` (the task fails; Ray's retry
policy applies) or ``"null"`` (bad rows get nulls and their message in
``error_column``; the batch is bisected to find them). Nulls in Arrow
columns are missing values; ``binary`` columns of image and audio features
are raw bytes (sent as base64 ``data:`` URIs).

``LudwigInferDeployment`` is a Ray Serve deployment:

    from ray import serve
    serve.run(ludwig_infer.ray.LudwigInferDeployment.bind("exports/tabular"), route_prefix="/")
    # POST /predict {"Age": 34, "city": "Paris", "member": true, "cell": 617703466028236799}

It answers ``/predict`` as ``ludwig-infer serve`` answers a JSON body: one
record in, a flat JSON object of the full form's columns out (200); a record
lacking input features gets 400 with Ludwig's body ``{"error": "Data
received does not contain all input features. Missing features: {...}."}``;
a row the model cannot score gets 500 with Ludwig's fixed body and the
reason in the ``X-Ludwig-Infer-Error`` header; a body that is not a JSON
object gets 400. Concurrent requests are gathered by ``@serve.batch`` (up to
``max_batch_size`` rows, waiting at most ``batch_wait_timeout_s``) into one
``li_infer`` call; when that call fails, its rows are scored one by one so
that one bad row fails only its own request. Image and audio values must be
``data:`` URIs: the deployment never reads files named by a request.
"""

import json

from . import _scale
from ._scale import ERROR_COLUMN, ModelSource, archive

__all__ = ["Predictor", "LudwigInferDeployment", "archive", "ModelSource", "ERROR_COLUMN"]


def _resolve(model):
    """An ObjectRef's value (bytes in the object store), else model."""
    try:
        import ray
    except ImportError:
        return model
    if isinstance(model, ray.ObjectRef):
        return ray.get(model)
    return model


class Predictor:
    """A callable class for ``Dataset.map_batches`` (see the module doc).

    Args:
        model: a path, URI, archive bytes, ObjectRef of bytes or ModelSource.
        form: "columns" or "full".
        keep_columns: return the batch's columns too (default True).
        on_error: "raise" or "null"; error_column: the column of "null".
        options: load options (``device``, ``warmup``, ``extensions``, ``stages``).
    """

    def __init__(self, model, form="columns", keep_columns=True, on_error="raise", error_column=ERROR_COLUMN, **options):
        self.source = ModelSource(_resolve(model), **options)
        self.model = self.source.load()
        self.form = form
        self.columns = _scale.output_columns(self.model.schema, form)
        self.keep_columns = keep_columns
        self.on_error = on_error
        self.error_column = error_column
        self.names = _scale.check_policy(on_error, error_column, self.columns, [])
        self.batches = 0

    def __call__(self, batch):
        import pandas as pd

        self.batches += 1
        where = "batch %d of this actor" % self.batches
        if isinstance(batch, pd.DataFrame):
            if self.keep_columns:
                _scale.check_policy(self.on_error, self.error_column, self.columns, batch.columns)
            batch = batch.reset_index(drop=True)
            preds = _scale.score_pandas(self.model, batch, self.columns, self.form, self.on_error, self.error_column, where)
            return pd.concat([batch, preds[self.names]], axis=1) if self.keep_columns else preds[self.names]
        try:
            import pyarrow as pa
        except ImportError:
            pa = None
        if pa is not None and isinstance(batch, pa.Table):
            if self.keep_columns:
                _scale.check_policy(self.on_error, self.error_column, self.columns, batch.column_names)
            names, arrays = _scale.score_arrow(self.model, batch, self.columns, self.form, self.on_error, self.error_column, where)
            if not self.keep_columns:
                return pa.Table.from_arrays(arrays, names=names)
            for n, a in zip(names, arrays):
                batch = batch.append_column(n, a)
            return batch
        raise TypeError(
            'ludwig_infer.ray.Predictor takes batch_format="pandas" or "pyarrow" batches, got %s' % type(batch).__name__
        )


# --- Ray Serve -------------------------------------------------------------------

_MISSING = "Data received does not contain all input features. Missing features: {%s}."
_COULD_NOT_RUN = "Unexpected Error: could not run inference on model"
_ERROR_HEADER = "X-Ludwig-Infer-Error"


def _missing(model, record):
    """Ludwig's 400 body for a record lacking input features, or None."""
    missing = sorted(f["column"] for f in model.input_features if f["column"] not in record and f["name"] not in record)
    if not missing:
        return None
    return {"error": _MISSING % ", ".join("'%s'" % m.replace("'", "\\'") for m in missing)}


def _media_error(model, record):
    for f in model.input_features:
        if f["type"] in ("image", "audio"):
            v = record.get(f["column"], record.get(f["name"]))
            if isinstance(v, str) and not v[:5].lower() == "data:":
                return "input feature %r: %s values must be data: URIs (the deployment never reads files)" % (
                    f["name"],
                    f["type"],
                )
    return None


def _rows_of(columns, n):
    """Columns JSON ({column: [values]}) -> n flat row objects."""
    return [{c: v[i] for c, v in columns.items()} for i in range(n)]


def _score(model, records):
    """[(status, body, reason)] per record: the full form in one call, or
    one call per record when the batch call fails."""
    from .errors import ForkError, LudwigInferError

    try:
        out = json.loads(model.predict_json(json.dumps(records, allow_nan=False), form="full"))
        return [(200, row, None) for row in _rows_of(out, len(records))]
    except ForkError:
        raise
    except (LudwigInferError, ValueError) as e:
        if len(records) == 1:
            return [(500, {"error": _COULD_NOT_RUN}, str(e))]
        return [r for rec in records for r in _score(model, [rec])]


def _deployment_class():
    from ray import serve
    from starlette.responses import JSONResponse

    class _LudwigInferDeployment:
        """Ray Serve deployment of a ludwig-infer model (see ludwig_infer.ray)."""

        def __init__(self, model, max_batch_size=32, batch_wait_timeout_s=0.005, **options):
            self.model = ModelSource(_resolve(model), **options).load()
            self._batched.set_max_batch_size(max_batch_size)
            self._batched.set_batch_wait_timeout_s(batch_wait_timeout_s)

        @serve.batch(max_batch_size=32, batch_wait_timeout_s=0.005)
        async def _batched(self, records):
            return _score(self.model, records)

        async def __call__(self, request):
            path = request.url.path.rstrip("/")
            if request.method == "GET" and path in ("", "/"):
                return JSONResponse({"message": "Ludwig server is up"})
            if not path.endswith("/predict"):
                return JSONResponse({"error": "not found: POST /predict"}, status_code=404)
            if request.method != "POST":
                return JSONResponse({"error": "method not allowed: POST /predict"}, status_code=405)
            try:
                record = json.loads(await request.body())
            except ValueError as e:
                return JSONResponse({"error": "cannot read the request: %s" % e}, status_code=400)
            if not isinstance(record, dict):
                return JSONResponse({"error": "/predict scores one row: send one JSON object"}, status_code=400)
            missing = _missing(self.model, record)
            if missing is not None:
                return JSONResponse(missing, status_code=400)
            bad = _media_error(self.model, record)
            if bad is not None:
                return JSONResponse({"error": bad}, status_code=400)
            status, body, reason = await self._batched(record)
            headers = {_ERROR_HEADER: reason.encode("ascii", "replace").decode()[:2000]} if reason else None
            return JSONResponse(body, status_code=status, headers=headers)

    return serve.deployment(_LudwigInferDeployment, name="LudwigInferDeployment")


_DEPLOYMENT = None


def __getattr__(name):
    # LudwigInferDeployment is built on first use, so that importing this
    # module does not import Ray Serve.
    global _DEPLOYMENT
    if name == "LudwigInferDeployment":
        if _DEPLOYMENT is None:
            _DEPLOYMENT = _deployment_class()
        return _DEPLOYMENT
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
