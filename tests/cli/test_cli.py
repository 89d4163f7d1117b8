"""The command line: JSON on request, one-line errors with exit status 2, both languages."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sereno.cli import app
from tests.conftest import grid_geojson

runner = CliRunner()


def run(*args: str, lang: str = "es"):
    return runner.invoke(app, ["--lang", lang, *args])


def test_init_ingest_status_and_quarantine_as_json(tmp_path, data_dir):
    obs = str(tmp_path / "obs")
    assert run("init", obs, "--json").exit_code == 0
    units = run(
        "units",
        "load",
        str(grid_geojson(tmp_path / "g.geojson")),
        "--level",
        "colonia",
        "--parent",
        "parent",
        "--dir",
        obs,
        "--json",
    )
    assert units.exit_code == 0 and json.loads(units.stdout)["units"] == 9
    path = tmp_path / "v.csv"
    path.write_text(
        "date,unit_code,offence\n2023-01-01,U1,homicidio doloso\n"
        "2023-01-01,U1,pleito\n2023-01-01,U1,homicidio doloso\n"
    )
    result = run(
        "ingest",
        str(path),
        "--source",
        "policia",
        "--mapping",
        "generic-victims",
        "--dir",
        obs,
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("rows_read", "stored", "quarantined", "duplicates")} == {
        "rows_read": 3,
        "stored": 1,
        "quarantined": 1,
        "duplicates": 1,
    }
    assert summary["reasons"] == {"unknown_offence": 1}
    listed = json.loads(run("quarantine", "list", "--dir", obs, "--json").stdout)["rows"]
    assert listed[0]["value"] == "pleito" and "offences:" in listed[0]["reason"]
    english = run("quarantine", "list", "--dir", obs, lang="en")
    assert "ICCS code" in english.stdout and "pleito" in english.stdout
    status = json.loads(run("status", "--dir", obs, "--json").stdout)
    assert status["sources"][0]["records"] == 1 and status["quarantined_open"] == 1
    # Later files of the same source need no mapping.
    again = run("ingest", str(path), "--source", "policia", "--dir", obs, "--json")
    assert json.loads(again.stdout)["duplicates"] == 2


def test_user_errors_are_one_line_and_exit_2(tmp_path):
    obs = str(tmp_path / "obs")
    run("init", obs)
    missing = run("ingest", str(tmp_path / "nada.csv"), "-s", "x", "--dir", obs)
    assert missing.exit_code == 2 and "nada.csv" in missing.output
    assert "Traceback" not in missing.output
    empty = tmp_path / "vacio.csv"
    empty.write_text("")
    result = run("ingest", str(empty), "-s", "x", "-m", "generic-victims", "--dir", obs, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "error.file_empty"
    english = run("ingest", str(empty), "-s", "x", "-m", "generic-victims", "--dir", obs, lang="en")
    assert "is empty" in english.output
    not_obs = run("status", "--dir", str(tmp_path))
    assert not_obs.exit_code == 2 and "sereno init" in not_obs.output


def test_demo_builds_reports_and_rebuilds_but_never_overwrites_a_real_observatory(tmp_path):
    target = tmp_path / "demo"
    result = run("demo", "--dir", str(target), "--json")
    assert result.exit_code == 0, result.output
    built = json.loads(result.stdout)
    assert built["synthetic"] is True
    assert {b["source"] for b in built["batches"]} == {
        "policia",
        "forense",
        "prensa",
        "mesa_delitos",
        "desplazamiento",
    }
    for b in built["batches"]:
        assert b["stored"] + b["quarantined"] + b["duplicates"] + b["excluded"] == b["rows_read"]
    report = (target / "informes" / "ingestion.en.md").read_text()
    assert "Synthetic data" in report and "policia" in report
    assert json.loads((target / "datos-sinteticos/verdad/verdad.json").read_text())["seed"] == 7
    again = json.loads(run("demo", "--dir", str(target), "--json").stdout)
    assert [b["stored"] for b in again["batches"]] == [b["stored"] for b in built["batches"]]
    real = tmp_path / "real"
    run("init", str(real))
    refused = run("demo", "--dir", str(real))
    assert refused.exit_code == 2 and (real / "sereno.toml").exists()
