"""The reconciliation page on Ciudad Demo linked and estimated by year: its figures equal the
linkage and estimate tables in both languages and in its JSON and CSV twins, the interval
bars draw in a real browser (screenshots to docs/screenshots/), and an observatory without
linkage gets a plain sentence instead. The overview says it counts one source's records and
links here."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.publish.conftest import serving

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def linked_app(tmp_path_factory):
    import sereno.commands.link  # noqa: F401  (registers the commands)
    from sereno.cli import app as cli
    from sereno.demo.build import build_demo
    from sereno.publish.app import create_app

    directory = tmp_path_factory.mktemp("reconciliation") / "demo"
    build_demo(directory, seed=7)
    for command in (["link"], ["estimate", "--by", "year"]):
        run = CliRunner().invoke(cli, [*command, "--dir", str(directory)])
        assert run.exit_code == 0, run.output
    application = create_app(directory)
    yield application
    application.state.portal.obs.close()


@pytest.fixture(scope="module")
def linked_client(linked_app):
    from fastapi.testclient import TestClient

    return TestClient(linked_app)


def stored(app, sql: str) -> pd.DataFrame:
    return app.state.portal.data.frame(sql)


def test_json_twin_equals_the_linkage_and_estimate_tables(linked_client, linked_app):
    data = linked_client.get("/api/v1/reconciliation").json()
    assert data["available"] and data["sources"] == ["forense", "policia", "prensa"]
    assert [y["year"] for y in data["years"]] == [2020, 2021, 2022, 2023, 2024]
    events = stored(linked_app, "SELECT year, count(*) AS n FROM events GROUP BY 1")
    estimates = stored(
        linked_app, "SELECT period::INTEGER AS year, n_hat, n_lower, n_upper FROM mse_estimates"
    ).set_index("year")
    victims = stored(
        linked_app,
        "SELECT source_id, year, count(*) AS n FROM victims WHERE iccs_code = '0101' GROUP BY 1, 2",
    )
    by_year = {y["year"]: y for y in data["years"]}
    for r in events.itertuples():
        assert by_year[r.year]["linked"] == {"n": r.n, "suppressed": False}
        e = by_year[r.year]["estimate"]
        assert (e["n_hat"], e["n_lower"], e["n_upper"]) == tuple(estimates.loc[r.year])
        assert e["uncounted_lower"] < e["uncounted"] < e["uncounted_upper"]
    for r in victims.itertuples():
        cell = next(s for s in by_year[r.year]["sources"] if s["source"] == r.source_id)
        assert cell["n"] == r.n and 0.4 < cell["coverage"] < 0.95
    csv = pd.read_csv(io.StringIO(linked_client.get("/api/v1/reconciliation.csv").text))
    assert list(csv["year"]) == list(by_year) and list(csv["n_hat"]) == list(estimates["n_hat"])
    assert '"name"' not in json.dumps(data)  # nothing person-level, not even a key


@pytest.mark.parametrize(
    ("lang", "heading", "words", "shown"),
    [
        ("es", "Reconciliación", "Eventos vinculados", "{n} (intervalo del 95 %: {lo} a {hi})"),
        ("en", "Reconciliation", "Linked events", "{n} (95% interval: {lo} to {hi})"),
    ],
)
def test_page_in_both_languages(linked_client, linked_app, lang, heading, words, shown):
    e = stored(linked_app, "SELECT n_hat, n_lower, n_upper FROM mse_estimates "
                           "WHERE period = '2023'").iloc[0]  # fmt: skip
    from sereno.i18n import format_number

    shown = shown.format(n=format_number(e.n_hat, lang), lo=format_number(e.n_lower, lang),
                         hi=format_number(e.n_upper, lang))  # fmt: skip
    html = linked_client.get(f"/reconciliation?lang={lang}").text
    assert f"<h1>{heading}</h1>" in html and words in html and shown in html
    chart = html.split('<svg class="chart intervals"')[1].split("</svg>")[0]
    assert chart.count("<circle") == 5 and chart.count("<rect") == 5  # one estimate a year
    assert f'href="/reconciliation?lang={lang}" aria-current="page"' in html


def test_without_linkage_the_page_says_what_to_run(client):
    for lang, word in (("es", "sereno link"), ("en", "sereno link")):
        response = client.get(f"/reconciliation?lang={lang}")
        assert response.status_code == 200 and word in response.text
    data = client.get("/api/v1/reconciliation").json()
    assert not data["available"] and data["years"] == []


def test_overview_says_what_it_counts_and_links_here(client):
    for lang, words in (("es", "registros de la fuente forense"),
                        ("en", "records of the forense source")):  # fmt: skip
        html = client.get(f"/?lang={lang}").text
        assert words in html and f'href="/reconciliation?lang={lang}"' in html
    data = client.get("/api/v1/overview").json()
    assert {s["count_basis"] for s in data["series"]} == {"source"}
    assert data["reconciliation"] == "/reconciliation"


def test_small_counts_are_suppressed():
    from sereno.publish.reconciliation_page import _cell

    assert _cell(3, 5) == {"n": None, "suppressed": True}
    assert _cell(0, 5) == {"n": 0, "suppressed": False}
    assert _cell(5, 5) == {"n": 5, "suppressed": False}


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_interval_bars_draw_in_a_browser(linked_app):
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    with serving(linked_app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        for lang in ("es", "en"):
            page.goto(f"{url}/reconciliation?lang={lang}")
            chart = page.locator("svg.intervals")
            box = chart.bounding_box()
            assert box and box["width"] > 600 and box["height"] > 200
            assert chart.locator("circle").count() == 5 and chart.locator("rect").count() == 5
            page.screenshot(path=str(SHOTS / f"reconciliation-{lang}.png"), full_page=True)
        page.goto(f"{url}/?lang=es")
        page.click("text=Reconciliación >> nth=-1")
        assert page.url.endswith("/reconciliation?lang=es")
        browser.close()
    assert requested and all(u.startswith(url) for u in requested)
