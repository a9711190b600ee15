"""The OCR engine and what the pixels say beyond its words (pdfpage.ocr, pdfpage.scan_image),
on page images drawn here with the leaflets' own font (DejaVu Sans) and read by the real
Tesseract."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from pdfpage.content import PageContent, drawn_text_page, picture_page
from pdfpage.ocr import ENGINE_NAME, OcrWord, ocr_engine, read_image
from pdfpage.scan_image import (
    PAPER_LEVEL,
    estimate_skew,
    ink_of,
    prepare,
    stroke_width,
    unread_ink,
)
from pipeline.ocr import _on_trimmed_page

FONTS = "/usr/share/fonts/truetype/dejavu"
DPI = 300
PT = DPI / 72  # pixels per point


def _font(size_pt: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(f"{FONTS}/{name}", round(size_pt * PT))


def _page(lines: list[tuple[float, float, str, float, bool]], size: tuple[int, int] = (1400, 700)
          ) -> Image.Image:
    """A white page with each (x pt, y pt, text, size pt, bold) drawn in black."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for x, y, text, points, bold in lines:
        draw.text((x * PT, y * PT), text, fill=0, font=_font(points, bold))
    return image


def _words(page: list[OcrWord]) -> list[str]:
    return [word.text for word in page]


def test_the_engine_is_tesseract_with_its_version() -> None:
    engine = ocr_engine()
    assert engine.name == ENGINE_NAME == "tesseract"
    assert engine.version.split(".")[0] == "5"


def test_a_table_row_is_read_word_by_word_with_boxes_in_points_and_confidence() -> None:
    image = _page([(20, 20, "Total robbery", 9, False),
                   (120, 20, "73 offences or +8.2%", 9, False)])
    page = read_image(image, DPI)
    assert _words(list(page.words)) == ["Total", "robbery", "73", "offences", "or", "+8.2%"]
    figure = next(word for word in page.words if word.text == "73")
    assert figure.x0 == pytest.approx(120, abs=1.5)  # drawn at x = 120 pt
    assert figure.size == pytest.approx(9, abs=1.0)
    assert all(0.9 <= word.confidence <= 1 for word in page.words)
    bottoms = [word.bottom for word in page.words]
    assert max(bottoms) - min(bottoms) < 0.5  # one line: one baseline, as a text layer has
    assert page.engine == ocr_engine()


def test_bold_headings_are_told_from_body_text_by_stroke_weight() -> None:
    image = _page([(20, 20, "How did Barnet perform during 2009/10?", 11, True),
                   (20, 45, "Residential burglary rose by a few offences this year", 9, False)])
    page = read_image(image, DPI)
    weights = {word.text: word.bold for word in page.words}
    assert weights["perform"] is True and weights["2009/10?"] is True
    assert weights["Residential"] is False and weights["offences"] is False


def test_an_image_offset_on_the_page_gives_page_points() -> None:
    image = _page([(10, 10, "427 offences", 9, False)], size=(600, 150))
    page = read_image(image, DPI, origin=(300.0, 500.0))
    assert page.words[0].text == "427"
    assert page.words[0].x0 == pytest.approx(310, abs=1.5)
    assert page.words[0].top == pytest.approx(510, abs=3)


def test_a_list_bullet_is_read_as_a_bullet() -> None:
    image = _page([(20, 20, "\u2022 reduce crime and catch criminals", 9, False)])
    assert read_image(image, DPI).words[0].text == "\u2022"


def test_skew_is_measured_and_taken_out() -> None:
    image = _page([(20, 20 + 14 * n, "Residential burglary 432 offences or +16.6%", 9, False)
                   for n in range(12)], size=(1400, 900))
    turned = image.rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    # within 0.02 degree: a page left turned by 0.05 splits a wide table's header row
    assert estimate_skew(turned) == pytest.approx(-1.5, abs=0.02)
    assert estimate_skew(image) == pytest.approx(0, abs=0.02)
    slightly = image.rotate(-0.63, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert estimate_skew(slightly) == pytest.approx(0.63, abs=0.02)
    page = read_image(turned, DPI)
    assert prepare(turned, DPI).skew == pytest.approx(-1.5, abs=0.02)
    assert "+16.6%" in _words(list(page.words))


def test_table_rules_are_lifted_but_a_dark_band_keeps_its_white_text() -> None:
    image = _page([(40, 40, "172 offences", 9, False)], size=(1400, 700))
    draw = ImageDraw.Draw(image)
    draw.line([(20 * PT, 30 * PT), (300 * PT, 30 * PT)], fill=0, width=4)  # a rule above
    draw.line([(35 * PT, 25 * PT), (35 * PT, 60 * PT)], fill=0, width=4)  # a cell border
    draw.rectangle([(20 * PT, 80 * PT), (320 * PT, 110 * PT)], fill=60)  # a band ...
    draw.text((30 * PT, 86 * PT), "Barnet", fill=255, font=_font(12, True))  # ... white text
    prepared = prepare(image, DPI)
    ink = ink_of(prepared.image)
    assert not ink[int(30 * PT), int(200 * PT)]  # the rule is gone
    assert not ink[int(50 * PT), int(35 * PT)]  # the border too
    assert ink[int(100 * PT), int(300 * PT)]  # the band is not a rule
    assert [w.text for w in read_image(image, DPI).words] == ["172", "offences", "Barnet"]


def test_ink_outside_every_word_is_found_and_specks_are_not() -> None:
    ink = np.zeros((300, 600), dtype=bool)
    ink[100:130, 200:260] = True  # a word's glyphs
    ink[112:116, 170:190] = True  # a minus sign the engine left out
    ink[250, 50] = True  # a speck
    blobs = unread_ink(ink, [(200, 100, 260, 130)], cell=4, min_pixels=16)
    assert [(b.x0, b.top, b.x1, b.bottom, b.pixels) for b in blobs] == [(168, 112, 192, 116, 80)]


def test_bold_strokes_are_wider() -> None:
    regular = ink_of(_page([(10, 10, "offences", 9, False)], size=(500, 120)))
    bold = ink_of(_page([(10, 10, "offences", 9, True)], size=(500, 120)))
    box = (0, 0, 500, 120)
    assert stroke_width(bold, box) > 1.4 * stroke_width(regular, box)


def test_a_page_rendered_from_its_vectors_is_never_turned() -> None:
    """A page whose text has no Unicode is read from a render of its vectors (clean-room
    0063's class: a ReportLab leaflet re-distilled to PDF/A without text maps): as straight as
    its PDF. The skew estimate of such a render can still come out at its smallest step (0.05
    degrees), and turning it by that much smeared Roboto's '40' into 'AO'. A scan is still
    straightened."""
    image = _page([(20, 20 + 14 * n, "Residential burglary 432 offences or +16.6%", 9, False)
                   for n in range(12)], size=(1400, 900))
    turned = image.rotate(1.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert prepare(turned, DPI).skew == pytest.approx(-1.5, abs=0.1)
    drawn = prepare(turned, DPI, drawn=True)
    assert drawn.skew == 0.0
    unturned = turned.filter(ImageFilter.MedianFilter(3)).point(  # despeckled, paper white
        [v if v <= PAPER_LEVEL else 255 for v in range(256)])
    assert drawn.image.tobytes() == unturned.tobytes()


def _content(texts: list[str], image_area: float = 0.0) -> PageContent:
    chars = [{"text": text} for text in texts]
    return PageContent(chars, [], [], image_area)


def test_a_page_of_glyphs_without_unicode_is_read_from_its_render_unturned() -> None:
    unmapped = ["(cid:12)"] * 8 + ["4", "0", " "]
    assert picture_page(_content(unmapped)) is not None
    assert drawn_text_page(_content(unmapped))
    assert not drawn_text_page(_content(unmapped, image_area=0.9))  # over a scan: a picture
    assert not drawn_text_page(_content(["4", "0", "(cid:12)"]))


def test_what_ocr_finds_outside_a_print_ready_page_s_trim_box_is_a_printers_mark() -> None:
    trim = (36.0, 36.0, 631.0, 877.0)
    assert _on_trimmed_page((100.0, 400.0, 120.0, 410.0), trim)
    assert not _on_trimmed_page((40.0, 20.0, 300.0, 30.0), trim)  # the slug above the trim
    assert not _on_trimmed_page((640.0, 400.0, 660.0, 410.0), trim)
    assert _on_trimmed_page((40.0, 20.0, 300.0, 30.0), None)


def test_a_disc_read_as_two_glyphs_or_as_letters_is_judged_by_its_shape() -> None:
    """Class: a filled disc read as 'C' and ')' (a JPEG of quality 30), a ring read as 'fe)'
    at 0.96 (grey noise): the ink decides; a word of print beside them is left as read."""
    from pdfpage.ocr import _disc, _joined_discs, _RawWord

    ink = np.zeros((100, 300), dtype=bool)
    yy, xx = np.mgrid[0:100, 0:300]
    ink[(yy - 50) ** 2 + (xx - 50) ** 2 <= 11 ** 2] = True  # a filled disc, 23 pixels across
    ring = ((yy - 50) ** 2 + (xx - 150) ** 2 <= 11 ** 2) & (
        (yy - 50) ** 2 + (xx - 150) ** 2 >= 8 ** 2)
    ink[ring] = True
    ink[40:62, 220:226] = True  # a word of print: an 'l'
    halves = [_RawWord("C", (36, 34, 45, 68), 0.8, 1, 26.0, 62.0, (34, 68)),
              _RawWord(")", (53, 40, 62, 63), 0.98, 1, 26.0, 62.0, (40, 63)),
              _RawWord("l", (220, 40, 226, 62), 0.99, 1, 26.0, 62.0, (40, 62))]
    joined = _joined_discs(halves, ink)
    assert [w.text for w in joined] == ["\u25cf", "l"]
    read = _RawWord("fe)", (139, 39, 162, 62), 0.96, 2, 26.0, 62.0, (39, 62))
    assert _disc(read, 26.0, ink) == "\u25cb"
    assert _disc(halves[2], 26.0, ink) is None


def test_a_speck_read_as_punctuation_is_no_word_and_a_sign_or_a_bullet_is_kept() -> None:
    """Class: a photocopy's speck read '.' at 0.87 between a row's label and its first figure,
    which joined the label ('Motor vehicle crime .'): dropped, its ink counts as unread."""
    from pdfpage.ocr import _RawWord, _speck

    def word(text: str, ink: tuple[int, int]) -> _RawWord:
        return _RawWord(text, (435, ink[0], 438, ink[1]), 0.87, 1, 30.5, 1222.0, ink)

    assert _speck(word(".", (1176, 1177)))
    assert _speck(word("()", (1200, 1204)))
    assert not _speck(word("-", (1210, 1213)))  # a sign, however small
    assert not _speck(word(".", (1200, 1210)))  # as high as a list bullet
    assert not _speck(word("(", (1196, 1224)))  # a bracket of print
