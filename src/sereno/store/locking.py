"""A DuckDB store held by another process: wait for it a while, or say who holds it.

DuckDB lets one process write a file, or several read it, never both
(https://duckdb.org/docs/stable/connect/concurrency). A command that finds the file held
waits up to ``--wait`` seconds (``SERENO_WAIT``), saying so, and then gives up with one line
naming the holder (DuckDB's own message carries its program and PID) and what to do.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sereno.errors import SerenoError

WAIT_ENV = "SERENO_WAIT"
# Long enough to outlast the portal's short writes (a session, an audit entry, a status).
DEFAULT_WAIT = 10.0
_HELD = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


class StoreBusyError(SerenoError):
    """The store is held by another process for longer than the command would wait."""

    key = "store.busy"


@dataclass(frozen=True)
class Holder:
    """The process that holds a store file: its PID and its command line, when known."""

    pid: int | None
    command: str

    @classmethod
    def from_error(cls, message: str) -> Holder:
        found = _HELD.search(message)
        if found is None:
            return cls(None, "?")
        pid = int(found["pid"])
        return cls(pid, _command_line(pid) or found["program"])


#: Called while waiting (holder, seconds waited, seconds allowed); the CLI prints it.
on_wait: Callable[[Holder, float, float], None] | None = None


def wait_seconds(wait: float | None = None) -> float:
    """``wait``, else ``SERENO_WAIT``, else the default."""
    if wait is not None:
        return max(0.0, float(wait))
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def connect(path: str, read_only: bool, config: dict[str, Any], wait: float | None = None):
    """A DuckDB connection to ``path``, waiting up to ``wait`` seconds for another process to
    let go of it; ``StoreBusyError`` after that."""
    allowed = wait_seconds(wait)
    started = time.monotonic()
    pause = 0.05
    told = -1.0
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.IOException as error:
            if "Could not set lock" not in str(error):
                raise
            holder = Holder.from_error(str(error))
        waited = time.monotonic() - started
        if waited >= allowed:
            raise StoreBusyError(store=Path(path).name, pid=holder.pid or "?",
                                 command=holder.command, wait=f"{allowed:g}") from None  # fmt: skip
        if on_wait is not None and (told < 0 or waited - told >= 5):
            on_wait(holder, waited, allowed)
            told = waited
        time.sleep(min(pause, allowed - waited))
        pause = min(pause * 2, 0.5)


def _command_line(pid: int) -> str | None:
    """The holder's command as a person would type it (``sereno ingest ...``), from /proc."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    if len(args) > 1 and Path(args[0]).name.startswith("python") and args[1] != "-c":
        args = args[2:] if args[1] == "-m" else args[1:]
    if not args:
        return None
    text = " ".join(" ".join([Path(args[0]).name, *args[1:]]).split())
    return text if len(text) <= 100 else text[:99] + "…"
