"""The observatory configuration, ``sereno.toml``.

It names the observatory, its store, its geography (unit levels from top to bottom), its
sources and its settings. Sereno edits it with tomlkit so a person's comments survive.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit

from sereno.errors import ConfigError

CONFIG_NAME = "sereno.toml"

DEFAULT_CONFIG = """\
# Sereno observatory configuration / configuración del observatorio.

[observatory]
name = "{name}"
language = "{language}"          # es | en: default language of reports and messages
created = "{created}"

[store]
engine = "duckdb"                # duckdb (embedded); postgresql and spark to follow
path = "sereno.duckdb"

[geography]
# Unit levels from the largest to the smallest, as loaded with `sereno units load`.
levels = []
crs = "EPSG:4326"

[privacy]
# Public counts below this are suppressed ("<5").
min_public_count = 5
# Alerts the public portal shows: confirmed (by an analyst, the default) | reviewed (seen
# or confirmed) | all (new ones too, before anyone has looked at them).
public_alerts = "confirmed"

# One table per source, written by `sereno ingest`:
# [sources.policia]
# kind = "police"
# mapping = "sources/policia.yaml"
[sources]
"""


@dataclass
class Config:
    """A parsed ``sereno.toml`` bound to its file."""

    path: Path
    document: tomlkit.TOMLDocument

    @classmethod
    def create(cls, directory: Path, name: str, language: str = "es") -> Config:
        text = DEFAULT_CONFIG.format(
            name=name, language=language, created=datetime.now(UTC).strftime("%Y-%m-%d")
        )
        path = directory / CONFIG_NAME
        path.write_text(text, encoding="utf-8")
        return cls.load(path)

    @classmethod
    def load(cls, path: Path) -> Config:
        try:
            document = tomlkit.parse(path.read_text(encoding="utf-8"))
        except tomlkit.exceptions.ParseError as exc:
            raise ConfigError(file=path, detail=str(exc)) from None
        for section in ("observatory", "store"):
            if section not in document:
                raise ConfigError(file=path, detail=f"[{section}] missing / falta [{section}]")
        return cls(path, document)

    def save(self) -> None:
        """Write the file so that a reader (or a crash) sees the old text or the new, never
        half of it: a temporary file beside it, flushed, then renamed over it."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(self.text())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def text(self) -> str:
        return tomlkit.dumps(self.document)

    @property
    def name(self) -> str:
        return str(self.document["observatory"]["name"])

    @property
    def language(self) -> str:
        return str(self.document["observatory"].get("language", "es"))

    @property
    def store_path(self) -> Path:
        return self.path.parent / str(self.document["store"].get("path", "sereno.duckdb"))

    @property
    def engine_name(self) -> str:
        return str(self.document["store"].get("engine", "duckdb"))

    @property
    def levels(self) -> list[str]:
        return [str(x) for x in self.document.get("geography", {}).get("levels", [])]

    @property
    def smallest_level(self) -> str | None:
        """The finest unit level loaded (colonia, say), or None before any units."""
        levels = self.levels
        return levels[-1] if levels else None

    def add_level(self, level: str, parent_level: str | None) -> None:
        """Insert ``level`` below ``parent_level`` (or at the top) if it is new."""
        geography = self.document.setdefault("geography", tomlkit.table())
        levels = self.levels
        if level in levels:
            return
        position = levels.index(parent_level) + 1 if parent_level in levels else len(levels)
        levels.insert(position, level)
        geography["levels"] = levels

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return {k: dict(v) for k, v in self.document.get("sources", {}).items()}

    def set_source(self, name: str, **settings: Any) -> None:
        sources = self.document.setdefault("sources", tomlkit.table())
        table = tomlkit.table()
        for key, value in settings.items():
            if value is not None:
                table[key] = value
        sources[name] = table

    @property
    def min_public_count(self) -> int:
        return int(self.document.get("privacy", {}).get("min_public_count", 5))
