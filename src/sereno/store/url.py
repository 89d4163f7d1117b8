"""Store addresses in ``sereno.toml``: ``[store] url = "postgresql://USER@HOST:PORT/DB"``.

The password is never part of it: libpq reads it from ``PGPASSWORD`` or ``~/.pgpass``, so a
configuration can be shared, committed or printed without giving the store away.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sereno.config import Config
from sereno.errors import ConfigError

SCHEMES = ("postgresql", "postgres")


def store_url(config: Config) -> str | None:
    """The server store's URL, or None for a DuckDB file."""
    url = config.document["store"].get("url")
    return str(url) if url else None


def check_store_url(url: str) -> None:
    """Refuse a URL that is not PostgreSQL's or that carries a password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- a bad port raises here
    except ValueError:
        raise ConfigError("store.bad_url", url=url) from None
    if parts.scheme not in SCHEMES or not parts.hostname or not parts.path.strip("/"):
        raise ConfigError("store.bad_url", url=url)
    if parts.password is not None:
        shown = url.replace(f":{parts.password}@", ":***@")
        raise ConfigError("store.password_in_url", url=shown)
