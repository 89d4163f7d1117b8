"""The engine interface: everything that differs between DuckDB, PostgreSQL and Spark.

Analytics write SQL in one dialect (DuckDB's) and hand it to an ``Engine``; an engine for
another database translates it with sqlglot, as Splink does (``splink/internals/dialects.py``).
Nothing outside ``sereno.store`` imports a database driver.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pyarrow as pa

from sereno.store.dialect import DUCKDB, Dialect
from sereno.store.translate import to_dialect

# The dialect every query in Sereno is written in.
SOURCE_DIALECT = "duckdb"


class Engine(ABC):
    """A connection to the observatory store."""

    #: What differs in this engine's SQL (``sereno.store.dialect``); stages build their SQL
    #: with its methods and hand it to ``execute``, which translates it.
    dialect: Dialect = DUCKDB
    #: Whether ``map_groups`` runs its groups in parallel on a cluster (Spark).
    distributed: bool = False

    def translate(self, sql: str) -> str:
        """``sql`` as this engine runs it (identity for DuckDB), for reading: ``execute`` and
        ``arrow`` translate by themselves."""
        return to_dialect(sql, self.dialect.sqlglot_name)

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement that returns nothing."""

    @abstractmethod
    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its rows as an Arrow table."""

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return a pandas DataFrame."""
        return self.arrow(sql, params).to_pandas()

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """Run a query and return its rows as tuples."""
        table = self.arrow(sql, params)
        columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def has_table(self, name: str) -> bool:
        """Whether the store's schema has a table ``name``."""
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND table_schema = current_schema()", [name]))  # fmt: skip

    def map_groups(
        self, frame: pd.DataFrame, by: str, function: Callable[[pd.DataFrame], pd.DataFrame],
        schema: str,
    ) -> pd.DataFrame:  # fmt: skip
        """``function`` applied to each group of ``frame``'s rows sharing ``by``, the results
        stacked (columns as in ``schema``, Spark's DDL: "unit long, p double"): here, one
        group after the other; on Spark, the groups in parallel on the cluster."""
        parts = [function(group) for _, group in frame.groupby(by, sort=True)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @abstractmethod
    def register(self, name: str, data: pa.Table | pd.DataFrame) -> None:
        """Make an in-memory table queryable as ``name`` until ``unregister``."""

    @abstractmethod
    def unregister(self, name: str) -> None:
        """Forget a table made queryable by ``register``."""

    @abstractmethod
    def insert(self, table: str, data: pa.Table) -> int:
        """Append ``data`` (columns named as in ``table``) to ``table``; return rows added."""

    @abstractmethod
    def restart_sequence(self, name: str, start: int) -> None:
        """Make the next ``nextval(name)`` return ``start``."""

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def transaction(self, commit: bool = True) -> Iterator[Engine]:
        """All or nothing: a failure inside leaves the store as it was. With ``commit=False``
        the work is done and then rolled back (a dry run)."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        if commit:
            self.commit()
        else:
            self.rollback()

    @contextmanager
    def registered(self, name: str, data: pa.Table | pd.DataFrame) -> Iterator[str]:
        """``register`` for the duration of a block."""
        self.register(name, data)
        try:
            yield name
        finally:
            self.unregister(name)
