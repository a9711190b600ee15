"""What you see is what you load: `pdfpage.content.read_page` keeps only the text a
reader can see, says why the rest is hidden, and `hidden_text_problem` refuses a page whose
hidden text would change what is read (issue 12, item 1).

Every case is a real PDF built here with reportlab (the robbery cell of a leaflet: "73 offences
or +8.2%" with a "1" hidden just before it, as pdfplumber alone reads "173"), and the hidden "1"
is also overlaid on a real fixture leaflet's performance table.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from conftest import PDFS, needs_fixtures
from pdfplumber.utils.text import extract_words
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from extractors import UnreadableDocument, extract_document
from extractors.errors import NeedsOcr
from pdfpage.chars import page_chars
from pdfpage.content import PageContent, Shape, hidden_text_problem, picture_page, read_page

Draw = Callable[[Canvas], None]

WIDTH, HEIGHT = 400.0, 200.0
FONT, SIZE = "Helvetica", 10.0
X, Y = 100.0, 100.0  # where the figure's text starts (PDF space: baseline, from the bottom)
FIGURE = "73 offences or +8.2%"
ONE_X = X - stringWidth("1", FONT, SIZE)  # a "1" ending exactly where "73" begins


def _pdf(draw: Draw, size: tuple[float, float] = (WIDTH, HEIGHT)) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size)
    canvas.setFont(FONT, SIZE)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _read(data: bytes, page: int = 1) -> tuple[PageContent, str]:
    """The page's content, and the text pdfplumber itself reads (every character)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        found = pdf.pages[page - 1]
        return read_page(found), "".join(c["text"] for c in found.chars)


def _pdfplumbers_words(data: bytes, page: int) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [w["text"] for w in pdf.pages[page - 1].extract_words(x_tolerance=1.5)]


def _words(content: PageContent) -> list[str]:
    return [w["text"] for w in extract_words(content.chars, x_tolerance=1.5, y_tolerance=2)]


def _figure(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(FONT, SIZE)
    canvas.drawString(X, Y, FIGURE)


def _one_in_render_mode_3(canvas: Canvas) -> None:
    text = canvas.beginText(ONE_X, Y)
    text.setTextRenderMode(3)
    text.textOut("1")
    text.setTextRenderMode(0)  # the mode outlasts BT/ET: it is part of the graphics state
    canvas.drawText(text)


def _one_in_render_mode_7(canvas: Canvas) -> None:
    canvas.saveState()  # mode 7 adds the glyph to the clip: restore it before the figure
    text = canvas.beginText(ONE_X, Y)
    text.setTextRenderMode(7)
    text.textOut("1")
    canvas.drawText(text)
    canvas.restoreState()


def _one_white_on_white(canvas: Canvas) -> None:
    canvas.setFillColorRGB(1, 1, 1)
    canvas.drawString(ONE_X, Y, "1")


def _one_outside_the_clip(canvas: Canvas) -> None:
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(0, 0, 50, 50)
    canvas.clipPath(clip, stroke=0, fill=0)
    canvas.drawString(ONE_X, Y, "1")
    canvas.restoreState()


def _one_covered_later(canvas: Canvas) -> None:
    canvas.drawString(ONE_X, Y, "1")
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(ONE_X - 0.5, Y - 3, X - 0.3 - (ONE_X - 0.5), SIZE + 3, stroke=0, fill=1)


def _one_too_small(canvas: Canvas) -> None:
    canvas.setFont(FONT, 0.5)
    canvas.drawString(X - stringWidth("1", FONT, 0.5), Y + 3, "1")


HIDDEN_ONE: list[tuple[Draw, str]] = [
    (_one_in_render_mode_3, "invisible (render mode 3)"),
    (_one_in_render_mode_7, "invisible (render mode 7)"),
    (_one_white_on_white, "white on white"),
    (_one_outside_the_clip, "outside the clip path"),
    (_one_covered_later, "covered by a shape drawn later"),
    (_one_too_small, "too small to read (0.5 pt)"),
]


@pytest.mark.parametrize(("hide", "why"), HIDDEN_ONE, ids=[why for _, why in HIDDEN_ONE])
def test_a_hidden_one_before_73_is_not_read_and_the_page_is_refused(hide: Draw, why: str) -> None:
    def draw(canvas: Canvas) -> None:
        hide(canvas)
        _figure(canvas)

    content, pdfplumbers_text = _read(_pdf(draw))
    assert pdfplumbers_text == "1" + FIGURE  # what was loaded before: 173
    assert _words(content) == FIGURE.split()
    assert [(run.text, run.why) for run in content.hidden] == [("1", why)]
    assert content.hidden[0].x1 == pytest.approx(X, abs=0.01)
    assert hidden_text_problem(content, 3) == (
        f'page 3 has text a reader cannot see ({why}): "1" just before the visible "73", so '
        'its text would read "173" where the page shows "73"; not loaded'
    )


def test_page_chars_keep_the_visible_characters_only() -> None:
    def draw(canvas: Canvas) -> None:
        _one_white_on_white(canvas)
        _figure(canvas)

    with pdfplumber.open(io.BytesIO(_pdf(draw))) as pdf:
        chars = page_chars(pdf.pages[0])
    assert "".join(c["text"] for c in chars) == FIGURE
    assert {c["color"] for c in chars} == {(0.0, 0.0, 0.0)}


def test_a_picture_under_an_invisible_text_layer_is_refused_as_ocr() -> None:
    scan = Image.new("RGB", (800, 400), "white")
    ImageDraw.Draw(scan).text((200, 200), "Robbery 99 offences or +41.0%", fill="black")

    def draw(canvas: Canvas) -> None:
        canvas.drawImage(ImageReader(scan), 0, 0, WIDTH, HEIGHT)
        text = canvas.beginText(X, Y)
        text.setTextRenderMode(3)
        text.textOut("Robbery 99 offences or +41.0%")
        canvas.drawText(text)

    content, pdfplumbers_text = _read(_pdf(draw))
    assert pdfplumbers_text == "Robbery 99 offences or +41.0%"
    assert content.chars == []
    assert content.image_area == pytest.approx(1.0)
    assert [run.text for run in content.hidden] == ["Robbery 99 offences or +41.0%"]
    assert hidden_text_problem(content, 2) == (
        "page 2: its text is an invisible layer over page images (OCR); the figures cannot be "
        "checked against what the page shows; not loaded"
    )


BADGE = (250.0, 40.0, 110.0, 24.0)  # x, y (bottom), width, height in PDF space
BADGE_GREEN = (0.0, 0.4, 0.2)
TICK = ((300.0, 130.0), (306.0, 122.0), (318.0, 142.0))


def _badge_and_tick(canvas: Canvas) -> None:
    x, y, w, h = BADGE
    canvas.setFillColorRGB(*BADGE_GREEN)
    canvas.roundRect(x, y, w, h, 6, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.drawString(x + 8, y + 8, "Target achieved")
    canvas.setStrokeColorRGB(0, 0.5, 0)
    canvas.setLineWidth(2)
    tick = canvas.beginPath()
    tick.moveTo(*TICK[0])
    for point in TICK[1:]:
        tick.lineTo(*point)
    canvas.drawPath(tick, stroke=1, fill=0)
    _figure(canvas)


def test_white_text_on_a_dark_badge_is_visible() -> None:
    content, _ = _read(_pdf(_badge_and_tick))
    assert _words(content) == ["73", "offences", "or", "+8.2%", "Target", "achieved"]
    badge_top = HEIGHT - BADGE[1] - BADGE[3]
    assert {c["color"] for c in content.chars if c["top"] > badge_top} == {(1.0, 1.0, 1.0)}
    assert content.hidden == []
    assert hidden_text_problem(content, 1) is None


def test_a_rounded_badge_and_a_stroked_tick_come_back_as_shapes() -> None:
    content, _ = _read(_pdf(_badge_and_tick))
    badge, tick = content.shapes
    x, y, w, h = BADGE
    assert (badge.kind, badge.fill, badge.stroke) == ("curve", True, False)
    assert (badge.x0, badge.top, badge.x1, badge.bottom) == pytest.approx(
        (x, HEIGHT - y - h, x + w, HEIGHT - y))
    assert badge.fill_color == pytest.approx(BADGE_GREEN)
    assert badge.stroke_color is None
    assert tick == Shape(
        x0=300.0, top=HEIGHT - 142.0, x1=318.0, bottom=HEIGHT - 122.0, kind="curve", fill=False,
        stroke=True, fill_color=None, stroke_color=(0.0, 0.5, 0.0), linewidth=2.0,
        points=tuple((px, HEIGHT - py) for px, py in TICK),
    )


def test_a_filled_rectangle_and_a_rule_are_rects_and_lines_in_rgb() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.setFillColorCMYK(1, 0, 0, 0)
        canvas.rect(20, 20, 40, 10, stroke=0, fill=1)
        canvas.setStrokeGray(0.5)
        canvas.line(20, 60, 200, 60)

    content, _ = _read(_pdf(draw))
    rect, rule = content.shapes
    assert (rect.kind, rect.x0, rect.top, rect.x1, rect.bottom) == ("rect", 20, 170, 60, 180)
    assert rect.fill_color == (0.0, 1.0, 1.0)  # cyan
    assert (rule.kind, rule.stroke, rule.fill, rule.stroke_color) == (
        "line", True, False, (0.5, 0.5, 0.5))


def _hidden_elsewhere(hide: Draw) -> tuple[PageContent, str | None]:
    def draw(canvas: Canvas) -> None:
        _figure(canvas)
        hide(canvas)

    content, _ = _read(_pdf(draw))
    return content, hidden_text_problem(content, 1)


def test_hidden_words_touching_nothing_are_dropped_and_harmless() -> None:
    def hide(canvas: Canvas) -> None:
        text = canvas.beginText(X, 30)
        text.setTextRenderMode(3)
        text.textOut("draft for comment")
        canvas.drawText(text)

    content, problem = _hidden_elsewhere(hide)
    assert _words(content) == FIGURE.split()
    assert [(r.text, r.why) for r in content.hidden] == [
        ("draft for comment", "invisible (render mode 3)")]
    assert problem is None


def test_hidden_figures_anywhere_are_refused() -> None:
    def hide(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(X, 30, "Robbery 173")

    content, problem = _hidden_elsewhere(hide)
    assert _words(content) == FIGURE.split()
    assert problem == ('page 1 has text a reader cannot see (white on white): "Robbery 173", '
                       "at x=100, top=162: figures the page does not show; not loaded")


def test_hidden_text_over_a_visible_word_is_refused() -> None:
    def hide(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(X + stringWidth("73 of", FONT, SIZE), Y, "not")

    _, problem = _hidden_elsewhere(hide)
    assert problem == ('page 1 has text a reader cannot see (white on white): "not" over the '
                       'visible "offences", which it would alter; not loaded')


def test_the_same_words_drawn_again_in_place_are_harmless() -> None:
    """A halo or stroke drawn as a second, white copy of the words exactly where they stand
    (Chromium's stroked headings) reads as nothing more than the visible words."""
    def halo(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(X, Y, FIGURE)

    content, problem = _hidden_elsewhere(halo)
    assert _words(content) == FIGURE.split()
    assert [(r.text, r.why) for r in content.hidden] == [(FIGURE, "white on white")]
    assert problem is None


def test_other_words_drawn_in_place_of_visible_ones_are_refused() -> None:
    def swap(canvas: Canvas) -> None:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.drawString(X, Y, FIGURE.replace("73", "78"))

    _, problem = _hidden_elsewhere(swap)
    assert problem == ('page 1 has text a reader cannot see (white on white): "78 offences or '
                       '+8.2%" over the visible "73", which it would alter; not loaded')


def _one_white_in_cmyk(canvas: Canvas) -> None:
    canvas.setFillColorCMYK(0, 0, 0, 0)
    canvas.drawString(X, 30, "1")


def _one_fully_transparent(canvas: Canvas) -> None:
    canvas.setFillAlpha(0)
    canvas.drawString(X, 30, "1")


def _one_off_the_page(canvas: Canvas) -> None:
    canvas.drawString(WIDTH + 20, 30, "1")


def _one_blue_on_blue(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0.2, 0.2, 0.6)
    canvas.rect(X, 20, 40, 20, stroke=0, fill=1)
    canvas.setFillColorRGB(0.21, 0.2, 0.6)
    canvas.drawString(X + 2, 30, "1")


def _one_under_a_picture(canvas: Canvas) -> None:
    canvas.drawString(X, 30, "1")
    canvas.drawImage(ImageReader(Image.new("RGB", (4, 4), "red")), X - 2, 20, 20, 20)


def _one_under_a_shading(canvas: Canvas) -> None:
    canvas.drawString(X, 30, "1")
    canvas.saveState()
    area = canvas.beginPath()
    area.rect(X - 2, 20, 20, 20)
    canvas.clipPath(area, stroke=0, fill=0)
    canvas.linearGradient(X - 2, 20, X + 18, 40, ((1, 1, 1), (0.9, 0.9, 1)))
    canvas.restoreState()


def _one_under_a_thick_white_line(canvas: Canvas) -> None:
    canvas.drawString(X, 30, "1")
    canvas.setStrokeColorRGB(1, 1, 1)
    canvas.setLineWidth(12)
    canvas.line(X - 2, 33, X + 10, 33)


def _one_squeezed_flat(canvas: Canvas) -> None:
    text = canvas.beginText(X, 30)
    text.setHorizScale(1)
    text.textOut("1")
    text.setHorizScale(100)
    canvas.drawText(text)


def _one_outside_the_crop_box(canvas: Canvas) -> None:
    canvas.setCropBox((0, 50, WIDTH, HEIGHT))
    canvas.drawString(X, 30, "1")


def test_printers_marks_beyond_the_trim_box_are_harmless() -> None:
    """A print-ready file's slug line, dated and numbered, outside its trimmed page; the same
    text outside a crop box with no trim box is still refused (above)."""
    def slug(canvas: Canvas) -> None:
        _figure(canvas)
        canvas.setTrimBox((0, 50, WIDTH, HEIGHT))
        canvas.setCropBox((0, 50, WIDTH, HEIGHT))
        canvas.drawString(X, 30, "LPS_barnet.indd 1 12/05/2010 14:32")

    content, _ = _read(_pdf(slug))
    assert [(r.text, r.why) for r in content.hidden] == [
        ("LPS_barnet.indd 1 12/05/2010 14:32", "outside the page")]
    assert content.trim_box == (0.0, 0.0, WIDTH, HEIGHT - 50)
    assert hidden_text_problem(content, 1) is None


OTHER_HIDING: list[tuple[Draw, str]] = [
    (_one_white_in_cmyk, "white on white"),
    (_one_fully_transparent, "invisible (fill opacity 0)"),
    (_one_off_the_page, "outside the page"),
    (_one_blue_on_blue, "same colour as the background under it (#363399 on #333399)"),
    (_one_under_a_picture, "covered by an image drawn later"),
    (_one_under_a_shading, "covered by a shading drawn later"),
    (_one_outside_the_crop_box, "outside the page"),
    (_one_under_a_thick_white_line, "covered by a shape drawn later"),
    (_one_squeezed_flat, "too narrow to read (0.06 pt wide)"),
]


@pytest.mark.parametrize(("hide", "why"), OTHER_HIDING, ids=[why for _, why in OTHER_HIDING])
def test_other_ways_of_hiding_a_figure(hide: Draw, why: str) -> None:
    content, problem = _hidden_elsewhere(hide)
    assert _words(content) == FIGURE.split()
    assert [(r.text, r.why) for r in content.hidden] == [("1", why)]
    assert problem is not None and f"({why}): \"1\"" in problem


def test_text_outside_a_forms_bounding_box_is_clipped() -> None:
    def draw(canvas: Canvas) -> None:
        canvas.beginForm("logo", lowerx=0, lowery=0, upperx=60, uppery=60)
        canvas.setFont(FONT, SIZE)
        canvas.drawString(10, 10, "Logo")
        canvas.drawString(ONE_X, Y, "1")
        canvas.endForm()
        canvas.doForm("logo")
        _figure(canvas)

    content, _ = _read(_pdf(draw))
    assert _words(content) == ["73", "offences", "or", "+8.2%", "Logo"]
    assert [(r.text, r.why) for r in content.hidden] == [("1", "outside the clip path")]


def test_rules_and_frames_drawn_over_text_do_not_hide_it() -> None:
    """A table rule painted across a line after it, and a frame (a rectangle with a hole,
    filled even-odd) drawn around it afterwards, leave the text visible."""

    def draw(canvas: Canvas) -> None:
        _figure(canvas)
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(X - 5, Y + 3, 120, 0.6, stroke=0, fill=1)  # a white hairline
        canvas.setFillColorRGB(0.1, 0.1, 0.1)
        frame = canvas.beginPath()
        frame.rect(X - 10, Y - 10, 120, 30)
        frame.rect(X - 8, Y - 8, 116, 26)
        canvas.drawPath(frame, stroke=0, fill=1, fillMode=0)  # even-odd: a 2 pt frame

    content, _ = _read(_pdf(draw))
    assert _words(content) == FIGURE.split()
    assert content.hidden == []


def test_see_through_paint_over_text_does_not_hide_it() -> None:
    """A white box drawn over the figure at 50% opacity, or with the Multiply blend mode
    (which leaves what is under white unchanged), leaves it readable."""

    def draw(canvas: Canvas) -> None:
        _figure(canvas)
        canvas.saveState()
        canvas.setFillColorRGB(1, 1, 1)
        canvas.setFillAlpha(0.5)
        canvas.rect(X - 2, Y - 3, 30, 14, stroke=0, fill=1)
        canvas.restoreState()
        canvas.saveState()
        canvas.setBlendMode("Multiply")
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(X + 30, Y - 3, 80, 14, stroke=0, fill=1)
        canvas.restoreState()
        canvas.drawString(X, 30, "After")  # opacity and blend are back to normal here
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(X - 1, 25, 40, 14, stroke=0, fill=1)

    content, _ = _read(_pdf(draw))
    assert _words(content) == FIGURE.split()
    assert [(r.text, r.why) for r in content.hidden] == [
        ("After", "covered by a shape drawn later")]


def test_a_rotated_page_reads_and_hides_like_pdfplumber_places_it() -> None:
    def draw(canvas: Canvas) -> None:
        _one_white_on_white(canvas)
        _figure(canvas)

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf(draw))))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        page = pdf.pages[0]
        content = read_page(page)
        expected = page.chars[1:]  # all but the white "1", drawn first
        assert page.rotation == 90 and page.chars[0]["text"] == "1"
    assert [(c["text"], c["x0"], c["top"]) for c in content.chars] == [
        (c["text"], c["x0"], c["top"]) for c in expected]
    assert [(r.text, r.why) for r in content.hidden] == [("1", "white on white")]


def _overlay(fixture: bytes, page: int, draw: Draw) -> bytes:
    """`fixture` with `draw` painted over page `page` (appended to its content)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(fixture)))
    target = writer.pages[page - 1]
    width, height = float(target.mediabox.width), float(target.mediabox.height)
    target.merge_page(PdfReader(io.BytesIO(_pdf(draw, (width, height)))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _robbery_line(content: PageContent) -> list[dict[str, Any]]:
    words = extract_words(content.chars, x_tolerance=1.5, y_tolerance=2)
    start = next(i for i, w in enumerate(words) if w["text"] == "robbery" and w["x0"] < 100)
    return words[start : start + 5]


@needs_fixtures
@pytest.mark.parametrize(("why", "colour", "mode", "cover"), [
    ("invisible (render mode 3)", (0, 0, 0), 3, False),
    ("white on white", (1, 1, 1), 0, False),
    ("covered by a shape drawn later", (0, 0, 0), 0, True),
])
def test_a_hidden_one_in_a_real_leaflets_robbery_cell(
    why: str, colour: tuple[float, float, float], mode: int, cover: bool,
) -> None:
    """Barnet 2009/10, page 3: "Total robbery 73 offences or +8.2%", "73" at x=125.5 from
    the top 706.7 (DejaVu Sans 11 pt); a "1" painted to end where "73" begins."""
    original = (PDFS / "2009-10" / "barnet.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(original)) as pdf:
        page = pdf.pages[2]
        seventy_three = next(w for w in page.extract_words() if w["text"] == "73")
        size = next(c["size"] for c in page.chars if c["top"] == seventy_three["top"])
        baseline = page.height - seventy_three["bottom"] + 0.2 * size
    one_x = seventy_three["x0"] - stringWidth("1", FONT, size)

    def draw(canvas: Canvas) -> None:
        canvas.setFillColorRGB(*colour)
        text = canvas.beginText(one_x, baseline)
        text.setFont(FONT, size)
        text.setTextRenderMode(mode)
        text.textOut("1")
        canvas.drawText(text)
        if cover:
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(one_x - 1, baseline - 3, seventy_three["x0"] - 0.3 - (one_x - 1),
                        size + 2, stroke=0, fill=1)

    altered = _overlay(original, 3, draw)
    assert "173" in _pdfplumbers_words(altered, 3)  # what was loaded before
    content, _ = _read(altered, page=3)
    assert [w["text"] for w in _robbery_line(content)] == ["robbery", "73", "offences", "or",
                                                           "+8.2%"]
    assert [(r.text, r.why) for r in content.hidden] == [("1", why)]
    reason = (f'page 3 has text a reader cannot see ({why}): "1" just before the visible "73", '
              'so its text would read "173" where the page shows "73"; not loaded')
    assert hidden_text_problem(content, 3) == reason
    with pytest.raises(UnreadableDocument) as refused:  # the whole document: quarantined
        extract_document(altered)
    assert str(refused.value) == f"{reason} [page 3]"


@needs_fixtures
def test_the_fixture_leaflets_hide_nothing() -> None:
    """No page of the bundled leaflets (either producer) has hidden text; their banners and
    table cells come back as shapes."""
    for name in ("2009-10/barnet.pdf", "2010-11/barnet.pdf"):
        with pdfplumber.open(PDFS / name) as pdf:
            contents = [read_page(page) for page in pdf.pages]
        assert [c.hidden for c in contents] == [[] for _ in contents], name
        assert all(c.image_area == 0 for c in contents)
        banner = contents[0].shapes[0]
        assert (banner.kind, banner.fill, round(banner.x0), round(banner.top)) == (
            "rect", True, 24, 28)
        assert banner.fill_color == pytest.approx((0.113725, 0.247059, 0.478431))



#: A PDF/A copy Ghostscript re-distilled from a ReportLab leaflet (clean-room corpus): its
#: fonts are Type0 with a one-byte identity CMap, no ToUnicode, and embedded TrueType subsets
#: with no character map (Ghostscript is not installed here to draw a smaller one).
NO_TEXT_MAPS = (Path(__file__).resolve().parent.parent / "fixtures" / "cleanroom" / "corpus"
                / "pdfs" / "cleanroom-0103.pdf")


def test_a_page_whose_fonts_carry_no_text_mapping_is_read_from_its_pixels() -> None:
    """Issue 16 (clean-room 0063, 0103): most of the page's glyphs have no Unicode, so which
    letter each is only its drawing says; the page is read like a scan (OCR), and refused as
    needing OCR when none is given, never taken for 'not a Local Policing Summary'."""
    data = NO_TEXT_MAPS.read_bytes()
    content, text = _read(data)
    assert text.startswith("(cid:76)(cid:111)(cid:99)")
    assert picture_page(content) == (
        "its fonts carry no text mapping (glyphs with no Unicode, a copy re-distilled without "
        "ToUnicode maps): the page can only be read from its pixels (OCR)")
    with pytest.raises(NeedsOcr, match="its fonts carry no text mapping") as refused:
        extract_document(data)
    assert refused.value.page == 1
    assert picture_page(_read(_pdf(_figure))[0]) is None  # a page whose glyphs all map
