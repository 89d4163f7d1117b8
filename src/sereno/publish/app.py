"""The portal: a FastAPI application serving every registered page as HTML and JSON.

``create_app(directory)`` reads the observatory without holding its store (a read view,
:mod:`sereno.store.reading`; each write opens the store for itself), so commands write it
meanwhile and several worker processes serve at once; it builds the routes from the page
registry (:mod:`sereno.publish.pages`): for each page its HTML view, its JSON twin under
``/api/v1/`` and its CSV, Parquet and GeoJSON variants, each passing through the privacy
policy first. No asset comes from another host: the Content-Security-Policy says so to the
browser too.
"""

from __future__ import annotations

import inspect
import json
import os
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sereno.config import CONFIG_NAME, Config
from sereno.errors import SerenoError
from sereno.i18n import LANGUAGES
from sereno.io.tables import table_bytes
from sereno.publish import auth
from sereno.publish.data import PortalData
from sereno.publish.emerging_page import register_emerging_page
from sereno.publish.evaluations_page import register_evaluations_page
from sereno.publish.field_forms import add_field_forms
from sereno.publish.field_pages import register_field_pages
from sereno.publish.harms_page import register_harms_page
from sereno.publish.hotspots_page import register_hotspots_page
from sereno.publish.opendata import FILES, MEDIA
from sereno.publish.opendata_page import opendata_folder
from sereno.publish.pages import Account, PortalContext, PortalPage, pages
from sereno.publish.privacy import PUBLIC, RESTRICTED
from sereno.publish.public_pages import register_public_pages
from sereno.publish.reconciliation_page import register_reconciliation_page
from sereno.publish.render import LANG_COOKIE, Renderer, choose_language
from sereno.publish.spreadsheet import formula_safe
from sereno.records.accounts import session
from sereno.result import jsonable
from sereno.store import Observatory
from sereno.store.locking import StoreBusyError
from sereno.store.reading import ReadView, read_view

STATIC = Path(__file__).parent / "static"
#: The observatory of ``portal_from_environment`` (``sereno serve --workers N``).
PORTAL_DIR = "SERENO_PORTAL_DIR"
NOT_FOUND_KEYS = {"publish.unknown_unit"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class PortalJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(jsonable(content), ensure_ascii=False, separators=(",", ":")).encode()


class Portal:
    """The open observatory, its figures, its templates and who is asking.

    ``obs`` reads (through the store's read view, never holding the store); a write opens
    the store for itself (``writing``) and lets go of it at once.
    """

    def __init__(self, directory: Path, view: ReadView) -> None:
        self.directory = directory
        config = Config.load(directory / CONFIG_NAME)
        self.obs = Observatory(directory, config, view.engine)
        self.view = view
        self.data = PortalData(self.obs, view)
        self.renderer = Renderer(self)

    @contextmanager
    def writing(self) -> Iterator[Observatory]:
        """The store opened for one write (waiting a little if a command holds it: then
        ``StoreBusyError``), closed after; the calling thread reads the result next."""
        with Observatory.open(self.directory, self.obs.config) as obs:
            yield obs
        self.data.refresh()

    def context(self, request: Request, lang: str | None) -> PortalContext:
        self.data.refresh()
        found = session(self.obs, request.cookies.get(auth.SESSION_COOKIE))
        user = Account(*found) if found else None
        return PortalContext(self.data, choose_language(request, lang, self.obs.config), user)

    def error(
        self, error: SerenoError, ctx: PortalContext, html: bool, request: Request,
        status: int | None = None,
    ) -> Response:  # fmt: skip
        """An error as an HTML page in the reader's language, or as JSON with the message in
        both languages."""
        status = status or (404 if error.key in NOT_FOUND_KEYS else 400)
        if html:
            return self.renderer.page("error.html", request, ctx, "publish.error_title",
                                      {"message": error.message(ctx.lang)}, status)  # fmt: skip
        body = {**error.to_dict(ctx.lang), "messages": {k: error.message(k) for k in LANGUAGES}}
        return PortalJSON(body, status_code=status)

    def refuse(self, ctx: PortalContext, html: bool, request: Request) -> Response:
        """Anonymous visitors are sent to sign in (HTML) or get 401; others without the
        permission get 403."""
        if html and ctx.user is None:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        message = ctx.t("publish.forbidden")
        if html:
            return self.renderer.page("error.html", request, ctx, "publish.error_title",
                                      {"message": message}, 403)  # fmt: skip
        status = 401 if ctx.user is None else 403
        return PortalJSON({"error": "publish.forbidden", "message": message}, status_code=status)

    def serve(self, page: PortalPage, fmt: str, request: Request, lang: str | None, kwargs: dict):
        ctx = self.context(request, lang)
        html = fmt == "html"
        if page.audience != PUBLIC and not auth.may(ctx.user, page.permission):
            return self.refuse(ctx, html, request)
        if page.audience == PUBLIC and ctx.user is None:
            key = (page.key, fmt, ctx.lang, str(request.url.path), tuple(sorted(kwargs.items())))
            body, media, status = self.data.response(
                key, lambda: self._render(page, fmt, request, ctx, kwargs)
            )
            return Response(body, status_code=status, media_type=media)
        return self._respond(page, fmt, request, ctx, kwargs)

    def _render(self, page, fmt, request, ctx, kwargs) -> tuple[bytes, str, int]:
        response = self._respond(page, fmt, request, ctx, kwargs)
        return response.body, response.media_type or "", response.status_code

    def _respond(
        self, page: PortalPage, fmt: str, request: Request, ctx: PortalContext, kwargs: dict
    ) -> Response:
        html = fmt == "html"
        try:
            data = page.data(ctx, **kwargs)
        except SerenoError as error:
            return self.error(error, ctx, html, request)
        audience = RESTRICTED if page.audience != PUBLIC else PUBLIC
        data = self.data.policy.scrub(data, audience)
        if page.audience != PUBLIC:
            action = (
                "portal_view_restricted" if fmt in ("html", "json") else "portal_export_restricted"
            )
            with self.writing() as obs:
                obs.audit(action, request.url.path, actor=ctx.user.username,
                          query=str(request.url.query), format=fmt)  # fmt: skip
        if html:
            return self.renderer.page(page.template, request, ctx, page.title, data, page=page)
        if fmt == "json":
            return PortalJSON(data)
        if fmt == "geojson":
            collection = self.data.policy.scrub(page.geojson(data, ctx), audience)
            return PortalJSON(collection, media_type="application/geo+json")
        table = self.data.policy.frame(page.table(data), audience)
        if fmt == "csv":
            return Response(table_bytes(formula_safe(table), ".csv"),
                            media_type="text/csv; charset=utf-8")  # fmt: skip
        return Response(table_bytes(table, ".parquet"), media_type=MEDIA["parquet"])


def _endpoint(portal: Portal, page: PortalPage, fmt: str):
    """A route function whose signature is the page's data parameters plus ``lang``."""
    hints = typing.get_type_hints(page.data, include_extras=True)
    params = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, str))
        for p in list(inspect.signature(page.data).parameters.values())[1:]
    ]
    lang_type = Annotated[str | None, Query(pattern="^(es|en)$")]
    extra = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("lang", inspect.Parameter.KEYWORD_ONLY, default=None,
                          annotation=lang_type),
    ]  # fmt: skip

    def endpoint(**kwargs: Any) -> Response:
        request, lang = kwargs.pop("request"), kwargs.pop("lang")
        return portal.serve(page, fmt, request, lang, kwargs)

    endpoint.__signature__ = inspect.Signature([*params, *extra])  # type: ignore[attr-defined]
    endpoint.__doc__ = page.data.__doc__
    endpoint.__name__ = f"{page.key}_{fmt}"
    return endpoint


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "message key"},
        "message": {"type": "string", "description": "in the request's language"},
        "messages": {"type": "object", "additionalProperties": {"type": "string"},
                     "description": "the message in every language (es, en)"},
    },
}  # fmt: skip
FORMAT_CONTENT = {
    "csv": {"text/csv": {"schema": {"type": "string"}}},
    "parquet": {MEDIA["parquet"]: {"schema": {"type": "string", "format": "binary"}}},
    "geojson": {MEDIA["geojson"]: {"schema": {"type": "object"}}},
    "file": {m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()},
}


def _documented(fmt: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of a route: its content by media type, and its errors (400 for
    a value the route does not take, 404 for an unknown unit or file, 401/403 for a
    restricted page), each a JSON error with its message in both languages."""
    error = {"application/json": {"schema": ERROR_SCHEMA}}
    out: dict[int | str, dict[str, Any]] = {
        400: {"description": "Bad parameter value / valor no admitido", "content": error},
        404: {"description": "Not found / no encontrado", "content": error},
        401: {"description": "Sign in / iniciar sesión", "content": error},
        403: {"description": "Forbidden / sin permiso", "content": error},
    }
    if fmt in FORMAT_CONTENT:
        out[200] = {"description": "OK", "content": FORMAT_CONTENT[fmt]}
    return out


def _is_html(request: Request) -> bool:
    """Whether ``request`` is for a page a person reads (not the API or a file)."""
    path = request.url.path
    return not path.startswith(("/api/", "/static/")) and "." not in path.rsplit("/", 1)[-1]


def _quiet_context(portal: Portal, request: Request) -> PortalContext:
    """The context of a request whose ``lang`` may itself be the bad value."""
    asked = request.query_params.get("lang")
    return portal.context(request, asked if asked in LANGUAGES else None)


def _expected(error: dict[str, Any]) -> str:
    """What the parameter takes, in words both languages read: its choices or its range."""
    context = error.get("ctx") or {}
    pattern = str(context.get("pattern", ""))
    if pattern.startswith("^(") and pattern.endswith(")$") and "[" not in pattern:
        return " | ".join(pattern[2:-2].split("|"))
    bounds = [f"{op} {context[k]}" for k, op in (("ge", "≥"), ("gt", ">"), ("le", "≤"),
                                                  ("lt", "<")) if k in context]  # fmt: skip
    if bounds:
        return ", ".join(bounds)
    if pattern:
        return pattern
    return {"int_parsing": "0-9", "missing": "…"}.get(str(error.get("type")), "")


def create_app(directory: str | Path | Observatory) -> FastAPI:
    """The portal of the observatory in ``directory`` (or of an Observatory's directory),
    which it reads without holding its store (other processes write it meanwhile); several
    such apps serve at once."""
    from sereno.publish.workspace import add_workspace

    directory = Path(directory.directory if isinstance(directory, Observatory) else directory)
    with Observatory.open(directory) as obs:  # brings the store's schema up to date
        config = obs.config
    register_public_pages()
    register_evaluations_page()
    register_hotspots_page()
    register_emerging_page()
    register_reconciliation_page()
    register_field_pages()
    register_harms_page()
    portal = Portal(directory, read_view(config))
    app = FastAPI(
        title=f"Sereno API: {config.name}",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.portal = portal
    app.add_middleware(GZipMiddleware, minimum_size=800)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(HEADERS)
        if auth.https(request):
            response.headers["Strict-Transport-Security"] = auth.HSTS
        asked = request.query_params.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(LANG_COOKIE, asked, max_age=31536000, samesite="lax",
                                secure=auth.https(request))  # fmt: skip
        if request.method == "GET" and request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        """A query value the page does not know: 400 with what was wrong, never a default
        put in its place (FastAPI's own answer is a 422 in JSON, even on an HTML page)."""
        first = exc.errors()[0] if exc.errors() else {}
        where = first.get("loc", ("query", "?"))
        name = str(where[-1]) if where else "?"
        value = request.query_params.get(name, request.path_params.get(name, ""))
        error = SerenoError("publish.bad_parameter", name=name, value=str(value)[:80],
                            expected=_expected(first))  # fmt: skip
        return portal.error(error, _quiet_context(portal, request), _is_html(request), request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown pages and methods: an HTML page for a person, JSON for the API."""
        key = "publish.not_found" if exc.status_code == 404 else "publish.http_error"
        error = SerenoError(key, path=request.url.path, status=exc.status_code)
        return portal.error(error, _quiet_context(portal, request), _is_html(request), request,
                            exc.status_code)  # fmt: skip

    @app.exception_handler(StoreBusyError)
    def store_busy(request: Request, error: StoreBusyError) -> Response:
        # A write met the store held by a command for longer than the portal waits.
        ctx = portal.context(request, None)
        html = not request.url.path.startswith("/api/")
        response = portal.error(error, ctx, html, request)
        response.status_code = 503
        response.headers["Retry-After"] = "10"
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_workspace(app, portal)
    add_field_forms(app, portal)
    for page in pages():
        for fmt in page.variants:
            app.add_api_route(f"{page.api_path}.{fmt}", _endpoint(portal, page, fmt),
                              methods=["GET"], tags=[page.key], response_class=Response,
                              responses=_documented(fmt))  # fmt: skip
        app.add_api_route(page.api_path, _endpoint(portal, page, "json"), methods=["GET"],
                          tags=[page.key], responses=_documented("json"))  # fmt: skip
        app.add_api_route(page.path, _endpoint(portal, page, "html"), methods=["GET"],
                          include_in_schema=False, response_class=HTMLResponse)  # fmt: skip

    @app.get("/api/v1/opendata/{file}", tags=["opendata"], response_class=Response,
             responses=_documented("file"))  # fmt: skip
    def opendata_file(file: Literal[FILES]) -> FileResponse:  # type: ignore[valid-type]
        """One open-data file (the same files ``sereno export`` writes)."""
        path = opendata_folder(portal.data) / file
        if not path.is_file():
            # The record-level files exist only when the privacy policy publishes them.
            raise HTTPException(status_code=404, detail=file)
        return FileResponse(path, filename=file, media_type=MEDIA[file.rsplit(".", 1)[-1]])

    # Routes added elsewhere (the workspace) document their errors too.
    errors = {k: v for k, v in _documented("json").items() if k != 200}
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            route.responses = {**errors, **route.responses}

    return app


def portal_from_environment() -> FastAPI:
    """The portal of the observatory named by ``SERENO_PORTAL_DIR``: the app each worker
    process of ``sereno serve --workers N`` builds for itself."""
    return create_app(os.environ[PORTAL_DIR])
