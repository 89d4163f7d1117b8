"""Apache Spark, the engine for a region that outgrows one machine: the analytical stages.

Spark runs the same SQL as DuckDB and PostgreSQL (written in DuckDB's dialect, translated by
sqlglot to Spark's, with ``SparkDialect`` for what sqlglot cannot translate) over the store's
tables, read from the Parquet files ``sereno store export --parquet DIR`` writes (one
directory per table; the store's views are made again over them from the migrations). It is
an analytical engine: Spark has no transactions, so the store of record stays DuckDB or
PostgreSQL and Spark's results are written there (or appended to the Parquet tables).

One ``SparkSession`` per process (``spark_session``), configured from ``sereno.toml``::

    [engines.spark]
    master = "local[2]"                # or spark://host:7077, yarn, k8s://...
    parquet = "parquet"                # the exported tables, beside sereno.toml
    [engines.spark.conf]
    "spark.executor.memory" = "8g"
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from sereno.store.dialect import UnsupportedSQL
from sereno.store.engine import Engine
from sereno.store.spark_dialect import SPARK
from sereno.store.translate import SerenoDuckDB

# What every Sereno session sets: DuckDB's meaning of timestamps (no time zone), quiet logs,
# no web UI (field machines and CI), few shuffle partitions (local mode; a cluster's own
# settings in sereno.toml override these).
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.log.level": "ERROR",
    "spark.log.structuredLogging.enabled": "false",
}
DEFAULT_MASTER = "local[2]"


def spark_session(master: str = DEFAULT_MASTER, conf: Mapping[str, str] | None = None):
    """The process's SparkSession (made on first use with ``master`` and ``conf`` over
    ``DEFAULT_CONF``), with Splink's similarity functions (Jaro-Winkler...) on its class
    path: they ship inside the splink package, nothing is downloaded."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    # The executors' Python is the driver's (the same packages, numba's cache included).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    builder = SparkSession.builder.master(master).appName("sereno")
    settings = {**DEFAULT_CONF, "spark.jars": similarity_jar_location(), **(conf or {})}
    # Splink breaks long lineages with checkpoints: they need a directory (a cluster's
    # should be on shared storage: set spark.checkpoint.dir in sereno.toml).
    settings.setdefault(
        "spark.checkpoint.dir", str(Path(tempfile.gettempdir()) / "sereno-spark-checkpoints")
    )
    for key, value in settings.items():
        builder = builder.config(key, str(value))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings["spark.log.level"])
    session.sparkContext.setCheckpointDir(settings["spark.checkpoint.dir"])
    return session


class SparkEngine(Engine):
    """Spark SQL behind the store's engine interface, over temporary views."""

    dialect = SPARK
    distributed = True

    def __init__(self, session=None, parquet: str | Path | None = None) -> None:
        self.session = session or spark_session()
        self.parquet = Path(parquet) if parquet is not None else None
        self._registered: set[str] = set()
        if self.parquet is not None:
            attach_parquet(self, self.parquet)

    def translate(self, sql: str) -> str:
        return ";\n".join(to_spark(sql))

    def _run(self, sql: str, params: Sequence[Any] | None):
        statements = to_spark(sql)
        args = [_spark_value(p) for p in params] if params else None
        result = None
        for statement in statements:
            # Parameters bind to the statement that holds them (one statement in practice).
            result = self.session.sql(statement, args=args if "?" in statement else None)
        return result

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        frame = self._run(sql, params)
        if frame is not None:
            frame.collect()

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self._run(sql, params).toArrow()

    def dataframe(self, sql: str, params: Sequence[Any] | None = None):
        """The query as a Spark DataFrame (lazy: nothing runs until it is used)."""
        return self._run(sql, params)

    def map_groups(self, frame, by, function, schema):
        """The groups in parallel: Spark's grouped map (``applyInPandas``); ``function``
        and what it holds travel to the executors by cloudpickle."""
        if frame.empty:
            return pd.DataFrame()
        data = self.session.createDataFrame(pa.Table.from_pandas(frame, preserve_index=False))
        result = data.groupBy(by).applyInPandas(function, schema).toArrow().to_pandas()
        return result

    def splink_api(self):
        """Splink's Spark backend on this session (its similarity functions registered)."""
        from splink import SparkAPI

        return SparkAPI(spark_session=self.session)

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> None:
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        frame = self.session.createDataFrame(_spark_arrow(data))
        frame.createOrReplaceTempView(name)
        self._registered.add(name)

    def unregister(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        self._registered.discard(name)

    def insert(self, table: str, data: pa.Table) -> int:
        """Append to a Parquet table of ``parquet`` (Spark's results written back)."""
        if self.parquet is None:
            raise UnsupportedSQL("insert on Spark needs the Parquet tables (parquet=)")
        if data.num_rows == 0:
            return 0
        path = self.parquet / table
        self.session.createDataFrame(_spark_arrow(data)).write.mode("append").parquet(str(path))
        self.session.read.parquet(str(path)).createOrReplaceTempView(table)
        return data.num_rows

    def restart_sequence(self, name: str, start: int) -> None:
        raise UnsupportedSQL("Spark has no sequences: it does not keep the store of record")

    # Spark has no transactions; the store of record (DuckDB or PostgreSQL) has them.
    def begin(self) -> None:
        return None

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None

    def close(self) -> None:
        for name in list(self._registered):
            self.unregister(name)


def attach_parquet(engine: SparkEngine, directory: Path) -> list[str]:
    """Every table exported to ``directory`` as a view of the same name, then the store's
    views over them, as the migrations define them."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from sereno.store.schema import migrations

    if not directory.is_dir():
        from sereno.errors import SerenoError

        raise SerenoError("spark.no_parquet", dir=directory)
    tables = sorted(p.name for p in directory.iterdir() if p.is_dir())
    for table in tables:
        # The schema from the file's footer: Spark would run a job per table to infer it.
        files = sorted((directory / table).glob("*.parquet"))
        reader = engine.session.read
        if files:
            reader = reader.schema(from_arrow_schema(pq.read_schema(files[0])))
        reader.parquet(str(directory / table)).createOrReplaceTempView(table)
        engine._registered.add(table)
    for _, _, sql in migrations():
        for name, body in _VIEW.findall(re.sub(r"--[^\n]*", "", sql)):
            engine.execute(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {body}")
            engine._registered.add(name)
    return tables


_VIEW = re.compile(r"CREATE VIEW (\w+) AS\s+(.*?);", re.S | re.I)


@lru_cache(maxsize=4096)
def to_spark(sql: str) -> tuple[str, ...]:
    """``sql`` (DuckDB's dialect, ``?`` parameters) as Spark SQL statements."""
    out = []
    for tree in sqlglot.parse(sql, read=SerenoDuckDB):
        if tree is None:
            continue
        # DuckDB's list() keeps its ORDER BY; Spark's collect_list has none: dialect.list_agg.
        for node in tree.find_all(exp.ArrayAgg):
            if isinstance(node.this, exp.Order):
                raise UnsupportedSQL(f"list(... ORDER BY) on Spark (use dialect.list_agg): {sql}")
        out.append(tree.sql(dialect="spark"))
    return tuple(out)


def _spark_value(value: Any) -> Any:
    """A parameter as Spark binds it (NULL needs a type: a typed literal column)."""
    if value is None:
        from pyspark.sql import functions as F

        return F.lit(None).cast("string")
    return value


def _spark_arrow(table: pa.Table) -> pa.Table:
    """Dictionary columns (pandas categories) as their values: Spark reads plain types."""
    columns = [
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def spark_settings(config) -> tuple[str, dict[str, str], Path]:
    """(master, extra Spark settings, Parquet directory) of ``[engines.spark]``."""
    table = config.document.get("engines", {}).get("spark", {})
    master = str(table.get("master", DEFAULT_MASTER))
    conf = {str(k): str(v) for k, v in dict(table.get("conf", {})).items()}
    return master, conf, config.path.parent / str(table.get("parquet", "parquet"))


def on_spark(obs, session=None):
    """The observatory ``obs`` with Spark as its engine, over the Parquet tables its
    ``[engines.spark]`` names (``sereno store export --parquet``); ``obs``'s own store is
    closed (the stages read through the new engine only)."""
    from sereno.store.observatory import Observatory

    master, conf, parquet = spark_settings(obs.config)
    engine = SparkEngine(session or spark_session(master, conf), parquet)
    obs.close()
    return Observatory(obs.directory, obs.config, engine)
