"""The counts cube on Ciudad Demo: one reader, one roll-up, one period coding, one source
rule; and the CLI and the portal giving the same homicide figures for the same question."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.commands.indicators  # (registers the commands)
import sereno.commands.spatial  # noqa: F401  (registers the commands)
from sereno.cli import app
from sereno.errors import SerenoError
from sereno.indicators.cube import (
    choose_source,
    counts_cube,
    level_populations,
    unit_ancestors,
    unit_month_counts,
)
from sereno.store import Observatory

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
YEAR = 2023


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("cube") / "demo"
    build_demo(directory, seed=7)
    return directory


@pytest.fixture
def obs(demo: Path):
    with Observatory.open(demo) as observatory:
        yield observatory


def stored(obs: Observatory, sql: str, params: list | None = None) -> pd.DataFrame:
    return obs.engine.frame(sql, params or [])


def test_the_default_source_is_the_one_with_most_records_of_the_offence(obs):
    by_source = stored(
        obs,
        "SELECT source_id, count(*) AS n FROM victims WHERE iccs_code LIKE '0101%' "
        "GROUP BY source_id ORDER BY n DESC, source_id",
    )
    choice = choose_source(obs, "0101")
    assert choice.rule == "largest"
    assert choice.source == by_source["source_id"].iloc[0] == "forense"
    assert choice.records == dict(zip(by_source["source_id"], by_source["n"], strict=True))
    assert "forense" in choice.sentence("es") and "forense" in choice.sentence("en")
    assert choose_source(obs, "0101", "policia").rule == "named"
    with pytest.raises(SerenoError) as caught:
        choose_source(obs, "0101", "mesa_delitos")
    assert caught.value.key == "cube.unknown_source"
    with pytest.raises(SerenoError) as caught:
        choose_source(obs, "0909")
    assert caught.value.key == "cube.no_source"


def test_months_are_coded_year_times_twelve_and_years_hold_their_months(obs):
    monthly = counts_cube(obs, "0101", source="policia", period="month").counts
    yearly = counts_cube(obs, "0101", source="policia", period="year").counts
    jan_2024 = stored(
        obs,
        "SELECT unit_code, count(*) AS n FROM victims v JOIN current_records r "
        "ON r.record_id = v.record_id WHERE v.source_id = 'policia' AND v.year = 2024 "
        "AND v.month = 1 AND v.iccs_code LIKE '0101%' GROUP BY unit_code",
    )
    ours = monthly[monthly["period"] == 2024 * 12].set_index("unit_code")["n"].sort_index()
    assert 2024 * 12 == 24288
    assert ours.to_dict() == jan_2024.set_index("unit_code")["n"].sort_index().to_dict()
    by_year = monthly.assign(year=monthly["period"] // 12).groupby("year")["n"].sum()
    assert by_year.to_dict() == yearly.groupby("period")["n"].sum().to_dict()


def test_roll_up_follows_the_parents_and_every_level_adds_to_the_same_total(obs):
    links = unit_ancestors(obs, "distrito")
    colonias = counts_cube(obs, "0101", level="colonia", period="year").counts
    districts = counts_cube(obs, "0101", level="distrito", period="year").counts
    city = counts_cube(obs, "0101", level="municipio", period="year").counts
    rolled = colonias.merge(links, on="unit_code").groupby(["ancestor", "period"])["n"].sum()
    mine = districts.set_index(["unit_code", "period"])["n"]
    assert rolled.sort_index().to_dict() == mine.sort_index().to_dict()
    assert colonias["n"].sum() == districts["n"].sum() == city["n"].sum() == 2175
    parents = stored(obs, "SELECT unit_code, parent_code FROM units WHERE level = 'colonia'")
    mapped = links.set_index("unit_code")["ancestor"]
    assert (parents["unit_code"].map(mapped) == parents["parent_code"]).all()


def test_the_dense_unit_month_array_fills_zeros_and_rates_use_a_twelfth_of_the_year(obs):
    counts = unit_month_counts(obs, "0101", source="policia")
    units = stored(obs, "SELECT unit_code FROM units WHERE level = 'colonia' ORDER BY 1")
    assert counts.n.shape == (len(units), 60) and list(counts.unit_codes) == list(
        units["unit_code"]
    )
    assert counts.labels[0] == "2020-01" and counts.labels[-1] == "2024-12"
    assert counts.n.sum() == 1865 and (counts.n == 0).mean() > 0.5
    pops = level_populations(obs, "colonia", [2022], "total").set_index("unit_code")
    i, j = 7, counts.labels.index("2022-05")
    expected = counts.n[i, j] / (pops.loc[counts.unit_codes[i], "population"] / 12) * 1e5
    assert counts.rate[i, j] == pytest.approx(expected, rel=1e-12)
    window = unit_month_counts(obs, "0101", source="policia", start="2023-03", end="2023-05")
    assert window.labels == ["2023-03", "2023-04", "2023-05"]
    frame = window.to_frame()
    assert len(frame) == len(units) * 3 and frame["n"].sum() == window.n.sum()


def test_every_query_of_the_cube_is_portable_sql(obs):
    """Standard SQL only: the store's dialect layer runs it on PostgreSQL too."""
    import sqlglot

    seen: list[str] = []
    original = obs.engine.arrow

    def spy(sql, params=None):
        seen.append(sql)
        return original(sql, params)

    obs.engine.arrow = spy
    try:
        unit_month_counts(obs, "0101")
        counts_cube(obs, ["01", "0101"], source="all", sex="male", age=(15, 29), period="year")
    finally:
        obs.engine.arrow = original
    duckdb_only = re.compile(
        r"GROUP BY ALL|\blist\(|make_date|arg_min|arg_max|QUALIFY|EXCLUDE|::|starts_with|"
        r"list_has_any|string_split|strftime",
        re.IGNORECASE,
    )
    assert len(seen) >= 6
    for sql in seen:
        assert not duckdb_only.search(sql), sql
        sqlglot.parse_one(sql, read="postgres")


@pytest.mark.slow
def test_cli_and_portal_give_the_same_homicide_counts_and_rates(demo: Path):
    """``sereno indicators --json`` and ``sereno hotspots --json`` against the portal's API
    (map and unit pages) for every colonia in one year, on each one's default source and the
    source count basis: counts equal exactly, rates to the portal's one decimal (0.05)."""
    from fastapi.testclient import TestClient

    from sereno.publish.app import create_app

    asked = ["--level", "colonia", "--by", "year", "--count-basis", "source", "--json"]
    run = CliRunner().invoke(app, ["indicators", "--dir", str(demo), *asked])
    assert run.exit_code == 0, run.output
    rows = pd.DataFrame(json.loads(run.output)["rows"])
    cli = rows[(rows["indicator"] == "homicides") & (rows["period"] == str(YEAR))]
    assert set(cli["count_basis"]) == {"source"}
    (source,) = set(cli["source"])
    cli = cli.set_index("unit_code")

    application = create_app(demo)
    try:
        client = TestClient(application)
        portal = client.get(f"/api/v1/map?level=colonia&period={YEAR}").json()
        overview = client.get("/api/v1/overview").json()
        shown = pd.DataFrame(portal["units"]).set_index("unit_code")
        busiest = shown[~shown["suppressed"]]["n"].idxmax()
        unit = client.get(f"/api/v1/units/{busiest}").json()
    finally:
        application.state.portal.obs.close()
    assert portal["source"] == source == "forense"
    assert {s["count_basis"] for s in overview["series"]} == {"source"}
    visible = shown[~shown["suppressed"]]
    assert len(visible) > 50
    assert (visible["n"] == cli.loc[visible.index, "n"]).all()
    np.testing.assert_allclose(
        visible["rate"].astype(float), cli.loc[visible.index, "rate"], atol=0.05
    )
    year = next(s for s in unit["series"] if s["period"] == str(YEAR))
    assert year["n"] == cli.loc[busiest, "n"] and year["rate"] == pytest.approx(
        cli.loc[busiest, "rate"], abs=0.05
    )

    for value, column in (("count", "n"), ("rate", "rate")):
        run = CliRunner().invoke(app, ["hotspots", "--dir", str(demo), "--value", value,
                                       "--level", "colonia", "--source", source, "--start",
                                       f"{YEAR}-01", "--end", f"{YEAR}-12", "--json"])  # fmt: skip
        assert run.exit_code == 0, run.output
        spots = pd.DataFrame(json.loads(run.output)["results"]).set_index("id")
        np.testing.assert_allclose(
            spots.loc[visible.index, "value"].astype(float),
            visible[column].astype(float),
            atol=0.05 if column == "rate" else 0,
        )


def test_alerts_evaluation_and_hot_spots_read_the_same_counts_at_every_level(obs):
    """Before the cube, the scan and the evaluations refused any level but the records'
    own (no roll-up); now all three stages read the cube's figures for the same source."""
    from sereno.alerts.store import store_series
    from sereno.evaluate.store import homicide_panel
    from sereno.spatial.sources import Period, unit_counts

    for level in ("colonia", "distrito"):
        cube = counts_cube(obs, "0101", source="policia", level=level, start="2022-01")
        expected = cube.counts.groupby("unit_code")["n"].sum()
        series = store_series(obs, "0101", level, "policia").data
        panel, source = homicide_panel(obs, source="policia", level=level)
        spots, _ = unit_counts(
            obs, level, "0101", "policia", Period.parse("2022-01", "2024-12"), with_population=False
        )
        assert source == "policia" and cube.source == "policia"
        for frame, column in ((series, "n"), (panel, "homicides")):
            after = frame[frame["month"] >= "2022-01"].groupby("unit_code")[column].sum()
            assert after[after > 0].to_dict() == expected.to_dict(), level
        assert spots.set_index("unit_code")["count"].loc[expected.index].to_dict() == (
            expected.to_dict()
        )
        assert int(spots["count"].sum()) == int(expected.sum())
