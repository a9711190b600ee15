"""Take the screenshots in docs/ of a warehouse served by `lps serve`, in headless Chromium.

    .venv/bin/lps ingest fixtures/pdfs --db lps.db
    .venv/bin/lps export /tmp/lps-release --db lps.db --release-version 2024.1
    .venv/bin/python scripts/docs_screenshots.py --db lps.db

Starts `lps serve` on a free loopback port, opens each page below with Debian's Chromium through
Playwright (the same way tests/test_browser.py does, with the network flags that keep Chromium
off the internet), waits for charts to draw, and writes docs/screenshot-<name>.png:

- `datasette`: the borough dashboard (knife crime, Lambeth highlighted);
- `home`: the home page with the release, its date and checksum;
- `query-codebook`: "which boroughs missed their burglary target in 2009/10?" with the codebook;
- `row-pdf`: a leaflet's row in `documents`, its document id a link to the served PDF.
"""

from __future__ import annotations

import argparse
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DASHBOARD = "/-/dashboards/borough-performance?measure=knife_crime&period=2009/10&area=Lambeth"
MISSED = "/lps/missed_targets?measure=residential_burglary&period=2009/10"


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


def _a_leaflet(db: Path) -> str:
    """A loaded 2009/10 leaflet's document id (Barnet's when there is one)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT document_id FROM documents WHERE status = 'loaded' AND period = '2009/10' "
            "ORDER BY area != 'Barnet', area LIMIT 1").fetchone()
    if row is None:
        sys.exit(f"{db} has no loaded 2009/10 leaflet to show")
    return str(row[0])


def _shoot(page: Page, url: str, out: Path, *, charts: tuple[str, ...] = (),
           full_page: bool = True) -> None:
    page.goto(url)
    for chart in charts:
        page.locator(f"#chart-{chart} svg .mark-rect path").first.wait_for()
    page.wait_for_timeout(1000 if charts else 200)  # let the remaining charts finish drawing
    page.screenshot(path=str(out), full_page=full_page)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("lps.db"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs",
                        help="folder for the screenshots [default: docs/]")
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "lps.serve", "--db", str(args.db),
                               "--port", str(port), "--pdfs", str(ROOT)], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/", time.monotonic() + 30)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _shoot(page, base + DASHBOARD, args.out / "screenshot-datasette.png",
                   charts=("change-by-borough", "coverage"))
            _shoot(page, base + "/", args.out / "screenshot-home.png")
            _shoot(page, base + MISSED + "&_hide_sql=1", args.out / "screenshot-query-codebook.png")
            _shoot(page, f"{base}/lps/documents/{_a_leaflet(args.db)}",
                   args.out / "screenshot-row-pdf.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
