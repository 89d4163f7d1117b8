"""Funded projects and their monitoring: activity and impact indicators, and evaluation.

Seed 002 (Juárez): PRONAPRED's projects were judged by activities (workshops held, people
reached) rather than impact, and only a minority had impact indicators. A project here has
activity and impact indicators with baseline, target and measured values over time; a
project without any impact indicator is flagged. A project names the intervention
(``sereno interventions load``) its money paid for, so the evaluation stage estimates its
effect on homicides (:func:`evaluate_project`).

``load_projects`` reads a YAML or JSON file::

    projects:
      - project_id: P1
        title: Centro comunitario juvenil
        implementer: ONG Jóvenes (ficticio)
        units: [C001, C002]
        budget_usd: 250000
        start: 2023-07-01
        end: 2023-12-31
        risk_factor: youth_idleness
        intervention: INT1
        indicators:
          - {id: talleres, kind: activity, name: Talleres impartidos, baseline: 0, target: 40,
             measured: {2023-09-30: 12, 2023-12-31: 35}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import yaml

from sereno.errors import InputFileError, SerenoError
from sereno.records import Actor, cli_actor, require, write_version
from sereno.review.access import owner, resource, visible
from sereno.review.batches import FieldImport, record_batch

KINDS = ("activity", "impact")
RISK_FACTORS = (
    "youth_idleness",
    "school_dropout",
    "unemployment",
    "family_violence",
    "drug_use",
    "public_space",
    "gang_presence",
    "other",
)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if value in (None, ""):
        return None
    day = pd.to_datetime(str(value), errors="coerce", format="%Y-%m-%d")
    return None if pd.isna(day) else day.date()


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputFileError("error.file_missing", file=path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputFileError(file=path, detail=str(exc).splitlines()[0]) from None
    items = document.get("projects") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InputFileError(file=path, detail="projects: [...]")
    return [_plain(item) for item in items]


def _plain(value: Any) -> Any:
    """YAML's dates (as keys too) as ISO text, so a project is JSON as it was written."""
    if isinstance(value, dict):
        return {
            str(k.isoformat() if isinstance(k, date) else k): _plain(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.isoformat() if isinstance(value, date) else value


def _problem(project: Any) -> tuple[str, str, str, str] | None:
    """The first reason ``project`` cannot be stored (reason, field, value, expected)."""
    if not isinstance(project, dict):
        return ("missing_value", "project_id", str(project)[:60], "")
    for key in ("project_id", "title", "implementer", "start"):
        if not str(project.get(key) or "").strip():
            return ("missing_value", key, "", "")
    for key in ("start", "end"):
        if project.get(key) not in (None, "") and _day(project.get(key)) is None:
            return ("bad_date", key, str(project.get(key)), "YYYY-MM-DD")
    risk = project.get("risk_factor")
    if risk is not None and risk not in RISK_FACTORS:
        return ("not_in_list", "risk_factor", str(risk), ", ".join(RISK_FACTORS))
    for indicator in project.get("indicators") or []:
        if not isinstance(indicator, dict) or not indicator.get("id"):
            return ("missing_value", "indicators.id", "", "")
        if indicator.get("kind") not in KINDS:
            return ("bad_kind", "indicators.kind", str(indicator.get("kind")), ", ".join(KINDS))
        for day, value in (indicator.get("measured") or {}).items():
            if _day(day) is None:
                return ("bad_date", "indicators.measured", str(day), "YYYY-MM-DD")
            if pd.isna(pd.to_numeric(value, errors="coerce")):
                return ("bad_number", "indicators.measured", str(value), "")
    return None


def load_projects(
    obs, path: str | Path, actor: Actor | None = None, dry_run: bool = False
) -> FieldImport:
    """Load projects with their indicators and measurements; bad ones quarantined."""
    actor = actor or cli_actor(obs)
    path = Path(path)
    require(actor, "create", resource(obs, "project", None, actor.organisation))
    items = _read(path)
    frame = pd.DataFrame({"raw": [json.dumps(p, default=str, ensure_ascii=False) for p in items]})
    units = {r[0] for r in obs.engine.rows("SELECT unit_code FROM units")}
    interventions = {r[0] for r in obs.engine.rows("SELECT intervention_id FROM interventions")}
    problems, good = [], []
    for index, project in enumerate(items):
        found = _problem(project)
        if found is None:
            unknown = [u for u in project.get("units") or [] if u not in units]
            if unknown:
                found = ("unknown_unit", "units", ", ".join(unknown), "")
            elif project.get("intervention") and project["intervention"] not in interventions:
                found = (
                    "unknown_intervention",
                    "intervention",
                    str(project["intervention"]),
                    ", ".join(sorted(interventions)) or "-",
                )
        if found:
            problems.append(
                dict(
                    zip(
                        ("row", "reason_code", "column_name", "value", "expected"),
                        (index, *found),
                        strict=True,
                    )
                )
            )
        else:
            good.append(project)
    created = updated = duplicates = 0
    with obs.engine.transaction(commit=not dry_run):
        for project in good:
            outcome = _store(obs, actor, project)
            created += outcome == "created"
            updated += outcome == "updated"
            duplicates += outcome == "duplicate"
        result = record_batch(
            obs,
            "project",
            path,
            actor,
            frame,
            pd.DataFrame(
                problems, columns=["row", "reason_code", "column_name", "value", "expected"]
            ),
            created,
            updated,
            duplicates,
        )
    return FieldImport(**{**result.__dict__, "dry_run": dry_run})


def _store(obs, actor: Actor, project: dict[str, Any]) -> str:
    pid = str(project["project_id"])
    content = json.loads(json.dumps(project, default=str))
    exists, org = owner(obs, "projects", "project_id", pid)
    res = resource(obs, "project", pid, org if exists else actor.organisation)
    if exists:
        last = obs.engine.scalar(
            "SELECT content FROM versions WHERE resource_kind = 'project' AND resource_id = ? "
            "ORDER BY version DESC LIMIT 1",
            [pid],
        )
        if last is not None and json.loads(last) == content:
            return "duplicate"
        write_version(obs, actor, "project.update", res, content)
    else:
        write_version(obs, actor, "project.create", res, content, check="create")
    for table in ("projects", "project_units", "project_indicators", "project_measurements"):
        obs.engine.execute(f"DELETE FROM {table} WHERE project_id = ?", [pid])
    obs.engine.execute(
        "INSERT INTO projects (project_id, organisation, title, implementer, budget_usd, "
        "start_date, end_date, risk_factor, intervention_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            pid,
            res.organisation,
            project["title"],
            project["implementer"],
            None if project.get("budget_usd") is None else float(project["budget_usd"]),
            _day(project["start"]),
            _day(project.get("end")),
            project.get("risk_factor"),
            project.get("intervention"),
        ],
    )
    units = sorted(set(project.get("units") or []))
    if units:
        obs.engine.insert(
            "project_units", pa.table({"project_id": [pid] * len(units), "unit_code": units})
        )
    indicators, measured = [], []
    for ind in project.get("indicators") or []:
        indicators.append(
            {
                "project_id": pid,
                "indicator_id": str(ind["id"]),
                "kind": ind["kind"],
                "name": str(ind.get("name") or ind["id"]),
                "baseline": _number(ind.get("baseline")),
                "target": _number(ind.get("target")),
            }
        )
        for day, value in (ind.get("measured") or {}).items():
            measured.append(
                {
                    "project_id": pid,
                    "indicator_id": str(ind["id"]),
                    "measured_on": _day(day),
                    "value": float(value),
                }
            )
    if indicators:
        obs.engine.insert(
            "project_indicators",
            pa.Table.from_pylist(
                indicators,
                schema=pa.schema(
                    [
                        ("project_id", pa.string()),
                        ("indicator_id", pa.string()),
                        ("kind", pa.string()),
                        ("name", pa.string()),
                        ("baseline", pa.float64()),
                        ("target", pa.float64()),
                    ]
                ),
            ),
        )
    if measured:
        obs.engine.insert("project_measurements", pa.Table.from_pylist(measured))
    return "updated" if exists else "created"


def _number(value: Any) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


@dataclass(frozen=True)
class ProjectMonitor:
    """Projects with their indicators: ``projects`` (one row each, ``impact_indicators`` and
    ``flag_no_impact``) and ``indicators`` (baseline, target, latest measured, progress)."""

    projects: pd.DataFrame
    indicators: pd.DataFrame

    @property
    def flagged(self) -> list[str]:
        return self.projects.loc[self.projects["flag_no_impact"], "project_id"].tolist()

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict]:
            return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")

        return {
            "projects": rows(self.projects),
            "indicators": rows(self.indicators),
            "flagged": self.flagged,
        }


def projects(obs, actor: Actor) -> ProjectMonitor:
    """The projects ``actor`` may see, each indicator's latest value and progress toward its
    target ((latest - baseline) / (target - baseline)), and the flag of projects without an
    impact indicator."""
    frame = obs.engine.frame(
        "SELECT project_id, organisation, title, implementer, budget_usd, start_date, end_date, "
        "risk_factor, intervention_id FROM projects ORDER BY project_id"
    )
    frame = visible(obs, actor, "project", frame, "project_id").reset_index(drop=True)
    d = obs.engine.dialect
    units = obs.engine.frame(
        f"SELECT project_id, {d.list_agg('unit_code', 'unit_code')} AS unit_codes "
        "FROM project_units GROUP BY project_id"
    ).set_index("project_id")["unit_codes"]
    frame["unit_codes"] = [list(units.get(p, [])) for p in frame["project_id"]]
    ind = obs.engine.frame(
        "SELECT i.project_id, i.indicator_id, i.kind, i.name, i.baseline, i.target, "
        "m.measured_on, m.value FROM project_indicators i LEFT JOIN project_measurements m "
        "ON m.project_id = i.project_id AND m.indicator_id = i.indicator_id "
        "ORDER BY i.project_id, i.indicator_id, m.measured_on"
    )
    ind = ind[ind["project_id"].isin(frame["project_id"])]
    latest = ind.drop_duplicates(["project_id", "indicator_id"], keep="last").copy()
    latest = latest.rename(columns={"value": "latest", "measured_on": "latest_on"})
    span = latest["target"] - latest["baseline"]
    latest["progress"] = (latest["latest"] - latest["baseline"]) / span.where(span != 0)
    impact = latest[latest["kind"] == "impact"].groupby("project_id").size()
    frame["activity_indicators"] = [
        int((latest["project_id"].eq(p) & latest["kind"].eq("activity")).sum())
        for p in frame["project_id"]
    ]
    frame["impact_indicators"] = [int(impact.get(p, 0)) for p in frame["project_id"]]
    frame["flag_no_impact"] = frame["impact_indicators"] == 0
    return ProjectMonitor(frame, latest.reset_index(drop=True))


def evaluate_project(obs, actor: Actor, project_id: str, method: str = "did", **options: Any):
    """The effect of a project on homicides: the evaluation stage's estimate for the
    intervention it names (:func:`sereno.evaluate.store.evaluate_intervention`)."""
    from sereno.evaluate.store import evaluate_intervention

    exists, org = owner(obs, "projects", "project_id", project_id)
    if not exists:
        raise SerenoError("review.unknown_project", project=project_id)
    require(actor, "view", resource(obs, "project", project_id, org))
    intervention = obs.engine.scalar(
        "SELECT intervention_id FROM projects WHERE project_id = ?", [project_id]
    )
    if not intervention:
        raise SerenoError("review.project_without_intervention", project=project_id)
    return evaluate_intervention(obs, intervention, method, **options)
