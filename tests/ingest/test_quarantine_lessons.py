"""A quarantine that teaches (issue 19, point 3).

Before: `--dry-run` gave reason codes only (`unknown_value 5.223`), in English under `es`;
`quarantine list` showed 50 rows at a time, one per row, no grouping; `quarantine retry`
read only `sources/NAME.yaml` and said nothing of it; one reason per row; a homicide with an
age written "25 AÑOS", or a wrong unit code beside valid coordinates, could never be stored.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from sereno.cli import app
from sereno.errors import MappingError
from sereno.ingest.mapping import load_mapping
from sereno.store import Observatory
from tests.conftest import unit_centre

runner = CliRunner()
HEADER = "folio,fecha,colonia,lat,lon,delito,arma,edad\n"
LAT, LON = unit_centre("U5")


def run(*args: str, lang: str = "es"):
    result = runner.invoke(app, ["--lang", lang, *args])
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    return " ".join(text.split())


def weapons_file(tmp_path):
    """Thirty rows: three weapon labels no vocabulary knows (12, 9 and 6 rows), three of them
    with an unknown unit code too, and three good rows."""
    rows = []
    labels = ["ARMA CORTA"] * 12 + ["CUERNO DE CHIVO"] * 9 + ["PICAHIELO"] * 6
    labels += ["ARMA DE FUEGO"] * 3
    for i, weapon in enumerate(labels, start=1):
        unit = "U99" if i in (1, 2, 13) else f"U{i % 9 + 1}"
        rows.append(f"{i},2023-01-{i % 28 + 1:02d},{unit},,,homicidio doloso,{weapon},30")
    path = tmp_path / "armas.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


MAPPING = """layout: rows
counts: victims
fields: {source_record_id: folio, date: fecha, unit_code: colonia, lat: lat, lon: lon,
         offence: delito, weapon: arma, age: edad}
"""


@pytest.fixture
def obs_dir(grid_observatory: Observatory, tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    directory = str(grid_observatory.directory)
    grid_observatory.close()
    return directory


@pytest.mark.parametrize(
    ("lang", "words"), [("es", "no está en el vocabulario"), ("en", "is not in the vocabulary")]
)
def test_the_dry_run_shows_the_failing_values_grouped_in_the_users_language(
    obs_dir, tmp_path, lang, words
):
    path = weapons_file(tmp_path)
    args = ("ingest", str(path), "--source", "policia", "--mapping", str(tmp_path / "m.yaml"),
            "--dry-run", "--dir", obs_dir)  # fmt: skip
    data = json.loads(run(*args, "--json", lang=lang).stdout)
    assert (data["stored"], data["quarantined"]) == (3, 27)
    groups = {(g["field"], g["value"]): g["rows"] for g in data["failing_values"]}
    assert groups[("weapon", "ARMA CORTA")] == 12 and groups[("weapon", "CUERNO DE CHIVO")] == 9
    assert groups[("weapon", "PICAHIELO")] == 6 and groups[("unit_code", "U99")] == 3
    text = flat(run(*args, lang=lang).stdout)
    assert "ARMA CORTA" in text and "12" in text and words in text
    assert "unknown_value" not in text  # the reason in words, not its code
    with Observatory.open(obs_dir) as obs:
        assert obs.engine.scalar("SELECT count(*) FROM records") == 0


def test_quarantine_list_groups_by_value_and_writes_every_row(obs_dir, tmp_path):
    path = weapons_file(tmp_path)
    run("ingest", str(path), "--source", "policia", "--mapping", str(tmp_path / "m.yaml"),
        "--dir", obs_dir)  # fmt: skip
    grouped = json.loads(
        run("quarantine", "list", "--group-by", "value", "--dir", obs_dir, "--json").stdout
    )
    top = grouped["rows"][0]
    assert (top["field"], top["value"], top["rows"]) == ("weapon", "ARMA CORTA", 12)
    assert grouped["total"] == 4  # three weapon labels and one unit code
    # Every row, not the first 50 or --limit: to a spreadsheet and to CSV.
    for name in ("cuarentena.xlsx", "cuarentena.csv"):
        out = tmp_path / name
        result = run("quarantine", "list", "--limit", "5", "--out", str(out), "--dir", obs_dir)
        assert result.exit_code == 0 and out.is_file()
        frame = pd.read_excel(out) if name.endswith("xlsx") else pd.read_csv(out)
        assert len(frame) == 27 and "reasons" in frame.columns
    by_value = tmp_path / "valores.csv"
    run("quarantine", "list", "--group-by", "value", "--out", str(by_value), "--dir", obs_dir)
    assert pd.read_csv(by_value)["rows"].tolist() == [12, 9, 6, 3]
    cut = flat(run("quarantine", "list", "--limit", "5", "--dir", obs_dir, lang="en").stdout)
    assert "5 of 27 shown" in cut
    bad = run("quarantine", "list", "--out", str(tmp_path / "q.pdf"), "--dir", obs_dir)
    assert bad.exit_code == 2


def test_every_failing_check_of_a_row_is_listed_not_only_the_first(obs_dir, tmp_path):
    path = weapons_file(tmp_path)
    run("ingest", str(path), "--source", "policia", "--mapping", str(tmp_path / "m.yaml"),
        "--dir", obs_dir)  # fmt: skip
    rows = json.loads(run("quarantine", "list", "--dir", obs_dir, "--json", lang="en").stdout)
    first = next(r for r in rows["rows"] if r["row_number"] == 1)
    codes = [r["code"] for r in json.loads(_raw_reasons(obs_dir, 1))]
    assert codes == ["unknown_value", "unknown_unit_code"]
    assert "ARMA CORTA" in first["reasons"] and "U99" in first["reasons"]


def _raw_reasons(directory: str, row: int) -> str:
    with Observatory.open(directory) as obs:
        return obs.engine.scalar("SELECT reasons FROM quarantine WHERE row_number = ?", [row])


@pytest.mark.parametrize(("lang", "words"), [("es", "Reintento con el mapeo"),
                                              ("en", "Retry with mapping")])  # fmt: skip
def test_retry_with_ones_own_mapping_names_it(obs_dir, tmp_path, lang, words):
    path = weapons_file(tmp_path)
    run("ingest", str(path), "--source", "policia", "--mapping", str(tmp_path / "m.yaml"),
        "--dir", obs_dir)  # fmt: skip
    mine = tmp_path / "mio.yaml"
    fixed = "{ARMA CORTA: firearm, CUERNO DE CHIVO: firearm, PICAHIELO: sharp_object}"
    mine.write_text(MAPPING + f"values:\n  weapon: {fixed}\n", encoding="utf-8")
    result = run("quarantine", "retry", "--source", "policia", "--mapping", str(mine),
                 "--dir", obs_dir, lang=lang)  # fmt: skip
    text = flat(result.stdout).replace(" ", "")
    assert result.exit_code == 0 and words.replace(" ", "") in text
    assert str(mine.resolve()).replace(" ", "") in text
    data = json.loads(run("quarantine", "list", "--dir", obs_dir, "--json").stdout)
    assert data["total"] == 3  # only the unknown unit codes are left, as they already said


def test_a_bad_age_or_unit_code_beside_good_coordinates_is_stored_empty_and_flagged(
    obs_dir, tmp_path
):
    (tmp_path / "m.yaml").write_text(
        MAPPING.replace("age: edad}", "age: {column: edad, on_invalid: empty}}")
        + "on_invalid: {unit_code: empty}\n",
        encoding="utf-8",
    )
    path = tmp_path / "v.csv"
    path.write_text(
        HEADER
        + "1,2023-01-05,U1,,,homicidio doloso,ARMA DE FUEGO,25 AÑOS\n"
        + f"2,2023-01-06,U77,{LAT},{LON},homicidio doloso,ARMA DE FUEGO,30\n"
        + "3,2023-01-07,U77,,,homicidio doloso,ARMA DE FUEGO,30\n",  # nothing to locate it
        encoding="utf-8",
    )
    result = run("ingest", str(path), "--source", "forense", "--mapping",
                 str(tmp_path / "m.yaml"), "--dir", obs_dir, "--json")  # fmt: skip
    data = json.loads(result.stdout)
    assert (data["stored"], data["quarantined"]) == (2, 1)
    assert data["emptied"] == {"age": 1, "unit_code": 1}
    with Observatory.open(obs_dir) as obs:
        stored = obs.engine.rows(
            "SELECT r.source_record_id, v.unit_code, v.age, v.location_method, r.flags "
            "FROM victims v JOIN records r USING (record_id) ORDER BY 1"
        )
        reason = obs.engine.scalar("SELECT reason_code FROM quarantine")
    (one, two) = stored
    assert one[1:4] == ("U1", None, "code") and json.loads(one[4])[0]["value"] == "25 AÑOS"
    assert two[1:4] == ("U5", 30, "point") and json.loads(two[4])[0]["code"] == "unknown_unit_code"
    assert reason == "no_location"
    text = flat(run("ingest", str(path), "--source", "otra", "--mapping",
                    str(tmp_path / "m.yaml"), "--dir", obs_dir, lang="en").stdout)  # fmt: skip
    assert "left empty" in text


@pytest.mark.parametrize(
    "policy",
    ["on_invalid: {age: drop}", "on_invalid: {offence: empty}", "on_invalid: [age]"],
)
def test_a_bad_on_invalid_policy_is_a_one_line_mapping_error(tmp_path, policy):
    path = tmp_path / "m.yaml"
    path.write_text(MAPPING + policy + "\n", encoding="utf-8")
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert "on_invalid" in error.value.message("en")
