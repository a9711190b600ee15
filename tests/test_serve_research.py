"""`lps serve` for researchers (issue 10): PDFs served by document id, links to them, the
footer, the codebook beside results, chosen parameters with hints, the release on the home page
and table pages that start with the figures. Through Datasette's own client, no browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_warehouse import DOCUMENT_IDS, build_sample_warehouse
from test_serve import Client

from lps.serve import build_datasette
from release import export_release
from warehouse import open_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("research") / "lps.db")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A raw store and an ingest root. The sample's document ids are the sha256 of their names,
    so a file holding the name has the document's bytes."""
    base = tmp_path_factory.mktemp("files")
    raw, root = base / "raw", base / "root"
    raw.mkdir()
    (root / "leaflets").mkdir(parents=True)
    (raw / f"{DOCUMENT_IDS['lambeth-2009']}.pdf").write_bytes(b"lambeth-2009")
    (root / "leaflets" / "barnet-2009.pdf").write_bytes(b"barnet-2009")
    (root / "leaflets" / "hackney-2009.pdf").write_bytes(b"edited since")
    return raw, root


@pytest.fixture(scope="module")
def client(warehouse: Path, files: tuple[Path, Path]) -> Iterator[Client]:
    raw, root = files
    client = Client(build_datasette(warehouse, raw_dir=raw, pdf_roots=(root,)))
    yield client
    client.loop.close()


def fetch(client: Client, path: str, method: str = "get") -> object:
    return client.loop.run_until_complete(getattr(client.datasette.client, method)(path))


def test_pdf_from_the_raw_store(client: Client) -> None:
    response = fetch(client, f"/-/leaflets/{DOCUMENT_IDS['lambeth-2009']}.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "inline; filename=\"lambeth-2009.pdf\"; filename*=UTF-8''lambeth-2009.pdf")
    assert response.content == b"lambeth-2009"


def test_pdf_from_a_relative_source_under_a_root(client: Client) -> None:
    response = fetch(client, f"/-/leaflets/{DOCUMENT_IDS['barnet-2009']}.pdf")
    assert response.status_code == 200
    assert response.content == b"barnet-2009"


def test_a_file_with_other_bytes_is_never_served(client: Client, files: tuple[Path, Path]
                                                 ) -> None:
    response = fetch(client, f"/-/leaflets/{DOCUMENT_IDS['hackney-2009']}.pdf")
    assert response.status_code == 404
    _, root = files
    text = re.sub(r"\s+", " ", response.text)
    assert f"{root / 'leaflets' / 'hackney-2009.pdf'}: other bytes (changed since it was " \
           "ingested)" in text
    assert "--pdfs" in text


def test_unknown_document_and_writes(client: Client) -> None:
    assert fetch(client, f"/-/leaflets/{'0' * 64}.pdf").status_code == 404
    assert fetch(client, "/-/leaflets/not-an-id.pdf").status_code == 404
    posted = fetch(client, f"/-/leaflets/{DOCUMENT_IDS['lambeth-2009']}.pdf", "post")
    assert posted.status_code == 405


def test_pages_and_source_pages_link_to_the_pdf_at_the_page(client: Client) -> None:
    html = client.get("/lps/performance_detail", area="Barnet").text
    pdf = f"/-/leaflets/{DOCUMENT_IDS['barnet-2009']}.pdf"
    assert f'<a href="{pdf}#page=3" title="open the PDF at page 3">barnet-2009.pdf#page=3</a>' \
        in html
    assert f'<a href="{pdf}#page=3" title="open the PDF at page 3">3</a>' in html
    assert f'<a href="{pdf}" title="open the PDF">leaflets/barnet-2009.pdf</a>' in html


def test_row_pages_link_the_document(client: Client) -> None:
    doc = DOCUMENT_IDS["barnet-2009"]
    row = client.get(f"/lps/performance/{doc},1").text
    assert f'href="/lps/documents/{doc}"' in row
    assert f'href="/-/leaflets/{doc}.pdf#page=3"' in row
    document = client.get(f"/lps/documents/{doc}").text
    assert f'<a href="/-/leaflets/{doc}.pdf" title="open the leaflet&#39;s PDF">' in document


@pytest.mark.parametrize(("path", "params"), [
    ("/", {}), ("/lps", {}), ("/lps/performance", {}), ("/lps/performance_detail", {}),
    ("/lps/missed_targets", {"measure": "robbery", "period": ""}),
    (f"/lps/documents/{DOCUMENT_IDS['barnet-2009']}", {}),
    ("/-/dashboards/borough-performance", {"measure": "robbery"}),
])
def test_every_page_shows_the_licence_and_only_the_sources_held(
    client: Client, path: str, params: dict[str, str]
) -> None:
    html = client.get(path, **params).text
    footer = html.split('<footer class="ft">', 1)[1].split("</footer>")[0]
    assert "Open Government Licence v3.0" in footer
    assert ("Local Policing Summary leaflets of the Metropolitan Police Authority (real) or "
            "generated in their likeness by policing-summaries (synthetic; see each row&#39;s "
            "data_origin); borough names and ONS codes from the London Datastore") in footer
    assert "recorded-offence" not in html


def test_query_parameters_are_chosen_from_valid_values(client: Client) -> None:
    html = client.get("/lps/missed_targets").text
    assert re.search(r'<select id="qp1" name="measure">\s*<option value="">\(all\)</option>',
                     html)
    assert '<option value="residential_burglary">Residential burglary (residential_burglary)' \
        in html
    assert '<option value="2009/10">2009/10</option>' in html
    required = client.get("/lps/change_by_borough").text
    assert '<option value="">(choose)</option>' in required
    assert "Choose a value for measure and period above: this query needs them." in required


def test_misspelt_parameters_get_a_hint(client: Client) -> None:
    html = client.get("/lps/missed_targets", measure="burglary", period="2009").text
    assert ("No measure is called “burglary”: measures are slugs such as residential_burglary. "
            "Did you mean residential_burglary (Residential burglary)? Choose one from the "
            "list.") in html
    assert ("“2009” is not a financial year: write it like 2009/10 (April 2009 to March 2010). "
            "Years with figures: 2009/10, 2010/11.") in html
    assert '<option value="burglary" selected>burglary (not a known measure)</option>' in html


def test_a_dashed_year_is_read_as_the_financial_year(client: Client) -> None:
    got = client.rows("/lps/change_by_borough.json", measure="robbery", period="2009-10")
    assert [r["area"] for r in got] == ["Barnet"]
    assert "lps-hints" not in client.get("/lps/change_by_borough", measure="robbery",
                                         period="2009-10").text.split("</style>", 1)[1]


def test_the_codebook_is_beside_the_result(client: Client) -> None:
    html = client.get("/lps/missed_targets", measure="", period="").text
    codebook = html.split('<details class="lps-codebook"', 1)[1].split("</details>")[0]
    assert re.findall(r'class="lps-codebook-(\w+)"', codebook) == [
        "robbery", "public_confidence"
    ]
    assert "<td>%</td>" in codebook and "higher is better" in codebook


def test_table_pages_show_the_rows_before_the_column_notes(client: Client) -> None:
    html = client.get("/lps/performance_detail").text
    assert html.index('<table class="rows-and-columns">') < html.index('class="lps-columns"')
    notes = html.split('<details class="lps-columns">', 1)[1].split("</details>")[0]
    assert "What each column means (45 columns)" in notes
    assert "<dt>target_missed</dt>" in notes


def test_home_page_before_any_release(client: Client) -> None:
    html = client.get("/").text
    assert "No release has been made from this warehouse" in html
    assert re.search(r'class="lps-checksum">sha256:[0-9a-f]{64}</code>', html)


def test_home_page_shows_the_release(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "released.db"
    copy.write_bytes(warehouse.read_bytes())
    db = open_warehouse(copy)
    exported = export_release(db, tmp_path / "release", "2024.1")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    client = Client(build_datasette(copy))
    html = client.get("/").text
    release = exported.release
    assert f'<strong class="lps-release-version">{release.version}</strong>' in html
    assert f'<span class="lps-release-date">{release.released_at}</span>' in html
    assert f'<code class="lps-release-checksum">{release.warehouse_sha256}</code>' in html
    assert "This warehouse holds exactly that data" in html
    assert "Release 2024.1" in client.get("/lps/missed_targets").text.split("<footer")[1]
    client.loop.close()


def test_a_page_image_is_drawn_in_the_guard_and_a_bad_file_answers_in_words(
        client: Client) -> None:
    """Drawing a page parses the PDF: it runs in a guarded child, so a file PDFium cannot read
    is a 422 that says so, never a 500 or a crashed server; bytes that are not the document's
    are not drawn at all."""
    lambeth, hackney = DOCUMENT_IDS["lambeth-2009"], DOCUMENT_IDS["hackney-2009"]
    response = fetch(client, f"/-/pages/{lambeth}/1.png")
    assert response.status_code == 422
    assert response.text.startswith(f"page 1 of document {lambeth}: ")
    assert fetch(client, f"/-/pages/{hackney}/1.png").status_code == 404
    assert fetch(client, f"/-/leaflets/{lambeth}.pdf").status_code == 200  # the server lives on
