"""Ticks and crosses read by OCR as letters (issue 18), known by their ink against the key's.

Class: the 2010/11 edition marks each row of its table with a symbol whose meaning the key
under the table gives ('Key: ✓ target achieved ✗ target not achieved'). Tesseract reads ✓ and ✗
as letters, not alike from place to place: on the generated 2010/11 Kensington and Chelsea
leaflet scanned at 300 dpi (the third drawing of the scan corpus, `--seed 27`) the key read 'v'
and 'X', the table 'v', 'Y' and 'x', and the leaflet was refused at every damage ("the mark 'x'
is none of 'v', 'X'"). The page model keeps such a word's ink (`pdfpage.ocr_marks`); a row's
mark means what the key's symbol nearer in ink means, only when clearly nearer
(`extractors.marks.keyed_mark`); the leaflet's own checks (each mark against its row's figures)
still hold. Read by the real Tesseract from the scan `fixtures.scans` makes.
"""

from __future__ import annotations

import dataclasses
import io
import re

import pdfplumber
import pytest
from PIL import Image, ImageChops

from extractors import mpa_2011
from extractors.figures import FigureError
from extractors.grid import GridRow, section_rows
from extractors.layout import Leaflet
from extractors.marks import SymbolKey, keyed_mark
from extractors.sections import split_sections
from fixtures.scans import Scan, only_page, scan_pdf
from pipeline.evaluate import Evaluation, score
from pipeline.ocr import PageOcr
from pipeline.parse import read_with_ocr
from pipeline.settings import OcrOptions
from schemas import Extraction
from tests.conftest import PDFS

LEAFLET = "2010-11/kensington-and-chelsea.pdf"
GOLDEN = PDFS.parent / "golden" / "2010-11" / "kensington-and-chelsea.json"


def _scan(damage: str, seed: int) -> bytes:
    return scan_pdf((PDFS / LEAFLET).read_bytes(), Scan(LEAFLET, 300, damage, seed=seed))


@pytest.fixture(scope="module")
def table() -> tuple[SymbolKey, list[GridRow], Leaflet]:
    """The clean scan's key and rows, as OCR read them."""
    with pdfplumber.open(io.BytesIO(only_page(_scan("clean", 27009), 2))) as pdf:  # the table's
        leaflet = Leaflet(pdf, image_reader=PageOcr(OcrOptions()))
        _, found = split_sections(leaflet.lines(), mpa_2011.TEMPLATE.patterns, leaflet.settings)
        [section] = [s for s in found if s.name == "performance"]
        rows = section_rows(section, mpa_2011.HEADER, "mpa-2011", leaflet.settings,
                            end=mpa_2011.KEY)
        return mpa_2011.read_key(section), rows, leaflet


def test_the_engine_reads_the_marks_as_letters_and_their_ink_says_what_they_are(
        table: tuple[SymbolKey, list[GridRow], Leaflet]) -> None:
    key, rows, leaflet = table
    assert dict(key) == {"v": True, "X": False}
    assert set(key.inks) == {True, False}
    truth = Extraction.model_validate_json(GOLDEN.read_text(encoding="utf-8"))
    assert {row.cells[-1] for row in rows} == {"v", "x", "Y"}
    assert [keyed_mark(key, row.words[-1], row.cells[-1], leaflet.settings) for row in rows] == [
        result.target_achieved for result in truth.performance]


def test_a_mark_whose_ink_is_not_clearly_either_of_the_key_s_is_refused(
        table: tuple[SymbolKey, list[GridRow], Leaflet]) -> None:
    key, rows, leaflet = table
    [word] = rows[0].words[-1]
    tick, cross = (Image.frombytes("L", (16, 16), key.inks[m]) for m in (True, False))
    blot = ImageChops.blend(tick, cross, 0.5).tobytes()  # halfway between the two
    halfway = dataclasses.replace(word, ink=blot)
    with pytest.raises(FigureError, match=re.escape(
            "the mark 'v', read by OCR as a letter, is by its ink not clearly the key's 'v' or "
            "'X'")):
        keyed_mark(key, [halfway], "v", leaflet.settings)


def test_a_mark_whose_text_names_one_symbol_and_whose_ink_is_the_other_is_refused(
        table: tuple[SymbolKey, list[GridRow], Leaflet]) -> None:
    key, rows, leaflet = table
    [tick] = rows[0].words[-1]
    assert tick.text == "v"
    as_cross = dataclasses.replace(tick, text="X")
    with pytest.raises(FigureError, match=re.escape(
            "the mark 'X' reads as the key's 'X' but its ink is the key's 'v'")):
        keyed_mark(key, [as_cross], "X", leaflet.settings)


def test_the_scan_loads_every_figure_right() -> None:
    """The whole leaflet, through the OCR gate and the leaflet's own checks: every mark
    agrees with its row's figures, every ward row is its own, every name as printed."""
    found, _ = read_with_ocr(_scan("skew2", 27011), 40, OcrOptions())
    assert isinstance(found, Extraction), found
    truth = Extraction.model_validate_json(GOLDEN.read_text(encoding="utf-8"))
    result = Evaluation()
    leaflet = score(result, "kensington-and-chelsea.pdf", truth, found)
    assert (leaflet.right, leaflet.wrong, leaflet.missed) == (leaflet.figures, 0, 0)
