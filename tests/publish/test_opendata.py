"""Open data that any tool reads: strict JSON (RFC 8259, no NaN), whole numbers written as
integers, XLSX and GeoPackage beside CSV and Parquet, counts with their population and rate,
a wide table with one row per unit for a join in QGIS; the package passes Frictionless."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def strict(text: str):
    """``json.loads`` that refuses NaN and Infinity, as every strict JSON parser does."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def exported(app, tmp_path_factory) -> Path:
    from sereno.publish.opendata import export_open_data

    out = tmp_path_factory.mktemp("opendata")
    export_open_data(app.state.portal.data, out)
    return out


def test_json_files_are_strict_and_parents_missing_as_null(exported, client):
    for text in (
        (exported / "units.geojson").read_text(encoding="utf-8"),
        client.get("/api/v1/opendata/units.geojson").text,
    ):
        layer = strict(text)
        parents = [f["properties"]["parent_code"] for f in layer["features"]]
        assert len(parents) == 157 and parents.count(None) == 1
    strict((exported / "datapackage.json").read_text(encoding="utf-8"))
    response = client.get("/api/v1/opendata/units.gpkg")
    assert response.headers["content-type"] == "application/geopackage+sqlite3"


def test_integers_are_written_as_integers(exported):
    package = json.loads((exported / "datapackage.json").read_text())
    checked = 0
    for resource in package["resources"]:
        if resource["format"] != "csv":
            continue
        integers = [f["name"] for f in resource["schema"]["fields"] if f["type"] == "integer"]
        skip = [1] if resource["path"].endswith("_hxl.csv") else None
        frame = pd.read_csv(exported / resource["path"], dtype=str, skiprows=skip)
        for column in integers:
            values = frame[column].dropna()
            assert not values.str.contains(r"\.", regex=True).any(), (resource["path"], column)
            checked += len(values)
    assert checked > 10_000


def test_counts_carry_population_and_rate_and_the_wide_table_joins(exported):
    from sereno.io import read_layer, read_table

    long = pd.read_csv(
        exported / "counts_by_unit.csv", dtype={"period": str, "unit_code": str, "iccs_code": str}
    )
    year = long[(long["period"] == "2022") & long["population"].notna()]
    shown = year[~year["suppressed"]]
    expected = (1e5 * shown["n"] / shown["population"]).round(1)
    assert len(shown) > 100 and (shown["rate"] - expected).abs().max() <= 0.051
    assert year.loc[year["suppressed"], "rate"].isna().all()
    wide = pd.read_csv(exported / "counts_wide.csv", dtype={"unit_code": str})
    assert wide["unit_code"].is_unique and len(wide) == 157
    row = long[(long["unit_code"] == "C120") & (long["source_id"] == "forense")
               & (long["iccs_code"] == "0101") & (long["period"] == "2020-2024")]  # fmt: skip
    mine = wide.set_index("unit_code").loc["C120"]
    assert mine["n_0101_forense_2020-2024"] == row["n"].iloc[0]
    assert mine["rate_0101_forense_2020-2024"] == row["rate"].iloc[0]
    assert mine["population_2024"] > 0
    layer = read_layer(exported / "units.gpkg")
    assert len(layer) == 157 and "n_0101_forense_2020-2024" in layer.columns
    sheet = read_table(exported / "counts_wide.xlsx")
    assert list(sheet.columns) == list(wide.columns) and len(sheet) == len(wide)
    assert re.fullmatch(r"\d+", str(sheet.set_index("unit_code").loc["C120", "population_2024"]))


def test_frictionless_validates_the_package(exported):
    from frictionless import validate

    package = json.loads((exported / "datapackage.json").read_text())
    # Parquet and the large workbook are slow to read row by row: their twins are checked.
    fast = [
        r
        for r in package["resources"]
        if r["format"] in ("csv", "geojson", "gpkg") or r["name"] == "counts_by_month-xlsx"
    ]
    assert {r["format"] for r in package["resources"]} >= {"csv", "xlsx", "parquet", "gpkg"}
    (exported / "fast.json").write_text(json.dumps({**package, "resources": fast}))
    report = validate(str(exported / "fast.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    assert len(report.tasks) == len(fast) >= 9
