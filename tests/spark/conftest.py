"""The Spark suite's one SparkSession: local mode on two cores, no UI, few partitions.

Every test under tests/spark is marked ``spark`` and runs in ``make test-spark`` only, so
the main suite never waits for the JVM; without pyspark (the ``spark`` extra) the suite is
skipped.
"""

from __future__ import annotations

import importlib.util

import pytest

if importlib.util.find_spec("pyspark") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def spark():
    from sereno.store.spark_engine import spark_session

    session = spark_session("local[2]", {"spark.sql.shuffle.partitions": "2",
                                         "spark.default.parallelism": "2"})  # fmt: skip
    yield session
    session.stop()
