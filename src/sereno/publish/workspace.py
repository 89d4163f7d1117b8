"""The analysts' workspace: sign-in, upload with the quarantine report, quarantine review,
alert status and record-level data, behind accounts with roles.

Forms post their session's CSRF token (the sign-in form a signed pre-session token); every
view or export of restricted data is written to the audit log by the portal's page machinery.
Who may do what is the records service's rule (:mod:`sereno.records.permissions`): a person
sees the record-level data and quarantine of the sources their organisation brought or was
granted, and every write (alert status, upload) goes through it with its version and audit.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from fastapi import FastAPI, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.publish import auth
from sereno.publish.opendata import victim_records
from sereno.publish.pages import PAGES, PortalContext, PortalPage, paged, register_page
from sereno.publish.privacy import RESTRICTED
from sereno.records import require, visible_sources
from sereno.records.accounts import SESSION_HOURS, check_password, close_session, open_session
from sereno.records.permissions import source_resource
from sereno.result import records

SOURCE_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
STATUSES = ("new", "seen", "confirmed", "dismissed")
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]


def workspace_data(ctx: PortalContext) -> dict[str, Any]:
    """Sources, open quarantine by source and reason, and every alert with its status."""
    alerts = ctx.data.alerts()
    return {
        "sources": records(ctx.data.sources()[["source_id", "kind", "counts", "records",
                                                "quarantined"]]),
        "quarantine": records(ctx.data.quarantine_reasons()),
        "alerts": records(alerts.assign(unit_codes=[list(u) for u in alerts["unit_codes"]])),
        "statuses": list(STATUSES), "role": ctx.user.role if ctx.user else None,
    }  # fmt: skip


def quarantine_data(
    ctx: PortalContext,
    source: Annotated[str | None, Query(max_length=40)] = None,
    batch: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Open quarantined rows with the reason written out; secret fields' values masked."""
    rows = ctx.data.frame(
        "SELECT quarantine_id, source_id, batch_id, file_name, row_number, reason_code, field, "
        "column_name, value, expected FROM quarantine WHERE status = 'open' AND "
        "(? IS NULL OR source_id = ?) AND (? IS NULL OR batch_id = ?) "
        "ORDER BY source_id, file_name, row_number",
        [source, source, batch, batch],
    )
    mine = visible_sources(ctx.data.obs, ctx.actor)
    rows = rows[rows["source_id"].isin(mine)]
    secret = [not ctx.data.policy.visible(str(f), RESTRICTED) for f in rows["field"]]
    rows["value"] = rows["value"].where(~pd.Series(secret, dtype=bool, index=rows.index), "•••")
    rows["reason"] = [
        t(f"quarantine.{r.reason_code}", ctx.lang, value=r.value or "", column=r.column_name or "",
          field=r.field or "", expected=r.expected or "")
        for r in rows.itertuples()
    ]  # fmt: skip
    return paged(rows, limit, offset)


def records_data(
    ctx: PortalContext,
    source: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Victim records with public and restricted fields (never secret ones), of the sources
    the signed-in person's organisation may see."""
    frame = victim_records(ctx.data, RESTRICTED)
    mine = visible_sources(ctx.data.obs, ctx.actor)
    frame = frame[frame["source_id"].isin(mine)]
    if source is not None:
        frame = frame[frame["source_id"] == source]
    return paged(frame, limit, offset)


def register_workspace_pages() -> None:
    if "workspace" in PAGES:
        return
    for page in (
        PortalPage("workspace", "/workspace", "publish.page_workspace", workspace_data,
                   "workspace.html", nav=False, audience=RESTRICTED),
        PortalPage("quarantine", "/workspace/quarantine", "publish.page_quarantine",
                   quarantine_data, "quarantine.html", nav=False, audience=RESTRICTED,
                   permission=("view", "quarantine"), table=lambda d: pd.DataFrame(d["items"])),
        PortalPage("records", "/workspace/records", "publish.page_records", records_data,
                   "records.html", nav=False, audience=RESTRICTED,
                   permission=("view", "source_records"), table=lambda d: pd.DataFrame(d["items"])),
    ):  # fmt: skip
        register_page(page)


def add_workspace(app: FastAPI, portal: Any) -> None:
    """Sign-in, sign-out and the workspace's forms."""
    register_workspace_pages()
    obs, renderer = portal.obs, portal.renderer

    secret = auth.portal_secret(obs.directory)

    def guarded(request: Request, csrf: str, permission: tuple[str, str] | None):
        """The context, and a refusal unless signed in, with the form's CSRF token and the
        permission (an action and a resource kind)."""
        ctx = portal.context(request, None)
        user = ctx.user
        if user and auth.csrf_ok(user, csrf) and auth.may(user, permission):
            return ctx, None
        return ctx, refusal(request, ctx, 401 if user is None else 403)

    def refusal(request: Request, ctx: PortalContext, status: int) -> Response:
        return renderer.page("error.html", request, ctx, "publish.error_title",
                             {"message": ctx.t("publish.forbidden")}, status)  # fmt: skip

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str = "/workspace", failed: int = 0) -> Response:
        ctx = portal.context(request, None)
        token = auth.login_token(secret)
        target = next if next.startswith("/") and not next.startswith("//") else "/workspace"
        response = renderer.page("login.html", request, ctx, "publish.login_title",
                                 {"next": target, "failed": bool(failed)}, csrf=token)  # fmt: skip
        response.set_cookie(auth.LOGIN_CSRF, token, httponly=True, samesite="strict",
                            secure=auth.https(request))  # fmt: skip
        return response

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        username: Annotated[str, Form(max_length=60)],
        password: Annotated[str, Form(max_length=200)],
        csrf: Annotated[str, Form(max_length=100)],
        next: Annotated[str, Form(max_length=200)] = "/workspace",
    ) -> Response:
        ctx = portal.context(request, None)
        if not auth.login_token_ok(secret, request.cookies.get(auth.LOGIN_CSRF), csrf):
            return refusal(request, ctx, 403)
        address = request.client.host if request.client else "-"
        if not auth.one_attempt(username):
            return too_many(request, ctx, 1.0)
        try:
            # The attempts are counted in the store itself (every worker sees them), and
            # argon2 runs with the store closed.
            with portal.writing() as live:
                wait = auth.login_wait(live, username, address)
                if wait > 0:
                    live.audit("portal_login_refused", username, actor=username, address=address)
            if wait > 0:
                return too_many(request, ctx, wait)
            actor = check_password(obs, username, password, writing=portal.writing)
            with portal.writing() as live:
                live.audit("portal_login", username, actor=username, ok=actor is not None,
                           address=address)  # fmt: skip
                token = open_session(live, actor) if actor else None
        finally:
            auth.attempt_done(username)
        if token is None:
            return RedirectResponse("/login?failed=1", status_code=303)
        target = next if next.startswith("/") and not next.startswith("//") else "/workspace"
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="strict",
                            max_age=SESSION_HOURS * 3600, secure=auth.https(request))  # fmt: skip
        response.delete_cookie(auth.LOGIN_CSRF)
        return response

    def too_many(request: Request, ctx: PortalContext, wait: float) -> Response:
        locked = wait == float("inf")
        seconds = int(auth.WINDOW.total_seconds()) if locked else max(1, round(wait))
        message = (ctx.t("publish.login_locked", minutes=seconds // 60) if locked
                   else ctx.t("publish.login_wait", seconds=seconds))  # fmt: skip
        response = renderer.page("error.html", request, ctx, "publish.login_title",
                                 {"message": message}, 429)  # fmt: skip
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: Annotated[str, Form(max_length=100)]) -> Response:
        ctx, refused = guarded(request, csrf, None)
        if refused:
            return refused
        with portal.writing() as live:
            close_session(live, request.cookies.get(auth.SESSION_COOKIE), ctx.actor)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response

    @app.post("/workspace/upload", include_in_schema=False)
    def upload(
        request: Request,
        file: UploadFile,
        source: Annotated[str, Form(max_length=40)],
        csrf: Annotated[str, Form(max_length=100)],
        mapping: Annotated[str, Form(max_length=60)] = "",
        mapping_file: UploadFile | None = None,
        dry_run: Annotated[bool, Form()] = False,
    ) -> Response:
        ctx, refused = guarded(request, csrf, ("upload", "source_records"))
        if refused:
            return refused
        try:
            result = _ingest_upload(portal, ctx, file, source, mapping, mapping_file, dry_run)
        except SerenoError as error:
            # The message names the uploaded file, not the server's temporary copy.
            error.facts.update({k: Path(str(v)).name for k, v in error.facts.items()
                                if k == "file"})  # fmt: skip
            return renderer.page("error.html", request, ctx, "publish.upload_title",
                                 {"message": error.message(ctx.lang)}, 400)  # fmt: skip
        rows = quarantine_data(ctx, batch=result.batch_id, limit=500) if not dry_run else None
        with portal.writing() as live:
            live.audit("portal_view_restricted", "/workspace/upload", actor=ctx.user.username,
                       batch=result.batch_id)  # fmt: skip
        return renderer.page("upload_report.html", request, ctx, "publish.upload_title",
                             {"result": result.to_dict(), "quarantine": rows})  # fmt: skip

    @app.post("/workspace/quarantine/retry", include_in_schema=False)
    def retry(
        request: Request,
        source: Annotated[str, Form(max_length=40)],
        csrf: Annotated[str, Form(max_length=100)],
    ) -> Response:
        from sereno.ingest.quarantine import retry_quarantine

        ctx, refused = guarded(request, csrf, ("retry", "quarantine"))
        if refused:
            return refused
        try:
            with portal.writing() as live:
                require(ctx.actor, "retry", source_resource(live, source, "quarantine"))
                retry_quarantine(live, source)
        except SerenoError as error:
            return portal.error(error, ctx, True, request)
        return RedirectResponse(f"/workspace/quarantine?source={source}", status_code=303)

    @app.post("/workspace/alerts/{alert_id}/status", include_in_schema=False)
    def alert_status(
        request: Request,
        alert_id: int,
        status: Annotated[str, Form(pattern="^(new|seen|confirmed|dismissed)$")],
        csrf: Annotated[str, Form(max_length=100)],
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        from sereno.alerts.records import set_status

        ctx, refused = guarded(request, csrf, ("update", "alert"))
        if refused:
            return refused
        try:
            with portal.writing() as live:
                set_status(live, alert_id, status, note or None, actor=ctx.actor)
        except SerenoError as error:
            return portal.error(error, ctx, True, request)
        return RedirectResponse("/workspace", status_code=303)


def _ingest_upload(
    portal: Any,
    ctx: PortalContext,
    file: UploadFile,
    source: str,
    mapping: str,
    mapping_file: UploadFile | None,
    dry_run: bool,
):
    """Run an uploaded file through the same ingestion and quarantine as ``sereno ingest``."""
    from sereno.ingest.mapping import builtin_names
    from sereno.publish.uploads import UploadLimits, ingest_upload

    if not SOURCE_NAME.match(source):
        raise SerenoError("publish.bad_source_name", source=source)
    require(ctx.actor, "upload", source_resource(portal.obs, source))
    if mapping and mapping not in builtin_names():
        raise SerenoError("publish.unknown_mapping", mapping=mapping,
                          builtin=", ".join(builtin_names()))  # fmt: skip
    name = re.sub(r"[^\w.\-]", "_", Path(file.filename or "upload.csv").name)[-120:]
    with tempfile.TemporaryDirectory(prefix="sereno-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(file.file.read())
        ref: str | Path | None = mapping or None
        if mapping_file is not None and mapping_file.filename:
            ref = Path(folder) / "mapping.yaml"
            ref.write_bytes(mapping_file.file.read())
        # Read in a child process with memory and time limits: never in the portal's.
        limits = UploadLimits.from_config(portal.obs.config)
        result = ingest_upload(portal.directory, path, source, ref, dry_run,
                               ctx.user.username, limits)  # fmt: skip
    portal.data.refresh()
    return result
