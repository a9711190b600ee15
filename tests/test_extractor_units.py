"""Extractor building blocks as plain functions, on hand-made words and bytes (no PDF needed)."""

from __future__ import annotations

import re

import pytest

from extractors.errors import InconsistentDocument, UnreadableDocument
from extractors.layout import Line, Word, page_lines
from extractors.performance import mark_to_achieved, read_performance
from extractors.reader import open_pdf, sniff
from extractors.sections import list_items, split_sections, text_of
from extractors.table import read_change_table
from schemas.measures import Measure
from schemas.records import ReviewItem


def _line(text: str, x: float, top: float, *, page: int = 1, column: str = "left",
          bold: bool = False, size: float = 9.0) -> Line:
    """A line of words laid out from x with a 2.5 pt space, as a PDF producer would."""
    words = []
    for token in text.split():
        width = len(token) * size * 0.55
        words.append(Word(token, x, x + width, top, top + size, size, bold))
        x += width + 2.5
    return Line(page, column, tuple(words))


def _cells(top: float, *cells: tuple[float, str]) -> Line:
    words: list[Word] = []
    for x, text in cells:
        words.extend(_line(text, x, top).words)
    return Line(1, "left", tuple(words))


def test_wrapped_labels_cells_and_marks_make_one_row_each() -> None:
    lines = [
        _cells(100, (40, "Residential"), (140, "432 offences or")),
        _cells(111, (40, "burglary"), (140, "+16.6%")),
        _cells(128, (40, "Theft or taking"), (140, "172 offences or"), (240, "Target")),
        _cells(139, (40, "of vehicles"), (140, "\u221217.1%"), (240, "achieved")),
        _cells(156, (40, "Gun crime"), (140, "12 offences or +12.4%")),
    ]
    table = read_change_table(lines)
    assert [(r.label, r.cell, r.mark) for r in table.rows] == [
        ("Residential burglary", "432 offences or +16.6%", ""),
        ("Theft or taking of vehicles", "172 offences or \u221217.1%", "Target achieved"),
        ("Gun crime", "12 offences or +12.4%", ""),
    ]
    assert table.unread == []


def test_text_far_from_any_row_is_reported_not_dropped() -> None:
    lines = [_cells(100, (40, "Knife crime"), (140, "65 offences or +19.1%")),
             _cells(200, (40, "Footnote: figures provisional"))]
    table = read_change_table(lines)
    assert len(table.rows) == 1
    assert table.unread == [("Footnote: figures provisional", 1)]


def test_unsigned_fall_is_refused_unless_the_message_confirms_it() -> None:
    lines = [_cells(100, (40, "Theft from vehicles"), (140, "427 offences or 12.5%"))]
    review: list[ReviewItem] = []
    [row] = read_performance(lines, "", review, template="t")
    assert (row.change_count, row.change_pct) == (None, None)
    assert review == [ReviewItem(item="unsigned_figure",
                                 detail="Theft from vehicles: 427 offences or 12.5%", page=1)]
    review = []
    message = "We saw 427 fewer car break ins (12.5% reduction) this year."
    [row] = read_performance(lines, message, review, template="t")
    assert (row.measure, row.change_count, row.change_pct) == (
        Measure.theft_from_vehicles, -427, -12.5)
    assert review == []


def test_message_contradicting_the_table_refuses_the_document() -> None:
    lines = [_cells(100, (40, "Theft from vehicles"), (140, "+427 offences or +12.5%"))]
    with pytest.raises(InconsistentDocument) as caught:
        read_performance(lines, "There were 427 fewer car break ins.", [], template="mpa-2010")
    assert str(caught.value) == (
        "the commander's message says '427 fewer car break ins' but the performance table "
        "gives +427 offences (+427 offences or +12.5%) for 'Theft from vehicles' "
        "[template mpa-2010, page 1]"
    )


def test_unknown_label_is_kept_and_put_up_for_review() -> None:
    lines = [_cells(100, (40, "Criminal damage"), (140, "\u221240 offences or \u22122.0%"))]
    review: list[ReviewItem] = []
    [row] = read_performance(lines, "", review, template="t")
    assert (row.measure, row.label, row.change_count) == (None, "Criminal damage", -40)
    assert review == [ReviewItem(item="unknown_label", detail="Criminal damage", page=1)]


@pytest.mark.parametrize(("mark", "achieved"),
                         [("", False), ("Target achieved", True), ("Target  ACHIEVED", True),
                          ("Target missed?", None)])
def test_marks(mark: str, achieved: bool | None) -> None:
    assert mark_to_achieved(mark) is achieved


def test_stacked_headings_are_split_and_subheadings_stay_in_text() -> None:
    patterns = {
        "info": re.compile(r"(?P<area>.+): local information"),
        "message": re.compile(r"Message from Borough Commander (?P<name>.+)"),
    }
    lines = [
        _line("Barnet: local information", 40, 50, bold=True, size=13),
        _line("Message from Borough", 40, 66, bold=True, size=13),
        _line("Commander Neil Basu", 40, 81, bold=True, size=13),
        _line("In a challenging year", 40, 100),
        _line("Highlights", 40, 115, bold=True),
        _line("Burglary fell.", 40, 130),
    ]
    preamble, sections = split_sections(lines, patterns)
    assert preamble == ()
    assert [(s.name, s.heading) for s in sections] == [
        ("info", "Barnet: local information"),
        ("message", "Message from Borough Commander Neil Basu"),
    ]
    assert sections[1].match.group("name") == "Neil Basu"
    assert text_of(sections[1].lines) == "In a challenging year Highlights Burglary fell."


def test_list_items_follow_hanging_indents_and_stop_at_paragraphs() -> None:
    lines = [
        _line("• 2.6% reduction in serious", 40, 100),
        _line("acquisitive crime", 49, 111),
        _line("• 5.0% reduction in gun crime;", 40, 122),
        _line("However, some targets were not met.", 40, 133),
    ]
    assert list_items(lines) == [("2.6% reduction in serious acquisitive crime", 1),
                                 ("5.0% reduction in gun crime", 1)]


def test_page_lines_separate_columns_and_full_width_bands() -> None:
    words = [
        *_line("Local Policing Summary Kensington and Chelsea", 40, 40, size=24).words,
        *_line("Left column text", 40, 100).words,
        *_line("Right column text", 320, 100).words,
    ]
    lines = page_lines(words, 1, 595.0)
    assert [(line.column, line.text) for line in lines] == [
        ("full", "Local Policing Summary Kensington and Chelsea"),
        ("left", "Left column text"),
        ("right", "Right column text"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file (0 bytes): nothing to read; fetch the leaflet again"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>",
         "not a PDF: the file is an HTML page; find the PDF itself (a download may have saved "
         "an error page or an archive instead)"),
        (b"PK\x03\x04rest-of-zip",
         "not a PDF: the file is a ZIP archive (or an Office document); find the PDF itself "
         "(a download may have saved an error page or an archive instead)"),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n",
         "truncated PDF: the file (30 bytes) stops before its end-of-file marker; download it "
         "again"),
    ],
)
def test_unreadable_bytes_have_reasons_a_person_can_act_on(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableDocument) as caught, open_pdf(data):
        pass
    assert str(caught.value) == reason


def test_sniff_names_images() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "a PNG image"
    assert sniff(b"\xff\xd8\xff\xe0") == "a JPEG image"
