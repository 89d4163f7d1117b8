"""An observatory: a directory with a configuration, a store and its sources' mappings."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from sereno.config import CONFIG_NAME, Config
from sereno.errors import ConfigError, ObservatoryError
from sereno.store.duckdb_engine import DuckDBEngine
from sereno.store.engine import Engine
from sereno.store.kept_files import recover
from sereno.store.schema import migrate
from sereno.store.url import SCHEMES, check_store_url, store_url

MAPPINGS_DIR = "sources"


class Observatory:
    """An open observatory: ``config``, ``engine`` and where its files live."""

    def __init__(self, directory: Path, config: Config, engine: Engine) -> None:
        self.directory = directory
        self.config = config
        self.engine = engine

    @classmethod
    def create(
        cls,
        directory: str | Path,
        name: str | None = None,
        language: str = "es",
        store: str | None = None,
    ):
        """A new observatory in ``directory``; its store is a DuckDB file beside the
        configuration, or the PostgreSQL database at ``store`` (a libpq URL without a
        password)."""
        directory = Path(directory)
        if (directory / CONFIG_NAME).exists():
            raise ObservatoryError("error.already_an_observatory", dir=directory)
        if store is not None:
            check_store_url(store)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MAPPINGS_DIR).mkdir(exist_ok=True)
        config = Config.create(directory, name or directory.resolve().name, language)
        if store is not None:
            table = config.document["store"]
            table["engine"] = "postgresql"
            table["url"] = store
            del table["path"]
            config.save()
        try:
            observatory = cls.open(directory)
        except BaseException:
            config.path.unlink()  # no half-made observatory
            raise
        observatory.audit("init", str(directory))
        return observatory

    @classmethod
    def open(cls, directory: str | Path, config: Config | None = None) -> Observatory:
        """The observatory in ``directory`` (its ``config`` given when already read: the
        portal opens the store for each write)."""
        directory = Path(directory)
        config_path = directory / CONFIG_NAME
        if config is None:
            if not config_path.is_file():
                raise ObservatoryError(dir=directory)
            config = Config.load(config_path)
        engine = _engine_for(config)
        try:
            migrate(engine, store_url(config) or str(config.store_path))
            # Files a crash left staged beside a commit: in place if committed, else gone.
            if recover(engine, directory):
                config = Config.load(config_path)
        except BaseException:
            engine.close()
            raise
        return cls(directory, config, engine)

    @property
    def store_name(self) -> str:
        """Where the store is: its URL, or its DuckDB file."""
        return store_url(self.config) or str(self.config.store_path)

    def use_store(self, store: str) -> None:
        """Point ``sereno.toml`` at another store (a PostgreSQL URL or a DuckDB file), from
        the next time the observatory is opened."""
        table = self.config.document["store"]
        for key in ("url", "path"):
            if key in table:
                del table[key]
        if store.split(":", 1)[0] in SCHEMES:
            check_store_url(store)
            table["engine"], table["url"] = "postgresql", store
        else:
            table["engine"], table["path"] = "duckdb", store
        self.config.save()

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Observatory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def mapping_path(self, source: str) -> Path:
        return self.directory / MAPPINGS_DIR / f"{source}.yaml"

    def audit(self, action: str, obj: str | None = None, actor: str | None = None, **details: Any):
        """Append to the audit log: who did what to which object."""
        self.engine.execute(
            "INSERT INTO audit_log (audit_id, actor, action, object, details) "
            "VALUES (nextval('audit_id_seq'), ?, ?, ?, ?)",
            [actor or _user(), action, obj, json.dumps(details, default=str)],
        )

    def sources(self) -> list[str]:
        return [r[0] for r in self.engine.rows("SELECT source_id FROM sources ORDER BY 1")]


def _engine_for(config: Config) -> Engine:
    url = store_url(config)
    if config.engine_name == "postgresql" or url:
        from sereno.store.postgres_engine import PostgresEngine

        if not url:
            raise ConfigError(file=config.path, detail="[store] url missing / falta [store] url")
        check_store_url(url)
        return PostgresEngine(url)
    if config.engine_name == "duckdb":
        return DuckDBEngine(config.store_path)
    raise ConfigError(
        file=config.path,
        detail=f"engine '{config.engine_name}' is not available (duckdb, postgresql)",
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
