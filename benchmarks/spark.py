"""Benchmark: the counts cube (and Splink linkage) on DuckDB and on Spark local, side by side.

For each ``--records`` size, builds the throwaway store of ``benchmarks/indicators.py``
(victims and incidents of the six Mesa codes over 2,000 colonias and 120 months), exports it
with ``sereno store export --parquet`` and times, in the same run, the counts cube of every
Mesa code by colonia and month (the one reader of counts, ``indicators.cube.counts_cube``):

* reference: the store's own engine (DuckDB);
* Spark: the same call, the same SQL, on a local SparkSession over the Parquet tables.

The two cubes must be equal (checked). With ``--link N``, also links three synthetic
sources of N victims (``benchmarks/link.py``'s generator and model) with Splink on DuckDB
and on Spark, and prints each one's time and pair F1 against the planted truth.

    python benchmarks/spark.py [--records 5000000 20000000] [--link 100000] [--master local[2]]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from indicators import CODES, build
from sereno.indicators.cube import counts_cube
from sereno.store import Observatory
from sereno.store.parquet import export_parquet
from sereno.store.spark_engine import on_spark, spark_session

KEYS = ["unit_code", "period", "iccs_code", "source"]


def cubes(obs: Observatory) -> pd.DataFrame:
    frames = [counts_cube(obs, code, level="colonia").counts for code in CODES]
    return pd.concat(frames).sort_values(KEYS).reset_index(drop=True)


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return value, time.perf_counter() - started


def bench_cube(records: int, session, folder: Path) -> dict:
    directory = folder / f"obs-{records}"
    obs, built = timed(build, directory, records, 2000, 120)
    obs.close()
    obs = Observatory.open(directory)
    _, exported = timed(export_parquet, obs.engine, directory / "parquet")
    duck, duck_s = timed(cubes, obs)
    spark_obs = on_spark(Observatory.open(directory), session)
    cubes(spark_obs)  # the first run reads the files' footers and compiles the plans
    spark, spark_s = timed(cubes, spark_obs)
    pd.testing.assert_frame_equal(spark, duck)
    spark_obs.close()
    obs.close()
    shutil.rmtree(directory)
    return {"records": records, "cells": len(duck), "build_s": built, "export_s": exported,
            "duckdb_s": duck_s, "spark_s": spark_s}  # fmt: skip


def bench_link(victims: int, session) -> dict:
    from link import synthetic_sources, unit_ring
    from sereno.link.accuracy import linkage_accuracy
    from sereno.link.linkage import link_records
    from sereno.link.model import victim_settings
    from sereno.link.records import prepare_records
    from sereno.store.spark_engine import SparkEngine

    raw, truth = synthetic_sources(victims)
    records = prepare_records(raw, unit_ring())
    out = {"victims": victims, "records": len(records)}
    api = SparkEngine(session).splink_api()
    for name, db_api, settings in (("duckdb", None, None),
                                   ("spark", api, victim_settings("spark"))):  # fmt: skip
        result, seconds = timed(
            lambda a=db_api, s=settings: link_records(records, db_api=a, settings=s)
        )
        labels = result.membership.set_index("record_id")["event_id"].reindex(raw["record_id"])
        scores = linkage_accuracy(labels.reset_index(drop=True), truth)
        out[f"{name}_s"] = seconds
        out[f"{name}_f1"] = scores["pair_f1"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="*", default=[5_000_000])
    parser.add_argument("--link", type=int, nargs="*", default=[])
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    session = spark_session(args.master, {"spark.sql.shuffle.partitions": "8",
                                          "spark.driver.memory": "4g"})  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="sereno-bench-spark-"))
    try:
        print("records  cells  build_s  export_s  duckdb_s  spark_s  spark/duckdb")
        for records in args.records:
            r = bench_cube(records, session, folder)
            print(f"{r['records']:,}  {r['cells']:,}  {r['build_s']:.1f}  {r['export_s']:.1f}  "
                  f"{r['duckdb_s']:.2f}  {r['spark_s']:.2f}  {r['spark_s'] / r['duckdb_s']:.1f}x",
                  flush=True)  # fmt: skip
        for victims in args.link:
            r = bench_link(victims, session)
            print(f"link 3 sources x {victims:,} victims ({r['records']:,} records): DuckDB "
                  f"{r['duckdb_s']:.1f} s F1 {r['duckdb_f1']:.3f}; Spark {r['spark_s']:.1f} s "
                  f"F1 {r['spark_f1']:.3f}; ratio {r['spark_s'] / r['duckdb_s']:.1f}x",
                  flush=True)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        session.stop()


if __name__ == "__main__":
    main()
