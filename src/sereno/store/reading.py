"""Reading the store while others write it: the portal's view, which never holds the store.

A ``ReadView`` gives a thread-safe read-only ``engine`` (one connection per thread, no lock
between them) and ``refresh()``, which each request calls first: it moves the calling thread
to the newest committed state and returns that state's *generation*, which moves on exactly
when the store's public data did (every change a stage makes writes the audit log; the
portal's own sign-in attempts and views of restricted data do not count, see ``STATE``).

- **PostgreSQL** serves many readers and writers at once: each thread reads the live store
  through its own connection; the generation is counted in the audit log on each refresh.
- **DuckDB** lets one process write a file, or several read it, never both
  (https://duckdb.org/docs/stable/connect/concurrency). The view therefore reads a *snapshot*:
  a copy of the store file beside it, taken under a brief read-only open when the file has
  changed and its state moved, shared by every worker process (named by state), and opened
  read-only. A writer (``sereno ingest``) meets the store held only for that copy; while a
  writer holds it, pages read the last snapshot, which is the last committed state another
  process could see, and the first request after the writer lets go takes the new one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sereno.store.duckdb_engine import DuckDBEngine
from sereno.store.engine import Engine
from sereno.store.locking import StoreBusyError

# What the portal reads changes when the audit log says so (every stage's change writes it):
# the *state* counts every entry but the portal's own sign-in attempts and views (a snapshot
# is taken when it moves), the *generation* also leaves out sessions (no public figure
# changes with them). Counted, not the largest id: on PostgreSQL writers commit out of order.
STATE = (
    "SELECT count(*) FILTER (WHERE action NOT LIKE 'portal%') AS state, "
    "count(*) FILTER (WHERE action NOT LIKE 'portal%' AND action NOT LIKE 'session.%') "
    "AS generation FROM audit_log"
)
# A busy store is asked again no sooner than this (seconds): each ask is an open of the file.
RETRY = 0.25


class ThreadEngine(Engine):
    """An engine whose every thread has its own connection (made by ``make``), so threads
    read at once; read-only: writes go through an ``Observatory`` opened for them."""

    def __init__(self, make: Callable[[], Engine], dialect: Any) -> None:
        self.dialect = dialect
        self._make = make
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Engine] = []

    def pin(self, make: Callable[[], Engine] | None = None) -> None:
        """Give the calling thread a connection from ``make`` (a newer snapshot) from now on."""
        old = getattr(self._local, "engine", None)
        self._local.engine = (make or self._make)()
        with self._lock:
            self._all.append(self._local.engine)
            if old is not None:
                self._all.remove(old)
        if old is not None:
            old.close()

    @property
    def current(self) -> Engine:
        engine = getattr(self._local, "engine", None)
        if engine is None:
            self.pin()
            engine = self._local.engine
        return engine

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.current.execute(sql, params)

    def arrow(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        return self.current.arrow(sql, params)

    def register(self, name: str, data: pa.Table | pd.DataFrame) -> None:
        self.current.register(name, data)

    def unregister(self, name: str) -> None:
        self.current.unregister(name)

    def insert(self, table: str, data: pa.Table) -> int:
        raise PermissionError("the portal's read view does not write")

    def restart_sequence(self, name: str, start: int) -> None:
        raise PermissionError("the portal's read view does not write")

    def begin(self) -> None:
        self.current.begin()

    def commit(self) -> None:
        self.current.commit()

    def rollback(self) -> None:
        self.current.rollback()

    def close(self) -> None:
        with self._lock:
            engines, self._all = self._all, []
        for engine in engines:
            with suppress(Exception):
                engine.close()


class ReadView(ABC):
    """The store as the portal reads it: ``engine`` (thread-safe) and ``refresh()``."""

    engine: ThreadEngine

    @abstractmethod
    def refresh(self) -> int:
        """Move the calling thread to the newest committed state; return its generation."""

    def close(self) -> None:
        self.engine.close()


class PostgresReadView(ReadView):
    """The live PostgreSQL store, one connection per thread."""

    def __init__(self, url: str) -> None:
        from sereno.store.dialect import POSTGRESQL
        from sereno.store.postgres_engine import PostgresEngine

        self.engine = ThreadEngine(lambda: PostgresEngine(url), POSTGRESQL)

    def refresh(self) -> int:
        return int(self.engine.rows(STATE)[0][1])


class DuckDBSnapshot(ReadView):
    """Read-only copies of a DuckDB store file, renewed when its data changes."""

    def __init__(self, store: Path, wait: float | None = None) -> None:
        from sereno.store.dialect import DUCKDB

        self.store = Path(store)
        self.folder = self.store.parent / f".{self.store.name}.snapshots"
        self.folder.mkdir(exist_ok=True)
        self._refreshing = threading.Lock()
        self._retry_at = 0.0
        self._seen: tuple = ()
        self.generation, path = self._take(wait)
        self._path = path
        self.engine = ThreadEngine(lambda: self._open(self._path), DUCKDB)
        self._local = threading.local()

    def refresh(self) -> int:
        """Take a new snapshot if the store file changed and can be read now (one thread of
        the process does it; the others go on reading the last one meanwhile)."""
        now = time.monotonic()
        stale = self._signature() != self._seen and now >= self._retry_at
        if stale and self._refreshing.acquire(blocking=False):
            try:
                self.generation, self._path = self._take(0)
            except StoreBusyError:
                self._retry_at = now + RETRY
            finally:
                self._refreshing.release()
        path = self._path
        if getattr(self._local, "path", None) != path:
            self.engine.pin(lambda: self._open(path))
            self._local.path = path
        return self.generation

    def _signature(self) -> tuple:
        found = []
        for file in (self.store, _wal(self.store)):
            with suppress(FileNotFoundError):
                s = file.stat()
                found.append((s.st_ino, s.st_mtime_ns, s.st_size))
        return tuple(found)

    def _take(self, wait: float | None) -> tuple[int, Path]:
        """The snapshot of the store's current state, copied now unless a worker of this
        portal already did: (generation, path)."""
        held = DuckDBEngine(self.store, read_only=True, wait=wait)
        try:
            # Held read-only, no process writes the file: the stat and the copy agree.
            seen = self._signature()
            state, generation = (int(v) for v in held.rows(STATE)[0])
            path = self.folder / f"{state}.duckdb"
            if not path.exists():
                with _locked(self.folder / ".lock"):
                    if not path.exists():
                        _copy_store(self.store, path)
        finally:
            held.close()
        self._seen = seen
        self._forget_older(state)
        return generation, path

    def _forget_older(self, state: int) -> None:
        """Remove older snapshots (a worker still reading one keeps its open file)."""
        for file in self.folder.glob("*.duckdb*"):
            number = file.name.split(".", 1)[0]
            if number.isdigit() and int(number) < state:
                with suppress(FileNotFoundError):
                    file.unlink()

    @staticmethod
    def _open(path: Path) -> DuckDBEngine:
        return DuckDBEngine(path, read_only=True, wait=0)


def read_view(config: Any, wait: float | None = None) -> ReadView:
    """The read view of the store ``config`` names."""
    from sereno.store.url import store_url

    url = store_url(config)
    if url:
        return PostgresReadView(url)
    return DuckDBSnapshot(config.store_path, wait)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _copy_store(store: Path, target: Path) -> None:
    """Copy the store file (and its write-ahead log, if a writer left one) to ``target``,
    renamed into place only when whole."""
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    if _wal(store).exists():
        shutil.copyfile(_wal(store), _wal(partial))
    shutil.copyfile(store, partial)
    if _wal(partial).exists():
        os.replace(_wal(partial), _wal(target))
    os.replace(partial, target)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes (the portal's workers)."""
    with open(path, "a+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
