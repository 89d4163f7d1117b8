"""Homicide incident reviews: imported from a spreadsheet or entered on the workspace's form,
checked against the questionnaire, stored as versions of the records service.

A review is restricted by default: it is read only through :func:`reviews` (the records
service's check on each row), its narrative, location and informant are secret fields of
the privacy policy, and what reaches the public is only the tabulations that pass the
suppression rule (:mod:`sereno.review.tabulate`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sereno.errors import SerenoError
from sereno.i18n import t
from sereno.io import read_table
from sereno.records import Actor, allowed, cli_actor, require, write_version
from sereno.review.access import resource, visible
from sereno.review.batches import FieldImport, record_batch
from sereno.review.form import ReviewForm, check_answers, fold, load_form

COLUMNS = (
    "record_id",
    "event_id",
    "unit_code",
    "incident_date",
    "weapon",
    "victim_group",
    "offender_group",
    "victim_age",
    "victim_sex",
    "offender_age",
    "offender_sex",
    "confidence",
    "reviewer",
    "reviewed_on",
    "narrative",
    "location",
    "sources_consulted",
)


def known_groups(obs) -> dict[str, str]:
    """Folded group id, name or alias -> group id."""
    found = {}
    for gid, name, aliases in obs.engine.rows("SELECT group_id, name, aliases FROM armed_groups"):
        for label in (gid, name, *(aliases or "").split(";")):
            if label and label.strip():
                found[fold(label)] = gid
    return found


def import_reviews(
    obs,
    path: str | Path,
    form: str | Path | ReviewForm | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> FieldImport:
    """Read a review spreadsheet (CSV, XLSX, ...) with ``form`` (default: the seed's) and
    store every good row as a version of its review; the rest is quarantined with a reason.
    A row's ``review_id`` is the file's, or the hash of its answers; a row equal to the
    stored review is a duplicate, a changed one its next version."""
    actor = actor or cli_actor(obs)
    path = Path(path)
    form = form if isinstance(form, ReviewForm) else load_form(form)
    require(actor, "create", resource(obs, "review", None, actor.organisation))
    frame = read_table(path)
    frame.index = pd.RangeIndex(len(frame))
    columns = form.columns([str(c) for c in frame.columns], path)
    units = {r[0] for r in obs.engine.rows("SELECT unit_code FROM units")} or None
    groups = known_groups(obs)
    checked = check_answers(form, frame, columns, units, groups)
    values = _with_ids(checked.values, frame, columns)
    values, linked = _check_links(obs, values)
    problems = pd.concat([checked.problems, linked], ignore_index=True)
    with obs.engine.transaction(commit=not dry_run):
        created, updated, duplicates, refused = _store(obs, actor, form, values)
        problems = pd.concat([problems, refused], ignore_index=True)
        result = record_batch(
            obs, "review", path, actor, frame, problems, created, updated, duplicates, form.name
        )
    if dry_run:
        result = FieldImport(**{**result.__dict__, "dry_run": True})
    return result


def enter_review(obs, actor: Actor, answers: dict[str, Any], form: ReviewForm | None = None):
    """One review typed into the workspace's form: checked as an imported row is, refused
    with the first problem's reason (nothing is stored) or stored as a version."""
    form = form or load_form()
    require(actor, "create", resource(obs, "review", None, actor.organisation))
    frame = pd.DataFrame([{k: ("" if v is None else str(v)) for k, v in answers.items()}])
    columns = form.columns(list(frame.columns), "form")
    units = {r[0] for r in obs.engine.rows("SELECT unit_code FROM units")} or None
    checked = check_answers(form, frame, columns, units, known_groups(obs))
    values, linked = _check_links(obs, _with_ids(checked.values, frame, columns))
    problems = pd.concat([checked.problems, linked], ignore_index=True)
    if len(problems):
        p = problems.iloc[0]
        raise SerenoError(
            "review.bad_answer",
            field=p["column_name"],
            value=p["value"],
            reason=t(f"review.reason.{p['reason_code']}"),
            expected=p["expected"] or "-",
        )
    with obs.engine.transaction():
        refused = _store(obs, actor, form, values)[3]
    if len(refused):
        raise SerenoError(
            "records.forbidden",
            actor=actor.username,
            action="update",
            resource=f"review:{values.iloc[0]['review_id']}",
        )
    return str(values.iloc[0]["review_id"])


def _with_ids(values: pd.DataFrame, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Each row's review id: the file's, or a hash of the row's answers (so a re-import of a
    file without ids adds nothing twice)."""
    values = values.copy()
    answers = values.apply(_answers_json, axis=1) if len(values) else pd.Series(dtype=str)
    given = values["review_id"] if "review_id" in values else pd.Series(None, index=values.index)
    made = answers.map(lambda a: "R-" + hashlib.md5(a.encode()).hexdigest()[:12])
    values["review_id"] = given.where(given.notna() & (given != ""), made)
    values["answers"] = answers
    values["content_hash"] = answers.map(lambda a: hashlib.md5(a.encode()).hexdigest())
    return values


def _answers_json(row: pd.Series) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, list):
            return v
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        return str(v) if not isinstance(v, int | float) else v

    return json.dumps(
        {k: plain(v) for k, v in row.items() if k != "review_id"},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def _check_links(obs, values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows naming a victim record or linked event the store does not have are quarantined."""
    bad = []
    for column, sql in (
        ("record_id", "SELECT record_id FROM victims"),
        ("event_id", "SELECT DISTINCT event_id FROM events"),
    ):
        if column not in values:
            continue
        given = values[column].dropna()
        if given.empty:
            continue
        known = {int(r[0]) for r in obs.engine.rows(sql)}
        missing = given[~given.astype("int64").isin(known)]
        bad.append(
            pd.DataFrame(
                {
                    "row": missing.index,
                    "reason_code": f"unknown_{column}",
                    "column_name": column,
                    "value": missing.astype(str).to_numpy(),
                    "expected": "",
                    "field": column,
                }
            )
        )
    found = pd.concat(bad) if bad else pd.DataFrame(columns=["row", "reason_code"])
    return values.drop(index=found["row"]), found


def _store(obs, actor: Actor, form: ReviewForm, values: pd.DataFrame):
    """Create or update each review (versions first); returns created, updated, duplicates and
    the rows refused because another organisation owns the review."""
    values = values.drop_duplicates("review_id", keep="last")
    stored = obs.engine.frame("SELECT review_id, organisation, content_hash FROM reviews")
    stored = stored.set_index("review_id")
    created = updated = duplicates = 0
    refused, keep = [], []
    for index, row in values.iterrows():
        rid = str(row["review_id"])
        if rid in stored.index:
            if stored.at[rid, "content_hash"] == row["content_hash"]:
                duplicates += 1
                continue
            org = stored.at[rid, "organisation"]
            res = resource(obs, "review", rid, None if pd.isna(org) else org)
            if not allowed(actor, "update", res):
                refused.append(
                    {
                        "row": index,
                        "reason_code": "not_yours",
                        "column_name": "review_id",
                        "value": rid,
                        "expected": "",
                        "field": "review_id",
                    }
                )
                continue
            write_version(obs, actor, "review.update", res, _content(row))
            updated += 1
        else:
            res = resource(obs, "review", rid, actor.organisation)
            write_version(obs, actor, "review.create", res, _content(row), check="create")
            created += 1
        keep.append(index)
    rows = values.loc[keep]
    if len(rows):
        ids = rows["review_id"].astype(str).tolist()
        marks = ", ".join("?" for _ in ids)
        for table in ("reviews", "review_motives", "review_groups"):
            obs.engine.execute(f"DELETE FROM {table} WHERE review_id IN ({marks})", ids)
        owners = [
            stored.at[r, "organisation"] if r in stored.index else actor.organisation for r in ids
        ]
        obs.engine.insert("reviews", _reviews_table(rows, form.name, owners))
        motives = rows[["review_id", "motives"]].explode("motives").dropna()
        if len(motives):
            obs.engine.insert(
                "review_motives",
                pa.table(
                    {"review_id": motives["review_id"].astype(str), "motive": motives["motives"]}
                ),
            )
        named = []
        for side in ("victim", "offender"):
            if f"{side}_groups" in rows:
                g = rows[["review_id", f"{side}_groups"]].explode(f"{side}_groups").dropna()
                named.append(
                    pd.DataFrame(
                        {
                            "review_id": g["review_id"].astype(str),
                            "group_id": g[f"{side}_groups"],
                            "side": side,
                        }
                    )
                )
        named = pd.concat(named) if named else pd.DataFrame()
        if len(named):
            obs.engine.insert("review_groups", pa.Table.from_pandas(named, preserve_index=False))
    refused_frame = pd.DataFrame(
        refused, columns=["row", "reason_code", "column_name", "value", "expected", "field"]
    )
    return created, updated, duplicates, refused_frame


def _content(row: pd.Series) -> dict[str, Any]:
    return {"review_id": str(row["review_id"]), "answers": json.loads(row["answers"])}


def _reviews_table(rows: pd.DataFrame, form_name: str, owners: list) -> pa.Table:
    def column(name: str) -> list:
        if name not in rows:
            return [None] * len(rows)
        return [None if (not isinstance(v, list) and pd.isna(v)) else v for v in rows[name]]

    def integer(name: str) -> pa.Array:
        return pa.array([None if v is None else int(v) for v in column(name)], pa.int64())

    table = {
        "review_id": rows["review_id"].astype(str).tolist(),
        "organisation": owners,
        "form_name": [form_name] * len(rows),
        "record_id": integer("record_id"),
        "event_id": integer("event_id"),
        **{
            c: column(c)
            for c in ("unit_code", "incident_date", "weapon", "victim_group", "offender_group")
        },
        "victim_age": integer("victim_age"),
        "victim_sex": column("victim_sex"),
        "offender_age": integer("offender_age"),
        "offender_sex": column("offender_sex"),
        **{
            c: column(c)
            for c in (
                "confidence",
                "reviewer",
                "reviewed_on",
                "narrative",
                "location",
                "sources_consulted",
            )
        },
        "answers": rows["answers"].tolist(),
        "content_hash": rows["content_hash"].tolist(),
    }
    table["victim_group"] = [v or "unknown" for v in table["victim_group"]]
    table["offender_group"] = [v or "unknown" for v in table["offender_group"]]
    return pa.table(table)


def reviews(obs, actor: Actor, secret: bool = False) -> pd.DataFrame:
    """The reviews ``actor`` may see, one row each, with ``motives`` and the groups named as
    lists. ``secret`` adds the narrative and location (for the CLI of a permitted person;
    pages never ask for them)."""
    extra = ", narrative, location" if secret else ""
    frame = obs.engine.frame(
        "SELECT review_id, organisation, form_name, record_id, event_id, unit_code, "
        "incident_date, weapon, victim_group, offender_group, victim_age, victim_sex, "
        "offender_age, offender_sex, confidence, reviewer, reviewed_on, sources_consulted"
        f"{extra} FROM reviews ORDER BY incident_date, review_id"
    )
    frame = visible(obs, actor, "review", frame, "review_id").reset_index(drop=True)
    motives = obs.engine.frame("SELECT review_id, motive FROM review_motives ORDER BY motive")
    named = obs.engine.frame("SELECT review_id, group_id, side FROM review_groups ORDER BY 2")
    lists = motives.groupby("review_id")["motive"].agg(list)
    frame["motives"] = [lists.get(r, []) for r in frame["review_id"]]
    for side in ("victim", "offender"):
        g = named[named["side"] == side].groupby("review_id")["group_id"].agg(list)
        frame[f"{side}_groups"] = [g.get(r, []) for r in frame["review_id"]]
    return frame
