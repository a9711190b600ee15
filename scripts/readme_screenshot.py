"""Take the README's screenshot: the borough dashboard of a warehouse, in headless Chromium.

    .venv/bin/lps ingest fixtures/pdfs --db lps.db
    .venv/bin/python scripts/readme_screenshot.py --db lps.db

Starts `lps serve` on a free loopback port, opens the dashboard with Debian's Chromium through
Playwright (the same way tests/test_browser.py does, with the network flags that keep Chromium
off the internet), waits for the charts to draw, and writes docs/screenshot-datasette.png.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DASHBOARD = "/-/dashboards/borough-performance?measure=knife_crime&period=2009/10&area=Lambeth"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("lps.db"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-datasette.png")
    args = parser.parse_args()
    port = _free_port()
    lps = str(Path(sys.executable).with_name("lps"))
    server = subprocess.Popen([lps, "serve", "--db", str(args.db), "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/", time.monotonic() + 30)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + DASHBOARD)
            for chart in ("change-by-borough", "coverage"):
                page.locator(f"#chart-{chart} svg .mark-rect path").first.wait_for()
            page.wait_for_timeout(1000)  # let the remaining charts finish drawing
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
