"""Victims or incidents: what an indicator counts is never silently lost (issue 19, point 1).

Before: after `sereno ingest sesnsp.csv --source sesnsp --mapping sesnsp-municipal`,
`sereno indicators` for homicides said "No hay datos" and the bulletin titled "Los seis
indicadores de la Mesa" showed one indicator; a police file with `incident_id` left the
incidents table empty and fed either the homicide set or the Mesa set, never both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sereno.cli import app
from sereno.indicators.api import compute_indicators
from sereno.ingest.pipeline import ingest_file
from sereno.store import Observatory

runner = CliRunner()
# The fixture's four municipalities in their two states, as squares of a degree.
MUNICIPALITIES = [
    ("08037", "Juárez", "08"),
    ("08019", "Chihuahua", "08"),
    ("12001", "Acapulco de Juárez", "12"),
    ("12029", "Chilpancingo", "12"),
]


def run(*args: str, lang: str = "es"):
    return runner.invoke(app, ["--lang", lang, *args])


def square(x: float, width: float = 1.0) -> dict:
    ring = [[x, 0], [x + width, 0], [x + width, 1], [x, 1], [x, 0]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture(scope="module")
def sesnsp_dir(tmp_path_factory):
    """An observatory of the fixture's municipalities with the SESNSP sample ingested (built
    once: the tests only read it)."""
    data_dir = Path(__file__).parents[1] / "data"
    tmp_path = tmp_path_factory.mktemp("sesnsp")
    obs = str(tmp_path / "obs")
    states = [{"type": "Feature", "properties": {"code": c, "name": n}, "geometry": square(x, 2)}
              for c, n, x in (("08", "Chihuahua", 0), ("12", "Guerrero", 2))]  # fmt: skip
    muns = [
        {"type": "Feature", "properties": {"code": c, "name": n, "parent": p},
         "geometry": square(i)}
        for i, (c, n, p) in enumerate(MUNICIPALITIES)
    ]  # fmt: skip
    for name, features in (("states", states), ("muns", muns)):
        (tmp_path / f"{name}.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features})
        )
    pop = tmp_path / "pop.csv"
    pop.write_text("unit_code,year,population,group\n" + "".join(
        f"{c},{y},500000,total\n" for c, _, _ in MUNICIPALITIES for y in (2023, 2024)))  # fmt: skip
    steps = [
        ("init", obs),
        ("units", "load", str(tmp_path / "states.geojson"), "--level", "state", "--dir", obs),
        ("units", "load", str(tmp_path / "muns.geojson"), "--level", "municipality",
         "--parent", "parent", "--dir", obs),
        ("population", "load", str(pop), "--dir", obs),
        ("ingest", str(data_dir / "sesnsp_municipal_sample.csv"), "--source", "sesnsp",
         "--mapping", "sesnsp-municipal", "--dir", obs),
    ]  # fmt: skip
    for step in steps:
        assert run(*step).exit_code == 0, step
    return obs


def expected_homicides(data_dir, month: int = 8, year: int = 2024) -> int:
    import pandas as pd

    expected = pd.read_csv(data_dir / "sesnsp_municipal_sample.expected.csv", dtype=str)
    rows = expected[(expected.iccs_code == "0101") & (expected.year == str(year))
                    & (expected.month == str(month))]  # fmt: skip
    return int(rows.n.astype(int).sum())


@pytest.mark.parametrize(
    ("lang", "words"),
    [("es", "carpetas de investigación"), ("en", "investigation files (carpetas")],
)
def test_sesnsp_gives_homicides_through_sereno_indicators_saying_they_count_carpetas(
    sesnsp_dir, data_dir, lang, words
):
    result = run("indicators", "--end", "2024-08", "--dir", sesnsp_dir, "--json", lang=lang)
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    rows = [r for r in data["rows"] if r["indicator"] == "homicides" and r["period"] == "2024-08"]
    assert sum(r["n"] for r in rows) == expected_homicides(data_dir)
    assert {r["counted"] for r in data["rows"]} == {"incidents"}  # on every figure
    assert data["bases"]["homicides"]["counted_as"][lang].startswith(words)
    # The sex and age indicators cannot be read from carpetas: refused, each with a sentence.
    assert set(data["refused"]) == {"homicides_young_men", "homicides_women"}
    text = run("indicators", "--end", "2024-08", "--dir", sesnsp_dir, lang=lang).stdout
    flat = " ".join(text.split())
    assert words in flat and "sesnsp" in flat
    assert ("sexo ni la edad" if lang == "es" else "sex or age") in flat


@pytest.mark.parametrize("lang", ["es", "en"])
def test_sesnsp_homicides_in_the_bulletin_stating_that_they_count_carpetas(
    sesnsp_dir, data_dir, lang
):
    result = run("report", "--period", "2024-08", "--lang", lang, "--dir", sesnsp_dir, "--json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    names = {"es": "Homicidios", "en": "Homicides"}
    homicides = next(r for r in data["rows"] if r["name"] == names[lang])
    assert homicides["n"].replace(",", "").replace(".", "") == str(expected_homicides(data_dir))
    words = "carpetas de investigación" if lang == "es" else "investigation files"
    assert homicides["counted"].startswith(words) and words in homicides["basis"]
    assert len(data["rows"]) == 6  # the Mesa's six, homicides among them
    assert words in Path(data["file"]).read_text(encoding="utf-8")


def test_an_indicator_may_refuse_the_other_basis_with_a_sentence_naming_the_source(
    sesnsp_dir, tmp_path
):
    strict = tmp_path / "strict.toml"
    strict.write_text(
        '[set]\nname = "strict"\n[[indicator]]\nkey = "homicides"\niccs = ["0101"]\n'
        'counted = "victims"\nother_basis = "refuse"\n'
    )
    result = run("indicators", "--set", str(strict), "--dir", sesnsp_dir, lang="en")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split()) if result.stderr_bytes else result.output
    assert "sesnsp" in message and "refuse" in message and "Traceback" not in message


POLICE = """id,caso,fecha,colonia,delito,edad
1,C1,2023-01-05,U1,homicidio doloso,30
2,C1,2023-01-05,U1,homicidio doloso,25
3,C2,2023-01-09,U2,robo de vehículo con violencia,
4,C3,2023-02-01,U3,extorsión,
5,C3,2023-02-01,U3,extorsión,
6,C4,2023-02-11,U3,robo de vehículo con violencia,40
7,C4,2023-02-11,U3,homicidio doloso,40
8,,2023-02-12,U4,homicidio doloso,33
"""
POLICE_MAPPING = """source: {kind: police}
layout: rows
counts: victims
fields: {source_record_id: id, incident_id: caso, date: fecha, unit_code: colonia,
         offence: delito, age: edad}
"""


def test_a_police_file_with_case_ids_and_victim_rows_feeds_both_sets(
    grid_observatory: Observatory, tmp_path
):
    (tmp_path / "p.csv").write_text(POLICE)
    (tmp_path / "p.yaml").write_text(POLICE_MAPPING)
    result = ingest_file(grid_observatory, tmp_path / "p.csv", "policia", tmp_path / "p.yaml")
    assert result.stored == 8
    incidents = grid_observatory.engine.rows(
        "SELECT incident_key, iccs_code, victims FROM incidents ORDER BY record_id"
    )
    # C1: one homicide case of two victims; C3 one extortion of two; C4 a carjacking and a
    # homicide; the victim without a case id is a case of its own.
    assert incidents == [
        ("C1", "0101", 2), ("C2", "040121", 1), ("C3", "02051", 2), ("C4", "040121", 1),
        ("C4", "0101", 1), (None, "0101", 1),
    ]  # fmt: skip
    homicide = compute_indicators(grid_observatory, "homicide", period="year")
    mesa = compute_indicators(grid_observatory, "mesa", period="year")
    totals = mesa.totals().set_index("indicator")
    assert homicide.totals().set_index("indicator").loc["homicides", "n"] == 4  # victims
    assert totals.loc["homicides", "n"] == 4  # the Mesa counts homicide victims too
    assert totals.loc["carjacking", "n"] == 2 and totals.loc["extortion", "n"] == 1  # cases
    assert set(mesa.table.loc[mesa.table.indicator == "extortion", "counted"]) == {"incidents"}


def test_the_derived_incidents_follow_a_new_version_of_a_victim(
    grid_observatory: Observatory, tmp_path
):
    (tmp_path / "p.csv").write_text(POLICE)
    (tmp_path / "p.yaml").write_text(POLICE_MAPPING)
    ingest_file(grid_observatory, tmp_path / "p.csv", "policia", tmp_path / "p.yaml")
    # Victim 2 was recorded in the wrong case: its new version moves it to C5.
    fixed = POLICE.replace("2,C1,2023-01-05,U1", "2,C5,2023-01-05,U1")
    (tmp_path / "p2.csv").write_text(fixed)
    result = ingest_file(grid_observatory, tmp_path / "p2.csv", "policia", tmp_path / "p.yaml")
    assert result.new_versions == 1
    keys = grid_observatory.engine.frame(
        "SELECT incident_key, victims FROM incidents WHERE iccs_code = '0101' "
        "AND incident_key IN ('C1', 'C5') ORDER BY 1"
    ).values.tolist()
    assert keys == [["C1", 1], ["C5", 1]]
