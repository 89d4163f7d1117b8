"""The portal on a phone (390 px, Chromium): the menu takes one row, no page is wider than
the screen, and chart text renders at a readable size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publish.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
]
PAGES = ["/", "/map", "/hotspots", "/units", "/units/C120", "/alerts", "/sources", "/data"]


@pytest.fixture(scope="module")
def phone(live_server):
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=args)
        page = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.set_default_timeout(180_000)
        yield page
        chromium.close()


def test_pages_fit_a_phone_with_a_one_row_menu_and_readable_charts(phone, live_server):
    for path in PAGES:
        phone.goto(f"{live_server}{path}?lang=es")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        links = phone.evaluate(
            "[...document.querySelectorAll('header nav a')].map(a => a.getBoundingClientRect().top)"
        )
        assert len(links) >= 5 and max(links) - min(links) < 2, path  # one row
        smallest = phone.evaluate(
            "Math.min(...[...document.querySelectorAll('svg.chart text')]"
            ".map(t => t.getBoundingClientRect().height), 99)"
        )
        assert smallest >= 9, (path, smallest)  # px on screen: was about 5 before
