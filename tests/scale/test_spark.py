"""ludwig_infer.spark on pyspark local[2]: 100,000 rows equal `ludwig-infer
predict`; every golden model in both table forms equals the binding in one
process; predict and the pandas UDF; archive bytes (broadcast) and file://
URIs; the error policies; one model load per Python worker, and a pyspark
daemon that never loads the library."""

import os

import pytest

import ludwig_infer
import ludwig_infer.spark as lis
from ludwig_infer import _scale
from conftest import ROWS, assert_columns, golden_batches, golden_frame, golden_names, model_dir, single_process, spark_session

from pyspark.sql import types as T  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    s = spark_session(
        "ludwig-infer-tests",
        **{
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.execution.arrow.maxRecordsPerBatch": "5000",
            "spark.sql.execution.arrow.pyspark.enabled": "true",
        }
    )
    yield s
    s.stop()


def _columns_of(pdf, names):
    return {c: pdf[c].tolist() for c in names}


def test_100k_rows_equal_the_command(spark, big_csv, cli_predictions):
    df = spark.read.csv(big_csv, header=True, inferSchema=True).repartition(4)
    scored = lis.predict(df, model_dir("tabular"), batch_size=2048)
    assert scored.columns == df.columns + list(cli_predictions)
    pdf = scored.orderBy("customer_id").toPandas()
    assert len(pdf) == ROWS
    assert_columns(_columns_of(pdf, cli_predictions), cli_predictions, "spark predict")
    # The input columns pass through unchanged.
    assert pdf["customer_id"].tolist() == ["c%06d" % i for i in range(ROWS)]


def test_100k_rows_through_the_udf(spark, big_csv, cli_predictions):
    df = spark.read.csv(big_csv, header=True, inferSchema=True).repartition(4)
    score = lis.udf(model_dir("tabular"))
    pdf = df.withColumn("p", score("Age", "city", "member", "cell")).select("customer_id", "p.*").orderBy("customer_id").toPandas()
    assert_columns(_columns_of(pdf, cli_predictions), cli_predictions, "spark udf")


@pytest.mark.parametrize("form", ["columns", "full"])
@pytest.mark.parametrize("name", golden_names())
def test_goldens(spark, name, form):
    for frame, cases, want in golden_batches(name, form):
        got = lis.predict(spark.createDataFrame(frame), model_dir(name), form=form, keep_columns=False).toPandas()
        assert_columns(_columns_of(got, want), want, "%s %s (cases %s)" % (name, form, cases))


def test_schema_per_output_type():
    def types(name, form="columns"):
        return {f.name: f.dataType for f in lis.schema(model_dir(name), form=form).fields}

    arr_f = T.ArrayType(T.FloatType())
    assert types("binary_plain")["approved_predictions"] == T.BooleanType()
    assert types("binary_yesno")["churn_predictions"] == T.StringType()
    assert types("tabular") == {"plan_predictions": T.StringType(), "plan_probabilities": arr_f}
    full = types("tabular", "full")
    assert list(full) == [
        "plan_predictions", "plan_probabilities", "plan_probabilities_<UNK>", "plan_probabilities_premium",
        "plan_probabilities_plus", "plan_probabilities_basic", "plan_probability",
    ]
    assert full["plan_probabilities_<UNK>"] == T.FloatType()
    s = types("set_bag_vector")
    assert s == {"labels_predictions": T.ArrayType(T.StringType()), "labels_probabilities": arr_f}
    q = types("text_output", "full")
    assert q["answer_predictions"] == T.ArrayType(T.StringType()) and q["answer_response"] == T.StringType()
    assert q["answer_probability"] == T.FloatType() and q["answer_probabilities"] == arr_f
    assert types("regression") == {"price_predictions": T.FloatType()}
    # Without warm-up types, the table decides, with the same answers.
    assert {f.name: f.dataType for f in lis.schema(model_dir("binary_plain"), warmup=False).fields}[
        "approved_predictions"
    ] == T.BooleanType()
    with pytest.raises(ValueError, match='form must be "columns" or "full"'):
        lis.schema(model_dir("tabular"), form="features")


def test_archive_bytes_and_file_uri(spark):
    frame, _ = golden_frame("tabular")
    want = single_process("tabular", frame, "full")
    df = spark.createDataFrame(frame)
    for model in (ludwig_infer.archive(model_dir("tabular")), "file://" + model_dir("tabular")):
        got = lis.predict(df, model, form="full", keep_columns=False).toPandas()
        assert_columns(_columns_of(got, want), want, "model %s" % type(model).__name__)
    # A carton's bytes: predictions only.
    with open(os.path.join(model_dir("tabular_carton"), "tabular.carton"), "rb") as f:
        carton = f.read()
    names = spark.createDataFrame(frame.rename(columns={"Age": "age"}))
    got = lis.predict(names, carton, keep_columns=False).toPandas()
    assert got["plan_predictions"].tolist() == want["plan_predictions"]


def _bad_rows_frame():
    import pandas as pd

    return pd.DataFrame(
        {
            "Age": ["34", "abc", "51.5", "28", "x", "40"],
            "city": ["Paris", "Paris", "Reykjavik", " London ", "Berlin", "Paris"],
            "member": [True, False, False, True, True, False],
            "cell": [617703466028236799, 617703466028236799, 622236723497533439, 624008872107900927, 599439121542283263, 617703466028236799],
        }
    )


def test_error_policy_raise(spark):
    df = spark.createDataFrame(_bad_rows_frame()).coalesce(1)
    with pytest.raises(Exception) as e:
        lis.predict(df, model_dir("tabular")).collect()
    msg = str(e.value)
    assert "InputError: input feature 'age' (number), row 1: cannot convert 'abc' to a number (rows 0-5 of partition 0)" in msg


def test_error_policy_null(spark):
    frame = _bad_rows_frame()
    df = spark.createDataFrame(frame).coalesce(1)
    got = lis.predict(df, model_dir("tabular"), on_error="null", error_column="why", batch_size=4).toPandas()
    good = [0, 2, 3, 5]
    want = single_process("tabular", frame.iloc[good].astype({"Age": float}).reset_index(drop=True), "columns")
    assert got["why"].tolist() == [
        None,
        'input feature \'age\' (number), row 0: cannot convert \'abc\' to a number',
        None,
        None,
        'input feature \'age\' (number), row 0: cannot convert \'x\' to a number',
        None,
    ]
    assert got["plan_predictions"].tolist() == [want["plan_predictions"][0], None, want["plan_predictions"][1], want["plan_predictions"][2], None, want["plan_predictions"][3]]
    assert got["plan_probabilities"][1] is None
    assert_columns(
        {"p": [got["plan_probabilities"][i].tolist() for i in good]},
        {"p": [list(v) for v in want["plan_probabilities"]]},
        "scored rows",
    )
    with pytest.raises(ValueError, match="on_error must be one of raise, null"):
        lis.predict(df, model_dir("tabular"), on_error="skip")
    with pytest.raises(ValueError, match="input column.s. plan_predictions have the name of a prediction column"):
        lis.predict(df.withColumnRenamed("city", "plan_predictions"), model_dir("tabular"))


def test_one_load_per_worker_and_a_clean_daemon(spark):
    source = ludwig_infer.spark.ModelSource(model_dir("tabular"))

    def probe(batches):
        import os

        import pandas as pd

        m = source.load()
        for b in batches:
            ppid = os.getppid()
            with open("/proc/%d/maps" % ppid) as f:
                parent_has_lib = "libludwiginfer" in f.read()
            with open("/proc/%d/cmdline" % ppid, "rb") as f:
                parent = f.read().replace(b"\0", b" ").decode()
            yield pd.DataFrame(
                {
                    "pid": [os.getpid()] * len(b),
                    "model": [id(m)] * len(b),
                    "loads": [_scale.load_count(source.key)] * len(b),
                    "parent_has_lib": [parent_has_lib] * len(b),
                    "parent": [parent] * len(b),
                }
            )

    schema = "pid long, model long, loads long, parent_has_lib boolean, parent string"
    rows = spark.range(0, 64, numPartitions=16).mapInPandas(probe, schema).distinct().collect()
    pids = {r.pid for r in rows}
    assert len(pids) < 16, "16 tasks ran in %d workers: no reuse" % len(pids)
    for pid in pids:
        assert len({r.model for r in rows if r.pid == pid}) == 1, "worker %d loaded the model twice" % pid
    for pid in pids:
        # No reload during the job (earlier jobs may have loaded the same
        # path in this worker: the count is per process).
        assert len({r.loads for r in rows if r.pid == pid}) == 1
    assert {r.parent_has_lib for r in rows} == {False}
    assert all("pyspark.daemon" in r.parent for r in rows), {r.parent for r in rows}
