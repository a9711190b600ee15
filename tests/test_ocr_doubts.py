"""The engine's first reading settled by a second one (pdfpage.ocr_doubts), and an engine line
cut at a column gutter (pdfpage.ocr), by class:

- **two columns of different leading** (generated leaflet 2008-09/kensington-and-chelsea.pdf,
  page 2: the commander's message beside the bulleted priorities): the engine reads the last
  priority twice, in two of its lines, differently ('4.7% reduction in knife cri' over '.7%
  reduction in knife crime'); it refused the whole 2008/09 edition at 300 dpi.
- **a column read level with another** (2010-11/hackney.pdf, page 2: the ward column beside
  the message): the engine joins them in one line with the message's baseline and size, and
  two ward rows of the table merged into one ('Hackney Central Hoxton').
- **a lone word misread** (a bold 'Ward' on a grey header band read 'Ee' at 0.90): read again
  on its own; a figure, a mark word or a shape never is.
- **a figure misread in its line** (a JPEG of quality 30: '-1.8%' for '-7.8%' at 0.92): every
  figure is read again on its own, and doubted where the readings differ.
- **a sliver over a line's band** (2010-11/hackney.pdf page 3, the tops of 'reduction in' read
  as '——-', a priority that named no measure and refused the leaflet): wider than any one word
  under it, it is still inside the line's band, at its top edge.
- **a word the page's reading left out** (a column of 'Yes' unread on a page straightened from
  a 0.6-degree skew): word-sized ink outside every word is read on its own, and kept only when
  read surely; a lone digit too (a table's '8' of the generated 2007/08 Hackney leaflet), and
  a figure's glyphs a letter's gap apart as one word ('+42' of the same leaflet).
- **a minus the line reading left out** (`tests/test_ocr_sign.py` reads the page): taken from
  the figure's reading alone only when the page's ink holds it.
- **a minus after a bracket** ('(-\u20146.6%)' for the 2008/09 edition's '(\u22126.6%)'): one
  minus sign, as at the start of a word.

The page classes are read by the real Tesseract from the generated leaflets rendered at 300
dpi (one page each); the rules of the second reading with a reader given here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pdfplumber
import pytest
from PIL import Image

from pdfpage.ocr import normalised, read_image
from pdfpage.ocr_doubts import AloneReading, Box, figures_checked, settled, unread_read
from pdfpage.settings import SETTINGS
from tests.conftest import PDFS

DPI = 300


def _page_image(leaflet: str, number: int) -> Image.Image:
    with pdfplumber.open(PDFS / leaflet) as pdf:
        image: Image.Image = pdf.pages[number - 1].to_image(resolution=DPI,
                                                            antialias=True).original
        return image


def test_a_stretch_read_twice_beside_another_column_is_read_once() -> None:
    page = read_image(_page_image("2008-09/kensington-and-chelsea.pdf", 2), DPI)
    knife = [w for w in page.words if w.text == "knife"]
    assert len(knife) == 1  # read once
    line = sorted((w for w in page.words if abs(w.bottom - knife[0].bottom) < 2
                   and w.x0 > knife[0].x0 - 150), key=lambda w: w.x0)
    assert [w.text for w in line] == ["\u2022", "4.7%", "reduction", "in", "knife", "crime"]
    figure = next(w for w in line if w.text == "4.7%")
    assert figure.confidence >= 0.8  # the second reading agrees with a first one


def test_a_column_read_level_with_another_keeps_its_own_baseline_and_size() -> None:
    page = read_image(_page_image("2010-11/hackney.pdf", 2), DPI)
    words = {w.text: w for w in page.words}
    for ward, priority in (("Dalston", "Begging;"), ("Hoxton", "Theft")):
        assert words[ward].bottom == pytest.approx(words[priority].bottom, abs=1.0)
        assert words[ward].size == pytest.approx(words[priority].size, abs=0.5)


@dataclass
class _Read:
    text: str
    box: Box
    confidence: float
    line: int
    line_size: float = 30.0


def _reader(said: dict[Box, list[_Read]], asked: list[Box]):  # type: ignore[no-untyped-def]
    """A second reading that says, for a box holding one of `said`'s boxes, its words."""

    def read_again(box: Box) -> list[_Read]:
        asked.append(box)
        for inside, words in said.items():
            if box[0] <= inside[0] and box[1] <= inside[1] and inside[2] <= box[2] \
                    and inside[3] <= box[3]:
                return [_Read(w.text, w.box, w.confidence, 99) for w in words]
        return []

    return read_again


def test_a_figure_of_a_second_reading_stands_only_where_a_first_reading_agrees() -> None:
    first = [_Read("4.7%", (100, 10, 180, 40), 0.89, 1), _Read("knife", (200, 10, 280, 40), 1, 1),
             _Read(".7%", (130, 30, 134, 35), 0.99, 2), _Read("knife", (205, 12, 282, 40), 1, 2)]
    again = [_Read("4.7%", (100, 10, 182, 40), 0.99, 0), _Read("knife", (200, 10, 280, 40), 1, 0)]
    asked: list[Box] = []
    words = settled(first, _reader({(100, 10, 280, 40): again}, asked), frozenset(), SETTINGS)
    assert [(w.text, w.confidence) for w in words] == [("4.7%", 0.99), ("knife", 1)]
    assert len(asked) == 1
    lying = [_Read("4.1%", (100, 10, 182, 40), 0.99, 0), _Read("knife", (200, 10, 280, 40), 1, 0)]
    words = settled(first, _reader({(100, 10, 280, 40): lying}, []), frozenset(), SETTINGS)
    assert [(w.text, w.confidence) for w in words] == [("4.1%", 0.0), ("knife", 1)]


def test_a_stretch_that_cannot_be_read_again_keeps_agreeing_words_once_and_doubts_the_rest(
        ) -> None:
    first = [_Read("4.7%", (100, 10, 180, 40), 0.99, 1), _Read("knife", (200, 10, 280, 40), 1, 1),
             _Read("4.1%", (102, 11, 181, 40), 0.99, 2), _Read("knife", (205, 12, 282, 40), 1, 2)]
    words = settled(first, _reader({}, []), frozenset(), SETTINGS)
    assert sorted((w.text, w.confidence) for w in words) == [
        ("4.1%", 0.0), ("4.7%", 0.0), ("knife", 1)]


def test_only_a_lone_unsure_word_without_figures_marks_or_shapes_is_read_again() -> None:
    ward = _Read("Ee", (100, 10, 180, 40), 0.90, 1)
    figure = _Read("4.7%", (300, 10, 380, 40), 0.85, 1)
    mark = _Read("Yos", (500, 10, 560, 40), 0.70, 1)
    disc = _Read("Oo", (600, 10, 630, 40), 0.80, 1)
    sure = _Read("Priorities", (700, 10, 900, 40), 0.99, 1)
    said = {ward.box: [_Read("Ward", ward.box, 0.96, 0)],
            figure.box: [_Read("4.1%", figure.box, 0.99, 0)],
            mark.box: [_Read("Yes", mark.box, 0.99, 0)],
            disc.box: [_Read("O", disc.box, 0.99, 0)]}
    asked: list[Box] = []
    words = settled([ward, figure, mark, disc, sure], _reader(said, asked), frozenset("Oo"),
                    SETTINGS)
    assert [w.text for w in words] == ["4.7%", "Yos", "Oo", "Priorities", "Ward"]
    # the figure, the shape and the sure word are not read again; 'Yos' is, but its second
    # reading says a mark word ('Yes'), which a second reading never settles alone
    assert asked == [(94, 4, 186, 46), (494, 4, 566, 46)]


def test_a_figure_read_otherwise_on_its_own_is_doubted() -> None:
    """Class: a figure misread in its line's context (a JPEG of quality 30: '-1.8%' for
    '-7.8%' at 0.92, '-7.8%' read alone); a minus sign spelt otherwise is the same figure."""
    words = [_Read("\u2014-1.8%", (100, 10, 180, 40), 0.92, 1), _Read("-187", (200, 10, 260, 40),
                                                                     0.99, 1),
             _Read("Robbery", (10, 10, 90, 40), 0.99, 1)]
    alone = {(94, 4, 186, 46): "-7.8%", (194, 4, 266, 46): "\u2212187"}
    asked: list[list[Box]] = []

    def read_alone(boxes: list[Box]) -> list[AloneReading]:
        asked.append(boxes)
        return [AloneReading(alone[box], 0.99) for box in boxes]

    checked = figures_checked(words, read_alone, SETTINGS)
    assert [(w.text, w.confidence) for w in checked] == [
        ("\u2014-1.8%", 0.0), ("-187", 0.99), ("Robbery", 0.99)]
    assert asked == [[(94, 4, 186, 46), (194, 4, 266, 46)]]  # figures only


def test_a_decimal_comma_read_alone_is_the_same_figure_and_a_thousands_comma_is_not() -> None:
    """Class: read alone, the engine gave '+4,9%' for the '+4.9%' it read in its line (the
    2009/10 leaflet at 300 dpi, refused at every damage for it). A comma with one or two digits
    after it can only be a decimal point; with three it may be a thousands separator, another
    value, so it stays a doubt; and a first reading with a comma (what would be loaded) is
    never excused by a second one."""
    words = [_Read("+4.9%", (100, 10, 180, 40), 0.95, 1),
             _Read("1.500", (200, 10, 260, 40), 0.95, 1),
             _Read("12,5%", (300, 10, 360, 40), 0.95, 1)]
    alone = {(94, 4, 186, 46): "+4,9%", (194, 4, 266, 46): "1,500", (294, 4, 366, 46): "12,5%"}
    checked = figures_checked(words, lambda boxes: [AloneReading(alone[box], 0.99)
                                                    for box in boxes], SETTINGS)
    assert [(w.text, w.confidence) for w in checked] == [
        ("+4.9%", 0.95), ("1.500", 0.0), ("12,5%", 0.0)]


def test_a_minus_the_line_reading_left_out_is_taken_from_the_reading_alone_only_with_its_ink(
        ) -> None:
    """Class: a minus merged into the first digit in the line reading ('4.3%' at 0.83 for
    '\u22124.3%' on a page straightened from 0.34 degrees; `tests/test_ocr_sign.py` reads the
    page). The reading alone gives the sign only when it differs by that sign alone, is sure
    of it, and the page's ink holds a minus where it read the dash (`minus_at`)."""
    dash = (100, 22, 117, 25)
    bar = (100, 22, 116, 25)
    inked: list[tuple[str, Box]] = []

    def minus_at(word: _Read, sign: Box) -> Box | None:
        inked.append((word.text, sign))
        return bar if sign == dash else None

    def checked(first: str, alone: AloneReading) -> tuple[str, Box, float]:
        word = _Read(first, (100, 10, 180, 40), 0.83, 1)
        [word] = figures_checked([word], lambda boxes: [alone], SETTINGS, minus_at)
        return word.text, word.box, word.confidence

    assert checked("4.3%", AloneReading("\u20144.3%", 0.93, dash)) == (
        "\u22124.3%", (100, 10, 180, 40), 0.83)
    assert checked("4.3%", AloneReading("-4.3%", 0.95, dash))[0] == "\u22124.3%"
    assert inked == [("4.3%", dash), ("4.3%", dash)]
    inked.clear()
    doubted = [
        checked("4.3%", AloneReading("\u20144.3%", 0.85, dash)),  # the reading alone unsure
        checked("4.3%", AloneReading("\u20144.8%", 0.99, dash)),  # a digit differs too
        checked("4.3", AloneReading("\u20144.3%", 0.99, dash)),  # so does the percent
        checked("+4.3%", AloneReading("\u20144.3%", 0.99, dash)),  # a sign read otherwise
        checked("4.3%", AloneReading("\u20144.3%", 0.99, None)),  # no dash glyph found
        checked("4.3%", AloneReading("\u20144.3%", 0.99, (60, 22, 70, 25))),  # no minus ink
    ]
    assert [confidence for _text, _box, confidence in doubted] == [0.0] * 6
    assert [text for text, _box, _confidence in doubted] == [
        "4.3%", "4.3%", "4.3", "+4.3%", "4.3%", "4.3%"]
    assert inked == [("4.3%", (60, 22, 70, 25))]  # the ink asked only when all else agrees
    # the sign's ink outside the line reading's box becomes the figure's
    word = _Read("4.3%", (120, 10, 180, 40), 0.9, 1)
    [word] = figures_checked([word], lambda boxes: [AloneReading("-4.3%", 0.95, dash)],
                             SETTINGS, minus_at)
    assert (word.text, word.box) == ("\u22124.3%", (100, 10, 180, 40))
    # with no ink to look at, nothing is borrowed
    word = _Read("4.3%", (100, 10, 180, 40), 0.9, 1)
    [word] = figures_checked([word], lambda boxes: [AloneReading("-4.3%", 0.95, dash)],
                             SETTINGS)
    assert (word.text, word.confidence) == ("4.3%", 0.0)


def test_dashes_after_a_figure_s_opening_bracket_are_one_minus() -> None:
    """Class: the 2008/09 edition prints a fall's percentage in brackets, '(\u22126.6%)'; the
    engine read it '(-\u20146.6%)' (the generated 2008/09 Southwark leaflet, refused at 300 dpi
    clean and skewed as 'not a percentage'). A dash anywhere else is left as read."""
    assert normalised("(-\u20146.6%)") == "(\u22126.6%)"
    assert normalised("\u2014-6.6%") == "\u22126.6%"
    assert [normalised(text) for text in ("a-\u20144", "((-4", "4-5", "(-)")] == [
        "a-\u20144", "((-4", "4-5", "(-)"]
    words = [_Read("(-\u20146.6%)", (100, 10, 180, 40), 0.92, 1)]
    [word] = figures_checked(words, lambda boxes: [AloneReading("(\u20146.6%)", 0.95)],
                             SETTINGS)
    assert word.confidence == 0.92  # the same figure, read alone


def test_a_sliver_of_a_lines_tops_wider_than_any_word_under_it_is_read_with_its_line() -> None:
    line = [_Read("5.4%", (153, 595, 243, 624), 0.99, 1),
            _Read("reduction", (260, 594, 432, 624), 0.99, 1),
            _Read("in", (450, 602, 478, 623), 0.99, 1)]
    sliver = _Read("\u2014\u2014-", (381, 594, 454, 598), 0.79, 2)
    again = [_Read("5.4%", (153, 595, 243, 624), 0.99, 0),
             _Read("reduction", (260, 594, 432, 624), 0.99, 0),
             _Read("in", (450, 602, 478, 623), 0.99, 0)]
    asked: list[Box] = []
    words = settled([*line, sliver], _reader({(153, 594, 478, 624): again}, asked),
                    frozenset(), SETTINGS)
    assert [w.text for w in words] == ["5.4%", "reduction", "in"]
    assert len(asked) == 1
    # a sign in the middle of a line's band is no sliver of it: nothing is read again
    minus = _Read("\u2212", (140, 607, 150, 611), 0.95, 3)
    asked = []
    words = settled([*line, minus], _reader({(153, 594, 478, 624): again}, asked),
                    frozenset(), SETTINGS)
    assert [w.text for w in words] == ["5.4%", "reduction", "in", "\u2212"]
    assert asked == []


def test_ink_left_unread_is_read_on_its_own_and_kept_only_when_sure() -> None:
    yes = (1023, 1343, 1075, 1366)
    no = (1023, 1413, 1061, 1436)
    speck = (900, 1300, 905, 1304)
    specks = (700, 1343, 730, 1366)  # a photocopy's specks, read as punctuation surely
    eight = (821, 1375, 838, 1398)  # a lone digit ('8' on the generated 2007/08 Hackney)
    said = {yes: [_Read("Yes", yes, 0.97, 0)], no: [_Read("Na", no, 0.62, 0)],
            specks: [_Read("()", specks, 0.93, 0)],
            eight: [_Read("8", (827, 1375, 836, 1398), 0.99, 0)]}
    asked: list[Box] = []
    found = unread_read([yes, no, speck, specks, eight], 30.0, _reader(said, asked), SETTINGS)
    # the engine's box of the lone digit, 9 of its 17 pixels, takes in the ink it was read from
    assert [(w.text, w.confidence, w.box) for w in found] == [("Yes", 0.97, yes),
                                                             ("8", 0.99, eight)]
    assert asked == [(1017, 1337, 1081, 1372), (1017, 1407, 1067, 1442),
                     (694, 1337, 736, 1372), (815, 1369, 844, 1404)]  # not the speck
    # a speckled page (more word-sized blobs than the setting allows) is left as it is
    many = [(10 * i, 0, 10 * i + 20, 25) for i in range(40)]
    asked = []
    assert unread_read(many, 30.0, _reader({}, asked), SETTINGS) == []
    assert asked == []


def test_unread_glyphs_a_letter_s_gap_apart_are_read_as_one_word() -> None:
    """Class: a figure the page's reading left out falls into a blob a glyph ('+42' of the
    generated 2007/08 Hackney leaflet: '+', '4', '2' were read '4:' and '2', and the '+',
    too low for a word, stayed unread). Blobs of one line a glyph's gap apart are read
    together; a word space apart, each by itself."""
    plus, four, two = (829, 1453, 841, 1466), (845, 1448, 859, 1471), (863, 1448, 877, 1471)
    word = (829, 1448, 877, 1471)
    apart = (900, 1448, 914, 1471)  # 23 pixels on: a word space for 30-pixel type
    said = {word: [_Read("+42", (831, 1448, 876, 1471), 0.99, 0)],
            apart: [_Read("7", apart, 0.99, 0)]}
    asked: list[Box] = []
    found = unread_read([plus, four, two, apart], 30.0, _reader(said, asked), SETTINGS)
    assert [(w.text, w.box) for w in found] == [("+42", word), ("7", apart)]
    assert asked == [(823, 1442, 883, 1477), (894, 1442, 920, 1477)]


def test_dashes_in_a_box_as_tall_as_letters_are_read_again_and_only_words_replace_them() -> None:
    """Class: a bold 'Ward' on a speckled header band read '——' at 0.85 (no dash's box is as
    tall as letters); a second reading replaces it only with a word without figures or signs."""
    ward = _Read("\u2014\u2014", (1285, 407, 1369, 430), 0.85, 1)
    minus = _Read("\u2014", (100, 417, 120, 421), 0.85, 1)  # a dash's own height: left alone
    asked: list[Box] = []
    said = {ward.box: [_Read("Ward", ward.box, 0.96, 0)]}
    words = settled([ward, minus], _reader(said, asked), frozenset(), SETTINGS)
    assert sorted(w.text for w in words) == ["Ward", "\u2014"]
    assert asked == [(1279, 401, 1375, 436)]
    figure = {ward.box: [_Read("-3.3%", ward.box, 0.99, 0)]}
    words = settled([ward], _reader(figure, []), frozenset(), SETTINGS)
    assert [w.text for w in words] == ["\u2014\u2014"]
