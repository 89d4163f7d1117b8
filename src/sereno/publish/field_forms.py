"""The review stage's workspace forms: enter a review, record a group relation, change an
agreement's status, decide linkage pairs; and the pictures and printable sheet they link.

Each form checks the session's CSRF token and the permission (an action and a resource
kind) before it writes through the review stage, which checks the row's organisation and
writes the version and its audit entry (:mod:`sereno.records`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from sereno.errors import SerenoError
from sereno.publish import auth
from sereno.publish.field_pages import register_field_pages
from sereno.publish.pages import PortalContext

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


def add_field_forms(app: FastAPI, portal: Any) -> None:
    """The workspace's forms of the review stage: each checks the session's CSRF token and
    the permission, then writes through the review stage (versions and audit)."""
    register_field_pages()
    # Reads go through the portal's read view (``portal.obs``); every write, audit entries
    # included, opens the store for itself (``portal.writing``) and lets go of it at once.
    data, obs = portal.data, portal.obs

    def guarded(request: Request, csrf: str, permission: tuple[str, str]):
        ctx = portal.context(request, None)
        if ctx.user and auth.csrf_ok(ctx.user, csrf) and auth.may(ctx.user, permission):
            return ctx, None
        return ctx, portal.renderer.page(
            "error.html",
            request,
            ctx,
            "publish.error_title",
            {"message": ctx.t("publish.forbidden")},
            401 if ctx.user is None else 403,
        )

    def done(request: Request, ctx: PortalContext, path: str, write) -> Response:
        try:
            with portal.writing() as live:
                write(live)
            data.changed()
        except SerenoError as error:
            return portal.error(error, ctx, True, request)
        return RedirectResponse(f"{path}?lang={ctx.lang}", status_code=303)

    @app.post("/workspace/reviews", include_in_schema=False)
    async def review_entry(request: Request) -> Response:
        from sereno.review.reviews import enter_review

        form = await request.form()
        answers = {
            k: (
                ",".join(str(v) for v in form.getlist(k))
                if k == "motives"
                else str(form.get(k) or "")[:4000]
            )
            for k in form
            if k != "csrf"
        }
        ctx, refused = guarded(request, str(form.get("csrf") or ""), ("create", "review"))
        if refused:
            return refused
        return done(
            request, ctx, "/workspace/reviews", lambda live: enter_review(live, ctx.actor, answers)
        )

    @app.post("/workspace/groups/relations", include_in_schema=False)
    def relation_entry(
        request: Request,
        group_a: Short,
        group_b: Short,
        kind: Short,
        csrf: Short,
        since_on: Short = "",
        note: Text = "",
    ) -> Response:
        from sereno.review.groups import add_relation

        ctx, refused = guarded(request, csrf, ("create", "group"))
        if refused:
            return refused
        return done(
            request,
            ctx,
            "/workspace/groups",
            lambda live: add_relation(
                live,
                ctx.actor,
                group_a,
                group_b,
                kind,
                since_on=since_on or None,
                note=note or None,
            ),
        )

    @app.post("/workspace/agreements/{agreement_id}/status", include_in_schema=False)
    def agreement_status(
        request: Request,
        agreement_id: str,
        status: Short,
        csrf: Short,
        meeting: Short = "",
        note: Text = "",
    ) -> Response:
        from sereno.review.agreements import update_agreement

        ctx, refused = guarded(request, csrf, ("update", "agreement"))
        if refused:
            return refused
        return done(
            request,
            ctx,
            "/workspace/agreements",
            lambda live: update_agreement(
                live, ctx.actor, agreement_id, status, meeting or None, note or None
            ),
        )

    @app.post("/workspace/clerical", include_in_schema=False)
    async def clerical_entry(request: Request) -> Response:
        from sereno.review.clerical import decide_pairs

        form = await request.form()
        ctx, refused = guarded(request, str(form.get("csrf") or ""), ("update", "link_review"))
        if refused:
            return refused
        decisions = []
        for key in form:
            if key.startswith("decision_") and form.get(key):
                left, right = key.removeprefix("decision_").split("_", 1)
                decisions.append(
                    {
                        "record_id_l": int(left),
                        "record_id_r": int(right),
                        "decision": str(form.get(key)),
                        "note": str(form.get(f"note_{left}_{right}") or "")[:500],
                    }
                )
        return done(
            request,
            ctx,
            "/workspace/clerical",
            lambda live: decide_pairs(live, ctx.actor, decisions),
        )

    @app.get("/workspace/groups/{picture}.svg", include_in_schema=False)
    def group_picture(request: Request, picture: str, lang: str | None = None) -> Response:
        from sereno.review.groups import groups, relations, territories
        from sereno.review.pictures import network_figure, svg, territory_figure

        ctx = portal.context(request, lang)
        if not auth.may(ctx.user, ("view", "group")):
            return portal.refuse(ctx, True, request)
        if picture not in ("network", "territory"):
            return Response(status_code=404)
        with data.lock:
            if picture == "network":
                fig = network_figure(groups(obs, ctx.actor), relations(obs, ctx.actor), ctx.lang)
            else:
                fig = territory_figure(territories(obs, ctx.actor), _units(obs), ctx.lang)
        with portal.writing() as live:
            live.audit("portal_view_restricted", request.url.path, actor=ctx.user.username)
        return Response(svg(fig), media_type="image/svg+xml")

    @app.get("/workspace/agreements/sheet", include_in_schema=False)
    def agreement_sheet(
        request: Request,
        meeting: Annotated[str | None, Query(max_length=60)] = None,
        format: Annotated[str, Query(pattern="^(pdf|html)$")] = "pdf",
        lang: str | None = None,
    ) -> Response:
        from sereno.review.agreements import follow_up, follow_up_html

        ctx = portal.context(request, lang)
        if not auth.may(ctx.user, ("view", "agreement")):
            return portal.refuse(ctx, True, request)
        try:
            with data.lock:
                meeting = meeting or obs.engine.scalar(
                    "SELECT meeting_id FROM meetings ORDER BY held_on DESC LIMIT 1"
                )
                if meeting is None:
                    raise SerenoError("review.unknown_meeting", meeting="-", meetings="-")
                found = follow_up(obs, ctx.actor, meeting)
            with portal.writing() as live:
                live.audit(
                    "portal_export_restricted",
                    request.url.path,
                    actor=ctx.user.username,
                    meeting=meeting,
                )
        except SerenoError as error:
            return portal.error(error, ctx, True, request)
        html = follow_up_html(found, ctx.lang, data.name)
        if format == "html":
            return Response(html, media_type="text/html; charset=utf-8")
        from weasyprint import HTML

        return Response(HTML(string=html).write_pdf(), media_type="application/pdf")


def _units(obs):
    import geopandas as gpd
    import shapely

    frame = obs.engine.frame(
        "SELECT unit_code, geometry FROM units WHERE level = (SELECT level "
        "FROM units GROUP BY level ORDER BY count(*) DESC LIMIT 1)"
    )
    shapes = [shapely.from_wkb(bytes(g)) if g is not None else None for g in frame["geometry"]]
    return gpd.GeoDataFrame(frame[["unit_code"]], geometry=shapes, crs="EPSG:4326")
