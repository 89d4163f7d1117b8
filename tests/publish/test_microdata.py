"""The public record-level file cannot undo the small-cell suppression (issue 22).

The attacker here works from the published files alone (records.csv, counts_by_unit.csv,
counts_by_month.csv, units.geojson), independently of :mod:`sereno.publish.microdata`: it
counts the records file's rows into every cell a row places itself in for certain and looks
for suppressed cells holding any row, and for rows shared by fewer than k others.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from sereno.publish.data import PortalData
from sereno.publish.microdata import audit_records, release_records
from sereno.publish.opendata import RECORD_FILES, export_open_data, victim_records
from sereno.publish.privacy import RESTRICTED, RecordPolicy
from sereno.publish.spreadsheet import formula_safe


def published(app, **records) -> PortalData:
    """The demo's portal data under a record policy that publishes the file."""
    data = PortalData(app.state.portal.obs)
    policy = replace(data.policy.records, publish=True, **records)
    data.policy = replace(data.policy, records=policy)
    return data


def lineage(units: dict) -> dict[str, list[str]]:
    """Each unit with itself and its ancestors, read from the public units.geojson."""
    props = [f["properties"] for f in units["features"]]
    parent = {p["unit_code"]: p["parent_code"] for p in props}
    out = {}
    for code in parent:
        chain, current = [], code
        while current in parent:
            chain.append(current)
            current = parent[current]
        out[code] = chain
    return out


def rebuild(out: Path) -> tuple[int, int, int]:
    """(suppressed cells with records in them, suppressed cells, records of rare combinations)
    from the files of an open-data folder, as an outside reader would compute them."""
    records = pd.read_csv(out / "records.csv", dtype=str, keep_default_na=False)
    counts = pd.read_csv(out / "counts_by_unit.csv", dtype=str, keep_default_na=False)
    months = pd.read_csv(out / "counts_by_month.csv", dtype=str, keep_default_na=False)
    chains = lineage(json.loads((out / "units.geojson").read_text()))
    whole = counts[counts["period"].str.len() == 9].groupby("source_id")["period"].first()
    placed: set[tuple] = set()
    for row in records.itertuples():
        period = row.period
        source, code = row.source_id, row.iccs_code
        if len(period) == 7:
            placed.add((source, code, "month", period))
        for unit in ["", *chains.get(getattr(row, "unit_code", ""), [])]:
            placed |= {(source, code, unit, period[:4]), (source, code, unit, whole[source])}
    hidden = counts[counts["suppressed"] == "True"]
    keys = set(zip(hidden["source_id"], hidden["iccs_code"], hidden["unit_code"],
                   hidden["period"], strict=True))  # fmt: skip
    hidden_months = months[months["suppressed"] == "True"]
    keys |= {(s, c, "month", p) for s, c, p in zip(hidden_months["source_id"],
             hidden_months["iccs_code"], hidden_months["period"], strict=True)}  # fmt: skip
    size = records.groupby(list(records.columns))[records.columns[0]].transform("size")
    return len(keys & placed), len(keys), int((size < 5).sum())


def test_no_record_level_file_is_published_by_default(app, client, tmp_path):
    data = PortalData(app.state.portal.obs)
    assert data.policy.records.publish is False
    result = export_open_data(data, tmp_path / "od")
    assert not any((tmp_path / "od" / f).exists() for f in RECORD_FILES)
    package = json.loads((tmp_path / "od" / "datapackage.json").read_text())
    assert package["sereno"]["records"] == {"published": False}
    assert not {r["name"] for r in package["resources"]} & {"records", "records-hxl"}
    assert "records.csv" not in result.files
    assert client.get("/api/v1/opendata/records.csv").status_code == 404
    listed = {f["file"] for f in client.get("/api/v1/data").json()["files"]}
    assert "counts_by_unit.csv" in listed and not listed & set(RECORD_FILES)
    assert "[privacy.records]" in client.get("/data?lang=en").text


def test_the_old_record_file_gave_back_suppressed_cells(app, tmp_path):
    """The attack finds what the issue reported in the record-by-record file: it can fail."""
    data = PortalData(app.state.portal.obs)
    export_open_data(data, tmp_path)
    raw = victim_records(data, "public")
    units = data.units().set_index("unit_code")
    levels = raw["unit_code"].map(units["level"])
    raw = raw.assign(period=raw["year"].astype(str), level=levels)
    raw[["source_id", "iccs_code", "year", "period", "unit_code", "level", "sex", "age"]].to_csv(
        tmp_path / "records.csv", index=False
    )
    recovered, hidden, rare = rebuild(tmp_path)
    assert hidden > 1000 and recovered > 1000 and rare > 1000


@pytest.mark.parametrize(
    "records",
    [{}, {"level": "colonia"}, {"date": "year", "columns": ("sex", "age", "weapon", "place")}],
    ids=["defaults", "colonia", "yearly"],
)
def test_published_records_rebuild_no_suppressed_cell(app, tmp_path, records):
    data = published(app, **records)
    result = export_open_data(data, tmp_path)
    recovered, hidden, rare = rebuild(tmp_path)
    assert hidden > 100 and recovered == 0 and rare == 0
    info = result.records
    assert (
        info["published"] is True
        and info["rows"] + info["withheld_rare"] + info["withheld_suppressed_cells"] == info["read"]
    )
    frame = pd.read_csv(tmp_path / "records.csv", dtype=str)
    assert len(frame) == info["rows"] > 0
    assert not {"record_id", "incident_key", "date", "time", "name", "lat", "lon"} & set(frame)
    if records.get("date") == "year":
        assert frame["period"].str.len().eq(4).all()
    if "level" not in records:
        assert set(frame["level"].dropna()) <= {"distrito", "municipio"}


def test_records_in_suppressed_cells_are_withheld(app):
    """At the colonia level the file would place records in hidden colonia-years: withheld."""
    data = published(app, level="colonia")
    release = release_records(data)
    assert release.withheld_suppressed > 500
    assert audit_records(release.records, data, data.policy.records) == {
        "recoverable": 0, "rare": 0}  # fmt: skip
    everything = victim_records(data, RESTRICTED)
    units = data.units().set_index("unit_code")
    everything = everything.assign(
        period=everything["year"].astype(str), level=everything["unit_code"].map(units["level"])
    )[["source_id", "iccs_code", "year", "period", "unit_code", "level", "sex"]]
    found = audit_records(everything, data, data.policy.records)
    assert found["recoverable"] > 1000 and found["rare"] > 1000


def test_a_record_policy_that_cannot_work_is_a_config_error(tmp_path):
    from sereno.config import Config
    from sereno.errors import ConfigError

    config = Config.create(tmp_path, "x")
    config.document["privacy"]["records"] = {"publish": True, "date": "day"}
    with pytest.raises(ConfigError, match="date"):
        RecordPolicy.from_config(config)
    config.document["privacy"]["records"] = {"publish": True, "k": 1}
    with pytest.raises(ConfigError, match="k"):
        RecordPolicy.from_config(config)


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(app, tmp_path):
    frame = pd.DataFrame({"weapon": ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "arma", None],
                          "n": [-5, 1, 2, 3, 4, 5]})  # fmt: skip
    safe = formula_safe(frame)
    assert safe["weapon"].tolist()[:5] == ["'=cmd|' /C calc'!A0", "'+1", "'-2", "'@SUM(A1)", "arma"]
    assert safe["n"].tolist()[0] == -5 and pd.isna(safe["weapon"].iloc[5])

    data = PortalData(app.state.portal.obs)
    units = data.units()
    evil = units.assign(unit_name=units["unit_name"].where(units.index != 0, "=cmd|' /C calc'!A0"))
    data._cache[("units",)] = evil
    export_open_data(data, tmp_path)
    for name in ("counts_by_unit.csv", "counts_by_unit_hxl.csv"):
        text = (tmp_path / name).read_text()
        assert "'=cmd|" in text and ",=cmd" not in text
