"""Leaflets a person reads without a thought load exactly their truth (issue 16, classes 1-6).

Each class of page convention other producers print (`page_classes`): column headings over
the table, a row marked twice in agreement, page numbers, running headers and footers, a
browser's margins, a stamp across the table, headings in faces whose name does not say 'Bold'
(or set apart by size, colour, stroke or space only). The text set aside is recorded with its
role, not dropped unseen; and what could change a figure is still refused, naming the words.
"""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest
from conftest import FIXTURES, load_golden
from page_classes import CLASSES, build
from PIL import Image
from reportlab.pdfgen.canvas import Canvas
from test_golden import _differences

from extractors import InconsistentDocument, extract_document
from extractors.layout import Leaflet
from extractors.page_roles import ROLE_COLOURS
from pdfpage.roles import Role, RoledWord
from pdfpage.settings import PageSettings
from pdfpage.words import unshifted_letter, without_overprint, words_of_chars
from pipeline.debug import draw_pages

GOLDEN = load_golden(FIXTURES / "golden" / "2009-10" / "barnet.json")


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_class_loads_exactly_its_truth(name: str) -> None:
    got = extract_document(build(name)).model_dump(mode="json")
    assert _differences(GOLDEN.model_dump(mode="json"), got) == []


def _roles(name: str, page: int) -> list[tuple[str, Role, str]]:
    with pdfplumber.open(io.BytesIO(build(name))) as pdf:
        return [(r.word.text, r.role, r.why) for r in Leaflet(pdf).roles(page)]


def test_page_numbers_and_running_lines_are_furniture() -> None:
    assert _roles("page-number-lone", 3) == [("3", Role.furniture, "a page number")]
    assert _roles("page-number-n-of-m", 3) == [
        ("3", Role.furniture, "a page number"), ("of", Role.furniture, "a page number"),
        ("4", Role.furniture, "a page number")]  # page 3's stands under the table
    assert _roles("page-number-n-of-m", 2) == [
        (text, Role.furniture, "repeated on page 1, 4") for text in ("2", "of", "4")]
    running = _roles("running-header-footer", 2)
    assert {text for text, _, _ in running} == {
        "Local", "Policing", "Summary", "Barnet", "2009/10", "Metropolitan", "Police",
        "Authority", "2", "of", "4"}
    assert ("Metropolitan", Role.furniture, "repeated on page 1, 3, 4") in running
    browser = _roles("browser-print-margins", 4)
    assert ("http://www.mpa.gov.uk/downloads/lps/2009-10/barnet.pdf", Role.furniture,
            "repeated on page 1, 2, 3") in browser


def test_a_stamp_is_recorded_as_a_stamp() -> None:
    assert _roles("stamp-diagonal", 3) == [
        ("ARCHIVE", Role.stamp, "set on a slant or see-through"),
        ("COPY", Role.stamp, "set on a slant or see-through")]


def test_marks_that_disagree_are_refused() -> None:
    with pytest.raises(InconsistentDocument) as refused:
        extract_document(build("marks-disagree"))
    assert "row 'Theft from vehicles': marks that disagree (Target achieved, No)" in str(
        refused.value)


def test_a_stamp_that_carries_a_figure_across_the_rows_is_refused() -> None:
    with pytest.raises(InconsistentDocument) as refused:
        extract_document(build("stamp-with-a-figure"))
    assert str(refused.value) == (
        "the performance table's rows are crossed by text set aside as no part of them that "
        "carries a number or a mark: '12%' (stamp: set on a slant or see-through); whether it "
        "belongs to a row cannot be told, so nothing is loaded [template mpa-2010, page 3]")


def test_a_numbered_line_just_above_the_rows_is_refused() -> None:
    with pytest.raises(InconsistentDocument) as refused:
        extract_document(build("numbered-line-above-rows"))
    assert str(refused.value) == (
        "performance table 'How did Barnet perform during 2009/10?': text of no known role in "
        "the table (no label, figure or mark of a row, nor a column heading): 'Crime type (7 "
        "measures)' [template mpa-2010, page 3]")


def _filled(image: Image.Image, word: RoledWord, colour: tuple[int, int, int]) -> bool:
    """Whether the word's box is outlined in `colour` on the picture (its left edge)."""
    scale = 110 / 72
    y = round(word.word.middle * scale)
    return any(sum(abs(a - b) for a, b in zip(image.getpixel((round(word.word.x0 * scale) + dx,
                                                                y))[:3], colour, strict=True)) < 40
               for dx in range(-2, 3))


def test_debug_colours_each_word_by_its_role_and_names_the_refusal(tmp_path: Path) -> None:
    data = build("stamp-with-a-figure")
    [path] = draw_pages(data, tmp_path, [3], stem="stamped")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        [stamp] = Leaflet(pdf).roles(3)
    with Image.open(path) as drawn:
        image = drawn.convert("RGB")
    assert stamp.role is Role.stamp and _filled(image, stamp, ROLE_COLOURS[Role.stamp])
    legend = image.crop((image.width - 110, 0, image.width, 130))
    assert {colour for _, colour in legend.getcolors(100_000) or []} >= set(
        ROLE_COLOURS.values())
    foot = image.crop((0, image.height - 40, image.width, image.height))
    reddish = sum(n for n, (r, g, b) in foot.getcolors(100_000) or [] if r > 150 and g < 80
                  and b < 80)
    assert reddish > 200  # the refusal, written at the foot of the page it names


@pytest.mark.parametrize(("name", "why"), [
    ("mark-level-with-two-rows", "a figure or mark on page 3 stands level with two rows, "
     "'Residential burglary' and 'Total robbery'"),
    ("mark-across-two-rows", "the mark 'Target achieved' on page 3 stands across two rows, "
     "'Total robbery' and 'Residential burglary'"),
])
def test_a_mark_across_two_rows_is_refused(name: str, why: str) -> None:
    """Two marks of a row agree only when each stands in that row alone: a mark reaching into
    another row could be that row's, and reading it for one would turn the other to False."""
    with pytest.raises(InconsistentDocument) as refused:
        extract_document(build(name))
    assert str(refused.value) == (f"performance table 'How did Barnet perform during 2009/10?': "
                                  f"{why} [template mpa-2010, page 3]")


def test_a_glyph_printed_twice_to_fake_bold_is_read_once() -> None:
    def char(text: str, x0: float) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x0 + 5, "top": 10.0, "bottom": 19.0,
                "doctop": 10.0, "upright": True, "fontname": "F", "size": 9.0}

    printed = [char("L", 10), char("L", 10.4), char("o", 15), char("o", 15.4), char("o", 20)]
    assert [c["text"] for c in without_overprint(printed, PageSettings())] == ["L", "o", "o"]


def test_ligatures_a_redistiller_mapped_into_cjk_read_as_their_letters() -> None:
    def char(text: str, x0: float) -> dict[str, object]:
        return {"text": text, "x0": x0, "x1": x0 + 5, "top": 10.0, "bottom": 19.0,
                "doctop": 10.0, "upright": True, "fontname": "F", "size": 9.0}

    word = "o\u6600\u6600ences Priori\u7400\u6900es \u6600\u6600"  # the last is no Latin word
    chars = [char(text, 10.0 + 5 * n if text != " " else 0) for n, text in enumerate(word)]
    chars = [c for c in chars if c["text"] != " "]
    for c in chars[8:]:
        c["x0"], c["x1"] = float(c["x0"]) + 20, float(c["x1"]) + 20
    for c in chars[18:]:
        c["x0"], c["x1"] = float(c["x0"]) + 20, float(c["x1"]) + 20
    assert [w.text for w in words_of_chars(chars, PageSettings())] == [
        "offences", "Priorities", "\u6600\u6600"]


def test_text_a_redistiller_wrote_with_rounding_in_its_matrix_reads_upright() -> None:
    """Ghostscript writes 1e-08 for a zero skew, and glyph sizes that differ in the ninth
    decimal: the words are still upright and whole."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(300, 200))
    text = canvas.beginText()
    text.setTextTransform(1, 1e-8, 1e-8, 1, 40, 100)
    for n, letter in enumerate("Local Policing"):
        text.setFont("Helvetica", 23.1 + n * 1e-8)
        text.textOut(letter)
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    with pdfplumber.open(io.BytesIO(out.getvalue())) as pdf:
        assert [line.text for line in Leaflet(pdf).page(1)] == ["Local Policing"]


def test_a_ligature_letter_a_re_distiller_shifted_reads_as_its_letter_and_nothing_else() -> None:
    """Ghostscript writes Chromium's 'ff' and 'ti' ligatures' letters into the high byte of a
    code point ('昀' U+6600 is 'f', '琀' U+7400 is 't'); the same mapping serves the words and a
    check of the words against PDFium's own reading of the text layer (issue 16)."""
    assert [unshifted_letter(c) for c in "昀琀椀f7%中"] == ["f", "t", "i", "f", "7", "%", "中"]
