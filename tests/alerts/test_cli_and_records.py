"""Commands on files and on the store; alerts are recorded once and keep their status."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import sereno.commands.alerts  # noqa: F401  (registers the commands)
from sereno.cli import app
from sereno.store import Observatory
from tests.alerts.helpers import counts, grid

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["--lang", "en", *args])


def planted_files(tmp_path):
    data = counts(np.random.default_rng(0), 6, 24, cluster=[14, 15, 20, 21], ratio=4.0)
    data.to_csv(tmp_path / "cases.csv", index=False)
    grid(6).to_csv(tmp_path / "where.csv", index=False)
    return tmp_path / "cases.csv", tmp_path / "where.csv"


def test_scan_on_a_file_as_json_and_csv(tmp_path):
    cases, where = planted_files(tmp_path)
    out = tmp_path / "clusters.csv"
    result = run(
        "scan",
        str(cases),
        "--time",
        "t",
        "--unit",
        "u",
        "--count",
        "n",
        "--geometry",
        str(where),
        "--replications",
        "99",
        "--out",
        str(out),
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    top = payload["clusters"][0]
    assert top["p_value"] <= 0.05 and top["start"] >= "2022-10-01"
    assert {"u014", "u015", "u020", "u021"} & set(top["unit_codes"])
    assert pd.read_csv(out)["llr"].iloc[0] == top["llr"]


def test_file_mistakes_are_one_line_errors(tmp_path):
    cases, where = planted_files(tmp_path)
    bad = run("scan", str(cases), "--time", "nope", "--unit", "u", "--geometry", str(where))
    assert bad.exit_code == 2 and "nope" in bad.output
    missing = run("scan", str(tmp_path / "none.csv"), "--time", "t", "--unit", "u")
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def store_with_counts(tmp_path) -> str:
    """An observatory with a 4 x 4 grid of colonias and monthly homicide counts."""
    from sereno.geo.units import load_units

    obs_dir = tmp_path / "obs"
    obs = Observatory.create(obs_dir, "Prueba", "es")
    features = []
    for i in range(16):
        x0, y0 = -88.0 + (i % 4) * 0.01, 15.0 + (i // 4) * 0.01
        ring = [[x0, y0], [x0 + 0.01, y0], [x0 + 0.01, y0 + 0.01], [x0, y0 + 0.01], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"code": f"u{i:03d}", "name": f"C{i}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path = tmp_path / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    load_units(obs, path, "colonia")
    obs.close()
    data = counts(np.random.default_rng(3), 4, 24, rate=1.5, cluster=[5, 6, 9], ratio=5.0)
    rows = data.assign(year=data.t.str[:4], month=data.t.str[5:], offence="0101")
    rows = rows.rename(columns={"u": "unit_code", "n": "count"})
    rows[["year", "month", "unit_code", "offence", "count"]].to_csv(tmp_path / "c.csv", index=False)
    result = run(
        "ingest",
        str(tmp_path / "c.csv"),
        "--source",
        "policia",
        "--mapping",
        "generic-counts",
        "--dir",
        str(obs_dir),
        "--json",
    )
    assert result.exit_code == 0, result.output
    return str(obs_dir)


def test_store_scan_records_alerts_once_and_keeps_their_status(tmp_path):
    obs = store_with_counts(tmp_path)
    args = ("scan", "--dir", obs, "--replications", "99", "--json")
    first = json.loads(run(*args).stdout)
    assert first["recorded"]["new"] >= 1
    listed = json.loads(run("alerts", "--dir", obs, "--json").stdout)["alerts"]
    assert len(listed) == first["recorded"]["new"]
    alert = listed[0]
    assert {"u005", "u006", "u009"} & set(alert["unit_codes"]) and alert["status"] == "new"
    marked = run(
        "alerts",
        "mark",
        str(alert["alert_id"]),
        "--status",
        "confirmed",
        "--note",
        "Mesa 12/2022",
        "--dir",
        obs,
        "--json",
    )
    assert marked.exit_code == 0, marked.output
    again = json.loads(run(*args).stdout)  # the same data: nothing new
    assert again["recorded"] == {**first["recorded"], "new": 0, "updated": first["recorded"]["new"]}
    after = json.loads(run("alerts", "--dir", obs, "--json").stdout)["alerts"]
    assert len(after) == len(listed)
    kept = next(a for a in after if a["alert_id"] == alert["alert_id"])
    assert (kept["status"], kept["note"]) == ("confirmed", "Mesa 12/2022")
    open_ = json.loads(run("alerts", "--status", "open", "--dir", obs, "--json").stdout)
    assert len(open_["alerts"]) == len(after)
    with Observatory.open(obs) as o:
        evidence = json.loads(o.engine.scalar("SELECT evidence FROM alerts LIMIT 1"))
    assert {"cluster", "series", "map"} <= set(evidence)


def test_store_anomalies_and_bad_status(tmp_path):
    obs = store_with_counts(tmp_path)
    result = run("anomalies", "--dir", obs, "--assess", "3", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n_units"] == 16 and "recorded" in payload
    bad = run("alerts", "mark", "999", "--status", "seen", "--dir", obs)
    assert bad.exit_code == 2 and "999" in bad.output
    wrong = run("alerts", "--status", "maybe", "--dir", obs)
    assert wrong.exit_code == 2
