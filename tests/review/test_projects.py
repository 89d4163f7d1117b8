"""Projects (issue 16): activity and impact indicators, the flag of projects without an
impact indicator, quarantine of bad entries, link to a stored intervention."""

from __future__ import annotations

import pytest

from sereno.records import Actor, history
from sereno.review.projects import load_projects, projects

ANA = Actor("ana", "analyst", "ASJ", "cli")
BETO = Actor("beto", "analyst", "OTRA", "cli")

PROJECTS = """
projects:
  - project_id: P1
    title: Centro juvenil
    implementer: ONG Jóvenes (ficticio)
    units: [U1, U2]
    budget_usd: 250000
    start: 2023-07-01
    end: 2023-12-31
    risk_factor: youth_idleness
    intervention: INT1
    indicators:
      - {id: talleres, kind: activity, name: Talleres, baseline: 0, target: 40,
         measured: {2023-09-30: 12, 2023-12-31: 30}}
      - {id: homicidios, kind: impact, name: Homicidios en U1-U2, baseline: 20, target: 10,
         measured: {2023-12-31: 16}}
  - project_id: P2
    title: Murales
    implementer: Municipio
    units: [U3]
    start: 2023-01-01
    indicators:
      - {id: murales, kind: activity, name: Murales pintados, baseline: 0, target: 10,
         measured: {2023-06-30: 4}}
  - project_id: P3
    title: Sin fecha
    implementer: X
  - project_id: P4
    title: Colonia inexistente
    implementer: X
    start: 2023-01-01
    units: [U99]
  - project_id: P5
    title: Indicador raro
    implementer: X
    start: 2023-01-01
    indicators: [{id: a, kind: outcome}]
"""


def test_projects_flagged_without_impact_indicators(grid_observatory, tmp_path):
    obs = grid_observatory
    obs.engine.execute(
        "INSERT INTO interventions (intervention_id, name_es, name_en, "
        "start_date) VALUES ('INT1', 'Programa', 'Program', '2023-07-01')"
    )
    path = tmp_path / "proyectos.yaml"
    path.write_text(PROJECTS, encoding="utf-8")
    result = load_projects(obs, path, actor=ANA)
    assert (result.rows_read, result.created, result.quarantined) == (5, 2, 3)
    assert result.reasons == {"bad_kind": 1, "missing_value": 1, "unknown_unit": 1}
    found = projects(obs, ANA)
    assert found.flagged == ["P2"]
    p1 = found.projects.set_index("project_id").loc["P1"]
    assert (p1.activity_indicators, p1.impact_indicators, p1.intervention_id) == (1, 1, "INT1")
    assert p1.unit_codes == ["U1", "U2"]
    ind = found.indicators.set_index("indicator_id")
    assert ind.loc["talleres", "latest"] == 30 and ind.loc["talleres", "progress"] == 0.75
    assert ind.loc["homicidios", "progress"] == pytest.approx(0.4)  # 20 -> 16 of 20 -> 10
    assert projects(obs, BETO).projects.empty
    again = load_projects(obs, path, actor=ANA)
    assert (again.created, again.updated, again.duplicates) == (0, 0, 2)
    assert history(obs, "project", "P1")["version"].tolist() == [1]
    path.write_text(PROJECTS.replace("title: Murales", "title: Murales y plazas"), "utf-8")
    assert load_projects(obs, path, actor=ANA).updated == 1
    assert history(obs, "project", "P2")["action"].tolist() == ["project.create", "project.update"]
