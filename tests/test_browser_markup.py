"""No markup from parameters: script put in any query parameter of any dashboard, dashboard
chart or canned query never runs, in a real Chromium against a real `lps serve` (issue 20,
item 5: the dashboard's `period` reached a table chart that wrote it with innerHTML).

Each parameter, in turn, gets a value that would run script whichever way it is echoed (in an
attribute, in an element, in a JavaScript string); the page is loaded, its charts left to
fetch and draw, and the test asserts that the marker the script would set was never set and no
dialog opened. The parameters come from `datasette/metadata.yaml` itself, so a dashboard or
query added later is tried too.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sample_warehouse import build_sample_warehouse
from test_browser import CHROMIUM, CHROMIUM_ARGS, serving

from lps.serve import load_metadata

pytestmark = pytest.mark.browser

#: Script that sets `window.lpsMarkup` as an element, in an attribute or in a JS string.
PAYLOAD = ("\"'><img src=x onerror=window.lpsMarkup=1><script>window.lpsMarkup=1</script>"
           "';window.lpsMarkup=1;//")


def _pages() -> list[tuple[str, dict[str, str]]]:
    """(path, parameters) for every dashboard, chart and canned query, each parameter in turn
    set to `PAYLOAD` (the others to a value that shows data)."""
    metadata = load_metadata()
    usual = {"measure": "residential_burglary", "period": "2009/10", "area": "Lambeth",
             "q": "gangs"}
    pages = []
    dashboards = metadata["plugins"]["datasette-dashboards"]
    for slug, dashboard in dashboards.items():
        names = list(dashboard.get("filters", {}))
        paths = [f"/-/dashboards/{slug}"] + [
            f"/-/dashboards/{slug}/{chart}" for chart in dashboard["charts"]]
        for path in paths:
            for name in names:
                pages.append((path, {**{n: usual.get(n, "") for n in names}, name: PAYLOAD}))
    for name, query in metadata["databases"]["lps"]["queries"].items():
        params = query.get("params") or []
        for param in params:
            pages.append((f"/lps/{name}",
                          {**{p: usual.get(p, "") for p in params}, param: PAYLOAD}))
    return pages


PAGES = _pages()


def test_every_parameter_is_tried() -> None:
    tried = {(path, name) for path, params in PAGES for name, value in params.items()
             if value == PAYLOAD}
    assert ("/-/dashboards/borough-performance", "period") in tried
    assert ("/-/dashboards/borough-performance/shown", "period") in tried
    assert ("/lps/borough_trend", "area") in tried
    assert len(tried) == 38


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("markup") / "lps.db")
    with serving(warehouse) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                  else route.abort())
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


#: Pages loaded side by side in tabs of one browser: their charts fetch and draw at once.
TABS = 6


def test_no_parameter_runs_script(page: Page, base_url: str) -> None:
    dialogs: list[str] = []
    tabs = [page, *(page.context.new_page() for _ in range(TABS - 1))]
    for tab in tabs:
        tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    ran = []
    for start in range(0, len(PAGES), TABS):
        batch = list(zip(tabs, PAGES[start:start + TABS], strict=False))
        for tab, (path, params) in batch:  # each tab starts loading ...
            tab.goto(f"{base_url}{path}?{urlencode(params)}", wait_until="commit")
        for tab, (path, params) in batch:  # ... then each is waited for, charts drawn
            tab.wait_for_load_state("networkidle")
            if tab.evaluate("window.lpsMarkup") is not None:
                ran.append((path, next(n for n, v in params.items() if v == PAYLOAD)))
    for tab in tabs[1:]:
        tab.close()
    assert ran == []
    assert dialogs == []


def test_the_marker_is_seen_when_script_does_run(page: Page, base_url: str) -> None:
    """The check above can fail: a page where the payload does run sets the marker it reads."""
    page.goto(f"{base_url}/-/dashboards", wait_until="commit")
    page.wait_for_load_state("networkidle")
    page.set_content(PAYLOAD)
    assert page.evaluate("window.lpsMarkup") == 1


def test_the_period_is_shown_as_text(page: Page, base_url: str) -> None:
    """The chart that echoed it still says what was asked for, as text."""
    page.goto(f"{base_url}/-/dashboards/borough-performance/shown?" + urlencode(
        {"measure": "residential_burglary", "period": "<b>1999/00</b>", "area": ""}),
        wait_until="networkidle")
    page.locator(".chart-container td").first.wait_for()
    cells = page.locator(".chart-container td").all_inner_texts()
    assert "<b>1999/00</b> has no figures for this measure" in cells
    assert page.locator(".chart-container b").count() == 0
