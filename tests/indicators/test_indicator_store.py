"""The store mode on Ciudad Demo: planted truth recovered, levels consistent, the bulletin."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.commands.indicators  # noqa: F401  (registers the commands)
from sereno.cli import app
from sereno.indicators.api import compute_indicators
from sereno.indicators.counts import level_populations, register_provider
from sereno.indicators.definitions import Indicator, IndicatorSet
from sereno.indicators.stats import compare_rates
from sereno.store import Observatory

MESA_LABELS = {
    "car_theft": "robo de vehículo sin violencia",
    "carjacking": "robo de vehículo con violencia",
    "kidnapping": "secuestro",
    "extortion": "extorsión",
    "business_robbery": "robo a negocio",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("demo")
    build_demo(directory, seed=7)
    return directory


@pytest.fixture(scope="module")
def truth(demo: Path) -> dict:
    return json.loads((demo / "datos-sinteticos" / "verdad" / "verdad.json").read_text())


@pytest.fixture
def obs(demo: Path):
    with Observatory.open(demo) as observatory:
        yield observatory


def test_mesa_counts_by_year_equal_the_planted_offences_exactly(obs, truth):
    result = compute_indicators(obs, "mesa", level="municipio", period="year")
    table = result.table
    for key, label in MESA_LABELS.items():
        ours = table[table.indicator == key].set_index("period")["n"].to_dict()
        assert ours == {y: n for y, n in truth["mesa_delitos"][label].items()}, key


def test_displacement_counts_equal_the_planted_people(obs, truth):
    totals = compute_indicators(obs, "iccs-sections", level="colonia", period="year").totals()
    srn = totals[totals.indicator == "iccs_srn01"].set_index("period")["n"].to_dict()
    assert srn == truth["displacement"]["people_by_year"]


def test_every_level_adds_up_to_the_same_city_total(obs):
    figures = []
    for level in ("municipio", "distrito", "colonia"):
        totals = compute_indicators(
            obs, "mesa", level=level, period="ytd", start="2024-08", through="2024-08"
        ).totals()
        figures.append(totals.set_index("indicator")[["n", "n_yago", "person_years"]])
    pd.testing.assert_frame_equal(figures[0], figures[1])
    pd.testing.assert_frame_equal(figures[0], figures[2])


def test_populations_roll_up_to_the_planted_city_population(obs, truth):
    city = level_populations(obs, "municipio", [2018, 2023, 2024], "total").set_index("year")
    assert city.loc[2018, "population"] == truth["population"]["2018"]
    assert city.loc[2023, "population"] == truth["population"]["2023"]
    assert city.loc[2024, "extrapolated"] and not city.loc[2023, "extrapolated"]


def test_true_victims_as_a_provider_give_the_planted_rates(obs, demo, truth):
    """Another provider of counts (here the generator's list of true victims, standing in
    for reconciled events or estimated totals) plugs in by name; with it the yearly homicide
    rates are the planted ones to their printed two decimals."""
    victims = pd.read_csv(demo / "datos-sinteticos" / "verdad" / "victimas.csv")

    def true_victims(observatory, indicators, level, through):
        date = pd.to_datetime(victims["date"])
        frame = pd.DataFrame(
            {"unit_code": victims["unit_code"], "year": date.dt.year, "month": date.dt.month}
        )
        counts = frame.value_counts().rename("n").reset_index()
        return counts.assign(indicator=indicators[0].key, source_id="verdad")

    register_provider("demo_truth", true_victims)
    ind = Indicator(
        "true_homicides",
        "Homicidios verdaderos",
        "True homicides",
        ("0101",),
        provider="demo_truth",
    )
    result = compute_indicators(
        obs, IndicatorSet("verdad", "Verdad", "Truth", (ind,)), level="municipio", period="year"
    )
    table = result.table.set_index("period")
    for year, rate in truth["homicide_rate_per_100k_by_year"].items():
        assert table.loc[year, "n"] == truth["true_victims_by_year"][year]
        assert table.loc[year, "rate"] == pytest.approx(rate, abs=0.005)


def test_the_planted_flare_up_is_recovered(obs, truth):
    """Ciudad Demo plants a flare-up (rate × 4) in five colonias, July to September 2024. Its
    third quarter against the third quarter of 2023 is a significant rise whose interval holds
    the planted multiplier, and its largest colonia has the smallest p-value of the city."""
    flare = truth["flare_up"]
    result = compute_indicators(
        obs, "homicide", level="colonia", period="quarter", start=flare["end"], end=flare["end"]
    )
    table = result.table[result.table.indicator == "homicides"]
    inside = table[table.unit_code.isin(flare["unit_codes"])]
    test = compare_rates(
        inside.n.sum(),
        inside.person_years.sum(),
        inside.n_yago.sum(),
        inside.person_years_yago.sum(),
    )
    assert test["p_value"] < 0.01
    assert test["rate_ratio_lower"] > 1 and test["rate_ratio_upper"] > flare["rate_multiplier"]
    assert table.sort_values("p_yago").unit_code.iloc[0] in flare["unit_codes"]
    outside = table[~table.unit_code.isin(flare["unit_codes"])]
    assert outside.significant_yago.mean() < 0.05  # noise elsewhere is not called a rise


def test_months_after_a_source_ends_are_partial(obs):
    result = compute_indicators(
        obs, "mesa", level="municipio", period="month", start="2024-11", end="2025-02"
    )
    table = result.table[result.table.indicator == "car_theft"].set_index("period")
    assert not table.loc["2024-12", "partial"] and table.loc["2025-01", "partial"]
    assert np.isnan(table.loc["2025-01", "rate"]) and np.isnan(table.loc["2025-01", "p_yago"])
    quarter = compute_indicators(
        obs, "mesa", level="municipio", period="quarter", through="2024-08", start="2024-08"
    )
    assert quarter.table.partial.all() and quarter.table.months_covered.eq(2).all()


def test_cli_store_mode_and_summary_in_both_languages(demo: Path, tmp_path: Path):
    out = tmp_path / "distritos.geojson"
    run = CliRunner().invoke(
        app,
        [
            "indicators",
            "--dir",
            str(demo),
            "--set",
            "mesa",
            "--level",
            "distrito",
            "--by",
            "ytd",
            "--period",
            "2024-08",
            "--start",
            "2024-08",
            "--out",
            str(out),
        ],
    )
    assert run.exit_code == 0, run.output
    import geopandas as gpd

    written = gpd.read_file(out)
    assert len(written) == 6 * 6 and written.geometry.notna().all()
    run = CliRunner().invoke(
        app, ["--lang", "en", "indicators", "--dir", str(demo), "--by", "year", "--level", "nope"]
    )
    assert run.exit_code == 2 and "nope" in run.output and "colonia" in run.output


@pytest.mark.parametrize(
    ("lang", "title", "number"),
    [
        ("es", "Boletín mensual de seguridad: agosto de 2024", r"\d\.\d{3}"),
        ("en", "Monthly security bulletin: August 2024", r"\d,\d{3}"),
    ],
)
def test_bulletin_html_is_self_contained_and_in_the_language(
    demo: Path, tmp_path, lang, title, number
):
    out = tmp_path / f"b.{lang}.html"
    run = CliRunner().invoke(
        app,
        [
            "report",
            "--dir",
            str(demo),
            "--period",
            "2024-08",
            "--lang",
            lang,
            "--format",
            "html",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert run.exit_code == 0, run.output
    html = out.read_text(encoding="utf-8")
    assert title in html
    assert html.count("<svg") == 7  # six trends and the map
    assert not re.search(r"""(src|href)=["']?https?:""", html) and "<script" not in html
    assert "@import" not in html and "<link" not in html
    coverage = re.search(r"<td>forense</td>.*?</tr>", html, re.S).group(0)
    assert re.search(number, coverage)  # 2.050 / 2,050 records
    facts = json.loads(run.output)
    assert facts["rows"][0]["name"] in ("Homicidios", "Homicides")
    assert facts["rows"][0]["source"] == "forense"


@pytest.mark.slow
def test_bulletin_pdf_renders(demo: Path, tmp_path: Path):
    pytest.importorskip("weasyprint")
    out = tmp_path / "b.pdf"
    run = CliRunner().invoke(
        app,
        [
            "report",
            "--dir",
            str(demo),
            "--period",
            "2024-08",
            "--lang",
            "en",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
    )
    assert run.exit_code == 0, run.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") and len(data) > 30_000
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
