"""The store's dialect contract on Spark: the same tests as tests/store's, with the same
inputs, on DuckDB and on Spark local (exact equality of every value, NULLs included)."""

from __future__ import annotations

import pytest

from sereno.store.duckdb_engine import DuckDBEngine
from sereno.store.spark_engine import SparkEngine
from tests.store.test_dialect_contract import (  # noqa: F401 -- collected here, on Spark
    test_an_unsupported_date_format_is_refused_on_every_engine,
    test_arg_min_list_agg_and_list_membership,
    test_json_object_is_written_byte_for_byte_as_duckdb_writes_it,
    test_make_date_and_try_make_date,
    test_regexp_full_match_and_groups,
    test_strip_accents_matches_duckdb_on_every_latin_greek_and_cyrillic_letter,
    test_try_cast_gives_null_for_bad_numbers,
    test_try_cast_of_dates_and_booleans,
    test_try_cast_of_doubles_to_bigint_rounds_half_to_even,
    test_try_strptime_reads_every_supported_format_as_duckdb_does,
)

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def engines(spark):
    duck = DuckDBEngine()
    engine = SparkEngine(spark)
    yield duck, engine
    duck.close()
    engine.close()


def test_list_overlap_counts_shared_words(engines):
    import pyarrow as pa

    data = pa.table({"id": [0, 1, 2], "a": [["ana", "maria", "lopez"], ["jose"], []],
                     "b": [["maria", "lopez", "ruiz"], ["juan"], ["x"]]})  # fmt: skip
    got = []
    for engine in engines:
        with engine.registered("inputs", data):
            sql = f"SELECT {engine.dialect.list_overlap('a', 'b')} FROM inputs ORDER BY id"
            got.append([r[0] for r in engine.rows(sql)])
    assert got[0] == got[1] == [2, 0, 0]
