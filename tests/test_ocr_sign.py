"""A figure's minus sign that the engine's line reading left out (pdfpage.ocr_sign), by class:

- **a minus merged into the first digit** (the generated 2010/11 Hackney leaflet scanned at 300
  dpi turned by 0.34 degrees, the second drawing of `make accuracy-scans`' skewed scans): the
  line reading gave '4.3%', the minus and the 4 one glyph of twice a digit's width at 0.83;
  read alone, the box gave '—4.3%'. The figure was doubted and its row refused as unsigned.
  The sign is taken from the reading alone only where the page's ink holds one lone minus bar
  there; a bullet, a rule, an underscore, a mark with other ink beside it or under another
  word is no minus, and the figure stays doubted.

The page class is read by the real Tesseract from the scan `fixtures.scans` makes of it; the
ink test on masks drawn here.
"""

from __future__ import annotations

import io

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from fixtures.scans import Scan, scan_pdf
from pdfpage.ocr import read_image
from pdfpage.ocr_sign import minus_bar
from pdfpage.settings import SETTINGS
from tests.conftest import PDFS

DPI = 300
SCALE = DPI / 72
#: The figure's digits stand on rows 100 to 123 (23 pixels: 9-point digits at 300 dpi).
DIGITS = (100, 123)
WORD = (120, 100, 200, 123)
#: Where the reading alone read its dash.
DASH = (120, 108, 137, 115)


def _figure(extra: list[tuple[slice, slice]]) -> np.ndarray:
    """A page's ink: a '4' at columns 140-155, and `extra` (rows, columns) inked too."""
    ink = np.zeros((300, 400), dtype=np.bool_)
    ink[100:123, 140:143] = True
    ink[112:115, 140:155] = True
    ink[100:123, 152:155] = True
    for rows, columns in extra:
        ink[rows, columns] = True
    return ink


MINUS = (slice(110, 113), slice(120, 137))


def test_a_lone_bar_close_before_the_digits_is_the_minus() -> None:
    assert minus_bar(_figure([MINUS]), WORD, DIGITS, DASH, [], SCALE, SETTINGS) == (
        120, 110, 137, 113)
    # the line reading's box may start at the digit, the bar left of it
    assert minus_bar(_figure([MINUS]), (140, 100, 200, 123), DIGITS, DASH, [], SCALE,
                     SETTINGS) == (120, 110, 137, 113)


#: A dash read (and a word's box) at 100-117, or at 113-130, 10 pixels before the '4' (0.43
#: of the digits' height: a tight word space; a minus stands 0.17 off).
APART = ((100, 108, 117, 115), (100, 100, 200, 123))
SPACED = ((113, 108, 130, 115), (113, 100, 200, 123))


@pytest.mark.parametrize(("what", "extra", "others", "where"), [
    ("nothing where the dash was read", [], [], None),
    ("a list bullet (round)", [(slice(106, 114), slice(128, 136))], [], None),
    ("a rule running on before it", [(slice(110, 113), slice(40, 137))], [], None),
    ("an underscore at the digits' foot", [(slice(120, 123), slice(120, 137))], [], None),
    ("an overline at their top", [(slice(100, 103), slice(120, 137))], [], None),
    ("a plus (a cross, not a bar)", [MINUS, (slice(103, 120), slice(127, 130))], [], None),
    ("ink just before it", [MINUS, (slice(110, 113), slice(114, 117))], [], None),
    ("ink just above it", [MINUS, (slice(95, 97), slice(125, 130))], [], None),
    ("a bar standing apart from the digits", [(slice(110, 113), slice(100, 117))], [], APART),
    ("a dash a word space before them (a bullet)", [(slice(110, 113), slice(113, 130))], [],
     SPACED),
    ("a bar inside another word's box", [MINUS], [(60, 104, 138, 118)], None),
])
def test_no_other_mark_is_taken_for_a_minus(
        what: str, extra: list[tuple[slice, slice]], others: list[tuple[int, int, int, int]],
        where: tuple[tuple[int, int, int, int], tuple[int, int, int, int]] | None) -> None:
    dash, word = where or (DASH, WORD)
    assert minus_bar(_figure(extra), word, DIGITS, dash, others, SCALE, SETTINGS) is None, what


@pytest.fixture(scope="module")
def skewed_hackney() -> Image.Image:
    """Page 2 of the 2010/11 Hackney leaflet as the second drawing scanned it (skew1)."""
    scan = Scan("2010-11/hackney.pdf", DPI, "skew1", seed=18010)
    data = scan_pdf((PDFS / scan.source).read_bytes(), scan)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        image: Image.Image = pdf.pages[1].to_image(resolution=DPI, antialias=True).original
        return image


def test_a_minus_merged_into_the_first_digit_on_a_skewed_scan_is_read(
        skewed_hackney: Image.Image) -> None:
    page = read_image(skewed_hackney, DPI)
    assert page.skew == pytest.approx(0.34, abs=0.01)
    [youth] = [w for w in page.words if w.text == "youth"]
    row = sorted((w for w in page.words if abs(w.bottom - youth.bottom) < 2), key=lambda w: w.x0)
    assert [w.text for w in row] == ["Serious", "youth", "\u22124.3%", "+6.5%", "(18", "more)",
                                     "\u25cb"]
    figure = row[2]
    assert figure.confidence >= 0.8  # the gate's threshold (`OcrOptions.min_confidence`)
    # the minus's ink is the figure's now: none is left unread beside it
    assert not [box for box in page.unread if box[0] < figure.x1 + 5 and box[2] > figure.x0 - 5
                and box[1] < figure.bottom and box[3] > figure.top]
