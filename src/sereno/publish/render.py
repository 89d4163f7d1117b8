"""Server-side pages: Jinja templates, the language of each request, and the helpers
templates use (messages, numbers, counts as the public reads them, SVG maps and charts)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from sereno.config import Config
from sereno.i18n import LANGUAGES, format_number, t
from sereno.publish import svg
from sereno.publish.emerging_page import emerging_map
from sereno.publish.hotspots_page import hotspots_map
from sereno.publish.pages import PortalContext, PortalPage, pages
from sereno.publish.privacy import PUBLIC
from sereno.publish.public_pages import map_picture
from sereno.publish.reconciliation_page import reconciliation_chart

LANG_COOKIE = "sereno_lang"


def choose_language(request: Request, asked: str | None, config: Config) -> str:
    """``?lang=``, else the language cookie, else the browser's Accept-Language, else the
    observatory's language."""
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    ranked = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            ranked.append((float(q or 1), tag[:2].lower()))
        except ValueError:
            continue
    for _, tag in sorted(ranked, reverse=True):
        if tag in LANGUAGES:
            return tag
    return config.language if config.language in LANGUAGES else "es"


class Renderer:
    """Renders a page's template with the portal's common frame."""

    def __init__(self, portal: Any) -> None:
        self.portal = portal
        self._envs: dict[str | None, Environment] = {}

    def env(self, package: str | None) -> Environment:
        if package not in self._envs:
            loaders = [PackageLoader("sereno.publish", "templates")]
            if package:
                loaders.insert(0, PackageLoader(package, "templates"))
            env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape())
            env.globals.update(svg=svg, Markup=Markup)
            self._envs[package] = env
        return self._envs[package]

    def page(
        self,
        template: str,
        request: Request,
        ctx: PortalContext,
        title: str,
        data: dict[str, Any],
        status: int = 200,
        page: PortalPage | None = None,
        **extra: Any,
    ) -> HTMLResponse:
        lang = ctx.lang

        def href(path: str, **params: Any) -> str:
            query = {k: v for k, v in params.items() if v not in (None, "")}
            return path + ("?" + urlencode(query) if query else "")

        def here(**changes: Any) -> str:
            query = dict(request.query_params)
            query.update({k: v for k, v in changes.items()})
            return href(request.url.path, **query)

        def count(cell: dict[str, Any]) -> str:
            if cell.get("suppressed"):
                return f"<{self.portal.data.policy.min_public_count}"
            return format_number(cell.get("n"), lang)

        nav = [p for p in pages() if p.nav and p.audience == PUBLIC]
        values = {
            "data": data, "ctx": ctx, "lang": lang, "user": ctx.user, "page": page,
            "title": t(title, lang), "nav": nav, "here": here, "href": href, "count": count,
            "signed": lambda v: ("+" if v > 0 else "") + format_number(v, lang, 1),
            "t": lambda key, **v: t(key, lang, **v), "number": lambda v, d=0: format_number(
                v, lang, d), "observatory": self.portal.data.name,
            "synthetic": self.portal.data.synthetic, "path": request.url.path,
            "threshold": self.portal.data.policy.min_public_count,
            "query": request.url.query,
            "map_svg": lambda: map_picture(self.portal.data, data, lang),
            "hotspots_svg": lambda d, title: hotspots_map(self.portal.data, d, lang, title),
            "emerging_svg": lambda d, title: emerging_map(self.portal.data, d, lang, title),
            "reconciliation_svg": lambda d, title: reconciliation_chart(d, lang, title),
            **extra,
        }  # fmt: skip
        html = self.env(page.templates if page else None).get_template(template).render(values)
        return HTMLResponse(html, status_code=status)
