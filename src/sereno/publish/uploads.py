"""An analyst's upload, read and ingested in a process of its own, never in the portal's.

A file can take a reader down with it (a 20,000-column CSV crashed DuckDB with SIGFPE) or
take a minute and gigabytes (a 500,000-row dry run, a huge XLSX cell): issue 22. Each upload
therefore runs in a fresh child process with an address-space limit (``RLIMIT_AS``), a CPU
limit (``RLIMIT_CPU``) and a wall-clock limit, at a lower priority than the pages; the
portal's process only waits for its answer, and a child that dies or overruns is ended and
reported in one line. The child opens the store itself (the portal does not hold it).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sereno.errors import SerenoError
from sereno.store.duckdb_engine import MEMORY_ENV

MEMORY_MB = 4096
SECONDS = 300
# The child runs below the pages: a long dry run must not slow public requests.
NICENESS = 10


@dataclass(frozen=True)
class UploadLimits:
    """How much an upload's child process may take: memory (MB), wall-clock seconds."""

    memory_mb: int = MEMORY_MB
    seconds: float = SECONDS

    @classmethod
    def from_config(cls, config: Any) -> UploadLimits:
        """``[portal] upload_memory_mb`` and ``upload_seconds`` of ``sereno.toml``."""
        table = config.document.get("portal", {})
        return cls(int(table.get("upload_memory_mb", MEMORY_MB)),
                   float(table.get("upload_seconds", SECONDS)))  # fmt: skip


def ingest_upload(
    directory: Path,
    path: Path,
    source: str,
    mapping: str | Path | None,
    dry_run: bool,
    username: str,
    limits: UploadLimits,
):
    """``ingest_file`` of ``path`` in a child process within ``limits``; its
    ``IngestResult``, or the ``SerenoError`` it raised, or one saying how it ended."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    job = (str(directory), str(path), source, None if mapping is None else str(mapping), dry_run,
           username, limits)  # fmt: skip
    child = context.Process(target=_run, args=(send, job), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise SerenoError("uploads.timeout", seconds=f"{limits.seconds:g}")
        kind, value = receive.recv()
    except EOFError:
        child.join(5)
        raise _died(child.exitcode, limits) from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if kind == "error":
        key, facts = value
        raise SerenoError(key, **facts)
    return value


def _died(exitcode: int | None, limits: UploadLimits) -> SerenoError:
    """The error of a child that ended without an answer: by a signal, or out of memory."""
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        if -exitcode in (signal.SIGXCPU, signal.SIGKILL):
            return SerenoError("uploads.timeout", seconds=f"{limits.seconds:g}")
        # Past RLIMIT_AS an allocation inside a native library can end in SIGSEGV.
        return SerenoError("uploads.crashed", signal=name, mb=limits.memory_mb)
    return SerenoError("uploads.memory", mb=limits.memory_mb)


def _limit(limits: UploadLimits) -> None:
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # DuckDB's own default is 80% of the machine: held to a third of the limit, it spills
    # to disk rather than failing past it (Arrow, pandas and the reader need the rest).
    os.environ[MEMORY_ENV] = str(limits.memory_mb // 3)
    cpu = int(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    os.nice(NICENESS)


def _run(send: Connection, job: tuple) -> None:
    """The child: limits first, then the same ingestion and audit as ``sereno ingest``."""
    directory, path, source, mapping, dry_run, username, limits = job
    _limit(limits)
    # The answer goes through the pipe; nothing the libraries print reaches the server's log.
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    try:
        from sereno.ingest.pipeline import ingest_file
        from sereno.store import Observatory

        with Observatory.open(directory) as obs:
            result = ingest_file(obs, path, source, mapping, dry_run=dry_run)
            obs.audit("portal_upload", Path(path).name, actor=username, source=source,
                      dry_run=dry_run)  # fmt: skip
        send.send(("ok", result))
    except SerenoError as error:
        send.send(("error", (error.key, error.facts)))
    except MemoryError:
        send.send(("error", ("uploads.memory", {"mb": limits.memory_mb})))
    except Exception as error:  # a reader's failure: the portal answers in one line
        if "out of memory" in str(error).lower():
            send.send(("error", ("uploads.memory", {"mb": limits.memory_mb})))
        else:
            traceback.print_exc()  # for whoever runs the portal: this is a bug to report
            first = (str(error).strip().splitlines() or [type(error).__name__])[0][:300]
            send.send(("error", ("uploads.failed", {"detail": first})))
    finally:
        send.close()
