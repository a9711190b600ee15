"""Read a label | figures | mark table by geometry: rows by their labels, figures and marks by
where they stand, whatever order the content stream drew them in.

The table has no header and no rules to trust. What can be trusted is the vocabulary: a label
is one of the measures' printed labels (`TableVocabulary.labels`), a figure cell fits the
edition's figure grammar ('432 offences or +16.6%'), a mark is a mark word or a drawn shape.
So the reader

1. groups the words that fit the figure grammar into cells by position (`geometry.cells_of`)
   and cuts each group into figure cells with the grammar (a wrapped cell is one cell);
2. groups the mark words likewise and reads them as mark phrases;
3. groups the remaining words into stacks of lines and cuts each stack into known labels
   (a wrapped label is two lines of one label);
4. binds each figure cell to the row whose label it overlaps vertically, nearest to its left,
   and each mark (words or a drawn badge or tick) to the row it overlaps, right of its figures.

Anything in the table's box that is not a label, a figure or a mark, a figure or mark that binds
to no row or to two, and a row without its figure is a `TableError` that names the row and what
was missing. Nothing is dropped and nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from extractors.layout import Line, Word
from extractors.marks import DrawnMark, MarkVocabulary, ShapeKind, classify_shape
from pdfpage.content import Shape
from pdfpage.geometry import Box, box_of, cells_of, lines_of, vertical_overlap
from pdfpage.settings import PageSettings
from schemas.measures import normalise_label

__all__ = ["ReadRow", "ReadTable", "TableError", "TableVocabulary", "read_table"]


class TableError(ValueError):
    """A table that cannot be read whole; the text names the rows and what is missing."""


@dataclass(frozen=True)
class TableVocabulary:
    """What an edition's table may hold: labels, the figure grammar and marks."""

    labels: frozenset[str]  # normalised printed labels
    figure: re.Pattern[str]  # one figure cell, e.g. 'N offences or X%'
    figure_token: re.Pattern[str]  # one word of a figure cell
    marks: MarkVocabulary
    #: Normalised phrases that may stand in the table without being read (a column header).
    ignorable: frozenset[str] = frozenset()
    #: Longest label, in lines, that a wrapped label may take.
    max_label_lines: int = 4


@dataclass(frozen=True)
class Phrase:
    """Words read as one thing: a label, a figure cell or a mark."""

    text: str
    box: Box
    order: int  # position of its first word in reading order


@dataclass(frozen=True)
class ReadRow:
    """One row as printed: its label, its figure cell, its mark (text, or how it was drawn)."""

    label: str
    cell: str
    mark: str
    achieved: bool | None
    page: int
    boxes: tuple[Box, ...]
    #: Where the row's mark stands; for a row of a mark column that prints none, the empty
    #: cell (the column's width, the row's height). None when the table has no mark column.
    mark_box: Box | None = None
    #: The words of the mark as printed ('' for a drawn mark or an empty cell).
    mark_words: str = ""

    @property
    def cell_box(self) -> Box:
        """Where the figure cell stands."""
        return self.boxes[1]


@dataclass(frozen=True)
class ReadTable:
    rows: list[ReadRow]
    mark_column: bool  # whether any mark was found (a blank then means 'not achieved')
    #: Where the column headings above the rows and the notes under them stand.
    structure: tuple[Box, ...] = ()


@dataclass
class _Row:
    label: Phrase
    cell: Phrase | None = None
    marks: list[tuple[str, bool | None, Box]] = field(default_factory=list)

    @property
    def box(self) -> Box:
        box = self.label.box
        return box.union(self.cell.box) if self.cell else box


#: A figure with a glyph its font gives no Unicode for, as pdfminer reports it ('(cid:2)2.1%').
_UNMAPPED_IN_FIGURE = re.compile(r"[+\-]?(?:\(cid:\d+\))+[\d.,]*\d%?|[\d.,]*\d(?:\(cid:\d+\))+")


def _figure_cells(words: Sequence[Word], vocabulary: TableVocabulary, order: Mapping[int, int],
                  page: int, settings: PageSettings
                  ) -> tuple[list[Phrase], list[Word], list[tuple[Phrase, str]]]:
    """Figure cells, the figure-token words that belong to none (e.g. the 'or' of 'Theft or
    taking of vehicles'), and the groups with a digit that the grammar cannot cut whole (an
    error among the rows; a note's year under them is not)."""
    tokens = [w for w in words if vocabulary.figure_token.fullmatch(w.text)]
    cells: list[Phrase] = []
    spare: list[Word] = []
    unreadable: list[tuple[Phrase, str]] = []
    for group in cells_of(tokens, settings, figures=True):
        if not any(ch.isdigit() for w in group for ch in w.text):
            spare.extend(group)
            continue
        flat = [w for line in lines_of(group, settings) for w in line]
        text, starts = "", []
        for word in flat:
            starts.append(len(text) + (1 if text else 0))
            text = f"{text} {word.text}" if text else word.text
        used: set[int] = set()
        for match in vocabulary.figure.finditer(text):
            members = [i for i, s in enumerate(starts) if match.start() <= s < match.end()]
            used.update(members)
            cell_words = [flat[i] for i in members]
            cells.append(Phrase(match.group(0).strip(), box_of(cell_words, page),
                                min(order[id(w)] for w in cell_words)))
        left = [flat[i] for i in range(len(flat)) if i not in used]
        if any(ch.isdigit() for w in left for ch in w.text):
            printed = " ".join(w.text for w in left)
            unreadable.append((Phrase(printed, box_of(left, page),
                                      min(order[id(w)] for w in left)),
                               f"'{printed}' (in '{text}')"))
            continue
        spare.extend(left)
    return cells, spare, unreadable


def _mark_phrases(words: Sequence[Word], vocabulary: TableVocabulary, order: Mapping[int, int],
                  page: int, settings: PageSettings
                  ) -> tuple[list[tuple[Phrase, bool]], list[Word]]:
    """Mark phrases ('Target achieved', 'No', '✓') read from the mark words; the rest back."""
    mark_words = vocabulary.marks.words
    candidates = [w for w in words if _fold_word(w.text) in mark_words]
    found: list[tuple[Phrase, bool]] = []
    spare: list[Word] = []
    for group in cells_of(candidates, settings):
        flat = [w for line in lines_of(group, settings) for w in line]
        start = 0
        while start < len(flat):
            for stop in range(len(flat), start, -1):
                meaning = vocabulary.marks.meaning(" ".join(w.text for w in flat[start:stop]))
                symbols = stop - start > 1 and any(not _has_letters(w.text)
                                                   for w in flat[start:stop])
                if meaning is not None and not symbols:  # a symbol is a mark of its own
                    chosen = flat[start:stop]
                    found.append((Phrase(" ".join(w.text for w in chosen),
                                         box_of(chosen, page),
                                         min(order[id(w)] for w in chosen)), meaning))
                    start = stop
                    break
            else:
                spare.append(flat[start])
                start += 1
    return found, spare


#: A glyph the font gives no character for, as pdfminer reports it.
_UNMAPPED = re.compile(r"(?:\x00|\ufffd|\(cid:\d+\))+")


def _beside_a_mark(phrase: Phrase, marks: Sequence[tuple[Phrase, bool]]) -> bool:
    """Whether `phrase` is only glyphs with no character (a symbol the font does not map)
    standing on a mark's line right beside its words ('✓ Target achieved'): part of the mark,
    whose words say what it means."""
    if not _UNMAPPED.fullmatch(phrase.text.replace(" ", "")):
        return False
    return any(mark.box.page == phrase.box.page
               and vertical_overlap(mark.box, phrase.box) >= 0.5
               and min(abs(mark.box.x0 - phrase.box.x1), abs(phrase.box.x0 - mark.box.x1))
               <= 1.5 * phrase.box.height for mark, _ in marks)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _fold_word(text: str) -> str:
    folded = normalise_label(text)
    return folded if folded else text.strip()


def _labels(words: Sequence[Word], vocabulary: TableVocabulary, order: Mapping[int, int],
            page: int, settings: PageSettings) -> tuple[list[Phrase], list[Phrase]]:
    """Known labels, and the lines of text that are no label (returned as unread phrases)."""
    labels: list[Phrase] = []
    unread: list[Phrase] = []
    for group in cells_of(words, settings):
        lines = lines_of(group, settings)
        start = 0
        while start < len(lines):
            stop = min(len(lines), start + vocabulary.max_label_lines)
            while stop > start:
                chosen = [w for line in lines[start:stop] for w in line]
                text = " ".join(w.text for w in chosen)
                adds = normalise_label(" ".join(w.text for w in lines[stop - 1]))
                if adds and normalise_label(text) in vocabulary.labels:  # no line of symbols
                    labels.append(Phrase(text, box_of(chosen, page),
                                         min(order[id(w)] for w in chosen)))
                    start = stop
                    break
                stop -= 1
            else:
                line = lines[start]
                unread.append(Phrase(" ".join(w.text for w in line), box_of(line, page),
                                     min(order[id(w)] for w in line)))
                start += 1
    return labels, unread


def _nearest_left(rows: Sequence[_Row], box: Box, right_of: str, settings: PageSettings
                  ) -> _Row | None:
    """The row `box` belongs to: overlapping it vertically, standing right of the row's label
    (`right_of="label"`, for a figure) or of its figure's start (`"cell"`, for a mark), and
    nearest to it. Raises TableError when two rows are about equally good."""
    candidates: list[tuple[float, float, _Row]] = []
    for row in rows:
        if right_of == "label":
            anchor, level_with = row.label.box, row.label.box
            if box.x0 < anchor.x1 - 2.0:
                continue
            gap = box.x0 - anchor.x1
        else:
            if row.cell is None:
                continue
            anchor, level_with = row.cell.box, row.box
            if box.x0 < anchor.x0:
                continue
            gap = max(0.0, box.x0 - anchor.x1)
        if anchor.page != box.page:
            continue
        overlap = vertical_overlap(level_with, box)
        if overlap >= settings.row_overlap_min:
            candidates.append((gap, overlap, row))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (round(c[0] / 20), -c[1]))
    if len(candidates) > 1:
        (gap_a, overlap_a, first), (gap_b, overlap_b, second) = candidates[:2]
        if round(gap_a / 20) == round(gap_b / 20) and abs(overlap_a - overlap_b) < 0.25:
            raise TableError(f"a figure or mark on page {box.page} stands level with two "
                             f"rows, '{first.label.text}' and '{second.label.text}'")
    return candidates[0][2]


def _drawn_marks(shapes: Sequence[Shape], page: int, line_height: float,
                 region: Box, settings: PageSettings) -> list[DrawnMark]:
    marks = []
    for shape in shapes:
        x, y = (shape.x0 + shape.x1) / 2, (shape.top + shape.bottom) / 2
        if not region.contains_point(x, y):
            continue
        mark = classify_shape(shape, page, line_height, settings)
        if mark.kind is not ShapeKind.ignored:
            marks.append(mark)
    return marks


def _unmapped_reason(unmapped: Sequence[Word], page: int, unread_signs: Sequence[str]) -> str:
    """Why figures whose sign is a glyph with no Unicode are not read: what the rendered page
    draws for it (`unread_signs`), or, when the page model could not tell, that it cannot."""
    drawn = "; ".join(unread_signs)
    shows = (f"the rendered page draws {drawn}, not a minus, so no sign can be read there and "
             "the figures are not read" if drawn else
             "the page may show a sign there that the text layer cannot say, so the figures "
             "are not read; OCR of the page or the original PDF would tell")
    return (f"{len(unmapped)} figures on page {page} are drawn with a glyph their font gives "
            f"no text for ('{unmapped[0].text}': the font's ToUnicode map leaves it out, as a "
            f"re-distiller may): {shows} ({' '.join(w.text for w in unmapped)})")


def _read_page(words: Sequence[Word], shapes: Sequence[Shape], page: int,
               vocabulary: TableVocabulary, order: Mapping[int, int], settings: PageSettings,
               unread_signs: Sequence[str] = ()) -> tuple[list[_Row], list[Phrase]]:
    cells, spare, unreadable = _figure_cells(words, vocabulary, order, page, settings)
    figure_ids = {id(w) for w in words if vocabulary.figure_token.fullmatch(w.text)}
    rest = [w for w in words if id(w) not in figure_ids] + spare
    marks, spare_marks = _mark_phrases(rest, vocabulary, order, page, settings)
    mark_ids = {id(w) for w in rest if _fold_word(w.text) in vocabulary.marks.words}
    rest = [w for w in rest if id(w) not in mark_ids] + spare_marks
    labels, unread = _labels(rest, vocabulary, order, page, settings)
    unread = [phrase for phrase in unread if not _beside_a_mark(phrase, marks)]
    rows = [_Row(label) for label in sorted(labels, key=lambda p: p.order)]
    last_label = max((row.label.box.bottom for row in rows), default=float("inf"))
    unmapped = [w for w in words if _UNMAPPED_IN_FIGURE.fullmatch(w.text)
                and w.middle <= last_label]
    if unmapped:  # a sign the text cannot say: no row's figure is read
        raise TableError(_unmapped_reason(unmapped, page, unread_signs))
    for cell in cells:
        row = _nearest_left(rows, cell.box, "label", settings)
        if row is None:
            raise TableError(f"the figure '{cell.text}' on page {page} stands beside no known "
                             "row label")
        if row.cell is not None:
            raise TableError(f"row '{row.label.text}' has two figures: '{row.cell.text}' and "
                             f"'{cell.text}'")
        row.cell = cell
    below = max((row.box.bottom for row in rows), default=float("inf"))
    for phrase, printed in unreadable:
        if phrase.box.middle <= below:
            raise TableError(f"figures that cannot be read on page {page}: {printed}")
        unread.append(phrase)  # under the rows: a note ('April 2009 to March 2010')
    if not rows:
        return rows, unread
    heights = sorted(w.bottom - w.top for w in words)
    line_height = heights[len(heights) // 2]
    region = Box(page, min(r.label.box.x0 for r in rows), min(r.box.top for r in rows) - 4,
                 max(max(w.x1 for w in words), max(r.box.x1 for r in rows)) + 40,
                 max(r.box.bottom for r in rows) + 4)
    first_top = min(row.box.top for row in rows)
    for phrase, meaning in marks:
        if phrase.box.bottom <= first_top + 1.0 or phrase.box.top >= below - 1.0:
            unread.append(phrase)  # above every row a column heading ('Target achieved?'),
            continue  # under them a legend ('✓ = target achieved')
        _bind_mark(rows, phrase.text, meaning, phrase.box, settings)
    if vocabulary.marks.drawn:
        drawn_marks = _drawn_marks(shapes, page, line_height, region, settings)
        empty = [d for d in drawn_marks if d.kind is ShapeKind.badge and not any(
            d.box.contains_point((p.box.x0 + p.box.x1) / 2, p.box.middle, 1.0)
            for p, _ in marks)]
        if sum(d.kind is ShapeKind.badge for d in drawn_marks) >= len(rows):
            empty = []  # a filled cell on every row: the column's colour, not marks
        for drawn in drawn_marks:
            if drawn.kind is ShapeKind.badge and drawn not in empty:
                continue  # the badge behind mark words (read from its words), or a cell
            if drawn.kind is ShapeKind.badge and _covers_text(drawn.box, rows):
                continue  # a coloured cell or row behind labels or figures, not a mark
            drawn_meaning: bool | None = True if drawn.kind is ShapeKind.tick else None
            text = {ShapeKind.tick: "(drawn tick)", ShapeKind.badge: "(badge with no words)",
                    ShapeKind.unknown: "(unknown drawn shape)"}[drawn.kind]
            _bind_mark(rows, text, drawn_meaning, drawn.box, settings)
    return rows, unread


def _covers_text(box: Box, rows: Sequence[_Row]) -> bool:
    for row in rows:
        for phrase in (row.label, row.cell):
            if phrase is not None and phrase.box.page == box.page and (
                    box.x0 < phrase.box.x1 and phrase.box.x0 < box.x1
                    and box.top < phrase.box.bottom and phrase.box.top < box.bottom):
                return True
    return False


def _bind_mark(rows: Sequence[_Row], text: str, meaning: bool | None, box: Box,
               settings: PageSettings) -> None:
    row = _nearest_left(rows, box, "cell", settings)
    if row is None:
        raise TableError(f"the mark '{text}' on page {box.page} stands beside no row")
    across = [other for other in rows if other is not row and other.label.box.page == box.page
              and vertical_overlap(other.box, box) >= settings.row_overlap_min]
    if across:  # two marks of a row agree only when each stands in that row alone
        raise TableError(f"the mark '{text}' on page {box.page} stands across two rows, "
                         f"'{row.label.text}' and '{across[0].label.text}'")
    row.marks.append((text, meaning, box))


def read_table(lines: Sequence[Line], shapes: Mapping[int, Sequence[Shape]],
               vocabulary: TableVocabulary, settings: PageSettings,
               unread_signs: Sequence[str] = ()) -> ReadTable:
    """Every row of the table in `lines` (a section's lines, any pages), read whole.
    `unread_signs`: what the page draws for each glyph with no Unicode before figures that
    it does not draw as a minus (`Leaflet.unread_signs`), for the refusal to name.

    Raises TableError naming the rows and what is missing when any part cannot be read."""
    order: dict[int, int] = {}
    by_page: dict[int, list[Word]] = {}
    for line in lines:
        for word in line.words:
            order[id(word)] = len(order)
            by_page.setdefault(line.page, []).append(word)
    rows: list[_Row] = []
    problems: list[str] = []
    structure: list[Phrase] = []
    for page, words in sorted(by_page.items()):
        page_rows, unread = _read_page(words, shapes.get(page, ()), page, vocabulary, order,
                                       settings, unread_signs)
        rows.extend(page_rows)
        found, page_structure = _unread_in_table(page_rows, unread, vocabulary)
        problems.extend(found)
        structure.extend(page_structure)
    if not rows:
        raise TableError("no row with a known label was found")
    missing = [row.label.text for row in rows if row.cell is None]
    if missing:
        problems.append(f"no figures found for {', '.join(repr(m) for m in missing)}")
    if problems:
        raise TableError("; ".join(problems))
    return _rows_read(rows, structure)


#: A number a column heading may carry: a year or a period ('2008/09', '2009-10').
_PERIOD = re.compile(r"(?:19|20)\d{2}(?:[/-]\d{2}(?:\d{2})?)?")


def _unread_in_table(rows: Sequence[_Row], unread: Sequence[Phrase],
                     vocabulary: TableVocabulary) -> tuple[list[str], list[Phrase]]:
    """(problems, column headings and notes) of the text in the table's columns that is no
    label, figure or mark. Above the first row it is a column heading (one or more lines,
    again on a continued page), below the last a legend or note: recorded, not refused. Level
    with the rows it is a row that was not understood, and a column heading with a number
    other than a year may be a row too: both refuse the table."""
    if not rows:
        return [], []
    top = min(r.box.top for r in rows)
    bottom = max(r.box.bottom for r in rows)
    x0 = min(r.label.box.x0 for r in rows)
    x1 = max(max((m[2].x1 for m in r.marks), default=r.box.x1) for r in rows)
    reach = max(r.label.box.height for r in rows)
    inside, structure = [], []
    for phrase in unread:
        if normalise_label(phrase.text) in vocabulary.ignorable:
            continue
        if not x0 - 2 <= (phrase.box.x0 + phrase.box.x1) / 2 <= x1 + 2:
            continue
        numbered = any(ch.isdigit() for ch in _PERIOD.sub("", phrase.text))
        middle = phrase.box.middle
        if middle > bottom or (middle < top and not numbered):
            structure.append(phrase)
        elif middle >= top - reach:
            inside.append(phrase.text)  # level with the rows, or a number just above them
    problems = [f"text of no known role in the table (no label, figure or mark of a row, nor "
                f"a column heading): {', '.join(repr(t) for t in inside)}"] if inside else []
    return problems, structure


def _union(boxes: Sequence[Box]) -> Box:
    union = boxes[0]
    for box in boxes[1:]:
        union = union.union(box)
    return union


def _empty_mark_box(row: _Row, rows: Sequence[_Row]) -> Box:
    """The mark cell of a row that prints no mark: the mark column's width (its marks on the
    same page, else on any page), the row's height."""
    page = row.label.box.page
    boxes = [box for other in rows for _, _, box in other.marks]
    same = [box for box in boxes if box.page == page] or boxes
    return Box(page, min(b.x0 for b in same), row.box.top, max(b.x1 for b in same),
               row.box.bottom)


def _rows_read(rows: Sequence[_Row], structure: Sequence[Phrase]) -> ReadTable:
    mark_column = any(meaning is not None for row in rows for _, meaning, _ in row.marks)
    explicit_no = any(meaning is False for row in rows for _, meaning, _ in row.marks)
    problems: list[str] = []
    read: list[ReadRow] = []
    for row in sorted(rows, key=lambda r: r.label.order):
        assert row.cell is not None
        texts = [text for text, _, _ in row.marks]
        meanings = {meaning for _, meaning, _ in row.marks}
        if None in meanings:
            problems.append(f"row '{row.label.text}': a mark that cannot be read "
                            f"({', '.join(texts)})")
            continue
        if len(meanings) > 1:
            problems.append(f"row '{row.label.text}': marks that disagree ({', '.join(texts)})")
            continue  # two marks that agree (a tick beside 'Target achieved') are one
        if meanings:
            achieved: bool | None = meanings.pop()
        elif not mark_column:
            achieved = None
        elif explicit_no:
            problems.append(f"row '{row.label.text}': no mark, where other rows print one")
            continue
        else:
            achieved = False
        boxes = (row.label.box, row.cell.box, *(box for _, _, box in row.marks))
        mark_box = (_union([box for _, _, box in row.marks]) if row.marks
                    else _empty_mark_box(row, rows) if achieved is not None else None)
        printed = " ".join(text for text, _, _ in row.marks if not text.startswith("("))
        read.append(ReadRow(row.label.text, row.cell.text, " ".join(texts), achieved,
                            row.label.box.page, boxes, mark_box, printed))
    if problems:
        raise TableError("; ".join(problems))
    return ReadTable(read, mark_column, tuple(p.box for p in structure))
