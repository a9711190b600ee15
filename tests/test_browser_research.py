"""Issue 10 in a real Chromium: each failure researchers met has a test that would have caught it.

A warehouse of real fixture leaflets over four years (Camden has no 2008/09 leaflet, so its trend
has a gap; Kensington and Chelsea's 2008/09 leaflet sets its 2009/10 targets; Bexley and Merton
fell a lot in 2009/10 with no target documented), two files that cannot be placed in any year,
and a release made from it. `lps serve` runs as a researcher starts it; what the pages must show
is computed from the golden files. Nothing may be fetched from outside the machine (the `page`
fixture of test_browser fails the test otherwise).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
from playwright.sync_api import Page
from sample_warehouse import FIXTURES, build_fixture_warehouse, golden
from test_browser import (  # noqa: F401  (fixtures)
    browser,
    column_text,
    page,
    screenshot,
    serving,
    vega_number,
)

from release import export_release
from schemas import Measure
from warehouse import open_warehouse

pytestmark = pytest.mark.browser

LEAFLETS = {
    "2007-08": ["barnet", "camden", "lambeth"],
    "2008-09": ["barnet", "kensington-and-chelsea", "lambeth"],
    "2009-10": ["barnet", "bexley", "camden", "kensington-and-chelsea", "lambeth", "merton"],
    "2010-11": ["barnet", "lambeth"],
}
#: Bad files ingested: the first cannot be placed in any year; the second names its borough
#: (Ealing, in its PDF title) and year (2009/10, in its reason), so coverage places it.
BAD = ["empty.pdf", "no-performance-table.pdf"]
UNPLACED = ["empty.pdf"]
BURGLARY = Measure.residential_burglary


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("research-browser")
    pdfs = [FIXTURES / "pdfs" / year / f"{slug}.pdf"
            for year, slugs in LEAFLETS.items() for slug in slugs]
    pdfs += [FIXTURES / "pdfs" / "bad" / name for name in BAD]
    warehouse = build_fixture_warehouse(folder / "lps.db", pdfs)
    db = open_warehouse(warehouse)
    export_release(db, folder / "release", "2024.1")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # Sources are relative to the repository (as `lps ingest fixtures/pdfs` run there stores
    # them); the server is told where that is, as a researcher would with --pdfs.
    with serving(warehouse, "--pdfs", str(FIXTURES.parent)) as url:
        yield url


def result(year: str, slug: str, measure: Measure) -> Any:
    return next(r for r in golden(slug, year).performance if r.measure == measure)


def priority(year: str, slug: str, measure: Measure) -> float | None:
    return next((p.target_change_pct for p in golden(slug, year).priorities
                 if p.measure == measure), None)


def footer(page: Page) -> str:
    return " ".join(page.locator("footer").inner_text().split())


SOURCE_CREDIT = ("Data source: Local Policing Summary leaflets of the Metropolitan Police "
                 "Authority (real) or generated in their likeness by policing-summaries "
                 "(synthetic; see each row's data_origin); borough names and ONS codes from the "
                 "London Datastore")
#: What the footer says of the licence, this warehouse being a synthetic sample.
LICENCE_CREDIT = "the text of Barnet 2009/10 is real: Open Government Licence v3.0"


# "Which boroughs missed their residential-burglary target in 2009/10?"
def test_missed_burglary_targets_are_only_documented_ones(page: Page, base_url: str) -> None:
    documented = {golden(slug, "2008-09").document.area for slug in LEAFLETS["2008-09"]
                  if priority("2008-09", slug, BURGLARY) is not None}
    not_achieved = {golden(slug).document.area for slug in LEAFLETS["2009-10"]
                    if result("2009-10", slug, BURGLARY).target_achieved is False}
    missed = sorted(not_achieved & documented)
    assert {"Bexley", "Merton"} <= not_achieved - documented and missed  # the sample is apt
    page.goto(f"{base_url}/lps/missed_targets")
    page.select_option("select[name=measure]", "residential_burglary")
    page.select_option("select[name=period]", "2009/10")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_selector("table.rows-and-columns")
    assert page.locator("h1").inner_text() == "Boroughs that missed a documented target"
    assert column_text(page, "area") == missed
    assert column_text(page, "priority_target_change_pct") == [
        str(priority("2008-09", "kensington-and-chelsea", BURGLARY))]
    codebook = page.locator(".lps-codebook-residential_burglary").inner_text()
    assert "offences" in codebook and "lower is better" in codebook
    screenshot(page, "research-missed-targets.png")
    page.goto(f"{base_url}/lps/targets_missed")
    assert page.locator("h1").inner_text() == "Documented targets missed (view)"


# "performance_detail mixes up targets" (Barnet 2008/09 burglary: printed -3.6, priorities -2.4)
def test_both_targets_side_by_side(page: Page, base_url: str) -> None:
    printed = result("2008-09", "barnet", BURGLARY).target_change_pct
    set_before = priority("2007-08", "barnet", BURGLARY)
    assert printed is not None and set_before is not None and printed != set_before
    page.goto(f"{base_url}/lps/performance_detail?area=Barnet&period=2008/09"
              "&measure=residential_burglary")
    assert column_text(page, "printed_target_change_pct") == [str(printed)]
    assert column_text(page, "priority_target_change_pct") == [str(set_before)]
    assert column_text(page, "targets_disagree") == ["1"]
    assert column_text(page, "target_documented") == ["1"]


# "The view drops value_pct ... public confidence shows no value in the view, its CSV, or the
# charts."
def test_rate_measures_have_their_values_in_view_csv_and_chart(page: Page, base_url: str
                                                               ) -> None:
    expected = {golden(slug, year).document.area: result(year, slug, Measure.public_confidence)
                for year in ("2010-11",) for slug in LEAFLETS[year]}
    page.goto(f"{base_url}/lps/performance_detail?measure=public_confidence&period=2010/11"
              "&_sort=area")
    assert column_text(page, "value_pct") == [str(expected[a].value_pct) for a in sorted(expected)]
    response = page.request.get(f"{base_url}/lps/performance_detail.csv?measure="
                                "public_confidence&period=2010/11&_sort=area")
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert [(r["area"], float(r["value_pct"]), float(r["printed_target_value_pct"]))
            for r in rows] == [(a, expected[a].value_pct, expected[a].target_value_pct)
                               for a in sorted(expected)]
    page.goto(f"{base_url}/-/dashboards/borough-performance?measure=public_confidence")
    bars = page.locator("#chart-change-by-borough svg .mark-rect path")
    bars.first.wait_for()
    labels = bars.evaluate_all("paths => paths.map(p => p.getAttribute('aria-label'))")
    assert sorted(re.sub(r"; Target: .*", "", label) for label in labels) == sorted(
        f"figure: {vega_number(r.value_pct)}; area: {area}" for area, r in expected.items())
    titles = page.locator("#chart-change-by-borough svg .role-axis-title text")
    assert titles.all_text_contents() == ["Public confidence (%)"]


# "The dashboard opens on a measure and year with no data, so its chart is empty."
def test_dashboard_opens_on_a_year_with_data(page: Page, base_url: str) -> None:
    years = [y for y, slugs in LEAFLETS.items() for s in slugs
             if any(r.measure == BURGLARY for r in golden(s, y).performance)]
    page.goto(f"{base_url}/-/dashboards/borough-performance")
    bars = page.locator("#chart-change-by-borough svg .mark-rect path")
    bars.first.wait_for()
    assert bars.count() == len(LEAFLETS[max(years)])
    shown = page.locator("#chart-shown table").inner_text()
    assert f"{max(years).replace('-', '/')}" in shown and "lower is better" in shown
    assert SOURCE_CREDIT in footer(page) and LICENCE_CREDIT in footer(page)
    assert "recorded-offence" not in page.content()
    assert page.locator("#chart-unplaced").inner_text().strip() == str(len(UNPLACED))
    screenshot(page, "research-dashboard.png")


# "... trend lines bridge missing years."
def test_trend_lines_never_bridge_a_missing_year(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/-/dashboards/borough-performance?measure=knife_crime&area=Camden")
    page.locator("#chart-trend svg .mark-symbol.role-mark path").first.wait_for()
    xs = page.locator("#chart-trend svg .mark-symbol.role-mark path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('transform'))")
    columns = sorted({round(float(re.match(r"translate\(([-\d.]+),", t)[1]), 1)  # type: ignore[index]
                      for t in xs})
    assert len(columns) == len(LEAFLETS)  # one x position per financial year
    paths = page.locator("#chart-trend svg .mark-line.role-mark path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('d'))")
    assert paths
    for d in paths:
        vertices = [round(float(x), 1) for x in re.findall(r"[ML]([-\d.]+),", d or "")]
        steps = [columns.index(b) - columns.index(a) for a, b in pairwise(vertices)]
        assert all(step == 1 for step in steps), d  # only ever to the next year
    # Camden (2007/08 and 2009/10, no 2008/09) has points but no line between them.
    labels = page.locator("#chart-trend svg .mark-symbol.role-mark path").evaluate_all(
        "ps => ps.map(p => p.getAttribute('aria-label'))")
    camden = sorted(label for label in labels if "Borough: Camden" in label)
    assert [re.search(r"Financial year: ([\d/]+)", c)[1] for c in camden] == [  # type: ignore[index]
        "2007/08", "2009/10"]
    assert len({re.search(r"run: ([^;]+)", c)[1] for c in camden}) == 2  # type: ignore[index]


# "Full-text search on sections_detail for 'gang' finds 0 rows."
def test_search_box_finds_word_forms(page: Page, base_url: str) -> None:
    expected = sum(
        1 for year, slugs in LEAFLETS.items() for slug in slugs
        for section in golden(slug, year).sections
        if re.search(r"\bgang", section.heading + " " + section.text, re.IGNORECASE)
    )
    assert expected > 0
    page.goto(f"{base_url}/lps/sections_detail")
    page.fill("input#_search", "gang")
    page.locator("form.filters input[type=submit]").click()
    page.wait_for_selector("table.rows-and-columns")
    count = page.locator("h3").first.inner_text()
    assert count.startswith(f"{expected} row"), count


# "coverage_by_period shows 0 quarantined documents while 16 are quarantined."
def test_coverage_counts_documents_it_cannot_place(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/lps/coverage_by_period")
    assert column_text(page, "period")[-1] == "not placed"
    assert column_text(page, "quarantined_documents")[-1] == str(len(UNPLACED))
    assert "see coverage_unplaced" in column_text(page, "note")[-1]
    page.goto(f"{base_url}/lps/coverage_unplaced")
    assert sorted(s.rsplit("/", 1)[-1] for s in column_text(page, "source")) == UNPLACED


# "Canned queries with empty or misspelt parameters return '0 results' with no hint."
def test_misspelt_parameters_get_hints_and_valid_values(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/lps/change_by_borough?measure=burglary&period=2009")
    hints = page.locator(".lps-hints").first.inner_text()
    assert "Did you mean residential_burglary (Residential burglary)?" in hints
    assert "“2009” is not a financial year: write it like 2009/10" in hints
    options = page.locator("select[name=period] option").all_inner_texts()
    assert options[:1] == ["(choose)"] and "2009/10" in options
    page.select_option("select[name=measure]", "residential_burglary")
    page.select_option("select[name=period]", "2009/10")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_selector("table.rows-and-columns")
    assert len(column_text(page, "area")) == len(LEAFLETS["2009-10"])
    page.goto(f"{base_url}/lps/change_by_borough")
    assert page.locator(".lps-choose").inner_text() == (
        "Choose a value for measure and period above: this query needs them.")


# "Provenance is a dead end": source_page, the PDFs, document_id on a row page, the CSV's source.
def test_source_page_opens_the_served_pdf_at_the_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/lps/performance_detail?area=Barnet&period=2009/10"
              "&measure=residential_burglary")
    link = page.locator("td.col-source_page a").first
    href = link.get_attribute("href") or ""
    document_id = re.fullmatch(r"/-/leaflets/([0-9a-f]{64})\.pdf#page=(\d+)", href)
    assert document_id, href
    assert int(document_id[2]) == result("2009-10", "barnet", BURGLARY).page
    response = page.request.get(base_url + href.split("#")[0])
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(response.body()).hexdigest() == document_id[1]
    pdf = (FIXTURES / "pdfs" / "2009-10" / "barnet.pdf").read_bytes()
    assert response.body() == pdf


def test_row_page_links_the_document_and_its_pdf(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/lps/performance?area=Barnet&period=2009/10")
    page.locator("td.col-Link a").first.click()
    page.wait_for_url("**/lps/performance/*")
    page.locator("td.col-document_id a").click()
    page.wait_for_url("**/lps/documents/*")
    pdf = page.locator("td.col-document_id a")
    assert pdf.inner_text().startswith("PDF ")
    document_id = page.url.rsplit("/", 1)[-1]
    assert pdf.get_attribute("href") == f"/-/leaflets/{document_id}.pdf"
    assert page.request.get(base_url + f"/-/leaflets/{document_id}.pdf").status == 200
    screenshot(page, "research-row-pdf.png")


def test_csv_sources_are_as_given_never_absolute(page: Page, base_url: str) -> None:
    text = page.request.get(f"{base_url}/lps/performance_detail.csv?_stream=on").text()
    sources = {row["source"] for row in csv.DictReader(io.StringIO(text))}
    assert sources and all(s.startswith("fixtures/pdfs/") for s in sources), sources


@pytest.mark.parametrize("path", [
    "/lps/missed_targets?measure=robbery&period=", "/lps/search_leaflets?q=knife",
    "/-/dashboards/borough-performance?measure=robbery", "/lps/performance",
])
def test_every_page_has_the_licence_and_source(page: Page, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    text = footer(page)
    assert LICENCE_CREDIT in text and "Data licence: Open Government Licence" not in text
    assert SOURCE_CREDIT in text
    assert "Release 2024.1" in text


# "Table pages: column descriptions push the data about 1,900 px down; raw tables open with a
# 70-character key, so the figures start off-screen to the right."
@pytest.mark.parametrize("table", ["performance", "performance_detail", "priorities"])
def test_table_pages_show_figures_in_the_first_screen(page: Page, base_url: str, table: str
                                                      ) -> None:
    page.goto(f"{base_url}/lps/{table}")
    column = "target_change_pct" if table == "priorities" else "change_pct"
    cell = page.locator(f"table.rows-and-columns td.col-{column}").first.bounding_box()
    assert cell is not None
    assert cell["y"] + cell["height"] <= 900 and cell["x"] + cell["width"] <= 1280, cell
    assert not page.locator(".lps-columns dl").is_visible()  # collapsed below the table
    page.locator(".lps-columns summary").click()
    assert page.locator(".lps-columns dl").is_visible()


def test_home_page_names_the_release(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator(".lps-release-version").inner_text() == "2024.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",
                        page.locator(".lps-release-date").inner_text())
    assert re.fullmatch(r"sha256:[0-9a-f]{64}",
                        page.locator(".lps-release-checksum").inner_text())
    assert "This warehouse holds exactly that data" in page.locator(".lps-release").inner_text()
    screenshot(page, "research-home.png")


def test_an_unknown_document_has_no_pdf(page: Page, base_url: str) -> None:
    response = page.request.get(f"{base_url}/-/leaflets/{'f' * 64}.pdf")
    assert response.status == 404
    assert "The warehouse has no document" in response.text()
