"""DuckDB's SQL in another engine's dialect, through sqlglot, with what sqlglot misses.

sqlglot renders most of DuckDB's SQL faithfully. Where it renders a function PostgreSQL 15
lacks (``make_date`` as ``DATE_FROM_PARTS``, ``contains``, ``ends_with``, ``string_split`` as
``SPLIT``) the generator below names PostgreSQL's own; where a construct has no faithful
rendering (``TRY_CAST`` would become a ``CAST`` that fails the batch, ``SELECT * EXCLUDE``,
``GROUP BY ALL``, ``strip_accents``) translation refuses it, so a stage that writes it by hand
fails on the first test instead of silently meaning something else: it must use the
engine's ``dialect`` (``sereno.store.dialect``) or a portable form.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.dialects.postgres import Postgres

from sereno.store.dialect import UnsupportedSQL

# DuckDB-only functions sqlglot passes through by name: each has a dialect method.
DUCKDB_ONLY = {
    "TRY_STRPTIME": "dialect.try_strptime",
    "STRIP_ACCENTS": "dialect.strip_accents",
    "REGEXP_FULL_MATCH": "dialect.regexp_full_match",
    "LIST_HAS_ANY": "dialect.list_has_any",
    "LIST_INTERSECT": "a portable form",
    "JSON_MERGE_PATCH": "dialect.json_add_list",
    "STRUCT_PACK": "dialect.json_object",
    "READ_CSV": "a reader in sereno.io",
    "READ_PARQUET": "a reader in sereno.io",
}

# Where the generated text holds parameter number N, before it is given its final form.
_MARK = "\x00{}\x00"
_MARKED = re.compile("\x00(\\d+)\x00")


def _ends_with(self: Postgres.Generator, e: exp.EndsWith) -> str:
    text, suffix = self.sql(e, "this"), self.sql(e, "expression")
    return f"(RIGHT({text}, LENGTH({suffix})) = {suffix})"


def _contains(self: Postgres.Generator, e: exp.Contains) -> str:
    return f"(STRPOS({self.sql(e, 'this')}, {self.sql(e, 'expression')}) > 0)"


def _split(self: Postgres.Generator, e: exp.Split) -> str:
    return f"STRING_TO_ARRAY({self.sql(e, 'this')}, {self.sql(e, 'expression')})"


def _make_date(self: Postgres.Generator, e: exp.DateFromParts) -> str:
    parts = ", ".join(self.sql(e, k) for k in ("year", "month", "day"))
    return f"MAKE_DATE({parts})"


def _json_object(self: Postgres.Generator, e: exp.JSONObject) -> str:
    members = []
    for pair in e.expressions:
        members += [self.sql(pair, "this"), self.sql(pair, "expression")]
    return f"JSON_BUILD_OBJECT({', '.join(members)})"


class SerenoDuckDB(DuckDB):
    """DuckDB as it reads ``->>'key'``: a key with no leading ``$`` is one key, dots and all
    (``raw->>'Cve. Municipio'``), where sqlglot would read a path."""

    def to_json_path(self, path: exp.Expr | None) -> exp.Expr | None:
        key = isinstance(path, exp.Literal) and path.is_string
        if key and not path.name.startswith(("$", "/")):
            return exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=path.name)])
        return super().to_json_path(path)


class SerenoPostgres(Postgres):
    """PostgreSQL 15 as sqlglot writes it, with the functions it lacks renamed."""

    class Generator(Postgres.Generator):
        TRANSFORMS: ClassVar[dict] = {
            **Postgres.Generator.TRANSFORMS,
            exp.EndsWith: _ends_with,
            exp.Contains: _contains,
            exp.Split: _split,
            exp.DateFromParts: _make_date,
            exp.JSONObject: _json_object,
        }


def _refuse(tree: exp.Expression, sql: str) -> None:
    for node in tree.walk():
        problem = None
        if isinstance(node, exp.TryCast):
            problem = "TRY_CAST (use dialect.try_cast)"
        elif isinstance(node, exp.Anonymous) and node.name.upper() in DUCKDB_ONLY:
            problem = f"{node.name} (use {DUCKDB_ONLY[node.name.upper()]})"
        elif isinstance(node, exp.ArgMin | exp.ArgMax):
            problem = "arg_min/arg_max (use dialect.arg_min)"
        elif isinstance(node, exp.Star) and node.args.get("except_"):
            problem = "SELECT * EXCLUDE (name the columns)"
        elif isinstance(node, exp.Group) and node.args.get("all"):
            problem = "GROUP BY ALL (name the columns or their positions)"
        elif isinstance(node, exp.Join) and node.kind in ("ANTI", "SEMI"):
            problem = f"{node.kind} JOIN (use NOT EXISTS / EXISTS)"
        elif isinstance(node, exp.Struct | exp.StarMap):
            problem = "a STRUCT (use dialect.json_object or separate columns)"
        if problem:
            raise UnsupportedSQL(f"DuckDB-only SQL for PostgreSQL: {problem}: {sql[:300]}")


_SCAN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?")


def _numbered(sql: str) -> str:
    """``sql`` with its ``?`` parameters written ``$1``, ``$2``... in the order of the text
    (strings, quoted names and comments are passed over)."""
    count = 0

    def number(match: re.Match) -> str:
        nonlocal count
        if match[0] != "?":
            return match[0]
        count += 1
        return f"${count}"

    return _SCAN.sub(number, sql)


def _blob_hex(text: str) -> str:
    """A DuckDB BLOB literal (``'\\x01ab'``: escaped and plain bytes) as PostgreSQL's hex."""
    data = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m[1], 16)), text)
    return "\\x" + data.encode("latin-1").hex()


def _replace_table(tree: exp.Expression) -> list[exp.Expression]:
    """``CREATE OR REPLACE TABLE`` (PostgreSQL has none) as a drop and a create."""
    if isinstance(tree, exp.Create) and tree.args.get("replace") and tree.kind == "TABLE":
        create = tree.copy()
        create.set("replace", False)
        return [exp.Drop(tables=[tree.this.copy()], kind="TABLE", exists=True), create]
    return [tree]


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> tuple[tuple[str, ...], int]:
    """(statements, parameters): ``sql`` (DuckDB's dialect, ``?`` parameters) as PostgreSQL
    statements for psycopg's client-side binding: parameter N is written ``%(pN)s`` and
    every other ``%`` doubled."""
    statements, count = [], 0
    for tree in sqlglot.parse(_numbered(sql), read=SerenoDuckDB):
        if tree is None:
            continue
        _refuse(tree, sql)
        # Parameters keep the numbers of their place in the text (DuckDB binds them in that
        # order, whatever order the tree is walked in or a rewrite repeats them).
        for node in list(tree.find_all(exp.Placeholder)):
            number = int(node.name) - 1
            node.replace(exp.var(_MARK.format(number)))
            count = max(count, number + 1)
        # DuckDB reads JSON out of text columns (the raw payloads are VARCHAR); PostgreSQL
        # wants the JSON type.
        for node in list(tree.find_all(exp.JSONExtract, exp.JSONExtractScalar)):
            node.this.replace(exp.cast(node.this.copy(), "json"))
        for node in list(tree.find_all(exp.Cast)):
            if node.to.is_type("varbinary", "binary", "blob") and node.this.is_string:
                node.this.replace(exp.Literal.string(_blob_hex(node.this.name)))
        for part in _replace_table(tree):
            text = part.sql(dialect=SerenoPostgres)
            text = text.replace("%", "%%")
            statements.append(_MARKED.sub(lambda m: f"%(p{m[1]})s", text))
    return tuple(statements), count


def to_dialect(sql: str, dialect: str) -> str:
    """``sql`` in ``dialect`` for reading (identity for DuckDB)."""
    if dialect == "duckdb":
        return sql
    if dialect == "postgres":
        statements, _ = to_postgres(sql)
        return ";\n".join(s.replace("%%", "%") for s in statements)
    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=dialect))
