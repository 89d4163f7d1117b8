"""Indicators on linked events and on estimated totals, on Ciudad Demo linked and estimated
by year: counts equal the linkage tables, estimates equal ``mse_estimates`` and hold the
planted number of victims, refusals say what to run, and the bulletin says what it counts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sereno.commands.indicators
import sereno.commands.link  # noqa: F401
from sereno.cli import app
from sereno.errors import SerenoError
from sereno.indicators.api import compute_indicators
from sereno.indicators.definitions import Indicator, IndicatorSet
from sereno.indicators.reconciliation import missed_section, reconcile, reconciliation_section
from sereno.store import Observatory

pytestmark = pytest.mark.slow
RUNNER = CliRunner()


def invoke(*args: str) -> dict:
    result = RUNNER.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> tuple[Path, Path]:
    """Ciudad Demo twice: as built (no linkage), and linked then estimated by year."""
    from sereno.demo.build import build_demo

    base = tmp_path_factory.mktemp("reconciled")
    linked = base / "linked"
    build_demo(linked, seed=7)
    unlinked = base / "unlinked"
    shutil.copytree(linked, unlinked)
    invoke("link", "--dir", str(linked))
    invoke("estimate", "--dir", str(linked), "--by", "year")
    return linked, unlinked


@pytest.fixture
def obs(dirs):
    with Observatory.open(dirs[0]) as observatory:
        yield observatory


@pytest.fixture
def bare(dirs):
    with Observatory.open(dirs[1]) as observatory:
        yield observatory


@pytest.fixture(scope="module")
def truth(dirs) -> dict:
    return json.loads((dirs[0] / "datos-sinteticos/verdad/verdad.json").read_text())


def latest_estimates(obs) -> pd.DataFrame:
    return obs.engine.frame(
        "SELECT period, n_observed, n_hat, n_lower, n_upper FROM mse_estimates "
        "WHERE estimate_id = (SELECT estimate_id FROM mse_estimates ORDER BY created_at DESC "
        "LIMIT 1) ORDER BY period"
    ).set_index("period")


def test_linked_counts_equal_the_events_table_at_every_level(obs):
    events = obs.engine.frame(
        "SELECT year::VARCHAR AS period, count(*) AS n, count(*) FILTER (WHERE sex = 'female') "
        "AS women FROM events WHERE run_id = (SELECT run_id FROM link_runs "
        "ORDER BY created_at DESC LIMIT 1) GROUP BY 1"
    ).set_index("period")
    assert len(events) == 5
    for level in ("municipio", "colonia"):
        result = compute_indicators(obs, "homicide", level=level, period="year", count="linked")
        totals = result.totals().set_index(["indicator", "period"])
        assert set(totals["count_basis"]) == {"linked"} and set(totals["source"]) == {"linked"}
        for period, row in events.iterrows():
            assert totals.loc[("homicides", period), "n"] == row["n"], (level, period)
            assert totals.loc[("homicides_women", period), "n"] == row["women"], (level, period)
    # Linked events count each death once: more than any one source, fewer than their sum.
    by_source = compute_indicators(obs, "homicide", level="municipio", period="year").totals()
    forense = by_source[by_source.indicator == "homicides"].set_index("period")["n"]
    assert (events["n"] > forense.reindex(events.index)).all()
    assert by_source.count_basis.eq("source").all() and by_source.interval.eq("poisson").all()


def test_an_indicator_file_selects_linked_events_by_provider(obs):
    ind = Indicator("linked", "Vinculados", "Linked", ("0101",), provider="events")
    result = compute_indicators(
        obs, IndicatorSet("x", "X", "X", (ind,)), level="municipio", period="year"
    )
    table = result.table.set_index("period")
    assert table.loc["2021", "n"] == obs.engine.scalar(
        "SELECT count(*) FROM events WHERE year = 2021"
    )
    assert table["count_basis"].eq("linked").all()


def test_estimated_totals_equal_mse_estimates_and_hold_the_planted_victims(obs, truth):
    """The estimate is the count and its 95% interval the rate's, over the same person-years;
    no Poisson comparison; the interval holds the planted number of victims in at least four
    of the five years (with seed 7, 2020's starts just above its 559, as
    tests/link/test_demo_city.py explains)."""
    result = compute_indicators(
        obs, "homicide", level="municipio", period="year", count="estimated"
    )
    table = result.table
    est = table[table.indicator == "homicides"].set_index("period")
    stored = latest_estimates(obs)
    assert list(est.index) == list(stored.index)
    np.testing.assert_allclose(est["n"], stored["n_hat"])
    np.testing.assert_allclose(est["n_lower"], stored["n_lower"])
    np.testing.assert_allclose(est["n_upper"], stored["n_upper"])
    np.testing.assert_allclose(est["rate_lower"], est["n_lower"] / est["person_years"] * 1e5)
    np.testing.assert_allclose(est["rate_upper"], est["n_upper"] / est["person_years"] * 1e5)
    assert est["count_basis"].eq("estimated").all() and est["interval"].eq("mse").all()
    assert est[["p_yago", "change_yago", "n_yago", "rate_eb"]].isna().all().all()
    assert not est["significant_yago"].any()
    covered = sum(
        est.loc[y, "n_lower"] <= n <= est.loc[y, "n_upper"]
        for y, n in truth["true_victims_by_year"].items()
    )
    assert covered >= 4
    # The rate's interval holds the planted rate as the count's holds the planted count.
    rates = truth["homicide_rate_per_100k_by_year"]
    assert (
        sum(est.loc[y, "rate_lower"] <= r <= est.loc[y, "rate_upper"] for y, r in rates.items())
        >= 4
    )
    # The estimate stands only for every victim: filtered indicators count linked events.
    women = table[table.indicator == "homicides_women"]
    assert women["count_basis"].eq("linked").all() and women["interval"].eq("poisson").all()
    totals = result.totals().set_index(["indicator", "period"])
    assert totals.loc[("homicides", "2023"), "n_upper"] == stored.loc["2023", "n_upper"]
    assert "LCMCR" in result.summary("en") and "do not apply" in result.summary("en")
    assert "no se aplican" in result.summary("es")


def refusal(call) -> SerenoError:
    with pytest.raises(SerenoError) as caught:
        call()
    return caught.value


def test_refusals_say_what_to_run(obs, bare):
    no_run = refusal(lambda: compute_indicators(bare, "homicide", period="year", count="linked"))
    assert no_run.key == "indicators.no_link_run"
    assert "sereno link" in no_run.message("es") and "sereno link" in no_run.message("en")
    monthly = refusal(lambda: compute_indicators(obs, "homicide", count="estimated"))
    assert monthly.key == "indicators.estimate_period" and "--by year" in monthly.message("en")
    district = refusal(
        lambda: compute_indicators(
            obs, "homicide", level="distrito", period="year", count="estimated"
        )
    )
    assert district.key == "indicators.estimate_level"
    assert "unit_code,year" in district.message("es") and "municipio" in district.message("en")
    by_unit = refusal(
        lambda: compute_indicators(
            obs, "homicide", level="colonia", period="year", count="estimated"
        )
    )
    assert by_unit.key == "indicators.no_estimates"
    assert "sereno estimate --by unit_code,year" in by_unit.message("en")
    cases = Indicator("k", "K", "K", ("0101",), counted="incidents", provider="events")
    wrong = refusal(
        lambda: compute_indicators(obs, IndicatorSet("x", "X", "X", (cases,)), period="year")
    )
    assert wrong.key == "indicators.linked_victims_only"
    assert refusal(lambda: compute_indicators(obs, count="all")).key == "indicators.bad_count"


def test_cli_count_option(dirs):
    linked, unlinked = dirs
    data = invoke(
        "indicators", "--dir", str(linked), "--by", "year", "--level", "municipio",
        "--count-basis", "estimated",
    )  # fmt: skip
    rows = [r for r in data["rows"] if r["indicator"] == "homicides"]
    assert {r["count_basis"] for r in rows} == {"estimated"} and len(rows) == 5
    assert data["bases"]["homicides"]["method"] == "lcmcr"
    run = RUNNER.invoke(
        app, ["--lang", "en", "indicators", "--dir", str(unlinked), "--count-basis", "linked"]
    )
    assert run.exit_code == 2 and "run 'sereno link' first" in run.output


def test_reconciliation_adds_up(obs):
    found = reconcile(obs)
    table = found.table.set_index("year")
    assert found.sources == ("forense", "policia", "prensa")
    events = obs.engine.frame(
        "SELECT year, count(*) AS n, count(*) FILTER (WHERE sources NOT LIKE '%,%') AS one "
        "FROM events GROUP BY 1"
    ).set_index("year")
    assert (table["linked"] == events["n"]).all()
    assert (table["single_source"] == events["one"]).all()
    victims = obs.engine.frame(
        "SELECT source_id, year, count(*) AS n FROM victims WHERE iccs_code LIKE '0101%' "
        "GROUP BY 1, 2"
    )
    for r in victims.itertuples():
        assert table.loc[r.year, f"n_{r.source_id}"] == r.n
    stored = latest_estimates(obs)
    np.testing.assert_allclose(table["n_hat"], stored["n_hat"])
    np.testing.assert_allclose(table["uncounted"], 1 - table["linked"] / table["n_hat"])
    assert (table["uncounted_lower"] <= table["uncounted"]).all()
    assert (table["uncounted"] <= table["uncounted_upper"]).all()
    assert table["coverage_forense"].between(0.7, 0.95).all()


@pytest.mark.parametrize(
    ("lang", "basis", "linked", "estimated", "section"),
    [
        ("es", "Cuenta:</strong> Homicidios intencionales: eventos vinculados entre 3 fuentes",
         "eventos vinculados", "total estimado por estimación de sistemas múltiples (LCMCR)",
         "Conciliación de fuentes"),
        ("en", "Count:</strong> Intentional homicides: events linked across 3 sources",
         "linked events", "total estimated by multiple systems estimation (LCMCR)",
         "Reconciliation of sources"),
    ],
)  # fmt: skip
def test_bulletin_states_its_count_and_reconciles(dirs, tmp_path, lang, basis, linked,
                                                  estimated, section):  # fmt: skip
    out = tmp_path / f"b.{lang}.html"
    data = invoke(
        "report", "--dir", str(dirs[0]), "--period", "2024-12", "--lang", lang, "--set",
        "homicide", "--count-basis", "estimated", "--out", str(out),
    )  # fmt: skip
    html = out.read_text(encoding="utf-8")
    assert basis in html and estimated in html and section in html
    assert data["count"] == "estimated"
    # The estimated headline: 2023 and 2024, each with its interval from mse_estimates.
    with Observatory.open(dirs[0]) as obs:
        stored = latest_estimates(obs)
        linked_2023 = reconcile(obs).table.set_index("year").loc[2023]
    from sereno.i18n import format_number

    lo, hi = (format_number(stored.loc["2023", k], lang) for k in ("n_lower", "n_upper"))
    assert [r["year"] for r in data["estimated"]] == ["2023", "2024"]
    assert data["estimated"][0]["n_ci"] == f"{lo}–{hi}"
    rec = next(s for s in data["sections"] if s["title"] == section)
    assert [r[0] for r in rec["rows"]] == ["2023", "2024"]
    counts = [linked_2023[k] for k in ("n_forense", "n_policia", "n_prensa", "linked")]
    assert rec["rows"][0][1:5] == [str(n) for n in counts] and counts[:3] == [397, 339, 228]
    assert rec["rows"][0][6] == f"{format_number(stored.loc['2023', 'n_hat'], lang)} ({lo}–{hi})"
    source = tmp_path / f"s.{lang}.html"
    invoke("report", "--dir", str(dirs[0]), "--period", "2024-08", "--lang", lang,
           "--out", str(source))  # fmt: skip
    text = source.read_text(encoding="utf-8")
    word = "registros de la fuente forense" if lang == "es" else "records of the forense source"
    assert re.search(rf"{'Cuenta' if lang == 'es' else 'Count'}:</strong> [^<]*{word}", text)
    # The bulletin's year is cut at its month, so it is counted to date and not estimated.
    assert ("Ene–ago 2024" if lang == "es" else "Jan–Aug 2024") in text
    assert linked in html and linked not in text.split(section)[0]


def test_reconciliation_section_is_empty_without_linkage(bare):
    for lang, word in (("es", "sereno link"), ("en", "sereno link")):
        section = reconciliation_section(bare, "2024-08", lang)
        assert section.rows == [] and word in section.empty


def test_who_misses_what_section_counts_linked_deaths(obs, bare):
    """Each row's deaths and each source's missed share, recounted from the events table:
    women over the twelve months through August 2024, and every age band shown."""
    section = missed_section(obs, "2024-08", "en")
    run = obs.engine.scalar("SELECT run_id FROM link_runs ORDER BY created_at DESC LIMIT 1")
    women = obs.engine.frame(
        "SELECT sources FROM events WHERE run_id = ? AND sex = 'female' "
        "AND year * 12 + month - 1 BETWEEN ? AND ?",
        [run, 2024 * 12 + 7 - 11, 2024 * 12 + 7],
    )
    sources = [h.removeprefix("Missed by ") for h in section.header[2:]]
    assert sources == ["forense", "policia", "prensa"]
    row = next(r for r in section.rows if r[0] == "Sex: Female")
    assert int(row[1]) == len(women) >= 5
    for source, cell in zip(sources, row[2:], strict=True):
        missed = 1 - women["sources"].str.split(",").apply(lambda s, x=source: x in s).mean()
        assert cell == f"{round(100 * missed)}%"
    bands = [r[0] for r in section.rows if r[0].startswith("Age: ")]
    assert "Age: 15-29 years" in bands
    # Without linkage the section says so instead of a table.
    empty = missed_section(bare, "2024-08", "es")
    assert empty.rows == [] and "vinculado" in empty.intro


def test_linked_series_cover_only_months_every_linked_source_covers(obs):
    """A month one linked source has not reported yet is partial for linked events: the
    window is the intersection of the linked sources' coverage, not the events' own range."""
    from sereno.indicators.counts import coverage
    from sereno.indicators.definitions import load_set
    from sereno.indicators.reconciled import linked_coverage

    ind = load_set("homicide").indicators[0]
    cov = coverage(obs)
    cut = int(cov.loc[cov["source_id"] == "policia", "last"].iloc[0]) - 6
    cov.loc[cov["source_id"] == "policia", "last"] = cut
    window = linked_coverage(obs, ind, cov).set_index("source_id")
    assert window.at["linked", "last"] == cut == window.at["estimated", "last"]
    linked = ["forense", "policia", "prensa"]
    assert window.at["linked", "first"] == cov[cov["source_id"].isin(linked)]["first"].max()
