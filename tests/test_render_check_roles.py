"""The render check gives ink a role (issues 16 and 20): what a reader reads as a figure is
checked, what is plainly something else is not a hidden figure.

A stroke crossing a figure's line (a cell's border, a stamp's letter behind the table), the
ink of neighbour words reaching into a figure's box, a ligature's letters, a sentence running
past an empty mark cell and the edge of the next glyph beside a digit used to refuse leaflets
any person can read. A digit-like mark on the line (a "1" painted as a path, hung from a rule
or standing on an underline) is still refused. The pages are drawn here by reportlab, or are
leaflets of the project's own randomised generator (reportlab's canvas and platypus).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from reportlab.pdfgen import canvas

from extractors import extract_document
from fixtures.randomised.generate import render_leaflet
from pdfpage.render_check import Claim, check_claims
from pipeline.figure_check import render_check_reason

CLASSES = Path(__file__).resolve().parent.parent / "fixtures" / "cleanroom" / "classes" / "pdfs"
MARKS = ("page 1, 'Robbery' change_count: the text layer says '73 offences or +8.2%' but the "
         "rendered page shows marks in its box that are not text (a path or picture); not "
         "loaded")


def _page(draw: Callable[[Any], None], *, behind: bool = False) -> bytes:
    """A page with "73 offences or +8.2%" in Helvetica 10 at (100, 100) and `draw`'s strokes
    (drawn after the text, or before it when `behind`)."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(300, 200))
    if behind:
        draw(page)
    page.setFont("Helvetica", 10)
    page.drawString(100, 100, "73 offences or +8.2%")
    if not behind:
        draw(page)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _claim(data: bytes) -> Claim:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = [w for w in pdf.pages[0].extract_words() if abs(w["top"] - 92) < 5]
    box = (min(w["x0"] for w in words), min(w["top"] for w in words),
           max(w["x1"] for w in words), max(w["bottom"] for w in words))
    return Claim(1, box, " ".join(w["text"] for w in words), "'Robbery' change_count")


def _stroke(*lines: tuple[float, float, float, float, float, float]) -> Callable[[Any], None]:
    """Lines (x0, y0, x1, y1, width, grey) in PDF user space."""
    def draw(page: Any) -> None:
        for x0, y0, x1, y1, width, grey in lines:
            page.setStrokeGray(grey)
            page.setLineWidth(width)
            page.line(x0, y0, x1, y1)
    return draw


@pytest.mark.parametrize(("name", "draw", "behind"), [
    ("nothing else", _stroke(), False),
    ("a cell's border crossing the line just before the figure",
     _stroke((96, 70, 96, 130, 1.0, 0.0)), False),
    ("a pale stamp's stroke behind the table, across the line",
     _stroke((140, 60, 200, 150, 8.0, 0.8)), True),
    ("a rule under the row", _stroke((60, 96, 260, 96, 0.5, 0.0)), False),
])
def test_a_graphic_crossing_the_line_is_not_a_mark_on_the_figure(
        name: str, draw: Callable[[Any], None], behind: bool) -> None:
    data = _page(draw, behind=behind)
    assert check_claims(data, [_claim(data)]) is None, name


@pytest.mark.parametrize(("name", "draw"), [
    ("a 1 painted as a path before the figure", _stroke((96, 100, 96, 107.2, 1.0, 0.0))),
    ("a 1 standing on an underline", _stroke((96, 100, 96, 107.2, 1.0, 0.0),
                                             (96, 100, 96, 96, 1.0, 0.0),
                                             (60, 96, 220, 96, 1.0, 0.0))),
    ("a 1 hung from a rule above", _stroke((96, 100, 96, 125, 1.0, 0.0),
                                           (60, 125, 220, 125, 1.0, 0.0))),
    ("a tall stroke ending on the line", _stroke((96, 100, 96, 140, 1.0, 0.0))),
])
def test_a_digit_like_mark_on_the_line_is_still_refused(
        name: str, draw: Callable[[Any], None]) -> None:
    data = _page(draw)
    assert check_claims(data, [_claim(data)]) == MARKS, name


def test_an_opaque_band_over_the_sign_is_read_as_the_page_shows_it() -> None:
    data = _page(_stroke((140, 60, 200, 150, 8.0, 0.8)))
    assert check_claims(data, [_claim(data)]) == (
        "page 1, 'Robbery' change_count: the text layer says '73 offences or +8.2%' but the "
        "rendered page shows '73 offences or 8.2%'; not loaded")


@pytest.mark.parametrize(("seed", "class_"), [
    (9020, "the edge of the '5' beside a '4' (Helvetica, platypus): '4' drawn unlike itself"),
    (9025, "the bullet and the 'n' of 'in' beside '2.5% reduction': more text in its box"),
    (9051, "an empty mark cell took in the next column's figure: more text in its box"),
    (9136, "a sentence running past an empty mark cell: the page shows 'nder Mar'"),
])
def test_leaflets_the_check_refused_for_neighbour_ink_now_load(seed: int, class_: str) -> None:
    data = render_leaflet(seed).pdf
    assert render_check_reason(data, extract_document(data)) is None, class_


@pytest.mark.parametrize("fixture", ["stamp-archive-copy", "stamp-draft-first-page"])
def test_a_stamp_drawn_as_letters_across_the_table_leaves_the_figures_checked(
        fixture: str) -> None:
    """Class fixtures `stamp-archive-copy` (a stamp across the table, its letters reaching
    into the figures' boxes from centres in other rows) and `stamp-draft-first-page`."""
    data = (CLASSES / f"{fixture}.pdf").read_bytes()
    assert render_check_reason(data, extract_document(data)) is None


@pytest.mark.parametrize(("leaflet", "class_"), [
    ("cleanroom-0034", "'ff' shifted into CJK code points (U+6600 U+6600): 'o昀昀ences'"),
    ("cleanroom-0097", "an 'ff' ligature split into two letters on a turned page: 'f1168ofences'"),
])
def test_a_ligatures_letters_are_compared_as_letters(leaflet: str, class_: str) -> None:
    data = (CLASSES.parent.parent / "corpus" / "pdfs" / f"{leaflet}.pdf").read_bytes()
    assert render_check_reason(data, extract_document(data)) is None, class_
