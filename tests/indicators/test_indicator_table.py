"""The file mode: rates from any table, against published numbers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.commands.indicators  # noqa: F401  (registers the commands)
from sereno.cli import app
from sereno.errors import SerenoError
from sereno.geo.populations import interpolate_populations
from sereno.indicators.table import read_table, table_rates

DATA = Path(__file__).parent / "data"
STL = Path(libpysal.examples.get_path("stl_hom.csv"))


def test_st_louis_hr8893_is_hc8893_over_po8893_per_100000_to_1e_6():
    frame, _ = read_table(STL)
    result = table_rates(frame, "HC8893", "PO8893", unit="FIPS")
    published = frame["HR8893"].astype(float).to_numpy()
    # HR8893 is printed with six decimals: the tolerance is its rounding
    np.testing.assert_allclose(result.table["rate"], published, atol=1e-6)
    assert result.table["FIPS"].tolist() == frame["FIPS"].tolist()
    assert (result.table["rate_lower"] <= result.table["rate"]).all()
    assert (result.table["rate"] <= result.table["rate_upper"]).all()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".geojson"])
def test_cli_file_mode_writes_every_format(tmp_path: Path, suffix: str):
    source = STL.with_suffix(".shp") if suffix == ".geojson" else STL
    out = tmp_path / f"stl{suffix}"
    args = [
        "indicators",
        str(source),
        "--count",
        "HC8893",
        "--population",
        "PO8893",
        "--unit",
        "FIPS",
        "--out",
        str(out),
        "--json",
    ]
    run = CliRunner().invoke(app, args)
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["rows"] == 78
    if suffix == ".csv":
        written = pd.read_csv(out)
    elif suffix == ".parquet":
        written = pd.read_parquet(out)
    else:
        written = gpd.read_file(out)
        assert written.geometry.notna().all() and len(written) == 78
    reference = pd.read_csv(STL)
    merged = written.assign(FIPS=written["FIPS"].astype(int)).merge(reference, on="FIPS")
    np.testing.assert_allclose(merged["rate"], merged["HR8893"], atol=1e-6)


def test_cli_file_mode_errors_are_one_line(tmp_path: Path):
    run = CliRunner().invoke(
        app, ["indicators", str(STL), "--count", "NOPE", "--population", "PO8893"]
    )
    assert run.exit_code == 2 and "NOPE" in run.output
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,n,pop\nA,3,1000\nB,tres,1000\n")
    run = CliRunner().invoke(app, ["indicators", str(bad), "--count", "n", "--population", "pop"])
    assert run.exit_code == 2 and "tres" in run.output
    run = CliRunner().invoke(app, ["indicators", str(bad)])
    assert run.exit_code == 2 and "--count" in run.output
    with pytest.raises(SerenoError):
        table_rates(pd.DataFrame({"n": ["1"], "p": ["-5"]}), "n", "p")


def el_salvador() -> pd.DataFrame:
    """Seed 000, Figure 1, with populations interpolated between the 1995 and 2011 figures
    the table itself implies (homicides / rate × 100,000)."""
    d = pd.read_csv(DATA / "el_salvador_homicides_1995_2012.csv")
    implied = (d["homicides"] / d["rate_per_100k"] * 1e5).round()
    anchors = pd.DataFrame(
        {
            "unit_code": "SV",
            "year": [1995, 2011],
            "population": implied[d["year"].isin([1995, 2011])].to_numpy(),
        }
    )
    pops = interpolate_populations(anchors, d["year"].tolist())
    return d.merge(pops[["year", "population"]], on="year").assign(country="SV")


def test_el_salvador_rates_1995_2011_reproduce_within_1_5_per_cent():
    d = el_salvador()
    result = table_rates(d.astype(str), "homicides", "population", unit="country", period="year")
    table = result.table.merge(d[["year", "rate_per_100k"]].astype({"year": str}), on="year")
    within = table[table["year"].astype(int) <= 2011]
    relative = (within["rate"] / within["rate_per_100k"] - 1).abs()
    assert relative.max() < 0.015  # linear interpolation of the population between 1995 and 2011
    # The printed 2012 rate (32.0) does not fit its own count: with 2011's population it is 42.
    row_2012 = table[table["year"] == "2012"].iloc[0]
    assert row_2012["rate"] / row_2012["rate_per_100k"] - 1 > 0.25


def test_el_salvador_year_on_year_significance():
    d = el_salvador()
    t = table_rates(d.astype(str), "homicides", "population", unit="country", period="year").table
    flag = dict(zip(t["year"], t["significant_yago"], strict=True))
    change = dict(zip(t["year"], t["change_yago"], strict=True))
    assert flag["2012"] and change["2012"] < -35  # the truce: 4,308 -> 2,576
    assert flag["2009"] and change["2009"] > 30  # 3,179 -> 4,349
    assert not flag["2001"]  # 3,551 -> 3,590: +1 %, noise
    assert not flag["2005"]  # 3,897 -> 3,778: -3 %, noise even with thousands of deaths
    assert np.isnan(change["1995"])  # no year before in the table


def test_juarez_appendix_d_rates_and_significance():
    """Appendix D of seed 002 with counts rebuilt from the rates and the 1,315,789 inhabitants
    the report implies (2,500 police, 190 per 100,000)."""
    d = pd.read_csv(DATA / "juarez_homicide_rates_2005_2013.csv")
    population = 2500 / 190 * 1e5
    d["homicides"] = (d["ciudad_juarez"] * population / 1e5).round().astype(int)
    d["population"] = round(population)
    d["city"] = "Ciudad Juárez"
    t = table_rates(d.astype(str), "homicides", "population", unit="city", period="year").table
    # counts are whole deaths: the rates come back to within half a death per 1.3 million
    np.testing.assert_allclose(t["rate"], d["ciudad_juarez"], atol=0.5 / population * 1e5)
    flag = dict(zip(t["year"], t["significant_yago"], strict=True))
    assert not flag["2006"]  # 17.02 -> 17.08
    assert not flag["2007"]  # 17.08 -> 14.12: -17 % on about 200 deaths is still within noise
    assert flag["2008"] and flag["2011"] and flag["2013"]
    assert t.loc[t["year"] == "2008", "change_yago"].item() == pytest.approx(707.5, abs=0.1)


def test_rows_of_one_place_share_its_population_and_periods_compare():
    frame = pd.DataFrame(
        {
            "unit": ["A", "A", "A", "A", "B", "B"],
            "period": ["2023-08", "2023-08", "2024-07", "2024-08", "2023-08", "2024-08"],
            "n": ["1", "2", "5", "40", "2", "3"],
            "pop": ["10000"] * 6,
        }
    )
    t = table_rates(frame, "n", "pop", unit="unit", period="period").table
    a_2023 = t[(t.unit == "A") & (t.period == "2023-08")].iloc[0]
    assert a_2023["n"] == 3 and a_2023["population"] == 10000
    assert a_2023["rate"] == pytest.approx(30)
    a_2024 = t[(t.unit == "A") & (t.period == "2024-08")].iloc[0]
    assert a_2024["n_prev"] == 5 and a_2024["n_yago"] == 3 and a_2024["significant_yago"]
    b_2024 = t[(t.unit == "B") & (t.period == "2024-08")].iloc[0]
    assert b_2024["n_yago"] == 2 and not b_2024["significant_yago"]  # 2 -> 3 is not news
