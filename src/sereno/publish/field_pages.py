"""The review stage in the portal: workspace pages for reviews, groups, agreements, projects
and clerical review, the public list of published agreements and the public tabulations of
the reviews (their forms are in :mod:`sereno.publish.field_forms`).

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
from fastapi import Form, Query

from sereno.errors import SerenoError
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
    # "name" is a person's name to the privacy policy (secret); a group's is shown to staff.
    found = found.rename(columns={"name": "group_name"})
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
        "indicators": _rows(monitor.indicators.rename(columns={"name": "indicator_name"})),
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
