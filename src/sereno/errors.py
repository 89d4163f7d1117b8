"""Typed user errors.

A ``SerenoError`` is a mistake a person can fix (a file that cannot be read, a mapping that
names a missing column, a directory that is not an observatory). It carries a message key from
``i18n`` and the facts the message needs; the CLI prints it on one line in the user's language
and exits with status 2. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

from sereno.i18n import t


class SerenoError(Exception):
    """A user error with a bilingual message."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **facts: object) -> None:
        self.key = key or self.key
        self.facts = {k: (str(v) if isinstance(v, Path) else v) for k, v in facts.items()}
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.facts)

    def to_dict(self, lang: str | None = None) -> dict[str, object]:
        return {"error": self.key, "message": self.message(lang), **self.facts}


class InputFileError(SerenoError):
    """A file that cannot be read at all: missing, empty, truncated, wrong format."""

    key = "error.file_unreadable"


class MappingError(SerenoError):
    """A source mapping that is invalid or does not fit the file."""

    key = "error.mapping_invalid"


class ObservatoryError(SerenoError):
    """A directory that is not an observatory, or an observatory in a bad state."""

    key = "error.not_an_observatory"


class ConfigError(SerenoError):
    """An observatory configuration (sereno.toml) that cannot be used."""

    key = "error.config_invalid"
