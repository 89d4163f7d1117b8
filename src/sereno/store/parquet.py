"""The store's tables as Parquet files: what Spark (or any engine of a cluster) reads.

``sereno store export --parquet DIR`` writes each table of the store (DuckDB or PostgreSQL)
to ``DIR/<table>/part-0.parquet``, the layout Spark reads as one table per directory
(``sereno.store.spark_engine.attach_parquet``). The views are not written: they are made
again over the tables from the migrations. Rows are read and written in batches, so a
national store need not fit in memory twice.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from sereno.store.copy import store_tables
from sereno.store.engine import Engine


@dataclass(frozen=True)
class ParquetExport:
    """Rows written per table."""

    directory: str
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, object]:
        return {"directory": self.directory, "tables": self.tables, "rows": self.rows}


def export_parquet(engine: Engine, directory: str | Path) -> ParquetExport:
    """Every table of the store into ``directory`` (each table's folder replaced whole)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in store_tables(engine):
        data = engine.arrow(f'SELECT * FROM "{table}"')
        folder = directory / table
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        pq.write_table(data, folder / "part-0.parquet")
        counts[table] = data.num_rows
    return ParquetExport(str(directory), counts)
