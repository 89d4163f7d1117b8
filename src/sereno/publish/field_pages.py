"""The review stage in the portal: workspace pages for reviews, groups, agreements, projects
and clerical review, their forms, and the public list of published agreements.

Every page is a registered page (HTML and its JSON twin, CSV where a table helps) with
``audience="restricted"``: anonymous visitors are sent to sign in and never get a byte of a
field record. Inside, each row passes the records service's check for the signed-in person
(:func:`sereno.review.access.visible`), so an analyst of another organisation sees nothing
of a review, a group or a restricted agreement, in the page, the API or the CSV alike.
Secret fields (narrative, location, informant, members) are never selected.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from sereno.errors import SerenoError
from sereno.publish import auth
from sereno.publish.pages import PAGES, PortalContext, PortalPage, records, register_page
from sereno.publish.privacy import PUBLIC, RESTRICTED
from sereno.review.form import load_form

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, list)).any():
            frame[column] = frame[column].map(lambda v: ";".join(map(str, v)))
    return records(frame)


def reviews_data(
    ctx: PortalContext, side: Annotated[str, Query(pattern="^(any|victim|offender)$")] = "any"
) -> dict[str, Any]:
    """The incident reviews the signed-in person may see (never narratives, locations or
    informants) and their tabulations: group involvement with exact intervals and coverage,
    motives (several per homicide), groups named."""
    from sereno.review.reviews import reviews

    with ctx.data.lock:
        frame = reviews(ctx.data.obs, ctx.actor)
        tables = _tables(ctx, ctx.actor, side)
    form = load_form()
    fields = [
        {
            "id": f.id,
            "type": f.type,
            "required": f.required,
            "label": f.title(ctx.lang),
            "choices": [{"code": c, "label": f.choice_label(c, ctx.lang)} for c in f.choices],
        }
        for f in form.fields
        if f.id not in ("record_id", "event_id")
    ]
    out: dict[str, Any] = {"reviews": _rows(frame), "form": fields, "side": side, "tables": None}
    if tables is not None:
        out["tables"] = {k: v for k, v in tables.to_dict().items() if k != "summary"}
        out["sentence"] = tables.summary(ctx.lang)
    return out


def groups_data(ctx: PortalContext) -> dict[str, Any]:
    """The group audit the signed-in person may see: groups (never their members) and their
    relations, with the network and territory pictures."""
    from sereno.review.groups import groups, relations

    with ctx.data.lock:
        found = groups(ctx.data.obs, ctx.actor)
        links = relations(ctx.data.obs, ctx.actor)
    return {
        "groups": _rows(found),
        "relations": _rows(links),
        "relation_kinds": ["alliance", "rivalry", "conflict", "split"],
    }


def agreements_data(
    ctx: PortalContext, meeting: Annotated[str | None, Query(max_length=60)] = None
) -> dict[str, Any]:
    """Agreements and their status today, the meetings, and the follow-up list of
    ``meeting`` (default: the latest)."""
    from sereno.review.agreements import STATUSES, agreements, follow_up

    with ctx.data.lock:
        obs = ctx.data.obs
        found = agreements(obs, ctx.actor)
        meetings = obs.engine.frame(
            "SELECT meeting_id, organisation, body, held_on, attendees FROM meetings "
            "ORDER BY held_on"
        )
        from sereno.review.access import visible

        meetings = visible(
            obs,
            ctx.actor,
            "agreement",
            meetings.assign(rid="meeting:" + meetings["meeting_id"]),
            "rid",
        )
        chosen = meeting or (meetings["meeting_id"].iloc[-1] if len(meetings) else None)
        if chosen is not None and chosen not in set(meetings["meeting_id"]):
            raise SerenoError(
                "review.unknown_meeting",
                meeting=chosen,
                meetings=", ".join(meetings["meeting_id"]) or "-",
            )
        follow = follow_up(obs, ctx.actor, chosen).to_dict() if chosen else None
    return {
        "agreements": _rows(found),
        "meetings": _rows(meetings.drop(columns=["rid"])),
        "meeting": chosen,
        "follow_up": follow,
        "statuses": list(STATUSES),
    }


def projects_data(ctx: PortalContext) -> dict[str, Any]:
    """Projects with their activity and impact indicators; those without any impact
    indicator flagged."""
    from sereno.review.projects import projects

    with ctx.data.lock:
        monitor = projects(ctx.data.obs, ctx.actor)
    return {
        "projects": _rows(monitor.projects),
        "indicators": _rows(monitor.indicators),
        "flagged": monitor.flagged,
    }


def clerical_data(ctx: PortalContext) -> dict[str, Any]:
    """The latest linkage run's uncertain pairs, side by side, without the model's score."""
    from sereno.review.clerical import pairs_to_review

    with ctx.data.lock:
        try:
            pairs = pairs_to_review(ctx.data.obs, ctx.actor)
        except SerenoError as error:
            if error.key != "link.no_run":
                raise
            return {"pairs": [], "message": error.message(ctx.lang)}
    return {"pairs": records(pairs), "message": None}


def public_agreements_data(ctx: PortalContext) -> dict[str, Any]:
    """The agreements their working group chose to publish, with their status."""
    from sereno.review.agreements import public_agreements

    with ctx.data.lock:
        found = public_agreements(ctx.data.obs)
    return {"agreements": records(found)}


def public_review_data(ctx: PortalContext) -> dict[str, Any]:
    """The incident reviews' tabulations as the public may see them, when the observatory
    publishes them (``[review] publish_tables = true``): units with fewer reviews than the
    small-count threshold withheld, small counts suppressed; never a review itself."""
    from sereno.records import OWNER
    from sereno.review.tabulate import public_cells

    threshold = ctx.data.policy.min_public_count
    section = ctx.data.obs.config.document.get("review", {})
    empty = {"published": False, "threshold": threshold, "involvement": [], "motives": []}
    if not section.get("publish_tables", False):
        return empty
    with ctx.data.lock:
        tables = _tables(ctx, OWNER, "any")
    if tables is None:
        return {**empty, "published": True}
    involvement = public_cells(tables, threshold)
    motives = tables.motives[tables.motives["unit_code"].isin(involvement["unit_code"])].copy()
    small = motives["n"] < threshold
    motives["suppressed"] = small
    motives.loc[small, ["n", "share", "low", "high"]] = None
    return {"published": True, "threshold": threshold, "involvement": records(involvement),
            "motives": records(motives.drop(columns=["n_reviewed"]))}  # fmt: skip


def _tables(ctx: PortalContext, actor, side: str):
    """The tabulations of the reviews ``actor`` may see, or None when there are none."""
    from sereno.review.tabulate import review_tables

    try:
        return review_tables(ctx.data.obs, actor, ("unit_code",), side)
    except SerenoError as error:
        if error.key != "review.no_reviews":
            raise
        return None


def register_field_pages() -> None:
    if "field_reviews" in PAGES:
        return
    for page in (
        PortalPage(
            "field_reviews",
            "/workspace/reviews",
            "review.page_reviews",
            reviews_data,
            "field/reviews.html",
            nav=False,
            audience=RESTRICTED,
            permission=("view", "review"),
            table=lambda d: pd.DataFrame(d["reviews"]),
        ),
        PortalPage(
            "field_groups",
            "/workspace/groups",
            "review.page_groups",
            groups_data,
            "field/groups.html",
            nav=False,
            audience=RESTRICTED,
            permission=("view", "group"),
            table=lambda d: pd.DataFrame(d["groups"]),
        ),
        PortalPage(
            "field_agreements",
            "/workspace/agreements",
            "review.page_agreements",
            agreements_data,
            "field/agreements.html",
            nav=False,
            audience=RESTRICTED,
            permission=("view", "agreement"),
            table=lambda d: pd.DataFrame(d["agreements"]),
        ),
        PortalPage(
            "field_projects",
            "/workspace/projects",
            "review.page_projects",
            projects_data,
            "field/projects.html",
            nav=False,
            audience=RESTRICTED,
            permission=("view", "project"),
            table=lambda d: pd.DataFrame(d["projects"]),
        ),
        PortalPage(
            "field_clerical",
            "/workspace/clerical",
            "review.page_clerical",
            clerical_data,
            "field/clerical.html",
            nav=False,
            audience=RESTRICTED,
            permission=("update", "link_review"),
        ),
        PortalPage(
            "review_tables",
            "/reviews",
            "review.page_public_reviews",
            public_review_data,
            "field/public_reviews.html",
            order=62,
            audience=PUBLIC,
            table=lambda d: pd.DataFrame(d["involvement"]),
        ),
        PortalPage(
            "agreements",
            "/agreements",
            "review.page_public_agreements",
            public_agreements_data,
            "field/public_agreements.html",
            order=60,
            audience=PUBLIC,
            table=lambda d: pd.DataFrame(d["agreements"]),
        ),
    ):
        register_page(page)


def add_field_forms(app: FastAPI, portal: Any) -> None:
    """The workspace's forms of the review stage: each checks the session's CSRF token and
    the permission, then writes through the review stage (versions and audit)."""
    register_field_pages()
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
            with data.lock:
                write()
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
            request, ctx, "/workspace/reviews", lambda: enter_review(obs, ctx.actor, answers)
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
            lambda: add_relation(
                obs, ctx.actor, group_a, group_b, kind, since_on=since_on or None, note=note or None
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
            lambda: update_agreement(
                obs, ctx.actor, agreement_id, status, meeting or None, note or None
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
            request, ctx, "/workspace/clerical", lambda: decide_pairs(obs, ctx.actor, decisions)
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
            obs.audit("portal_view_restricted", request.url.path, actor=ctx.user.username)
        return Response(svg(fig), media_type="image/svg+xml")

    @app.get("/workspace/agreements/sheet", include_in_schema=False)
    def agreement_sheet(
        request: Request,
        meeting: Annotated[str, Query(max_length=60)],
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
                obs.audit(
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
