"""Versioned schema migrations.

Each file ``migrations/NNNN_name.sql`` moves the store from version NNNN-1 to NNNN; the table
``schema_migrations`` records which ran and when. A store newer than this code is refused
rather than guessed at.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from sereno.errors import ObservatoryError
from sereno.store.engine import Engine

_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


@cache
def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every shipped migration, in order (read once: the portal
    opens the store for each of its writes)."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def current_version(engine: Engine) -> int:
    if not engine.has_table("schema_migrations"):
        return 0
    return engine.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations")


def migrate(engine: Engine, store_name: str = "store") -> list[int]:
    """Apply the migrations the store lacks, each in its own transaction; return them."""
    have = current_version(engine)
    if have == 0:
        # Only a new store writes here: an up-to-date one is opened without a write.
        engine.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
    if have > latest_version():
        raise ObservatoryError(
            "error.newer_schema", file=store_name, found=have, known=latest_version()
        )
    applied = []
    for version, name, sql in migrations():
        if version <= have:
            continue
        with engine.transaction():
            for statement in _statements(sql):
                engine.execute(statement)
            engine.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        applied.append(version)
    return applied


def _statements(sql: str) -> list[str]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in without_comments.split(";") if s.strip()]
