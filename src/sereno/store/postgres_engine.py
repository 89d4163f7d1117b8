"""PostgreSQL, the server engine: several analysts and the portal on one store at once.

Statements arrive in DuckDB's dialect and are translated (``sereno.store.translate``);
in-memory tables (``register``) and bulk appends (``insert``) travel by ``COPY``, the fastest
way into PostgreSQL, into temporary tables that live as long as the connection. The password
never sits in ``sereno.toml``: libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.types as pat
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import TextLoader

from sereno.errors import ConfigError
from sereno.store.dialect import POSTGRESQL, strip_accents_table
from sereno.store.engine import Engine
from sereno.store.translate import to_postgres

# Result columns by PostgreSQL type oid, as the Arrow types DuckDB gives the same columns.
_ARROW_OF_OID = {
    16: pa.bool_(),
    17: pa.binary(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    114: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1042: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1700: pa.float64(),
    2950: pa.string(),
    3802: pa.string(),
    1000: pa.list_(pa.bool_()),
    1005: pa.list_(pa.int16()),
    1007: pa.list_(pa.int32()),
    1009: pa.list_(pa.string()),
    1015: pa.list_(pa.string()),
    1016: pa.list_(pa.int64()),
    1022: pa.list_(pa.float64()),
    1182: pa.list_(pa.date32()),
}


def _column_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL type of a temporary table's column holding ``arrow_type``."""
    if pat.is_dictionary(arrow_type):
        return _column_type(arrow_type.value_type)
    if pat.is_boolean(arrow_type):
        return "BOOLEAN"
    if pat.is_int8(arrow_type) or pat.is_int16(arrow_type) or pat.is_uint8(arrow_type):
        return "SMALLINT"
    if pat.is_int32(arrow_type) or pat.is_uint16(arrow_type):
        return "INTEGER"
    if pat.is_integer(arrow_type):
        return "BIGINT"
    if pat.is_floating(arrow_type):
        return "DOUBLE PRECISION"
    if pat.is_decimal(arrow_type):
        return "NUMERIC"
    if pat.is_date(arrow_type):
        return "DATE"
    if pat.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pat.is_binary(arrow_type) or pat.is_large_binary(arrow_type):
        return "BYTEA"
    if pat.is_list(arrow_type) or pat.is_large_list(arrow_type):
        return _column_type(arrow_type.value_type) + "[]"
    return "TEXT"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_table(data: pa.Table | pd.DataFrame) -> pa.Table:
    if isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    return data


class PostgresEngine(Engine):
    """A connection to a PostgreSQL database named by a libpq URL."""

    dialect = POSTGRESQL

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.con = psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor)
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError("store.unreachable", url=url, detail=first) from None
        # JSON stays text and numeric a float, as DuckDB returns them.
        for name in ("json", "jsonb"):
            self.con.adapters.register_loader(name, TextLoader)
        self.con.adapters.register_loader("numeric", FloatLoader)
        self._install_functions()

    def _install_functions(self) -> None:
        """The dialect's helper functions, made (or remade, when this code's differ) in the
        store's schema, once: under a lock, as several processes may open a new store."""
        text, version = _functions_sql()
        with psycopg.Cursor(self.con) as cur:
            if self._functions_version(cur) == version:
                return
            cur.execute("BEGIN")
            cur.execute("SELECT pg_advisory_xact_lock(7140)")
            if self._functions_version(cur) != version:
                cur.execute(text.encode())
            cur.execute("COMMIT")

    @staticmethod
    def _functions_version(cur: psycopg.Cursor) -> str | None:
        cur.execute(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'sereno_functions_version' AND n.nspname = current_schema()"
        )
        if cur.fetchone() is None:
            return None
        cur.execute("SELECT sereno_functions_version()")
        return cur.fetchone()[0]

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self.con.cursor() as cur:
            for statement in self._statements(sql):
                cur.execute(statement, self._bound(params))

    def _statements(self, sql: str) -> tuple[str, ...]:
        return to_postgres(sql)[0]

    @staticmethod
    def _bound(params: Sequence[Any] | None) -> dict[str, Any]:
        return {f"p{i}": _python(v) for i, v in enumerate(params or [])}

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        statements = self._statements(sql)
        with self.con.cursor() as cur:
            for statement in statements:
                cur.execute(statement, self._bound(params))
            if cur.description is None:
                return pa.table({})
            rows = cur.fetchall()
            columns = list(zip(*rows, strict=True)) if rows else [()] * len(cur.description)
            arrays, names = [], []
            for column, values in zip(cur.description, columns, strict=True):
                arrow_type = _ARROW_OF_OID.get(column.type_code, pa.string())
                if arrow_type == pa.string() and column.type_code not in _ARROW_OF_OID:
                    values = [None if v is None else str(v) for v in values]
                arrays.append(pa.array(list(values), arrow_type))
                names.append(column.name)
        return pa.Table.from_arrays(arrays, names=names)

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> None:
        table = _as_table(data)
        columns = ", ".join(f"{_quoted(f.name)} {_column_type(f.type)}" for f in table.schema)
        with self.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{_quoted(name)}")
            cur.execute(f"CREATE TEMPORARY TABLE {_quoted(name)} ({columns})")
        self._copy(name, table)

    def unregister(self, name: str) -> None:
        with self.con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS pg_temp.{_quoted(name)}")

    def insert(self, table: str, data: pa.Table) -> int:
        if data.num_rows == 0:
            return 0
        self._copy(table, data)
        return data.num_rows

    def _copy(self, table: str, data: pa.Table) -> None:
        """Append ``data`` to ``table`` by COPY: as CSV written by Arrow (vectorised) when
        every column has a CSV text form, else row by row through psycopg's adapters."""
        if data.num_rows == 0:
            return
        columns = ", ".join(_quoted(c) for c in data.column_names)
        data = _decoded(data)
        with self.con.cursor() as cur:
            if all(_csv_ready(f.type) for f in data.schema):
                buffer = io.BytesIO()
                # Arrow quotes every string and leaves NULL bare: CSV's own distinction
                # between an empty string and NULL, which COPY reads.
                # One contiguous chunk: Arrow's CSV writer was seen writing stray bytes (NULs,
                # a neighbouring buffer) for the demo's exploded, re-concatenated review groups.
                options = pacsv.WriteOptions(include_header=False)
                pacsv.write_csv(data.combine_chunks(), buffer, options)
                with cur.copy(f"COPY {_quoted(table)} ({columns}) FROM STDIN (FORMAT csv)") as c:
                    c.write(buffer.getvalue())
                return
            values = [data.column(i).to_pylist() for i in range(data.num_columns)]
            with cur.copy(f"COPY {_quoted(table)} ({columns}) FROM STDIN") as c:
                for row in zip(*values, strict=True):
                    c.write_row(row)

    def restart_sequence(self, name: str, start: int) -> None:
        with self.con.cursor() as cur:
            cur.execute("SELECT setval(%s, %s, false)", [name, int(start)])

    def begin(self) -> None:
        self.con.execute("BEGIN")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        self.con.close()


@cache
def _functions_sql() -> tuple[str, str]:
    """The helper functions' SQL and its version (a hash of the text)."""
    text = resources.files(__package__).joinpath("postgres_functions.sql").read_text("utf-8")
    source, target = strip_accents_table()
    text = text.replace("{strip_from}", source).replace("{strip_to}", target)
    version = hashlib.sha256(text.encode()).hexdigest()[:16]
    text += (
        "\nCREATE OR REPLACE FUNCTION sereno_functions_version() RETURNS text "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT '{version}' $$;\n"
    )
    return text, version


def _decoded(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (COPY knows no dictionaries)."""
    for i, field in enumerate(table.schema):
        if pat.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return table


def _csv_ready(arrow_type: pa.DataType) -> bool:
    return not (
        pat.is_binary(arrow_type)
        or pat.is_large_binary(arrow_type)
        or pat.is_nested(arrow_type)
        or pat.is_null(arrow_type)
    )


def _python(value: Any) -> Any:
    """A parameter as psycopg adapts it: NumPy scalars and arrays as Python's."""
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value
