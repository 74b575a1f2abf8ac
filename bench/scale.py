"""bench/scale.py - rows/s of the tabular model through Spark (local[1],
local[2]) and Ray Data (1 and 2 actors, pandas and pyarrow batches) next to
`ludwig-infer predict --workers 1|2`, all on the same generated CSV, in one
run; then the thread/worker and batch-size grid. Not a test: prints a
Markdown table (docs/scale.md keeps the results of a run with the machine).

    tests/scale/run.sh --python bench/scale.py [ROWS]     # default 200,000 rows

Each figure times the scoring job only (the CSV is read and cached by the
framework first, and every worker has loaded the model in a warm-up job):
the framework's scheduling and data movement count, its start-up does not.
"""

import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "testdata", "models", "tabular")
CLI = os.path.join(ROOT, "build", "ludwig-infer")


def make_csv(path, rows):
    rng = random.Random(7)
    cities = ["Paris", "London", "Berlin", "Reykjavik", "paris"]
    cells = ["599439121542283263", "617703466028236799", "622236723497533439"]
    with open(path, "w") as f:
        f.write("customer_id,Age,city,member,cell\n")
        for i in range(rows):
            f.write("c%07d,%d,%s,%s,%s\n" % (i, rng.randint(18, 80), rng.choice(cities), rng.choice(["True", "False"]), rng.choice(cells)))


def timed(fn, repeat=2):
    """The best of repeat runs, in seconds."""
    best = None
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        d = time.perf_counter() - t
        best = d if best is None or d < best else best
    return best


def bench_cli(csv, rows, results):
    for w in (1, 2):
        def run():
            cmd = [CLI, "predict", "--model", MODEL, "--dataset", csv, "--workers", str(w), "--progress", "never"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        results.append(("ludwig-infer predict", "--workers %d" % w, rows / timed(run)))


def bench_spark(csv, rows, results):
    from pyspark.sql import SparkSession

    import ludwig_infer.spark as lis

    for n in (1, 2):
        for threads, batch in ((1, 4096), (2, 4096), (1, 1024), (1, 16384)) if n == 1 else ((1, 4096),):
            spark = (
                SparkSession.builder.master("local[%d]" % n)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(max(batch, 10000)))
                .getOrCreate()
            )
            spark.sparkContext.setLogLevel("ERROR")
            df = spark.read.csv(csv, header=True, inferSchema=True).repartition(4 * n).cache()
            df.count()
            out = lis.predict(df, MODEL, batch_size=batch, keep_columns=False, threads=threads)
            out.write.format("noop").mode("overwrite").save()  # warm-up: every worker loads the model
            secs = timed(lambda: out.write.format("noop").mode("overwrite").save())
            results.append(("Spark mapInPandas", "local[%d], %d thread(s)/worker, batch %d" % (n, threads, batch), rows / secs))
            spark.stop()


def bench_ray(csv, rows, results):
    import ray
    from pyarrow import csv as pacsv

    import ludwig_infer.ray as lir

    ray.init(num_cpus=2, object_store_memory=512 * 1024 * 1024, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    ds = ray.data.read_csv(csv, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)).materialize()
    for size, fmt in ((1, "pandas"), (1, "pyarrow"), (2, "pandas"), (2, "pyarrow")):
        def run():
            ds.map_batches(
                lir.Predictor,
                fn_constructor_kwargs={"model": MODEL, "keep_columns": False},
                compute=ray.data.ActorPoolStrategy(size=size),
                batch_format=fmt,
                batch_size=4096,
            ).materialize()
        results.append(("Ray Data map_batches", "%d actor(s), %s batches" % (size, fmt), rows / timed(run)))
    ray.shutdown()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "rows.csv")
        make_csv(csv, rows)
        bench_cli(csv, rows, results)
        bench_spark(csv, rows, results)
        bench_ray(csv, rows, results)
    print("\n%d rows of the tabular model, %d CPUs (%s)\n" % (rows, os.cpu_count(), os.uname().machine))
    print("| engine | setting | rows/s |")
    print("|---|---|---:|")
    for engine, setting, rate in results:
        print("| %s | %s | %s |" % (engine, setting, format(int(rate), ",")))


if __name__ == "__main__":
    main()
