"""What sqlglot cannot translate: one method per construct that differs between engines.

Analytics write SQL in DuckDB's dialect and the engine translates it with sqlglot. Some
constructs have no translation that keeps their meaning (a cast that gives NULL instead of
failing the batch, a date parsed with a list of formats, accents stripped as DuckDB strips
them); for those a stage calls a method of its engine's ``dialect``, as Splink's
``SplinkDialect`` gives each backend its own ``try_parse_date`` or ``array_intersect``
(``splink/internals/dialects.py``). Every method returns SQL *in DuckDB's dialect* that the
engine's translation then turns into the target's: the DuckDB methods return the native
function, the PostgreSQL ones call the helper functions of ``postgres_functions.sql`` or
standard SQL that sqlglot renders faithfully.

``tests/store/test_dialect_contract.py`` runs every method on both engines with the same
inputs and compares the results.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from functools import cache

# Types ``try_cast`` accepts: DuckDB's name -> the PostgreSQL helper's suffix.
TRY_CAST_TYPES = {
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}

# strftime specifiers ``try_strptime`` accepts, as DuckDB reads them: the regular expression
# of the field and the letter the PostgreSQL helper assembles it by. DuckDB reads %Y as one
# to four digits and the others as one or two; it forgives surrounding spaces.
STRPTIME_FIELDS = {
    "Y": r"(\d{1,4})",
    "m": r"(\d{1,2})",
    "d": r"(\d{1,2})",
    "y": r"(\d{1,2})",
    "H": r"(\d{1,2})",
    "M": r"(\d{1,2})",
    "S": r"(\d{1,2})",
}


class UnsupportedSQL(ValueError):
    """A construct this dialect does not offer (a programming error, not a user's)."""


class Dialect:
    """DuckDB's forms: the source dialect, so every method returns the native function."""

    name = "duckdb"
    #: sqlglot's name of the engine's dialect.
    sqlglot_name = "duckdb"

    def try_strptime(self, text: str, formats: Sequence[str]) -> str:
        """A TIMESTAMP read from ``text`` by the first of ``formats`` (strftime) that fits
        it, or NULL when none does."""
        _strptime_patterns(tuple(formats))  # the same formats on every engine
        return f"try_strptime({text}, {_list(formats)})"

    def try_cast(self, expression: str, type_name: str) -> str:
        """``expression`` cast to ``type_name``, or NULL where it cannot be: a bad value goes
        to quarantine instead of failing the whole batch."""
        return f"try_cast({expression} AS {_type(type_name)})"

    def strip_accents(self, expression: str) -> str:
        """``expression`` with its combining marks removed (á -> a, ñ -> n, ü -> u)."""
        return f"strip_accents({expression})"

    def regexp_full_match(self, expression: str, pattern: str) -> str:
        """Whether the whole of ``expression`` matches ``pattern`` (a SQL string literal)."""
        return f"regexp_full_match({expression}, {pattern})"

    def regexp_group(self, expression: str, pattern: str, group: int) -> str:
        """Capture group ``group`` of the first match of ``pattern``, NULL when no match."""
        found = f"regexp_extract({expression}, {pattern}, {int(group)})"
        return f"CASE WHEN regexp_matches({expression}, {pattern}) THEN {found} END"

    def arg_min(self, value: str, order: str) -> str:
        """Aggregate: ``value`` at the row with the smallest ``order`` (NULL orders ignored)."""
        return f"arg_min({value}, {order})"

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        """JSON text ``{"key": value, ...}`` of text expressions, keys in the order given,
        written compactly (``{"a":"x","b":null}``) as DuckDB writes it, so a record's raw
        payload and its hash are the same on every engine."""
        members = ", ".join(f"{_quote_ident(k)} := {v}" for k, v in pairs)
        return f"to_json(struct_pack({members}))"

    def json_add_list(self, json_text: str, key: str, values: Sequence[str]) -> str:
        """``json_text`` (an object) with one more member ``key`` holding ``values``."""
        member = f"{{{_literal(key)}: [{', '.join(values)}]}}"
        return f"json_merge_patch({json_text}, to_json({member}))"

    def json_add(self, json_text: str, key: str, value: str) -> str:
        """``json_text`` (an object) with one more member ``key`` holding the text ``value``;
        unchanged when ``value`` is NULL."""
        return f"json_merge_patch({json_text}, to_json({{{_literal(key)}: {value}}}))"

    def list_agg(self, expression: str, order_by: str | None = None, distinct: bool = False):
        """Aggregate: the values as a list (an array), in ``order_by`` order."""
        order = f" ORDER BY {order_by}" if order_by else ""
        return f"list({'DISTINCT ' if distinct else ''}{expression}{order})"

    def list_contains(self, values: str, item: str) -> str:
        """Whether the list ``values`` holds ``item``."""
        return f"list_contains({values}, {item})"

    def list_has_any(self, left: str, right: str) -> str:
        """Whether the lists ``left`` and ``right`` share an element."""
        return f"list_has_any({left}, {right})"

    def list_overlap(self, left: str, right: str) -> str:
        """How many distinct elements the lists ``left`` and ``right`` share."""
        return f"len(list_intersect({left}, {right}))"

    def string_split(self, text: str, separator: str) -> str:
        """``text`` split at ``separator`` (a SQL string literal), as a list."""
        return f"string_split({text}, {separator})"

    def make_date(self, year: str, month: str, day: str) -> str:
        """The DATE of these parts (they must be valid)."""
        return f"make_date({year}, {month}, {day})"

    def try_make_date(self, year: str, month: str, day: str) -> str:
        """The DATE of these parts, or NULL when they name no day (30 February)."""
        return f"try(make_date({year}, {month}, {day}))"


class PostgresDialect(Dialect):
    """PostgreSQL 15's forms, through the helper functions of ``postgres_functions.sql``."""

    name = "postgresql"
    sqlglot_name = "postgres"

    def try_strptime(self, text: str, formats: Sequence[str]) -> str:
        tries = [
            f"sereno_try_timestamp({text}, {_literal(p)}, {_literal(parts)})"
            for p, parts in _strptime_patterns(tuple(formats))
        ]
        return tries[0] if len(tries) == 1 else f"coalesce({', '.join(tries)})"

    def try_cast(self, expression: str, type_name: str) -> str:
        return f"sereno_try_{TRY_CAST_TYPES[_type(type_name)]}({expression})"

    def strip_accents(self, expression: str) -> str:
        return f"sereno_strip_accents({expression})"

    def regexp_full_match(self, expression: str, pattern: str) -> str:
        return f"regexp_matches({expression}, {_anchored(pattern)})"

    def regexp_group(self, expression: str, pattern: str, group: int) -> str:
        return f"(regexp_match({expression}, {pattern}))[{int(group)}]"

    def arg_min(self, value: str, order: str) -> str:
        return f"(list({value} ORDER BY {order}) FILTER (WHERE {order} IS NOT NULL))[1]"

    def json_object(self, pairs: Sequence[tuple[str, str]]) -> str:
        members = " || ',' || ".join(
            f"{_literal(json.dumps(k, ensure_ascii=False) + ':')} || "
            f"coalesce(sereno_json_text({v}), 'null')"
            for k, v in pairs
        )
        return f"('{{' || {members} || '}}')" if pairs else "'{}'"

    def json_add_list(self, json_text: str, key: str, values: Sequence[str]) -> str:
        items = " || ',' || ".join(f"coalesce(sereno_json_text({v}), 'null')" for v in values)
        member = _literal("," + json.dumps(key, ensure_ascii=False) + ":[")
        return f"(left({json_text}, -1) || {member} || {items} || ']}}')"

    def json_add(self, json_text: str, key: str, value: str) -> str:
        member = _literal("," + json.dumps(key, ensure_ascii=False) + ":")
        return (f"(CASE WHEN {value} IS NULL THEN {json_text} ELSE left({json_text}, -1) || "
                f"{member} || sereno_json_text({value}) || '}}' END)")  # fmt: skip

    def string_split(self, text: str, separator: str) -> str:
        return f"sereno_string_split({text}, {separator})"

    def list_has_any(self, left: str, right: str) -> str:
        return f"sereno_list_has_any({left}, {right})"

    def try_make_date(self, year: str, month: str, day: str) -> str:
        return f"sereno_try_make_date({year}, {month}, {day})"


DUCKDB = Dialect()
POSTGRESQL = PostgresDialect()


def strip_accents_table() -> tuple[str, str]:
    """(from, to) for ``translate``: DuckDB's strip_accents (utf8proc: decompose, drop every
    mark) over the Latin, Greek and Cyrillic letters and the combining marks."""
    source, target, dropped = [], [], []
    for start, end in ((0xC0, 0x530), (0x1E00, 0x2000)):
        for code in range(start, end):
            char = chr(code)
            if unicodedata.category(char).startswith("M"):
                dropped.append(char)
                continue
            bare = "".join(
                c
                for c in unicodedata.normalize("NFD", char)
                if not unicodedata.category(c).startswith("M")
            )
            if bare != char and len(bare) == 1:
                source.append(char)
                target.append(bare)
    marks = [chr(c) for c in range(0x300, 0x370)] + [
        chr(c) for c in range(0x1AB0, 0x1B00) if unicodedata.category(chr(c)).startswith("M")
    ]
    dropped += [m for m in marks if m not in dropped]
    return "".join(source) + "".join(dropped), "".join(target)


@cache
def _strptime_patterns(formats: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each strftime format as (anchored regular expression, field letters in order)."""
    out = []
    for fmt in formats:
        pattern, parts, i = [r"^\s*"], [], 0
        while i < len(fmt):
            if fmt[i] == "%":
                letter = fmt[i + 1 : i + 2]
                if letter not in STRPTIME_FIELDS:
                    raise UnsupportedSQL(f"date format {fmt!r}: %{letter} is not supported")
                pattern.append(STRPTIME_FIELDS[letter])
                parts.append(letter)
                i += 2
            else:
                pattern.append(re.escape(fmt[i]))
                i += 1
        pattern.append(r"\s*$")
        out.append(("".join(pattern), "".join(parts)))
    return tuple(out)


def _anchored(pattern: str) -> str:
    """A SQL string literal ``'p'`` as ``'^(?:p)$'``."""
    if not (pattern.startswith("'") and pattern.endswith("'")):
        raise UnsupportedSQL(f"regular expression must be a literal: {pattern}")
    return "'^(?:" + pattern[1:-1] + ")$'"


def _type(type_name: str) -> str:
    name = type_name.strip().upper()
    if name not in TRY_CAST_TYPES:
        raise UnsupportedSQL(f"try_cast to {type_name}")
    return name


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
