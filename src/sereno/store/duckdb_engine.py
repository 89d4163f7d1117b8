"""DuckDB, the embedded default engine: one file, no server."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sereno.store.dialect import DUCKDB
from sereno.store.engine import Engine
from sereno.store.locking import connect

#: Megabytes DuckDB may use in this process (unset: DuckDB's default, 80% of memory).
MEMORY_ENV = "SERENO_DUCKDB_MEMORY_MB"


class DuckDBEngine(Engine):
    dialect = DUCKDB

    def __init__(
        self, path: str | Path = ":memory:", read_only: bool = False, wait: float | None = None
    ) -> None:
        self.path = str(path)
        # No extension is ever downloaded: field machines are offline.
        config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        if os.environ.get(MEMORY_ENV):
            # A process with a memory limit (an upload's): DuckDB spills to disk within it
            # instead of failing past it.
            config["memory_limit"] = f"{int(os.environ[MEMORY_ENV])}MB"
        # Another process may hold the file: wait ``wait`` seconds (--wait), then say who.
        self.con = connect(self.path, read_only, config, wait)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.con.execute(sql, params or [])

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        result = self.con.execute(sql, params or [])
        table = result.fetch_arrow_table()
        return table.combine_chunks() if table.num_rows else table

    def has_table(self, name: str) -> bool:
        # DuckDB's own catalogue function: information_schema costs a fifth of a second on
        # a new connection, and the portal opens one for each of its writes.
        return bool(self.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
            "AND schema_name = current_schema()", [name]))  # fmt: skip

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> None:
        self.con.register(name, data)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    def insert(self, table: str, data: pa.Table) -> int:
        if data.num_rows == 0:
            return 0
        columns = ", ".join(f'"{c}"' for c in data.column_names)
        self.con.register("__sereno_insert", data)
        try:
            self.con.execute(
                f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM __sereno_insert'
            )
        finally:
            self.con.unregister("__sereno_insert")
        return data.num_rows

    def restart_sequence(self, name: str, start: int) -> None:
        # DuckDB cannot move a sequence: it is made again (no column default uses one).
        self.con.execute(f'DROP SEQUENCE "{name}"')
        self.con.execute(f'CREATE SEQUENCE "{name}" START {int(start)}')

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        self.con.close()
