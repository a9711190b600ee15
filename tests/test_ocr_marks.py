"""Tick and cross marks the engine reads as letters (pdfpage.ocr_marks), by class:

- **a mark read as a letter** (the generated 2010/11 Kensington and Chelsea leaflet at 300 dpi:
  the key's ✓ and ✗ read 'v' and 'X', the table's 'v', 'Y' and 'x'; the row's mark matched no
  symbol of the key, and the leaflet was refused at every damage): judged by its shape, a
  letter left a letter.

The page is the leaflet rendered at 300 dpi and read by the real Tesseract; the shapes are
drawn here in the leaflets' font (DejaVu Sans).
"""

from __future__ import annotations

import pdfplumber
import pytest
from PIL import Image, ImageDraw, ImageFont

from pdfpage.ocr import read_image
from pdfpage.ocr_marks import mark_of
from pdfpage.settings import SETTINGS
from tests.conftest import PDFS

DPI = 300
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _glyph(text: str, points: float = 7.0) -> Image.Image:
    """`text` drawn black on white at `points` and 300 dpi, cut to its ink with a pixel spare."""
    font = ImageFont.truetype(FONT, round(points * DPI / 72))
    image = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(image).text((20, 20), text, fill=0, font=font)
    left, top, right, bottom = image.point(lambda v: 255 - v).getbbox() or (0, 0, 1, 1)
    return image.crop((left - 1, top - 1, right + 1, bottom + 1))


@pytest.mark.parametrize("mark", ["\u2713", "\u2714", "\u2717", "\u2718"])
def test_a_tick_or_a_cross_is_known_by_its_shape(mark: str) -> None:
    assert mark_of(_glyph(mark), SETTINGS) == mark
    assert mark_of(_glyph(mark, 9.0), SETTINGS) == mark


@pytest.mark.parametrize("letter", ["x", "X", "v", "V", "Y", "y", "/"])
def test_a_letter_the_engine_reads_for_a_mark_stays_a_letter(letter: str) -> None:
    assert mark_of(_glyph(letter), SETTINGS) is None


def test_a_blot_near_no_mark_is_no_mark() -> None:
    blot = Image.new("L", (20, 20), 255)
    ImageDraw.Draw(blot).ellipse((3, 3, 16, 16), fill=0)
    assert mark_of(blot, SETTINGS) is None


def test_the_marks_of_a_table_and_its_key_read_as_letters_are_read_as_marks() -> None:
    with pdfplumber.open(PDFS / "2010-11" / "kensington-and-chelsea.pdf") as pdf:
        image = pdf.pages[1].to_image(resolution=DPI, antialias=True).original
    page = read_image(image, DPI)
    [key] = [w for w in page.words if w.text == "Key:"]
    on_key = sorted((w for w in page.words if abs(w.bottom - key.bottom) < 2), key=lambda w: w.x0)
    assert [w.text for w in on_key] == ["Key:", "\u2713", "target", "achieved", "\u2717",
                                        "target", "not", "achieved"]
    [achieved] = [w for w in page.words if w.text == "Achieved"]
    column = sorted((w for w in page.words if abs(w.x0 - achieved.x0) < 20
                     and achieved.bottom < w.top < key.top), key=lambda w: w.top)
    assert [w.text for w in column] == ["\u2713", "\u2713", "\u2717", "\u2713", "\u2717",
                                        "\u2717", "\u2713"]
    assert all(w.confidence >= 0.8 for w in column + on_key)
