"""Moving an observatory's store to another engine: every table, row counts checked.

``sereno store copy --to postgresql://...`` takes a DuckDB observatory onto a PostgreSQL
server (and a DuckDB file path brings it back). The target gets the schema from the same
migrations, then every table's rows in one transaction: a copy that fails or whose counts
differ leaves the target as empty as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sereno.errors import SerenoError
from sereno.store.duckdb_engine import DuckDBEngine
from sereno.store.engine import Engine
from sereno.store.schema import migrate
from sereno.store.url import SCHEMES, check_store_url

# Sequences and the column whose largest value they must continue from.
# Every sequence of the migrations, with the column it numbers: a copy goes on from the
# largest number copied (a forgotten one made the copy's first versioned write collide).
SEQUENCES = {
    "audit_id_seq": ("audit_log", "audit_id"),
    "alert_id_seq": ("alerts", "alert_id"),
    "version_id_seq": ("versions", "version_id"),
}


@dataclass(frozen=True)
class StoreCopy:
    """What was copied: rows per table, equal in the source and the target."""

    target: str
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    def to_dict(self) -> dict[str, object]:
        return {"target": self.target, "tables": self.tables, "rows": self.rows}


def open_target(target: str) -> Engine:
    """The engine of ``target``: a PostgreSQL URL, or the path of a DuckDB file."""
    if target.split(":", 1)[0] in SCHEMES:
        from sereno.store.postgres_engine import PostgresEngine

        check_store_url(target)
        return PostgresEngine(target)
    return DuckDBEngine(Path(target))


def store_tables(engine: Engine) -> list[str]:
    """The store's own tables (not views, not temporary ones), in name order."""
    return [
        r[0]
        for r in engine.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = current_schema() AND table_name <> 'schema_migrations' "
            "ORDER BY table_name"
        )
    ]


def copy_store(source: Engine, target: Engine, target_name: str) -> StoreCopy:
    """Every row of ``source`` into the empty store ``target``, in one transaction."""
    migrate(target, target_name)
    tables = store_tables(source)
    for table in store_tables(target):
        rows = target.scalar(f'SELECT count(*) FROM "{table}"')
        if rows:
            raise SerenoError("store.not_empty", url=target_name, table=table, rows=rows)
    missing = sorted(set(tables) - set(store_tables(target)))
    if missing:
        raise SerenoError("store.not_empty", url=target_name, table=missing[0], rows="?")
    counts = {}
    with target.transaction():
        for table in tables:
            data = source.arrow(f'SELECT * FROM "{table}"')
            target.insert(table, data)
            copied = target.scalar(f'SELECT count(*) FROM "{table}"')
            if copied != data.num_rows:
                raise SerenoError(
                    "store.count_mismatch", table=table, source=data.num_rows, target=copied
                )
            counts[table] = copied
        for sequence, (table, column) in SEQUENCES.items():
            if table in counts:
                last = target.scalar(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')
                target.restart_sequence(sequence, int(last) + 1)
    return StoreCopy(target_name, counts)
