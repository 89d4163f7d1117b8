"""The dialect contract: every method of ``sereno.store.dialect`` gives the same values on
DuckDB and on PostgreSQL for the same inputs (exact equality: text, dates, numbers, NULLs).

This file always runs both engines, whatever ``SERENO_TEST_ENGINE`` says; PostgreSQL is the
tests' own server (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import pyarrow as pa
import pytest

from sereno.ingest.mapping import DEFAULT_DATE_FORMATS
from sereno.store.dialect import UnsupportedSQL, strip_accents_table
from sereno.store.duckdb_engine import DuckDBEngine
from sereno.store.postgres_engine import PostgresEngine

TEXT = pa.string()


@pytest.fixture(scope="module")
def engines(postgres):
    duck = DuckDBEngine()
    pg = PostgresEngine(postgres.url())
    yield duck, pg
    duck.close()
    pg.close()


def _both(engines, values: list, expression, arrow_type=TEXT):
    """The values of ``expression(dialect, 'x')`` over ``values`` on each engine."""
    out = []
    for engine in engines:
        data = pa.table(
            {"id": pa.array(range(len(values)), pa.int64()), "x": pa.array(values, arrow_type)}
        )
        with engine.registered("inputs", data):
            sql = f"SELECT id, {expression(engine.dialect, 'x')} AS v FROM inputs ORDER BY id"
            out.append([r[1] for r in engine.rows(sql)])
    return out


def _same(engines, values, expression, arrow_type=TEXT):
    duck, pg = _both(engines, values, expression, arrow_type)
    differing = [
        (v, d, p)
        for v, d, p in zip(values, duck, pg, strict=True)
        if d != p and not (d != d and p != p)
    ]  # NaN (x != x) equals NaN
    assert not differing, differing
    return duck


DATES = [
    "2024-01-05", "1/2/2024", "01/02/2024", " 01/02/2024", "01/02/2024 ", "31/02/2024",
    "29/02/2024", "29/02/2023", "2024-1-5", "05/01/24", "05/01/69", "2024-01-05 13:04:05",
    "2024-01-05T13:04:05", "05/01/2024 24:00", "05/01/2024 23:59", "05/01/2024 23:60",
    "05/01/2024 23:59:59", "2024-01-05 13:04:05.5", "002024-01-05", "20240-01-05",
    "2024-01-05x", "0001-01-01", "2024/12/31", "31-12-2024", "12/31/2024", "", "fecha", None,
]  # fmt: skip


def test_try_strptime_reads_every_supported_format_as_duckdb_does(engines):
    got = _same(engines, DATES, lambda d, x: d.try_strptime(x, DEFAULT_DATE_FORMATS))
    assert got[0] == dt.datetime(2024, 1, 5) and got[1] == dt.datetime(2024, 2, 1)
    assert got[5] is None and got[6] == dt.datetime(2024, 2, 29) and got[7] is None
    assert got[12] == dt.datetime(2024, 1, 5, 13, 4, 5) and got[13] is None
    for one in DEFAULT_DATE_FORMATS:
        _same(engines, DATES, lambda d, x, f=one: d.try_strptime(x, [f]))


def test_an_unsupported_date_format_is_refused_on_every_engine(engines):
    for engine in engines:
        with pytest.raises(UnsupportedSQL, match="%b"):
            engine.dialect.try_strptime("x", ["%d %b %Y"])


NUMBERS = [
    "12", " 12 ", "12.0", "12.5", "13.5", "-12.5", "1e3", "abc", "", "+5", "-0", "99999999999",
    "40000", "1,5", "12 3", "3.", ".5", "NaN", None,
]  # fmt: skip


@pytest.mark.parametrize("type_name", ["SMALLINT", "INTEGER", "BIGINT", "DOUBLE"])
def test_try_cast_gives_null_for_bad_numbers(engines, type_name):
    got = _same(engines, NUMBERS, lambda d, x: d.try_cast(x, type_name))
    assert got[NUMBERS.index("abc")] is None and got[NUMBERS.index("12")] == 12


def test_try_cast_of_dates_and_booleans(engines):
    dates = ["2024-02-29", "2023-02-29", "2024-13-01", "2024-1-5", "x", None]
    assert _same(engines, dates, lambda d, x: d.try_cast(x, "DATE"))[1] is None
    flags = ["true", "false", "t", "f", "1", "0", "maybe", None]
    assert _same(engines, flags, lambda d, x: d.try_cast(x, "BOOLEAN"))[6] is None


def test_try_cast_of_doubles_to_bigint_rounds_half_to_even(engines):
    values = [2.5, 3.5, -2.5, 0.49, 1e20, None]
    got = _same(engines, values, lambda d, x: d.try_cast(x, "BIGINT"), pa.float64())
    assert got == [2, 4, -2, 0, None, None]


def test_strip_accents_matches_duckdb_on_every_latin_greek_and_cyrillic_letter(engines):
    source, _ = strip_accents_table()
    letters = sorted(set(source) - {c for c in source if unicodedata.category(c)[0] == "M"})
    words = ["Álamo", "SAN JOSÉ", "Peñasco", "Güinope", "Ñuñoa", "Ciudad", "", None]
    marks = ["a\u0301", "n\u0303o"]
    got = _same(engines, [*letters, *words, *marks], lambda d, x: d.strip_accents(x))
    assert got[len(letters) : len(letters) + 4] == ["Alamo", "SAN JOSE", "Penasco", "Guinope"]
    assert len(letters) > 500


def test_regexp_full_match_and_groups(engines):
    values = ["12", "12.00", "12.5", " 12", "a12", "", "12:30", "7:05:59", "123:4", None]
    number = r"'\d+(\.0+)?'"
    assert _same(engines, values, lambda d, x: d.regexp_full_match(x, number))[:4] == [
        True, True, False, False,
    ]  # fmt: skip
    clock = r"'\d{1,2}:\d{2}(:\d{2})?'"
    _same(engines, values, lambda d, x: d.regexp_full_match(x, clock))
    for group in (1, 2):
        got = _same(
            engines, values, lambda d, x, g=group: d.regexp_group(x, r"'^(\d{1,2}):(\d{2})'", g)
        )
    assert got[6] == "30" and got[0] is None


@pytest.mark.parametrize(
    "text",
    ["plain", 'quote " and \\ backslash', "línea\nnueva\ttab", "\x01\x1f\x7f", "😀 ñ €", "", None],
)
def test_json_object_is_written_byte_for_byte_as_duckdb_writes_it(engines, text):
    got = _same(
        engines,
        [text],
        lambda d, x: d.json_object([("a", x), ("clave ñ", "'fijo'"), ('c"q', "NULL::VARCHAR")]),
    )
    extra = _same(
        engines,
        [text],
        lambda d, x: d.json_add_list(d.json_object([("a", x)]), "__extra", [x, "NULL::VARCHAR"]),
    )
    assert got[0].startswith('{"a":') and extra[0].endswith(
        ',"__extra":[' + got[0][5:].split(',"clave')[0] + ",null]}"
    )
    value = got[0][5:].split(',"clave')[0]  # the member's JSON text
    added = _same(engines, [text], lambda d, x: d.json_add(d.json_object([("a", x)]), "__issue", x))
    member = "" if text is None else ',"__issue":' + value  # a NULL value adds nothing
    assert added[0] == '{"a":' + value + member + "}"


def test_arg_min_list_agg_and_list_membership(engines):
    values = ["b", "a", "c", None, "a"]
    orders = [2, 1, None, 0, 3]
    for engine in engines:
        data = pa.table({"g": [1, 1, 1, 1, 2], "v": values, "o": orders})
        with engine.registered("inputs", data):
            d = engine.dialect
            rows = engine.rows(
                f"SELECT g, {d.arg_min('v', 'o')}, {d.list_agg('v', order_by='v')}, "
                f"{d.list_agg('v', order_by='v', distinct=True)} FROM inputs "
                "WHERE v IS NOT NULL GROUP BY g ORDER BY g"
            )
            assert rows == [(1, "a", ["a", "b", "c"], ["a", "b", "c"]), (2, "a", ["a"], ["a"])]
            split = d.string_split("?", "','")
            found = engine.rows(
                f"SELECT {d.list_contains('?', 'v')}, {d.list_has_any(split, '?')} "
                "FROM inputs ORDER BY o",
                [["a", "b"], "x,a", ["a"]],
            )
            assert [r[0] for r in found] == [None, True, True, True, False]
            assert {r[1] for r in found} == {True}


def test_make_date_and_try_make_date(engines):
    parts = [(2024, 2, 29), (2023, 2, 29), (2024, 13, 1), (2024, 4, 31), (None, 1, 1), (1, 1, 1)]
    for engine in engines:
        data = pa.table({"id": range(len(parts)), "y": [p[0] for p in parts],
                         "m": [p[1] for p in parts], "d": [p[2] for p in parts]})  # fmt: skip
        with engine.registered("inputs", data):
            d = engine.dialect
            got = engine.rows(f"SELECT {d.try_make_date('y', 'm', 'd')} FROM inputs ORDER BY id")
            assert [r[0] for r in got] == [
                dt.date(2024, 2, 29),
                None,
                None,
                None,
                None,
                dt.date(1, 1, 1),
            ]
            assert engine.scalar(f"SELECT {d.make_date('2024', '3', '1')}") == dt.date(2024, 3, 1)
