"""Spark SQL's forms of what sqlglot cannot translate (Spark 4, ANSI mode).

As ``PostgresDialect`` does, every method returns SQL that the engine's translation
(sqlglot, DuckDB to Spark) turns into Spark's, and that means what DuckDB's native function
means: the same value for the same input, NULLs included
(``tests/spark/test_spark_dialect_contract.py`` runs the store's contract on Spark). Spark
has no user functions in SQL, so DuckDB's forgiving parsers are written out inline: a
regular expression picks the fields and ``try_make_timestamp`` refuses the impossible day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sereno.store.dialect import (
    TRY_CAST_TYPES,
    Dialect,
    _anchored,
    _literal,
    _strptime_patterns,
    _type,
    strip_accents_table,
)

# Spark's own name of each type ``try_cast`` accepts.
_SPARK_TYPES = {
    "SMALLINT": "SMALLINT",
    "INTEGER": "INT",
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "BOOLEAN": "BOOLEAN",
}
_INTEGERS = ("SMALLINT", "INTEGER", "BIGINT")


class SparkDialect(Dialect):
    """Spark 4's forms."""

    name = "spark"
    sqlglot_name = "spark"

    def try_strptime(self, text: str, formats: Sequence[str]) -> str:
        tries = [_try_timestamp(text, p, parts) for p, parts in _strptime_patterns(tuple(formats))]
        return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"

    def try_cast(self, expression: str, type_name: str) -> str:
        name = _type(type_name)
        assert name in TRY_CAST_TYPES
        target = _SPARK_TYPES[name]
        if name not in _INTEGERS:
            text = f"trim(CAST({expression} AS VARCHAR))"
            return f"try_cast({text} AS {target})" if name != "BOOLEAN" else _boolean(text)
        # DuckDB reads '12.5' as 13 and '1e3' as 1000 (text through a decimal, half away from
        # zero) and a double 2.5 as 2 (half to even); Spark's try_cast refuses the first two
        # and truncates the last. The branch is chosen by the argument's type.
        text = f"trim(CAST({expression} AS VARCHAR))"
        from_text = (
            f"try_cast(round(try_cast({text} AS DOUBLE)) AS {target})"
            if name != "BIGINT"
            else f"coalesce(try_cast({text} AS BIGINT), "
            f"try_cast(round(try_cast({text} AS DECIMAL(38, 6))) AS BIGINT))"
        )
        number = f"try_cast(bround(try_cast({expression} AS DOUBLE)) AS {target})"
        return (
            f"CASE WHEN typeof({expression}) = 'string' THEN "
            f"CASE WHEN {text} RLIKE '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$' "
            f"THEN {from_text} END ELSE {number} END"
        )

    def strip_accents(self, expression: str) -> str:
        source, target = strip_accents_table()
        return f"translate({expression}, {_literal(source)}, {_literal(target)})"

    def regexp_full_match(self, expression: str, pattern: str) -> str:
        return f"regexp_matches({expression}, {_anchored(pattern)})"

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        members = ", ',', ".join(
            f"{_literal(json.dumps(k, ensure_ascii=False) + ':')}, {_json_text(v)}"
            for k, v in pairs
        )
        return f"concat('{{', {members}, '}}')" if pairs else "'{}'"

    def json_add_list(self, json_text: str, key: str, values: Sequence[str]) -> str:
        items = ", ',', ".join(_json_text(v) for v in values)
        member = _literal("," + json.dumps(key, ensure_ascii=False) + ":[")
        return f"concat(left({json_text}, length({json_text}) - 1), {member}, {items}, ']}}')"

    def json_add(self, json_text: str, key: str, value: str) -> str:
        member = _literal("," + json.dumps(key, ensure_ascii=False) + ":")
        return (f"(CASE WHEN {value} IS NULL THEN {json_text} ELSE concat(left({json_text}, "
                f"length({json_text}) - 1), {member}, {_json_text(value)}, '}}') END)")  # fmt: skip

    def list_agg(self, expression: str, order_by: str | None = None, distinct: bool = False):
        collected = f"collect_{'set' if distinct else 'list'}({expression})"
        if order_by is None or order_by == expression:
            return f"array_sort({collected})" if order_by else collected
        pairs = f"array_sort(collect_list(named_struct('o', {order_by}, 'v', {expression})))"
        ordered = f"transform({pairs}, s -> s.v)"
        return f"array_distinct({ordered})" if distinct else ordered

    def list_has_any(self, left: str, right: str) -> str:
        return f"arrays_overlap({left}, {right})"

    def list_overlap(self, left: str, right: str) -> str:
        return f"size(array_intersect({left}, {right}))"

    def try_make_date(self, year: str, month: str, day: str) -> str:
        return f"CAST(try_make_timestamp({year}, {month}, {day}, 0, 0, 0) AS DATE)"


SPARK = SparkDialect()


def _json_text(value: str) -> str:
    """JSON text of a text value as DuckDB's to_json writes it (NULL as null): Spark's
    to_json of a one-element array, brackets cut off."""
    text = f"to_json(array({value}))"
    return f"coalesce(substring({text}, 2, length({text}) - 2), 'null')"


def _boolean(text: str) -> str:
    """DuckDB's text to BOOLEAN: true/false/t/f/1/0 and the like, any case."""
    return (
        f"CASE lower({text}) WHEN 'true' THEN true WHEN 't' THEN true WHEN '1' THEN true "
        f"WHEN 'false' THEN false WHEN 'f' THEN false WHEN '0' THEN false END"
    )


def _try_timestamp(text: str, pattern: str, parts: str) -> str:
    """One strftime format, read as DuckDB reads it: the fields by ``pattern``, %y before 69
    in the 2000s, hours to 23, minutes and seconds to 59, a day that exists."""
    fields = {"Y": "1900", "m": "1", "d": "1", "H": "0", "M": "0", "S": "0"}
    regex = _literal(pattern)
    for i, letter in enumerate(parts, start=1):
        group = f"CAST(regexp_extract({text}, {regex}, {i}) AS INT)"
        if letter == "y":
            fields["Y"] = f"({group} + CASE WHEN {group} < 69 THEN 2000 ELSE 1900 END)"
        else:
            fields[letter] = group
    y, mo, d, h, mi, s = (fields[k] for k in "YmdHMS")
    valid = f"{y} >= 1 AND {h} <= 23 AND {mi} <= 59 AND {s} <= 59"
    return (
        f"CASE WHEN regexp_matches({text}, {regex}) AND {valid} "
        f"THEN try_make_timestamp({y}, {mo}, {d}, {h}, {mi}, {s}) END"
    )
