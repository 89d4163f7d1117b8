"""Screenshots of every public portal page at 1280 and 390 px wide (a laptop and a phone).

    python docs/screenshots/take_screenshots.py DEMO_DIR [OUT_DIR]

Serves the portal of the observatory in DEMO_DIR (build one with ``sereno demo``) on a free
loopback port and photographs each page with the system Chromium through Playwright, in
Spanish at both widths and in English at 1280 px: ``overview-1280-es.png``,
``overview-390-es.png``, ... The pages are the portal's navigation plus a unit's page.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from sereno.publish.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = {
    "overview": "/", "reconciliation": "/reconciliation", "map": "/map",
    "hotspots": "/hotspots", "units": "/units?q=san", "unit": "/units/C120",
    "alerts": "/alerts", "evaluations": "/evaluations", "sources": "/sources",
    "opendata": "/data", "login": "/login", "error": "/map?period=1999",
}  # fmt: skip
SHOTS = [(1280, "es"), (390, "es"), (1280, "en")]


def main(directory: str, out: str = "docs/screenshots") -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(directory)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, lang in SHOTS:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_default_timeout(180_000)  # a first map or Gi* is computed on request
            for name, path in PAGES.items():
                glue = "&" if "?" in path else "?"
                page.goto(f"http://127.0.0.1:{port}{path}{glue}lang={lang}")
                target = folder / f"{name}-{width}-{lang}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target)
            page.close()
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main(*sys.argv[1:])
