"""A working group's meetings and agreements, followed up meeting to meeting.

Seed 002 (Juárez): the Mesa de Seguridad "acts as an executive body: agreements are made,
someone takes responsibility ... and in the next meeting progress is reviewed". An
agreement has an owner (organisation and person), a due date, a linked indicator or unit
and a status with its history (open, in progress, done, dropped, overdue); each change is a
step of ``agreement_status`` and a version of the records service. An agreement not done
nor dropped whose due date has passed is *overdue* whatever was last recorded.

The follow-up of a meeting lists what is due by it, what is late, and what changed since the
previous meeting of the same body; :func:`follow_up_sheet` prints it (HTML, PDF).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.records import Actor, cli_actor, require, write_version
from sereno.review.access import owner, resource, visible

STATUSES = ("open", "in_progress", "done", "dropped", "overdue")
CLOSED = ("done", "dropped")


def _day(value: date | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    day = pd.to_datetime(str(value), errors="coerce", format="%Y-%m-%d")
    if pd.isna(day):
        raise SerenoError("review.bad_day", option=name, value=value)
    return day.date()


def add_meeting(
    obs,
    actor: Actor | None,
    meeting_id: str,
    body: str,
    held_on: date | str,
    attendees: list[str] | str | None = None,
) -> str:
    """Record a meeting of ``body`` (its attendees by organisation)."""
    actor = actor or cli_actor(obs)
    if owner(obs, "meetings", "meeting_id", meeting_id)[0]:
        raise SerenoError("review.meeting_exists", meeting=meeting_id)
    held = _day(held_on, "--held-on")
    people = ";".join(attendees) if isinstance(attendees, list) else attendees
    res = resource(obs, "agreement", f"meeting:{meeting_id}", actor.organisation)
    with obs.engine.transaction():
        write_version(
            obs,
            actor,
            "meeting.create",
            res,
            {"meeting_id": meeting_id, "body": body, "held_on": held, "attendees": people},
            check="create",
        )
        obs.engine.execute(
            "INSERT INTO meetings (meeting_id, organisation, body, held_on, attendees) "
            "VALUES (?, ?, ?, ?, ?)",
            [meeting_id, actor.organisation, body, held, people],
        )
    return meeting_id


def _meeting(obs, meeting_id: str) -> dict[str, Any]:
    rows = obs.engine.frame("SELECT * FROM meetings WHERE meeting_id = ?", [meeting_id])
    if rows.empty:
        known = [r[0] for r in obs.engine.rows("SELECT meeting_id FROM meetings ORDER BY held_on")]
        raise SerenoError(
            "review.unknown_meeting", meeting=meeting_id, meetings=", ".join(known) or "-"
        )
    row = {k: (None if pd.isna(v) else v) for k, v in rows.iloc[0].to_dict().items()}
    row["held_on"] = pd.Timestamp(row["held_on"]).date()
    return row


def add_agreement(
    obs,
    actor: Actor | None,
    meeting_id: str,
    text: str,
    owner_organisation: str,
    owner_person: str | None = None,
    due_on: date | str | None = None,
    indicator: str | None = None,
    unit_code: str | None = None,
    public: bool = False,
    agreement_id: str | None = None,
) -> str:
    """An agreement made at ``meeting_id``; its status starts ``open``."""
    actor = actor or cli_actor(obs)
    meeting = _meeting(obs, meeting_id)
    agreement_id = agreement_id or f"A-{uuid.uuid4().hex[:8]}"
    if not text or not text.strip():
        raise SerenoError("review.empty_agreement")
    if owner(obs, "agreements", "agreement_id", agreement_id)[0]:
        raise SerenoError("review.agreement_exists", agreement=agreement_id)
    due = _day(due_on, "--due")
    res = resource(obs, "agreement", agreement_id, actor.organisation)
    content = {
        "agreement_id": agreement_id,
        "meeting_id": meeting_id,
        "text": text,
        "owner_organisation": owner_organisation,
        "owner_person": owner_person,
        "due_on": due,
        "indicator": indicator,
        "unit_code": unit_code,
        "public": bool(public),
        "status": "open",
    }
    with obs.engine.transaction():
        write_version(obs, actor, "agreement.create", res, content, check="create")
        obs.engine.execute(
            "INSERT INTO agreements (agreement_id, organisation, meeting_id, agreement_text, "
            "owner_organisation, owner_person, due_on, indicator, unit_code, status, public) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)",
            [
                agreement_id,
                actor.organisation,
                meeting_id,
                text,
                owner_organisation,
                owner_person,
                due,
                indicator,
                unit_code,
                bool(public),
            ],
        )
        _step(obs, actor, agreement_id, meeting_id, "open", None, meeting["held_on"])
    return agreement_id


def _step(obs, actor, agreement_id, meeting_id, status, note, changed_on) -> None:
    step = obs.engine.scalar(
        "SELECT coalesce(max(step), 0) + 1 FROM agreement_status WHERE agreement_id = ?",
        [agreement_id],
    )
    obs.engine.execute(
        "INSERT INTO agreement_status (agreement_id, step, meeting_id, status, note, "
        "changed_on, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [agreement_id, step, meeting_id, status, note, changed_on, actor.username],
    )


def update_agreement(
    obs,
    actor: Actor | None,
    agreement_id: str,
    status: str,
    meeting_id: str | None = None,
    note: str | None = None,
    changed_on: date | str | None = None,
) -> int:
    """Change an agreement's status (reviewed at ``meeting_id``, on its date); a version."""
    actor = actor or cli_actor(obs)
    if status not in STATUSES:
        raise SerenoError("review.bad_status", value=status, choices=", ".join(STATUSES))
    exists, org = owner(obs, "agreements", "agreement_id", agreement_id)
    if not exists:
        raise SerenoError("review.unknown_agreement", agreement=agreement_id)
    day = _day(changed_on, "--on")
    if meeting_id is not None:
        day = day or _meeting(obs, meeting_id)["held_on"]
    day = day or date.today()
    res = resource(obs, "agreement", agreement_id, org)
    with obs.engine.transaction():
        version = write_version(
            obs,
            actor,
            "agreement.update",
            res,
            {
                "agreement_id": agreement_id,
                "status": status,
                "meeting_id": meeting_id,
                "note": note,
                "changed_on": day,
            },
        )
        obs.engine.execute(
            "UPDATE agreements SET status = ?, updated_at = current_timestamp "
            "WHERE agreement_id = ?",
            [status, agreement_id],
        )
        _step(obs, actor, agreement_id, meeting_id, status, note, day)
    return version


def agreements(obs, actor: Actor, on: date | str | None = None) -> pd.DataFrame:
    """The agreements ``actor`` may see, with the meeting they were made at and their status
    as of ``on`` (default today): the last recorded by then, *overdue* when past due."""
    frame = obs.engine.frame(
        "SELECT a.agreement_id, a.organisation, a.meeting_id, m.body, m.held_on AS made_on, "
        "a.agreement_text, a.owner_organisation, a.owner_person, a.due_on, a.indicator, "
        "a.unit_code, a.public FROM agreements a JOIN meetings m USING (meeting_id) "
        "ORDER BY a.due_on, a.agreement_id"
    )
    frame = visible(obs, actor, "agreement", frame, "agreement_id").reset_index(drop=True)
    day = pd.Timestamp(_day(on, "--on") or date.today())
    steps = obs.engine.frame(
        "SELECT agreement_id, step, status, note, changed_on FROM agreement_status "
        "WHERE changed_on <= ? ORDER BY agreement_id, step",
        [day.date()],
    )
    last = steps.drop_duplicates("agreement_id", keep="last").set_index("agreement_id")
    made = pd.to_datetime(frame["made_on"])
    frame = frame[made <= day].reset_index(drop=True)
    recorded = frame["agreement_id"].map(last["status"]).fillna("open")
    due = pd.to_datetime(frame["due_on"])
    late = ~recorded.isin(CLOSED) & due.notna() & (due < day)
    frame["recorded_status"] = recorded
    frame["status"] = recorded.where(~late, "overdue")
    frame["last_note"] = frame["agreement_id"].map(last["note"])
    frame["changed_on"] = frame["agreement_id"].map(last["changed_on"])
    return frame


def status_history(obs, actor: Actor, agreement_id: str) -> pd.DataFrame:
    exists, org = owner(obs, "agreements", "agreement_id", agreement_id)
    if not exists:
        raise SerenoError("review.unknown_agreement", agreement=agreement_id)
    require(actor, "view", resource(obs, "agreement", agreement_id, org))
    return obs.engine.frame(
        "SELECT step, meeting_id, status, note, changed_on, actor FROM agreement_status "
        "WHERE agreement_id = ? ORDER BY step",
        [agreement_id],
    )


@dataclass(frozen=True)
class FollowUp:
    """The follow-up list of a meeting: what is due by it, what is late, what changed since
    the previous meeting of the same body, and what else stays open."""

    meeting: dict[str, Any]
    previous: dict[str, Any] | None
    due: pd.DataFrame
    late: pd.DataFrame
    changed: pd.DataFrame
    still_open: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict]:
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "meeting": self.meeting,
            "previous": self.previous,
            "due": rows(self.due),
            "late": rows(self.late),
            "changed": rows(self.changed),
            "still_open": rows(self.still_open),
        }


def follow_up(obs, actor: Actor, meeting_id: str) -> FollowUp:
    """The follow-up list for ``meeting_id``, as of its date."""
    meeting = _meeting(obs, meeting_id)
    require(
        actor, "view", resource(obs, "agreement", f"meeting:{meeting_id}", meeting["organisation"])
    )
    day = meeting["held_on"]
    earlier = obs.engine.frame(
        "SELECT meeting_id, held_on FROM meetings WHERE body = ? AND held_on < ? "
        "ORDER BY held_on DESC LIMIT 1",
        [meeting["body"], day],
    )
    previous = None
    if len(earlier):
        previous = _meeting(obs, str(earlier["meeting_id"].iloc[0]))
    frame = agreements(obs, actor, on=day)
    frame = frame[frame["body"] == meeting["body"]]
    due_on = pd.to_datetime(frame["due_on"])
    live = ~frame["recorded_status"].isin(CLOSED)
    late = frame[frame["status"] == "overdue"]
    due = frame[
        live & (frame["status"] != "overdue") & due_on.notna() & (due_on <= pd.Timestamp(day))
    ]
    since = pd.Timestamp(previous["held_on"]) if previous else pd.Timestamp.min
    steps = obs.engine.frame(
        "SELECT agreement_id, step, status, note, changed_on, actor FROM agreement_status "
        "WHERE changed_on > ? AND changed_on <= ? AND step > 1 ORDER BY changed_on, step",
        [since.date() if previous else date(1900, 1, 1), day],
    )
    steps = steps[steps["agreement_id"].isin(frame["agreement_id"])]
    texts = frame.set_index("agreement_id")["agreement_text"]
    changed = steps.assign(agreement_text=steps["agreement_id"].map(texts))
    rest = frame[
        live
        & ~frame["agreement_id"].isin(late["agreement_id"])
        & ~frame["agreement_id"].isin(due["agreement_id"])
    ]
    return FollowUp(
        meeting,
        previous,
        due.reset_index(drop=True),
        late.reset_index(drop=True),
        changed.reset_index(drop=True),
        rest.reset_index(drop=True),
    )


def public_agreements(obs) -> pd.DataFrame:
    """The agreements their working group chose to publish: text, owner organisation, due
    date and status only (never the person responsible)."""
    from sereno.records import OWNER

    frame = agreements(obs, OWNER)
    frame = frame[frame["public"].astype(bool)]
    return frame[
        ["body", "made_on", "agreement_text", "owner_organisation", "due_on", "status"]
    ].reset_index(drop=True)


def follow_up_html(found: FollowUp, lang: str, observatory: str) -> str:
    """The printable follow-up sheet as an HTML page (``templates/followup_sheet.html``)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("sereno.review", "templates"), autoescape=select_autoescape()
    )
    return env.get_template("followup_sheet.html").render(
        f=found.to_dict(),
        lang=lang,
        observatory=observatory,
        t=lambda key, **v: t(key, lang, **v),
    )


def follow_up_sheet(found: FollowUp, path: str | Path, lang: str, observatory: str) -> Path:
    """Write the follow-up sheet to ``path``: .html, or .pdf (WeasyPrint)."""
    path = Path(path)
    html = follow_up_html(found, lang, observatory)
    if path.suffix.lower() == ".pdf":
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)
    elif path.suffix.lower() in (".html", ".htm"):
        path.write_text(html, encoding="utf-8")
    else:
        raise SerenoError("io.bad_output", file=path, formats=".html, .pdf")
    return path
