"""Extractor building blocks as plain functions, on hand-made words and bytes (no PDF needed)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from extractors.crosscheck import find_mentions
from extractors.errors import InconsistentDocument, UnreadableDocument
from extractors.layout import Line, Word, page_lines
from extractors.mpa_2010 import TEMPLATE as MPA_2010
from extractors.performance import ChangeTable, sign_from_message
from extractors.priorities import read_priorities
from extractors.reader import open_pdf, sniff
from extractors.sections import split_sections, text_of
from extractors.stream import stream_of
from extractors.table import ReadRow, TableError, read_table
from pdfpage.lines import pieces
from pdfpage.settings import PageSettings
from schemas.measures import Measure

VOCABULARY = MPA_2010.table.vocabulary if isinstance(MPA_2010.table, ChangeTable) else None


def _line(text: str, x: float, top: float, *, page: int = 1, column: str = "c",
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
    return Line(1, "c", tuple(words))


def _rows(lines: list[Line]) -> list[tuple[str, str, str, bool | None]]:
    assert VOCABULARY is not None
    table = read_table(lines, {}, VOCABULARY, PageSettings())
    return [(r.label, r.cell, r.mark, r.achieved) for r in table.rows]


def test_wrapped_labels_cells_and_marks_make_one_row_each() -> None:
    lines = [
        _cells(100, (40, "Residential"), (140, "432 offences or")),
        _cells(111, (40, "burglary"), (140, "+16.6%")),
        _cells(128, (40, "Theft or taking"), (140, "172 offences or"), (240, "Target")),
        _cells(139, (40, "of vehicles"), (140, "\u221217.1%"), (240, "achieved")),
        _cells(156, (40, "Gun crime"), (140, "12 offences or +12.4%")),
    ]
    assert _rows(lines) == [
        ("Residential burglary", "432 offences or +16.6%", "", False),
        ("Theft or taking of vehicles", "172 offences or \u221217.1%", "Target achieved", True),
        ("Gun crime", "12 offences or +12.4%", "", False),
    ]


def test_drawing_order_does_not_matter() -> None:
    """Labels first, then values, then marks (the real leaflet's content stream): same rows."""
    rows = [(100, "Total robbery", "73 offences or +8.2%", ""),
            (117, "Theft from vehicles", "\u2212427 offences or \u221212.5%", "Target achieved")]
    by_row = [_cells(top, (40, label), (140, cell), *([(240, mark)] if mark else []))
              for top, label, cell, mark in rows]
    words = [word for line in by_row for word in line.words]
    by_column = [Line(1, "c", tuple(w for w in words if low <= w.x0 < high))
                 for low, high in ((0, 140), (140, 240), (240, 999))]
    assert _rows(by_column) == _rows(by_row)
    assert _rows(by_row)[1] == ("Theft from vehicles", "\u2212427 offences or \u221212.5%",
                                "Target achieved", True)


def test_yes_no_marks_need_a_mark_on_every_row() -> None:
    lines = [_cells(100, (40, "Knife crime"), (140, "65 offences or +19.1%"), (240, "No")),
             _cells(117, (40, "Gun crime"), (140, "\u221212 offences or \u221212.4%"))]
    with pytest.raises(TableError, match="row 'Gun crime': no mark, where other rows print one"):
        _rows(lines)


def test_a_table_with_no_mark_at_all_leaves_achieved_unread() -> None:
    lines = [_cells(100, (40, "Knife crime"), (140, "65 offences or +19.1%"))]
    assert _rows(lines) == [("Knife crime", "65 offences or +19.1%", "", None)]


def test_text_inside_the_table_that_is_no_row_refuses_it() -> None:
    lines = [_cells(100, (40, "Knife crime"), (140, "65 offences or +19.1%")),
             _cells(117, (40, "Dog fouling"), (140, "\u221240 offences or \u22122.0%")),
             _cells(134, (40, "Gun crime"), (140, "12 offences or +12.4%"))]
    with pytest.raises(TableError, match="stands beside no known row label"):
        _rows(lines)


def test_text_far_below_the_table_is_not_part_of_it() -> None:
    lines = [_cells(100, (40, "Knife crime"), (140, "65 offences or +19.1%")),
             _cells(200, (40, "Footnote: figures provisional"))]
    assert [row[0] for row in _rows(lines)] == ["Knife crime"]


def test_a_figure_level_with_two_rows_is_refused() -> None:
    lines = [_cells(100, (40, "Knife crime")), _cells(109, (40, "Gun crime")),
             _cells(104.5, (140, "65 offences or +19.1%"))]
    with pytest.raises(TableError):
        _rows(lines)


def _row(label: str, cell: str) -> ReadRow:
    return ReadRow(label, cell, "", False, 3, ())


def test_unsigned_fall_takes_its_sign_only_from_agreeing_mentions() -> None:
    row = _row("Theft from vehicles", "427 offences or 12.5%")
    mentions = [m for m in find_mentions("We saw 427 fewer car break ins (12.5% reduction).")
                if m.measure is Measure.theft_from_vehicles]
    assert sign_from_message(row, mentions, None, 427, 12.5, "t") == -1
    assert sign_from_message(row, [], None, 427, 12.5, "t") is None


def test_mentions_that_disagree_with_each_other_refuse_the_document() -> None:
    row = _row("Theft from vehicles", "427 offences or 12.5%")
    mentions = find_mentions("There were 427 fewer car break ins. Later: 427 more car break ins.")
    with pytest.raises(InconsistentDocument, match="both as a rise and as a fall"):
        sign_from_message(row, mentions, None, 427, 12.5, "mpa-2010")


def test_message_contradicting_the_table_refuses_the_document() -> None:
    row = _row("Theft from vehicles", "+427 offences or +12.5%")
    with pytest.raises(InconsistentDocument) as caught:
        sign_from_message(row, find_mentions("There were 427 fewer car break ins."), 1, 427,
                          12.5, "mpa-2010")
    assert str(caught.value) == (
        "the commander's message says '427 fewer car break ins' but the performance table "
        "gives +427 offences (+427 offences or +12.5%) for 'Theft from vehicles' "
        "[template mpa-2010, page 3]"
    )


def _priorities(*lines: Line) -> list[tuple[str, Measure | None, float | None]]:
    found = read_priorities(list(lines), MPA_2010.priorities, "2010/11", template="mpa-2010")
    return [(p.label, p.measure, p.target_change_pct) for p in found]


def test_priorities_two_to_a_line_wrapped_and_without_a_figure() -> None:
    assert _priorities(
        _line("Priorities for 2010/11", 40, 90, bold=True),
        _line("2.6% reduction in serious acquisitive crime", 40, 100),
        _line("1.0% reduction in most serious violence, 3.0% reduction in serious", 40, 111),
        _line("youth violence", 40, 122),
        _line("challenging targets for sanction detection rates across specific", 40, 133),
        _line("crime types.", 40, 144),
    ) == [
        ("2.6% reduction in serious acquisitive crime", Measure.serious_acquisitive_crime, -2.6),
        ("1.0% reduction in most serious violence", Measure.most_serious_violence, -1.0),
        ("3.0% reduction in serious youth violence", Measure.serious_youth_violence, -3.0),
        ("challenging targets for sanction detection rates across specific crime types",
         Measure.sanction_detections, None),
    ]


def test_priorities_after_bullets_and_numbers() -> None:
    assert [label for label, _, _ in _priorities(
        _line("Priorities for 2010/11", 40, 90, bold=True),
        _line("1. 5.0% reduction in gun crime 2. 5.5% reduction in knife crime", 40, 100),
        _line("\u2022 2.6% reduction in serious acquisitive crime", 40, 111),
    )] == ["5.0% reduction in gun crime", "5.5% reduction in knife crime",
           "2.6% reduction in serious acquisitive crime"]


def test_a_priority_naming_two_measures_is_refused_not_guessed() -> None:
    with pytest.raises(InconsistentDocument, match="names no single measure"):
        _priorities(_line("Priorities for 2010/11", 40, 90, bold=True),
                    _line("2.0% reduction in gun crime and knife crime", 40, 100))


def test_stream_turns_markers_into_breaks_and_keeps_pages() -> None:
    stream = stream_of([_line("\u2022 first item", 40, 100, page=2),
                        _line("3) third", 40, 111, page=3)])
    assert stream.text == "| first item | third"
    assert stream.page_at(stream.text.index("third")) == 3
    assert stream.starts_line(stream.text.index("third"))


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
    preamble, sections = split_sections(lines, patterns, PageSettings())
    assert preamble == ()
    assert [(s.name, s.heading) for s in sections] == [
        ("info", "Barnet: local information"),
        ("message", "Message from Borough Commander Neil Basu"),
    ]
    assert sections[1].match.group("name") == "Neil Basu"
    assert text_of(sections[1].lines) == "In a challenging year Highlights Burglary fell."


def test_a_heading_open_at_its_end_does_not_swallow_the_heading_set_under_it() -> None:
    """LibreOffice Calc sets the title, the borough and the first heading in one face, one
    under the other: 'Local Policing Summary <rest>' must not take 'A message from ...' as
    its rest (issue 16, class fixtures column-headings-calc-continued and
    page-numbers-calc-sheet-header)."""
    lines = [_line(text, 46, top, bold=True, size=13.8) for text, top in (
        ("Local Policing Summary", 106), ("Waltham Forest", 127),
        ("A message from Kit Malthouse", 149))] + [_line("When Boris was elected", 46, 167)]
    _, sections = split_sections(lines, MPA_2010.patterns, PageSettings())
    assert [(s.name, s.heading) for s in sections] == [
        ("title", "Local Policing Summary Waltham Forest"),
        ("chair_message", "A message from Kit Malthouse")]
    assert text_of(sections[1].lines) == "When Boris was elected"


def test_a_word_the_typesetter_hyphenated_over_two_lines_is_joined_whole() -> None:
    """The typesetter's hyphen (U+2010) at a line's end, the next line going on in lower case,
    is no part of the word; a hyphen-minus a compound is written with stays (issue 16, class
    fixture justified-hyphenated)."""
    lines = [_line("officers togeth\u2010", 40, 100), _line("er every week, re \u2010", 40, 111),
             _line("cently anti-", 40, 122), _line("social and Safer \u2010", 40, 133),
             _line("Neighbourhoods", 40, 144)]
    assert text_of(lines) == ("officers together every week, recently anti- social and Safer "
                              "\u2010 Neighbourhoods")


def test_text_of_joins_a_web_address_broken_over_three_lines() -> None:
    """The address's start ('www.') is two lines up when its third piece is joined: the whole
    last word of the text decides, not the last line alone."""
    lines = [_line("see www.met.", 40, 100), _line("police-", 40, 115), _line("uk/ today", 40, 130)]
    assert text_of(lines) == "see www.met.police-uk/ today"
    assert text_of([_line("a year 2010-", 40, 100), _line("11 of it", 40, 115)]) == (
        "a year 2010-11 of it")
    assert text_of([_line("police-", 40, 100), _line("uk/ x", 40, 115)]) == "police- uk/ x"


def test_page_lines_find_columns_from_the_words() -> None:
    """A full-width title, then three columns of five lines each: read column by column."""
    words = [*_line("Local Policing Summary Kensington and Chelsea", 40, 40, size=24).words]
    for column, x in enumerate((40, 230, 420)):
        for row in range(5):
            words.extend(_line(f"column {column} line {row}", x, 100 + 12 * row).words)
    lines = page_lines(words, 1, PageSettings())
    assert [line.text for line in lines] == [
        "Local Policing Summary Kensington and Chelsea",
        *(f"column {column} line {row}" for column in range(3) for row in range(5)),
    ]
    assert len({line.column for line in lines}) == 4


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


def test_a_priority_read_before_its_lists_heading_is_refused_not_dropped() -> None:
    """Reading order that puts an item above 'Priorities for 2010/11' must not lose it."""
    with pytest.raises(InconsistentDocument, match="stands before the heading"):
        _priorities(_line("3. 4.4% reduction in residential burglary", 40, 80),
                    _line("Priorities for 2010/11", 40, 90, bold=True),
                    _line("1. 5.0% reduction in gun crime", 40, 100))


def test_a_glyph_with_no_character_beside_mark_words_is_part_of_the_mark() -> None:
    lines = [
        _cells(100, (40, "Robbery"), (140, "73 offences or +8.2%"), (240, "\x00 Target achieved")),
        _cells(117, (40, "Gun crime"), (140, "12 offences or +12.4%")),
    ]
    assert _rows(lines) == [("Robbery", "73 offences or +8.2%", "Target achieved", True),
                            ("Gun crime", "12 offences or +12.4%", "", False)]
    alone = [*lines[:1], _cells(117, (40, "Gun crime"), (140, "12 offences or +12.4%"),
                                (240, "\x00"))]
    with pytest.raises(TableError, match="text of no known role in the table"):
        _rows(alone)  # a glyph no words explain is not read as a mark


def test_a_justified_heading_over_a_table_is_read_as_one_line() -> None:
    """LibreOffice Writer justifies a wrapped heading ('How did Kingston  upon  Thames  perform
    during' spread over the column, '2009/10?' under it) above a table whose cell gaps fall
    under its wide spaces: the heading's evenly spread gaps are no gutters (issue 16,
    clean-room 0060). A table row's unequal gaps still cut it into cells."""
    heading = []
    x = 51.0
    for text in ("How", "did", "Kingston", "upon", "Thames", "perform", "during"):
        width = len(text) * 9.9
        heading.append(Word(text, x, x + width, 372.7, 390.7, 18.0, True))
        x += width + 16.0
    words = [*heading, Word("2009/10?", 51.0, 128.7, 400.6, 418.6, 18.0, True)]
    for number, label in enumerate(("Burglary", "Robbery", "Knife crime", "Gun crime")):
        top = 434.0 + 17 * number
        words += [*_line(label, 53, top).words, *_line("252 offences or −8.0%", 160, top).words]
        if number % 2 == 0:
            words += _line("✓ Target achieved", 267, top).words
    lines = page_lines(words, 3, PageSettings())
    assert [line.text for line in lines[:2]] == [
        "How did Kingston upon Thames perform during", "2009/10?"]
    _, sections = split_sections(lines, MPA_2010.patterns, PageSettings())
    assert [(s.name, s.match.group("area")) for s in sections] == [
        ("performance", "Kingston upon Thames")]
    assert [len(piece) for piece in pieces(_cells(500, (53, "Knife crime"), (160, "7 offences"),
                                                   (267, "Target achieved")).words, 0.75,
                                                   PageSettings())] == [
        2, 2, 2]


def test_a_sign_drawn_with_a_glyph_its_font_gives_no_text_for_is_named_not_guessed() -> None:
    """Ghostscript re-distilling a ReportLab leaflet drops the minus sign from the font's
    ToUnicode map: pdfminer reads '(cid:2)2.1%'. Which sign the page shows only its pixels say,
    so the table is refused with that reason (issue 16, clean-room 0058, 0086, 0123), never
    read unsigned or as 'figures that cannot be read'."""
    lines = [_cells(100, (40, "Residential burglary"), (140, "78 offences or (cid:2)2.1%")),
             _cells(117, (40, "Robbery"), (140, "480 offences or (cid:2)31.0%")),
             _cells(134, (40, "Gun crime"), (140, "12 offences or +12.4%"))]
    with pytest.raises(TableError, match=re.escape(
            "2 figures on page 1 are drawn with a glyph their font gives no text for "
            "('(cid:2)2.1%': the font's ToUnicode map leaves it out")):
        _rows(lines)


def test_a_header_cell_read_without_its_space_still_starts_its_column() -> None:
    """Class: OCR of a 200 dpi scan reads the 2007/08 header cell '% change' as '%change'
    (the row is found by its text without spaces; its columns must be too)."""
    from extractors.grid import read_grid

    header = ("Crime type", "2006/07", "2007/08", "Change", "% change")
    for label in ("% change", "%change"):
        lines = [_cells(100, (20, "Crime type"), (120, "2006/07"), (160, "2007/08"),
                        (200, "Change"), (240, label)),
                 _cells(115, (20, "Robbery"), (120, "2,265"), (160, "2,087"), (200, "-178"),
                        (240, "-7.9%"))]
        rows = read_grid(lines, header, PageSettings())
        assert [row.cells for row in rows] == [
            ("Robbery", "2,265", "2,087", "-178", "-7.9%")]


def _read_by_ocr(line: Line) -> Line:
    return Line(line.page, line.column, tuple(
        dataclasses.replace(word, read_by="ocr", confidence=0.95) for word in line.words))


def test_two_grid_rows_ocr_ran_together_are_refused_naming_their_lines_never_merged() -> None:
    """Class: OCR placed the ward 'Colville' of the generated 2010/11 Kensington and Chelsea
    leaflet a line low (one glyph's box two lines deep), between its priorities and the next
    ward's row: the three lines came within a cell's padding, and the two wards read as one
    row, 'Colville Earl’s Court'. In rows OCR read, a row's label begins on its first line
    (the grids are set top-aligned), so a band whose label begins lower is refused; a label
    that wraps is one row."""
    from extractors.grid import GridError, read_grid

    header = ("Ward", "Priorities")
    head = _cells(100, (20, "Ward"), (120, "Priorities"))
    run_together = [head] + [_read_by_ocr(line) for line in (
        _cells(118, (120, "Graffiti; Street drinking")), _cells(125, (20, "Colville")),
        _cells(134, (20, "Earl’s Court"), (120, "Speeding vehicles; Drug dealing")))]
    with pytest.raises(GridError, match=re.escape(
            "the lines 'Graffiti; Street drinking' / 'Colville' / 'Earl’s Court Speeding "
            "vehicles; Drug dealing' are not one row as the page draws them (the label "
            "'Colville' begins below the row's first line 'Graffiti; Street drinking')")):
        read_grid(run_together, header, PageSettings())
    wrapped = [head] + [_read_by_ocr(line) for line in (
        _cells(118, (20, "Spitalfields and"), (120, "Begging; Robbery")),
        _cells(127, (20, "Banglatown")))]
    assert [row.cells for row in read_grid(wrapped, header, PageSettings())] == [
        ("Spitalfields and Banglatown", "Begging; Robbery")]


def test_a_label_set_in_the_middle_of_its_row_on_a_text_layer_is_one_row() -> None:
    """Cells aligned to their middle: the ward's name stands level with the second of its
    three lines of priorities. On a text layer the lines are where the producer set them, so
    the band is one row, as the page draws it (the OCR rule above is not applied)."""
    from extractors.grid import read_grid

    header = ("Ward", "Priorities")
    middle = [_cells(100, (20, "Ward"), (120, "Priorities")),
              _cells(118, (120, "Graffiti; Street")),
              _cells(127, (20, "Colville"), (120, "drinking; Burglary;")),
              _cells(136, (120, "Robbery"))]
    assert [row.cells for row in read_grid(middle, header, PageSettings())] == [
        ("Colville", "Graffiti; Street drinking; Burglary; Robbery")]
