"""Batch scoring on Apache Spark: ``predict`` (mapInPandas over Arrow batches)
and ``udf`` (a pandas UDF for ``withColumn``). Install: ``pip install
ludwig-infer[spark]`` (pyspark, pyarrow, pandas, fsspec). Imported lazily:
``import ludwig_infer`` never imports pyspark.

    import ludwig_infer.spark
    scored = ludwig_infer.spark.predict(df, "exports/tabular")       # input columns, then predictions

The model (``model``):
  * a path every executor can read (a folder, ``.pt`` or ``.carton``; in
    ``local[N]`` any local path), or a ``file://`` URI;
  * an fsspec URI (``s3://...``, ``memory://...``): each Python worker reads
    it with fsspec and loads it from memory (remote schemes are not tested
    here; ``file://`` and ``memory://`` are);
  * bytes of an archive (``ludwig_infer.archive(path)``, a ``.tar``,
    ``.zip`` or ``.carton``): broadcast once (``SparkContext.broadcast``) and
    loaded with ``InferenceModule.from_bytes``.
It is loaded once per Python worker process (pyspark reuses workers across
tasks, ``spark.python.worker.reuse``, the default) and on the driver, to
derive the output schema. Each process keeps up to 4 models.

Prediction columns (``schema(model, form)``), per output feature ``f`` and
key, named ``f_<key>`` as ``ludwig-infer predict`` writes them:

  ==========================  ==========================  ========================
  output type / key           Spark type                  value
  ==========================  ==========================  ========================
  binary predictions          boolean, or string          string when the
                                                          metadata has bool2str
  category predictions        string                      the label
  number predictions          float                       float32
  set predictions             array<string>               the labels present
  sequence/text predictions   array<string>               the tokens
  vector/timeseries preds     array<float>
  */probabilities             array<float>                set: ragged (one per
                                                          label present)
  */probability, logits       float, array<float>
  full: f_probabilities_<l>   float                       one per label (binary,
                                                          category)
  full: f_probability         float                       the largest
  full: f_response            string                      text outputs: tokens
                                                          joined
  anything else               string                      the value as JSON
  ==========================  ==========================  ========================

The types come from the model info's warm-up types when the model was
loaded with warm-up (the default); otherwise from this table (binary
predictions are boolean when the labels are exactly False/True). Column
names keep labels as they are (``plan_probabilities_<UNK>``, dots, spaces):
Spark allows them in a schema; refer to them with backticks
(``df["`f_probabilities_a.b`"]``). The form ``features`` (nested) is not a
table: use ``columns`` or ``full``.

Inputs: columns are matched to input features by config ``column`` (or
name); other columns are passed through. Spark nulls are missing values.
Image and audio columns hold file paths (absolute: workers resolve relative
paths against their working folder), ``data:`` URIs, base64 strings, or raw
bytes (a ``binary`` column: sent as a base64 ``data:`` URI, the format
sniffed from the content).

Errors (``on_error``): ``"raise"`` (the default) fails the task with the
binding's error (the feature and row within the batch, plus the batch's rows
within the partition); Spark's task retry policy applies (a bad row fails
every retry). ``"null"`` splits a failing batch in halves until each bad row
is alone: bad rows get nulls and the message in ``error_column``
(``_ludwig_infer_error``, null for good rows), the rest are scored. Cost: a
batch with k bad rows makes about 2 k log2(batch_size) extra calls; clean
batches cost nothing extra.

Processes: pyspark's daemon forks Python workers. This module loads the
native library only inside a worker's first task (never at import, never in
the daemon), so forked workers start clean. A worker that inherited a loaded
library (a custom ``spark.python.daemon.module`` that loaded a model) fails
with ForkError instead of hanging. Never import torch in a process that
loads ludwig-infer with a different libtorch (see docs/scale.md).
"""

from . import _scale
from ._scale import ERROR_COLUMN, ModelSource, archive

__all__ = ["predict", "udf", "schema", "archive", "ModelSource", "ERROR_COLUMN"]

_SPARK_SCALARS = {
    "string": "StringType",
    "json": "StringType",
    "bool": "BooleanType",
    "float32": "FloatType",
    "float64": "DoubleType",
    "int64": "LongType",
}


def _spark_type(kind):
    from pyspark.sql import types as T

    if kind.startswith("list<"):
        return T.ArrayType(getattr(T, _SPARK_SCALARS[kind[5:-1]])())
    return getattr(T, _SPARK_SCALARS[kind])()


class _Broadcast:
    """A picklable callable returning a broadcast's bytes in the worker."""

    def __init__(self, bc):
        self.bc = bc

    def __call__(self):
        return self.bc.value


def _source(model, options, spark=None):
    if isinstance(model, ModelSource):
        return ModelSource(model, **options)
    if isinstance(model, (bytes, bytearray, memoryview)):
        if spark is None:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
        if spark is None:
            raise ValueError("model bytes are broadcast: start a SparkSession first")
        return ModelSource(_Broadcast(spark.sparkContext.broadcast(bytes(model))), **options)
    return ModelSource(model, **options)


def _columns(source, form):
    return _scale.output_columns(source.load().schema, form)


def schema(model, form="columns", **options):
    """The Spark StructType of the prediction columns (loads the model on
    the driver; model and options as in ``predict``)."""
    from pyspark.sql import types as T

    cols = _columns(_source(model, options), form)
    return T.StructType([T.StructField(c, _spark_type(k), True) for c, k in cols])


def predict(
    df,
    model,
    form="columns",
    batch_size=4096,
    keep_columns=True,
    on_error="raise",
    error_column=ERROR_COLUMN,
    **options
):
    """Scores a Spark DataFrame with ``mapInPandas``: returns a DataFrame with
    the input columns (when keep_columns) then the prediction columns (and
    error_column with on_error="null"), row for row in the input's order.

    model: a path, URI, archive bytes or ModelSource (see the module doc).
    form: "columns" or "full". batch_size: rows per inference call (Arrow
    batches are at most ``spark.sql.execution.arrow.maxRecordsPerBatch``,
    default 10,000, and are cut to batch_size). options: ``device``,
    ``warmup``, ``extensions``, ``stages`` (load options).
    """
    from pyspark.sql import types as T

    if batch_size < 1:
        raise ValueError("batch_size must be >= 1, got %r" % (batch_size,))
    source = _source(model, options, df.sparkSession)
    cols = _columns(source, form)
    names = _scale.check_policy(on_error, error_column, cols, df.columns if keep_columns else [])
    fields = [T.StructField(c, _spark_type(k), True) for c, k in cols]
    if on_error == "null":
        fields.append(T.StructField(error_column, T.StringType(), True))
    out_schema = T.StructType((list(df.schema.fields) if keep_columns else []) + fields)

    def score(batches):
        import pandas as pd
        from pyspark import TaskContext

        ctx = TaskContext.get()
        part = ctx.partitionId() if ctx is not None else -1
        m = source.load()
        row = 0
        for pdf in batches:
            for start in range(0, len(pdf), batch_size):
                chunk = pdf.iloc[start : start + batch_size].reset_index(drop=True)
                where = "rows %d-%d of partition %d" % (row, row + len(chunk) - 1, part)
                preds = _scale.score_pandas(m, chunk, cols, form, on_error, error_column, where)
                row += len(chunk)
                yield pd.concat([chunk, preds[names]], axis=1) if keep_columns else preds[names]

    return df.mapInPandas(score, out_schema)


def udf(model, form="columns", batch_size=4096, on_error="raise", error_column=ERROR_COLUMN, **options):
    """A pandas UDF returning a struct of the prediction columns, for
    ``withColumn``:

        score = ludwig_infer.spark.udf("exports/tabular")
        df.withColumn("pred", score("Age", "city", "member", "cell")).select("*", "pred.*")

    Call it with the input columns (names or Columns, named as the
    features' columns). Loads the model on the
    driver (for the return type) and once per Python worker.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T
    from pyspark.sql.functions import pandas_udf

    if batch_size < 1:
        raise ValueError("batch_size must be >= 1, got %r" % (batch_size,))
    source = _source(model, options)
    cols = _columns(source, form)
    names = _scale.check_policy(on_error, error_column, cols, [])
    fields = [T.StructField(c, _spark_type(k), True) for c, k in cols]
    if on_error == "null":
        fields.append(T.StructField(error_column, T.StringType(), True))
    ret = T.StructType(fields)
    import pandas as pd

    def score(frame: pd.DataFrame) -> pd.DataFrame:
        m = source.load()
        parts = []
        for start in range(0, len(frame), batch_size):
            chunk = frame.iloc[start : start + batch_size].reset_index(drop=True)
            where = "rows %d-%d of this UDF batch" % (start, start + len(chunk) - 1)
            parts.append(_scale.score_pandas(m, chunk, cols, form, on_error, error_column, where)[names])
        if not parts:
            return _scale.score_pandas(m, frame, cols, form, on_error, error_column, "")[names]
        return pd.concat(parts, ignore_index=True)

    fn = pandas_udf(score, returnType=ret)

    def call(*columns):
        return fn(F.struct(*columns))

    return call
