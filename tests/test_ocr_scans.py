"""Scanned leaflets read by OCR (issue 18), on the committed sample of the scan corpus
(`fixtures/scans/`, made by `fixtures.scans` from a generated 2007/08 leaflet): scored figure by
figure against the leaflet's golden records on every run, read in the guard's child with its
limits, checked against an OCR layer, and refused with a reason that says what would help."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from builders import document_id_of
from reportlab.pdfgen.canvas import Canvas

from fixtures.scans import Scan, scan_pdf
from pipeline.evaluate import Evaluation, score
from pipeline.failures import is_resource_failure
from pipeline.guard import extract_guarded
from pipeline.ocr import PageOcr, gate
from pipeline.parse import extraction_or_reason, read_with_ocr
from pipeline.settings import OcrOptions, Settings
from schemas import Extraction
from warehouse import open_warehouse
from warehouse.load import load_extraction

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "fixtures" / "scans"
SKEWED = SAMPLE / "pdfs" / "2007-08-kensington-and-chelsea-300-skew1.pdf"
LAYER = SAMPLE / "pdfs" / "2007-08-kensington-and-chelsea-300-layer.pdf"
LYING = SAMPLE / "pdfs" / "2007-08-kensington-and-chelsea-300-layer-lies.pdf"
FIX = ("a cleaner scan (300 dpi or more, straight, without speckle) or the original PDF would "
       "load")


def _truth(pdf: Path) -> Extraction:
    return Extraction.model_validate_json(
        (SAMPLE / "truth" / f"{pdf.stem}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def skewed() -> tuple[Extraction | str, PageOcr | None]:
    """The skewed 300 dpi scan, read once for the tests below."""
    return read_with_ocr(SKEWED.read_bytes(), 40, OcrOptions())


def test_the_sample_is_every_kind_the_suite_scores() -> None:
    params = json.loads((SAMPLE / "params.json").read_text(encoding="utf-8"))
    assert {name: value["damage"] for name, value in params.items()} == {
        SKEWED.stem: "skew1", LAYER.stem: "layer", LYING.stem: "layer-lies"}
    assert {value["dpi"] for value in params.values()} == {300}


def test_a_skewed_scan_loads_every_figure_right(
        skewed: tuple[Extraction | str, PageOcr | None]) -> None:
    """The sample is scored as `make accuracy` scores the corpus: 0 wrong, nothing missed."""
    found, reader = skewed
    assert not isinstance(found, str), found
    evaluation = Evaluation()
    leaflet = score(evaluation, SKEWED.name, _truth(SKEWED), found)
    assert (leaflet.status, leaflet.wrong, leaflet.missed) == ("loaded", 0, 0)
    assert leaflet.right == leaflet.figures == 32
    assert found.model_dump(exclude={"cells"}) == _truth(SKEWED).model_dump(exclude={"cells"})
    assert reader is not None and [page.number for page in reader.pages] == [1, 2, 3]


def test_a_document_read_by_ocr_says_how_with_the_engine(
        skewed: tuple[Extraction | str, PageOcr | None]) -> None:
    found, _ = skewed
    assert not isinstance(found, str)
    reading = found.reading
    assert (reading.read_by, reading.ocr_engine, reading.ocr_pages) == ("ocr", "tesseract",
                                                                       [1, 2, 3])
    assert reading.ocr_engine_version is not None and reading.ocr_engine_version.startswith("5.")
    assert reading.min_confidence is not None and 0.8 <= reading.min_confidence <= 1


def test_the_gate_names_the_lines_and_the_confidence_that_failed(
        skewed: tuple[Extraction | str, PageOcr | None]) -> None:
    _, reader = skewed
    assert reader is not None
    assert gate(reader, 0.8) is None
    refused = gate(reader, 0.9999)
    assert refused is not None
    assert refused.startswith("scanned leaflet not loaded: ")
    assert "problem(s) with figures read by OCR (confidence needed: 1.00): page 1, line '" \
        in refused
    assert refused.endswith(f"; {FIX}")


def test_a_scan_is_read_in_the_guard_which_gives_each_page_of_ocr_its_own_time() -> None:
    """Five seconds to parse would not read three pages by OCR (about 20 s); each page
    announced adds `LPS_OCR_PAGE_SECONDS`, and the figures cross the process boundary with how
    they were read."""
    found = extract_guarded(SKEWED.read_bytes(), Settings(parse_seconds=5, ocr_page_seconds=120))
    assert isinstance(found, Extraction), found
    assert found.reading.read_by == "ocr"
    assert found.performance == _truth(SKEWED).performance


def test_ocr_that_overruns_its_time_is_stopped_and_says_what_helps() -> None:
    """A page of OCR takes seconds (the document about 5 to 30 s, with the machine); with two
    seconds to parse and a hundredth of a second a page, the child is stopped while it reads,
    as a limit of the run (tried again by the next), not a verdict on the file."""
    found = extract_guarded(SKEWED.read_bytes(), Settings(parse_seconds=2, ocr_page_seconds=0.01))
    assert isinstance(found, str)
    assert re.fullmatch(
        r"took longer than 2 s to parse and [12] page\(s\) of OCR \(0\.01 s each\): stopped, "
        r"so one file cannot hold up the run; a smaller scan \(300 dpi, greyscale\) reads "
        r"faster, or raise LPS_OCR_PAGE_SECONDS", found), found
    assert is_resource_failure(found)


def test_an_ocr_layer_that_agrees_with_the_image_is_checked_against_it() -> None:
    found = extraction_or_reason(LAYER.read_bytes())
    assert isinstance(found, Extraction), found
    assert found.reading.read_by == "ocr checked against layer"
    provenance = {"cells", "pdf"}
    assert found.model_dump(exclude=provenance) == _truth(LAYER).model_dump(exclude=provenance)


def test_an_ocr_layer_that_disagrees_with_its_image_is_refused_naming_the_figure() -> None:
    """The layer lies about the first figure of each page after the first (`fixtures.scans`)."""
    assert extraction_or_reason(LYING.read_bytes()) == (
        "scanned leaflet not loaded: 2 problem(s) with figures read by OCR (confidence needed: "
        "0.80): page 2: the OCR layer says '248' where the page image reads '148'; page 3: the "
        "OCR layer says '520' where the page image reads '020'; " + FIX)


def test_a_scan_with_ocr_switched_off_says_how_to_switch_it_on() -> None:
    assert extraction_or_reason(SKEWED.read_bytes(), ocr=OcrOptions(enabled=False)) == (
        "a scan: its pages are images with no text layer; OCR is switched off (LPS_OCR=0): set "
        "LPS_OCR=1 and ingest it again, or find the original PDF [page 1]")
    assert extraction_or_reason(LAYER.read_bytes(), ocr=OcrOptions(enabled=False)) == (
        "its text is an invisible OCR layer over page images, a claim that is loaded only where "
        "this project's own OCR of the images agrees; OCR is switched off (LPS_OCR=0): set "
        "LPS_OCR=1 and ingest it again, or find the original PDF [page 1]")


def test_a_scan_where_the_engine_is_not_installed_says_how_to_install_it() -> None:
    """A real process with no tesseract on its PATH: the engine cannot start."""
    code = ("import sys; from pipeline.parse import extraction_or_reason; "
            "print(extraction_or_reason(open(sys.argv[1], 'rb').read()))")
    result = subprocess.run(
        [sys.executable, "-c", code, str(SKEWED)], capture_output=True, text=True, check=True,
        cwd=ROOT, env={**os.environ, "PATH": "/nonexistent"}, timeout=120)
    assert result.stdout.strip() == (
        "a scan: its pages are images with no text layer; the tesseract program is not "
        "installed: install the OCR extra (pip install -e '.[ocr]', and the Debian packages "
        "tesseract-ocr and tesseract-ocr-eng: scripts/install-system-deps.sh) and ingest it "
        "again, or find the original PDF [page 1]")


def _scan_without_a_ward_name() -> bytes:
    """The generated 2010/11 Hackney leaflet scanned clean at 300 dpi, the ward name 'Dalston'
    of its ward priorities painted over on page 2 (as a smudge or a torn corner would hide it):
    OCR reads that row's priorities with no ward."""
    leaflet = ROOT / "fixtures" / "pdfs" / "2010-11" / "hackney.pdf"
    with pdfplumber.open(leaflet) as pdf:
        page = pdf.pages[1]
        [ward] = [w for w in page.extract_words() if w["text"] == "Dalston"]
        width, height = float(page.width), float(page.height)
    scanned = pypdf.PdfWriter(clone_from=io.BytesIO(scan_pdf(
        leaflet.read_bytes(), Scan("2010-11/hackney.pdf", 300, "clean", seed=1))))
    cover = io.BytesIO()
    canvas = Canvas(cover, pagesize=(width, height))
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(ward["x0"] - 1, height - ward["bottom"] - 1, ward["x1"] - ward["x0"] + 2,
                ward["bottom"] - ward["top"] + 2, stroke=0, fill=1)
    canvas.save()
    scanned.pages[1].merge_page(pypdf.PdfReader(cover).pages[0])
    data = io.BytesIO()
    scanned.write(data)
    return data.getvalue()


def test_a_record_of_a_scan_its_schema_refuses_says_what_would_make_the_scan_readable() -> None:
    """Every refusal of a scan says what would help, a record's validation too (a ward
    priority whose ward OCR could not read said only 'failed validation')."""
    assert extraction_or_reason(_scan_without_a_ward_name()) == (
        "extracted WardPriority failed validation: ward: String should have at least 1 "
        f"character; read by OCR from a scan: {FIX}")


def test_a_coarse_scan_is_refused_without_ocr_saying_what_would_load() -> None:
    scanned = ROOT / "fixtures" / "pdfs" / "bad" / "scanned.pdf"
    assert extraction_or_reason(scanned.read_bytes()) == (
        "a scan of 100 dpi: too coarse for OCR to read figures surely (at least 150 dpi is "
        f"needed); {FIX} [page 1]")


def test_the_warehouse_records_how_a_document_was_read(
        tmp_path: Path, skewed: tuple[Extraction | str, PageOcr | None]) -> None:
    found, _ = skewed
    assert not isinstance(found, str)
    db = open_warehouse(tmp_path / "lps.db")
    data = SKEWED.read_bytes()
    load_extraction(db, document_id_of(data), str(SKEWED), found, "2.0.0", len(data))
    [row] = db.execute("SELECT read_by, ocr_engine, ocr_engine_version, ocr_min_confidence "
                       "FROM documents").fetchall()
    assert row[:2] == ("ocr", "tesseract")
    assert row[2] == found.reading.ocr_engine_version
    assert row[3] == found.reading.min_confidence
    # coverage shows the cell read by OCR apart (m013), and figure_cells each figure's reading
    assert db.execute("SELECT DISTINCT read_by FROM coverage WHERE status = 'loaded'"
                      ).fetchall() == [("ocr",)]
    assert db.execute("SELECT DISTINCT read_by FROM figure_cells").fetchall() == [("ocr",)]
