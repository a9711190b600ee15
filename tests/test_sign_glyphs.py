"""A figure's sign the text layer cannot say is read from what the page draws (issue 16).

Class `redistilled-unmapped-minus` (`sign_classes`): a re-distilled leaflet whose subset font
lost the minus sign's ToUnicode entry ('(cid:3)752'). The page model renders the glyph and reads
it as a minus only when it is one lone horizontal bar level with the middle of the digits; the
render check reads it the same way. A glyph drawn as anything else (a plus, a digit, two bars,
an underscore) is refused, the reason naming what the page draws.
"""

from __future__ import annotations

import io

import pdfplumber
import pytest
from PIL import Image, ImageDraw
from sign_classes import CLASS, REDRAWN, TRUTH, build, redrawn
from test_golden import _differences

from extractors import ExtractionError, extract_document
from pdfpage.render_check import check_claims
from pdfpage.settings import PageSettings
from pdfpage.sign_glyphs import SignGlyphs, bar_problem
from pipeline.figure_check import claims_of
from pipeline.parse import extraction_or_reason
from schemas import Extraction

FIGURES = ("document", "performance", "priorities", "force_results")


def _figures(extraction: Extraction) -> dict[str, object]:
    dumped = extraction.model_dump(mode="json")
    return {key: dumped[key] for key in FIGURES}


def test_the_class_fixture_is_a_text_layer_without_the_minus() -> None:
    with pdfplumber.open(io.BytesIO(build())) as pdf:
        words = [w["text"] for page in pdf.pages for w in page.extract_words()]
    signless = [w for w in words if w.startswith("(cid:3)")]
    assert len(signless) == 6 and all(w[len("(cid:3)"):][0].isdigit() for w in signless)
    assert not any("\u2212" in w for w in words)


def test_the_class_fixture_loads_exactly_its_truth_render_check_included() -> None:
    found = extraction_or_reason(build())
    assert not isinstance(found, str), f"{CLASS} refused: {found}"
    truth = Extraction.model_validate_json(TRUTH.read_text("utf-8"))
    assert _differences(_figures(truth), _figures(found)) == []
    assert sum(1 for row in found.performance if row.change_count is not None
               and row.change_count < 0) == 3


@pytest.mark.parametrize(("variant", "drawn"), [
    ("plus", "not a bar (too tall for its width)"),
    ("digit", "not a bar (too tall for its width)"),
    ("two-bars", "2 separate strokes, not one bar"),
    ("underscore", "a bar at the digits' foot (an underscore)"),
])
def test_a_glyph_without_unicode_drawn_as_no_bar_is_refused_naming_it(variant: str,
                                                                      drawn: str) -> None:
    assert variant in REDRAWN
    with pytest.raises(ExtractionError) as refused:
        extract_document(redrawn(variant))
    found = str(refused.value)
    assert "6 figures on page 3 are drawn with a glyph their font gives no text for " \
           "('(cid:3)752'" in found
    assert "the rendered page draws '(cid:3)' of font AAAAAA+DejaVuSans, drawn as " in found
    assert drawn in found


def test_the_render_check_reads_the_sign_glyph_by_its_drawing_too() -> None:
    """The claims of the class fixture (minus read by the page model), checked against the page
    that draws a plus for that glyph: the render check names the glyph, not the figure alone."""
    claims = claims_of(extract_document(build()))
    assert check_claims(build(), claims) is None
    reason = check_claims(redrawn("plus"), claims)
    assert reason is not None
    assert "the text layer says '\u2212752 offences or \u221219.7%'" in reason
    assert "a glyph its font gives no Unicode for before '7', drawn as a mark" in reason


def _ink(draw: list[tuple[int, int, int, int]], size: tuple[int, int] = (30, 60)) -> Image.Image:
    image = Image.new("L", size, 0)
    pen = ImageDraw.Draw(image)
    for box in draw:
        pen.rectangle(box, fill=255)
    return image


#: A digit's ink 42 pixels tall (rows 10 to 51), as the sign's neighbour draws it.
DIGIT = _ink([(5, 10, 8, 51), (5, 10, 25, 13), (22, 10, 25, 51)])


@pytest.mark.parametrize(("sign", "problem"), [
    ([(3, 29, 27, 33)], None),  # a minus: level with the digit's middle
    ([(3, 38, 27, 42)], None),  # a hyphen, set lower
    ([(3, 29, 27, 33), (13, 18, 17, 44)], "not a bar (too tall for its width)"),  # a plus
    ([(3, 24, 27, 27), (3, 35, 27, 38)], "2 separate strokes, not one bar"),  # '='
    ([(3, 54, 27, 57)], "a bar at the digits' foot (an underscore)"),
    ([(3, 9, 27, 12)], "a bar at the digits' top (an overline)"),
    ([(3, 27, 27, 28), (3, 35, 27, 36), (3, 27, 4, 36), (26, 27, 27, 36)],
     "not a solid bar"),  # an outline
    ([], "nothing (it leaves no ink)"),
])
def test_only_a_lone_solid_bar_level_with_the_digits_is_a_minus(
        sign: list[tuple[int, int, int, int]], problem: str | None) -> None:
    found = bar_problem(_ink(sign), DIGIT, PageSettings())
    assert found is None if problem is None else (found is not None and problem in found), found


def test_a_sign_glyph_pdfium_cannot_render_is_left_unread_naming_why() -> None:
    chars = [{"text": "(cid:2)", "fontname": "F", "size": 10.0, "x0": 0.0, "x1": 5.0,
              "top": 0.0, "bottom": 10.0},
             {"text": "4", "fontname": "F", "size": 10.0, "x0": 5.0, "x1": 10.0, "top": 0.0,
              "bottom": 10.0}]
    with SignGlyphs.of(lambda: b"%PDF-1.4 not a whole file", PageSettings()) as signs:
        assert signs.read_page(1, chars)[0]["text"] == "(cid:2)"
        [glyph] = signs.unread()
    assert glyph.describe().startswith("'(cid:2)' of font F, drawn as nothing PDFium can render")
