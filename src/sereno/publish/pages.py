"""The portal's one extension point: a registry of pages, each with its JSON twin.

A capability adds its page with one call, as Datasette's plugins add theirs through a
hookspec::

    from sereno.publish.pages import PortalPage, register_page

    def hotspot_data(ctx: PortalContext, level: str | None = None) -> dict:
        ...                       # JSON-able; public counts come from ctx.data.cells(...)

    register_page(PortalPage(
        key="hotspots", path="/hotspots", title="publish.page_hotspots",
        data=hotspot_data, template="hotspots.html", templates="sereno.spatial",
        table=lambda d: pd.DataFrame(d["units"]),
    ))

The portal then serves ``/hotspots`` (HTML) and ``/api/v1/hotspots`` (JSON, with ``.csv``,
``.parquet`` and ``.geojson`` variants when ``table`` or ``geojson`` is given), with the
data function's keyword arguments as query parameters in the OpenAPI description, and the
page in the navigation. Every response passes through the privacy policy
(:mod:`sereno.publish.privacy`) first; a page with ``audience="restricted"`` is served only
to signed-in staff holding ``permission``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sereno.i18n import t
from sereno.publish.privacy import PUBLIC
from sereno.records import ANONYMOUS, Actor
from sereno.result import records


@dataclass(frozen=True)
class Account:
    """A signed-in person: the records service's actor and the session's CSRF token."""

    actor: Actor
    csrf_token: str

    @property
    def username(self) -> str:
        return self.actor.username

    @property
    def role(self) -> str | None:
        return self.actor.role


@dataclass(frozen=True)
class PortalContext:
    """What a page's data function gets: the store's figures, the language and the user."""

    data: Any  # sereno.publish.data.PortalData
    lang: str
    user: Account | None = None

    @property
    def audience(self) -> str:
        return PUBLIC if self.user is None else "restricted"

    @property
    def actor(self) -> Actor:
        return ANONYMOUS if self.user is None else self.user.actor

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)


@dataclass(frozen=True)
class PortalPage:
    """A page: an HTML view at ``path`` and its JSON twin at ``api_path``."""

    key: str
    path: str
    title: str
    data: Callable[..., dict[str, Any]]
    template: str
    nav: bool = True
    order: int = 100
    table: Callable[[dict[str, Any]], pd.DataFrame] | None = None
    geojson: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    audience: str = PUBLIC
    permission: str | None = None
    templates: str | None = None

    @property
    def api_path(self) -> str:
        return "/api/v1" + (f"/{self.key}" if self.path == "/" else self.path)

    @property
    def variants(self) -> tuple[str, ...]:
        found = ("csv", "parquet") if self.table else ()
        return found + (("geojson",) if self.geojson else ())


PAGES: dict[str, PortalPage] = {}


def register_page(page: PortalPage) -> PortalPage:
    """Add ``page`` to the portal; a key or path used twice is a bug."""
    if page.key in PAGES or any(p.path == page.path for p in PAGES.values()):
        raise ValueError(f"portal page {page.key} ({page.path}) is registered twice")
    PAGES[page.key] = page
    return page


def pages() -> list[PortalPage]:
    return sorted(PAGES.values(), key=lambda p: (p.order, p.key))


def paged(frame: pd.DataFrame, limit: int, offset: int) -> dict[str, Any]:
    """A page of ``frame``'s rows with the paging facts (total, limit, offset, next offset)."""
    total = len(frame)
    rows = frame.iloc[offset : offset + limit]
    following = offset + limit if offset + limit < total else None
    return {
        "items": records(rows),
        "paging": {"total": total, "limit": limit, "offset": offset, "next_offset": following},
    }
