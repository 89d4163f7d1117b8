"""The emerging hot spots page on Ciudad Demo: its JSON equals the spatial stage's result, it
publishes no count, its CSV twin has one row per unit, and the map draws in a real browser
in both languages (screenshots to docs/screenshots/)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.publish.conftest import serving

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_page_is_the_spatial_stages_result_without_counts(client, app):
    from sereno.spatial.emerging import emerging_from_store

    data = client.get("/api/v1/emerging?lang=en").json()
    assert data["level"] == "colonia" and data["steps"] == 24 and len(data["units"]) == 150
    with app.state.portal.data.lock:
        result = emerging_from_store(app.state.portal.obs, level="colonia",
                                     source=data["source"], start=data["start"],
                                     end=data["end"])  # fmt: skip
    expected = dict(zip(result.unit_codes, result.category, strict=True))
    assert {u["unit_code"]: u["category"] for u in data["units"]} == expected
    assert {i["category"]: i["n"] for i in data["legend"]} == {
        k: v for k, v in result.counts().items() if v
    }
    assert set(data["units"][0]) == {"unit_code", "unit_name", "category", "category_label",
                                     "tau", "trend_p", "hot_steps", "cold_steps"}  # fmt: skip
    table = pd.read_csv(io.StringIO(client.get("/api/v1/emerging.csv?lang=es").text))
    assert len(table) == 150 and "punto caliente esporádico" in set(table["category_label"])
    short = client.get("/api/v1/emerging?lang=en&months=12").json()
    assert short["steps"] == 12 and short["end"] == data["end"]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")
def test_the_category_map_draws_in_a_browser(app):
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    with serving(app) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        for lang, word in (("es", "esporádico"), ("en", "sporadic")):
            page.goto(f"{url}/emerging?lang={lang}")
            svg = page.locator("svg.map")
            box = svg.bounding_box()
            assert box and box["width"] > 500 and svg.locator("path").count() == 150
            assert word in page.locator(".legend").inner_text()
            # the legend's swatches are SVG fills (the portal's CSP allows no inline style)
            fills = page.locator(".legend rect").evaluate_all(
                "r => r.map(e => e.getAttribute('fill'))"
            )
            assert len(fills) >= 3 and "#fdbb84" in fills
            page.screenshot(path=str(SHOTS / f"emerging-{lang}.png"), full_page=True)
        browser.close()
    assert requested and all(u.startswith(url) for u in requested)
