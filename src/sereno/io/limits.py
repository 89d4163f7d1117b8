"""What a reader accepts, and the typed error it raises past a limit.

A file an observatory receives can be hostile or merely broken; either way the reader must
answer in one line, not with a crash, a signal or an hour of parsing. Each limit is named in
its message so a person knows what to change (split the file, drop columns) or, if the file
is legitimate, which limit to raise (``Limits`` is a parameter of every reader).

DuckDB aborts the process (SIGFPE) on a CSV of about 16,000 columns, so the column limit is
checked before DuckDB sees the file; the XLSX limits are checked on the zip's directory and
on the decompressed XML stream before openpyxl parses anything (a 300 KB file can hold a
300 MB comment: the "zip bomb" of OWASP's XML Security Cheat Sheet).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sereno.errors import InputFileError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The largest file a reader accepts; raise one for a legitimate file that needs it."""

    max_columns: int = 2_000
    max_field_bytes: int = 32 * MB
    max_depth: int = 64
    max_xlsx_bytes: int = 1024 * MB
    max_seconds: float = 300.0


DEFAULT_LIMITS = Limits()


class FileLimitError(InputFileError):
    """A file past one of the reader's ``Limits``."""

    key = "io.limit"


class Deadline:
    """The moment a read must end by; ``check`` raises once it has passed."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.seconds = limits.max_seconds
        self.end = time.monotonic() + limits.max_seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise self.error()

    def error(self) -> FileLimitError:
        return FileLimitError("io.too_slow", file=self.path, seconds=f"{self.seconds:g}")


def check_columns(path: Path, n: int, limits: Limits) -> None:
    if n > limits.max_columns:
        raise FileLimitError("io.too_many_columns", file=path, n=n, limit=limits.max_columns)


def field_too_large(path: Path, limits: Limits) -> FileLimitError:
    return FileLimitError(
        "io.field_too_large", file=path, limit=f"{limits.max_field_bytes / MB:g} MB"
    )


def first_line(exc: BaseException) -> str:
    """The first line of a library's error message, for the one-line message of ours."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
