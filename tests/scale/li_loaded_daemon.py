"""A pyspark daemon that loads the ludwig-infer library before forking its
workers (what a sitecustomize or a careless daemon hook might do): the
workers it forks inherit a loaded Go runtime. Used by test_spark_fork.py
as spark.python.daemon.module."""

import ludwig_infer
import pyspark.daemon

ludwig_infer.version()  # loads the library in the daemon

if __name__ == "__main__":
    pyspark.daemon.manager()
