"""A throwaway PostgreSQL server for the tests: Debian's PostgreSQL 15 binaries, a data
directory in a temporary directory, loopback only, a free port, stopped at the end.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` user (made by Debian's package) through ``runuser``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(os.environ.get("SERENO_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "sereno"


def available() -> bool:
    return (BIN / "initdb").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server; ``url(db)`` is a libpq URL for database ``db`` on it."""

    directory: Path
    port: int

    @classmethod
    def start(cls) -> PostgresServer:
        if not available():
            raise RuntimeError(f"PostgreSQL not found in {BIN}: apt-get install -y postgresql")
        directory = Path(tempfile.mkdtemp(prefix="sereno-pg-"))
        server = cls(directory, _free_port())
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(directory, "postgres", "postgres")
        data = directory / "data"
        server._run(
            [str(BIN / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
             "--locale=C.UTF-8", "--no-sync"],
        )  # fmt: skip
        # Loopback only, no Unix socket outside the temporary directory; fsync off: a test
        # server loses nothing it must keep.
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={server.port} "
            f"-c unix_socket_directories={directory} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        server._run(
            [str(BIN / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"), "-w",
             "-o", options, "start"],
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                return server
            except OSError:
                time.sleep(0.1)
        server.stop()
        raise RuntimeError(f"PostgreSQL did not start: see {directory / 'log'}")

    def _run(self, command: list[str]) -> None:
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.directory)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run([str(BIN / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate",
                       "stop"])  # fmt: skip
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
