"""A figure is loaded only when the rendered page shows it (issue 20, items 1-3).

Every way in `fixtures.generator.hiding` (58: a "1" put before "73 offences or +8.2%" that
PDFium does not draw, or the figure's glyphs changed under its text layer) is read as the
extractors read a page (`pdfpage.content.read_page`: its visible characters, and the hidden text
fast path), then checked by rendering (`pdfpage.render_check`). Each must be refused, by the
fast path or by the render check, or read as the figure the page shows; the table below says
which, with the words. For every hidden "1", PDFium is asked first whether it really draws
nothing there.
"""

from __future__ import annotations

import io
from typing import Any, NamedTuple

import pdfplumber
import pytest
from pdfplumber.utils.text import extract_words
from PIL import ImageChops

from fixtures.generator.hiding import FIGURE, ONE_X, WAYS, Way, X
from pdfpage.content import hidden_text_problem, read_page
from pdfpage.ink import INK_LEVEL
from pdfpage.render import hidden_text, open_pdf, render_region
from pdfpage.render_check import Claim, check_claims

#: The fast path's reason for a "1" refused as hidden just before the "73".
BEFORE = ('page 1 has text a reader cannot see ({}): "1" just before the visible "73", so its '
          'text would read "173" where the page shows "73"; not loaded')
SHOWS = ("page 1, 'Robbery' change_count: the text layer says '{}' but the rendered page shows "
         "{}; not loaded")
STRANGE = ("page 1, 'Robbery' change_count: the figure '{}' holds '{}' ({}), which is not a "
           "digit or sign this edition prints; not loaded")


class Outcome(NamedTuple):
    """What happens to one way: the cell's text as read, the fast path's verdict (None, or
    ("before", why) or ("full", reason)), the render check's (None, or ("shows", what the
    page shows) or ("strange", "<char> <its Unicode name>"))."""

    way: str
    read: str
    fast: tuple[str, str] | None
    render: tuple[str, str] | None


OUTCOMES: list[Outcome] = [
    Outcome('render mode 3 (invisible)', '73 offences or +8.2%',
            ('before', 'invisible (render mode 3)'),
            None),
    Outcome('render mode 7 (invisible, clip)', '73 offences or +8.2%',
            ('before', 'invisible (render mode 7)'),
            None),
    Outcome('white on white (RGB)', '73 offences or +8.2%',
            ('before', 'white on white'),
            None),
    Outcome('white in CMYK', '73 offences or +8.2%',
            ('before', 'white on white'),
            None),
    Outcome('white in DeviceGray', '73 offences or +8.2%',
            ('before', 'white on white'),
            None),
    Outcome('fill opacity 0', '73 offences or +8.2%',
            ('before', 'invisible (fill opacity 0)'),
            None),
    Outcome('fill opacity 0.02', '73 offences or +8.2%',
            ('before', 'invisible (fill opacity 0)'),
            None),
    Outcome('outside a rectangular clip', '73 offences or +8.2%',
            ('before', 'outside the clip path'),
            None),
    Outcome('outside a round clip (inside its box)', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('outside a triangular clip (inside its box)', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('in the hole of an even-odd clip', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('covered by a white rectangle drawn later', '73 offences or +8.2%',
            ('before', 'covered by a shape drawn later'),
            None),
    Outcome('covered by a thick white line drawn later', '73 offences or +8.2%',
            ('before', 'covered by a shape drawn later'),
            None),
    Outcome('half a point tall', '73 offences or +8.2%',
            ('before', 'too small to read (0.5 pt)'),
            None),
    Outcome('squeezed flat (Tz 1)', '73 offences or +8.2%',
            ('before', 'too narrow to read (0.06 pt wide)'),
            ('shows', "a '0' where it says '3'")),
    Outcome('text rise moving it off the page', '73 offences or +8.2%',
            ('full', 'page 1 has text a reader cannot see (outside the page): "1", at x=94, '
                     'top=-58: figures the page does not show; not loaded'),
            None),
    Outcome('in a form XObject with a 1-point BBox', '73 offences or +8.2%',
            ('before', 'outside the clip path'),
            None),
    Outcome('blend mode Multiply, white', '73 offences or +8.2%',
            ('before', 'invisible (blend mode Multiply)'),
            None),
    Outcome('blend mode Screen, black', '73 offences or +8.2%',
            ('before', 'invisible (blend mode Screen)'),
            ('shows', "'173 offences or +8.2%'")),
    Outcome('blend mode Lighten, black', '73 offences or +8.2%',
            ('before', 'invisible (blend mode Lighten)'),
            ('shows', "'173 offences or +8.2%'")),
    Outcome('blend mode Darken, white', '73 offences or +8.2%',
            ('before', 'invisible (blend mode Darken)'),
            None),
    Outcome('outside the crop box', '73 offences or +8.2%',
            ('before', 'outside the page'),
            None),
    Outcome('a visible 1 overstruck on the 7', '713 offences or +8.2%',
            None,
            ('shows', "'7' and '1' drawn over each other")),
    Outcome('optional content switched off', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('optional content off by a visibility expression', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('an annotation drawn over it', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('a soft mask of black', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('white in Lab', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('white in an Indexed space', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('tint 0 of a Separation', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('tint 0 of a DeviceN', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('white in a CalRGB space', '73 offences or +8.2%',
            ('before', 'white on white'),
            None),
    Outcome('render mode 1 with stroke opacity 0', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('render mode 2 with fill and stroke opacity 0', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('render mode 0 with a soft-masked group at opacity 0', '73 offences or +8.2%',
            ('before', 'invisible (fill opacity 0)'),
            None),
    Outcome('a Type 3 glyph that paints nothing', '1 73 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('scaled to nothing by the text matrix', '73 offences or +8.2%',
            ('before', 'too small to read (0.1 pt)'),
            None),
    Outcome('a text matrix of zero width', '1 73 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('covered by a form XObject drawn later', '73 offences or +8.2%',
            ('before', 'covered by a shape drawn later'),
            None),
    Outcome('covered by an inline image drawn later', '73 offences or +8.2%',
            ('before', 'covered by an image drawn later'),
            None),
    Outcome('covered by an image drawn later', '73 offences or +8.2%',
            ('before', 'covered by an image drawn later'),
            None),
    Outcome('covered by a shading drawn later', '73 offences or +8.2%',
            ('before', 'covered by a shading drawn later'),
            None),
    Outcome('filled with a white tiling pattern', '173 offences or +8.2%',
            None,
            ('shows', "'73 offences or +8.2%'")),
    Outcome('clipped by another glyph (render mode 7 text)', '73 offences or +8.2%',
            ('before', 'invisible (render mode 7)'),
            None),
    Outcome('an empty clip path', '73 offences or +8.2%',
            ('before', 'outside the clip path'),
            None),
    Outcome('same colour as a band under it', '73 offences or +8.2%',
            ('before', 'same colour as the background under it (#363399 on #333399)'),
            None),
    Outcome('a zero-width 1 drawn over the 7', '173 offences or +8.2%',
            None,
            ('shows', "'1' and '7' drawn over each other")),
    Outcome('a ToUnicode map reading the 7 as 1', '13 offences or +8.2%',
            None,
            ('shows', "a '7' where it says '1'")),
    Outcome('a Type 3 glyph named one that draws a 7', '1 3 offences or +8.2%',
            None,
            ('shows', "a '7' where it says '1'")),
    Outcome('ActualText claiming 173', '73 offences or +8.2%',
            None,
            ('shows', "glyphs whose text is replaced by ActualText '173 offences or +8.2%'")),
    Outcome('a 1 painted as a path, not text', '73 offences or +8.2%',
            None,
            ('shows', 'marks in its box that are not text (a path or picture)')),
    Outcome('a 1 drawn by an annotation', '73 offences or +8.2%',
            None,
            ('shows', 'marks in its box that are not text (a path or picture)')),
    Outcome('an Arabic-Indic zero drawn as a middle dot (+8٠2%)', '73 offences or +8٠2%',
            None,
            ('strange', '٠ ARABIC-INDIC DIGIT ZERO')),
    Outcome('an Arabic-Indic zero in a count (7٠3)', '7٠3 offences or +8.2%',
            None,
            ('strange', '٠ ARABIC-INDIC DIGIT ZERO')),
    Outcome('a middle dot for the decimal point (8·2%)', '73 offences or +8·2%',
            None,
            ('strange', '· MIDDLE DOT')),
    Outcome('a fullwidth seven (７3)', '７3 offences or +8.2%',
            None,
            ('strange', '７ FULLWIDTH DIGIT SEVEN')),
    Outcome('a superscript three (7³)', '7³ offences or +8.2%',
            None,
            ('strange', '³ SUPERSCRIPT THREE')),
]


def _cell(data: bytes) -> tuple[tuple[float, float, float, float], str, str | None]:
    """The figure cell as the extractors see it: the box and text of the visible words right
    of the label on the figure's line, and the fast path's verdict on the page."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        content = read_page(pdf.pages[0])
    words: list[dict[str, Any]] = [
        w for w in extract_words(content.chars, x_tolerance=1.5, y_tolerance=2)
        if w["x0"] >= 80 and abs(w["top"] - 90) < 6]
    box = (min(w["x0"] for w in words), min(w["top"] for w in words),
           max(w["x1"] for w in words), max(w["bottom"] for w in words))
    return box, " ".join(w["text"] for w in words), hidden_text_problem(content, 1)


def _ways() -> dict[str, Way]:
    return {way.name: way for way in WAYS}


def test_the_suite_covers_at_least_forty_ways_each_with_an_outcome() -> None:
    assert len(WAYS) >= 40
    assert [o.way for o in OUTCOMES] == [way.name for way in WAYS]


@pytest.mark.parametrize("outcome", OUTCOMES, ids=[o.way for o in OUTCOMES])
def test_each_way_is_refused_or_read_as_the_page_shows(outcome: Outcome) -> None:
    way = _ways()[outcome.way]
    data = way.build()
    if way.hidden_one:  # PDFium draws no "1": before "73", the page looks the same without text
        with open_pdf(data) as document:
            where = (ONE_X - 0.5, 88.0, X - 0.4, 102.0)
            drawn = render_region(document[0], where).image
            with hidden_text(document[0]):
                bare = render_region(document[0], where).image
        assert ImageChops.difference(drawn, bare).getextrema()[1] <= INK_LEVEL
    box, read, fast = _cell(data)
    assert read == outcome.read
    if outcome.fast is None:
        assert fast is None
    elif outcome.fast[0] == "before":
        assert fast == BEFORE.format(outcome.fast[1])
    else:
        assert fast == outcome.fast[1]
    render = check_claims(data, [Claim(1, box, read, "'Robbery' change_count")])
    if outcome.render is None:
        assert render is None
    elif outcome.render[0] == "shows":
        assert render == SHOWS.format(read, outcome.render[1])
    else:
        char, name = outcome.render[1].split(" ", 1)
        assert render == STRANGE.format(read, char, name)
    # the rule: refused, or loaded with the figure the page shows
    assert fast is not None or render is not None or read == FIGURE


def test_a_file_pdfium_cannot_open_is_refused_not_crashed() -> None:
    assert check_claims(b"%PDF-1.4 not really", [Claim(1, (0, 0, 9, 9), "73", "'Robbery'")]) == (
        "its figures cannot be checked against the rendered page: PDFium cannot open the file "
        "(Failed to load document (PDFium: Data format error).); re-save it from the original "
        "or find another copy; not loaded")
