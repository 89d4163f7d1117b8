"""The portal in a real browser: Debian's Chromium driven by Playwright, headless, against a
live server on Ciudad Demo. Pages render with data in both languages, the map draws, the
analyst signs in and uploads a file and sees its quarantine report, and no request leaves
the machine. Screenshots of each page go to docs/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.publish.conftest import ANALYST

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium)"
    ),
]

UPLOAD = (
    "FOLIO;FECHA;HORA;COLONIA;DELITO;SEXO;EDAD;ARMA;LUGAR;NOMBRE_VICTIMA\n"
    "PM-2025-90001;03/01/2025;10:00;COLONIA SUYAPA;HOMICIDIO DOLOSO;H;30;ARMA DE FUEGO;"
    "VÍA PÚBLICA;\n"
    "PM-2025-90002;04/01/2025;11:00;COLONIA QUE NO EXISTE;HOMICIDIO DOLOSO;M;25;ARMA BLANCA;"
    "DOMICILIO;\n"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def test_pages_in_both_languages_upload_and_no_outside_request(browser, live_server, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for lang, overview, map_word in (("es", "Panorama", "Mapa"), ("en", "Overview", "Map")):
        page.goto(f"{live_server}/?lang={lang}")
        assert page.locator("h1").inner_text() == overview
        assert page.locator("svg.chart path").count() == 3
        assert page.locator(".card .big").first.inner_text().strip() != ""
        page.screenshot(path=str(SHOTS / f"overview-{lang}.png"), full_page=True)
        page.click(f"header nav >> text={map_word}")
        assert page.locator("svg.map a path").count() == 150  # plus the distritos outlined
        box = page.locator("svg.map").bounding_box()
        assert box and box["width"] > 400 and box["height"] > 300
        page.screenshot(path=str(SHOTS / f"map-{lang}.png"), full_page=False)
        page.locator("svg.map a").first.click()
        assert page.url.startswith(f"{live_server}/units/")
        page.goto(f"{live_server}/units/C120?lang={lang}")
        assert page.locator("h1").inner_text() == "Colonia San Cristóbal"
        assert page.locator(".card .big").first.inner_text() == "134"
        page.screenshot(path=str(SHOTS / f"unit-{lang}.png"), full_page=True)
    # The language switch is on every page, and is remembered.
    page.click("header .langs >> text=ES")
    page.goto(f"{live_server}/sources")
    assert page.locator("h1").inner_text() == "Fuentes y métodos"
    page.screenshot(path=str(SHOTS / "sources-es.png"), full_page=True)
    page.goto(f"{live_server}/data?lang=en")
    page.screenshot(path=str(SHOTS / "opendata-en.png"), full_page=True)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(f"{live_server}/map?lang=es")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    phone.screenshot(path=str(SHOTS / "map-phone-es.png"))

    page.goto(f"{live_server}/workspace?lang=es")
    assert "/login" in page.url
    page.fill("input[name=username]", ANALYST[0])
    page.fill("input[name=password]", ANALYST[1])
    page.click("button[type=submit]")
    assert page.url.endswith("/workspace")
    page.screenshot(path=str(SHOTS / "workspace-es.png"), full_page=True)
    upload = tmp_path / "policia_2025-01.csv"
    upload.write_text(UPLOAD, encoding="latin-1")  # as the police send it
    page.set_input_files("input[name=file]", str(upload))
    page.fill("input[name=source]", "policia")
    page.click("form[action='/workspace/upload'] button[type=submit]")
    assert page.locator("#report-rows_read").inner_text() == "2"
    assert page.locator("#report-stored").inner_text() == "1"
    assert page.locator("#report-quarantined").inner_text() == "1"
    assert "COLONIA QUE NO EXISTE" in page.locator("table").last.inner_text()
    page.screenshot(path=str(SHOTS / "upload-report-es.png"), full_page=True)

    outside = [u for u in requested if not u.startswith(live_server)]
    assert not outside
    assert len(requested) > 10
