"""The fork rule on Spark: a worker forked by a pyspark daemon that had
loaded the library is refused with the binding's ForkError (the task fails
at once) instead of hanging in the inherited Go runtime."""

import threading

import ludwig_infer.spark as lis
from conftest import golden_frame, model_dir, spark_session



def test_worker_that_inherited_the_library_fails_with_fork_error():
    # tests/scale/run.sh puts tests/scale (li_loaded_daemon) on PYTHONPATH.
    spark = spark_session("ludwig-infer-fork", **{"spark.python.daemon.module": "li_loaded_daemon"})
    try:
        frame, _ = golden_frame("tabular")
        df = spark.createDataFrame(frame)
        result = {}

        def run():
            try:
                lis.predict(df, model_dir("tabular")).collect()
                result["ok"] = True
            except Exception as e:  # the job's failure, with the worker's traceback
                result["error"] = str(e)

        t = threading.Thread(target=run, daemon=True)
        t.start()
        t.join(180)
        assert not t.is_alive(), "the job hangs"
        assert "ok" not in result, "a worker forked from a daemon holding the library scored rows"
        assert "ForkError" in result["error"] and "was forked from it" in result["error"], result["error"][-2000:]
    finally:
        spark.stop()
