"""The 2010/11 ward table read by OCR (issue 18), by class, on the generated 2010/11
Kensington and Chelsea leaflet as `fixtures.scans` scans it at 300 dpi (the third drawing of
the scan corpus, `--seed 27`), read by the real Tesseract:

- **a ward placed a line low**: the engine boxed the 'i' of 'Colville' two lines deep and its
  word with it; the ward's baseline was taken from the word's box, so 'Colville' stood between
  its priorities and the next ward's row, and the two wards read as one row, 'Colville Earl’s
  Court'. A piece of an engine line now stands where its glyphs stand
  (`pdfpage.ocr._own_baseline`), and a row whose label begins below its first line is refused,
  never merged (`extractors.grid`).
"""

from __future__ import annotations

import io

import pdfplumber
import pytest

from extractors import mpa_2011
from extractors.layout import Leaflet
from extractors.sections import FoundSection, split_sections
from fixtures.scans import Scan, scan_pdf
from pipeline.ocr import PageOcr
from pipeline.settings import OcrOptions
from schemas import WardPriority
from tests.conftest import PDFS

LEAFLET = "2010-11/kensington-and-chelsea.pdf"
TEMPLATE = mpa_2011.TEMPLATE


def _ward_section(leaflet: Leaflet) -> FoundSection:
    _, found = split_sections(leaflet.lines(), TEMPLATE.patterns, leaflet.settings)
    [section] = [s for s in found if s.name == TEMPLATE.wards_section]
    return section


def _wards(data: bytes, *, ocr: bool) -> list[WardPriority]:
    assert TEMPLATE.wards is not None
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        leaflet = Leaflet(pdf, image_reader=PageOcr(OcrOptions()) if ocr else None)
        return TEMPLATE.wards.read(_ward_section(leaflet), TEMPLATE.target_period,
                                   TEMPLATE.name, leaflet.settings)


@pytest.fixture(scope="module")
def printed() -> list[WardPriority]:
    """The ward priorities the born-digital leaflet gives."""
    return _wards((PDFS / LEAFLET).read_bytes(), ocr=False)


def test_each_ward_row_of_a_clean_scan_is_its_own_row(printed: list[WardPriority]) -> None:
    scan = Scan(LEAFLET, 300, "clean", seed=27009)
    read = _wards(scan_pdf((PDFS / LEAFLET).read_bytes(), scan), ocr=True)
    assert [w.ward for w in printed][:3] == ["Colville", "Colville", "Earl’s Court"]
    assert [(w.ward, w.rank, w.label) for w in read] == [
        (w.ward, w.rank, w.label) for w in printed]
