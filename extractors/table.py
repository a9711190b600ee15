"""Read a label | change | mark table from word positions, with no reliance on ruling lines.

Cells wrap: a label over two lines, a change cell as '432 offences or' above '+16.6%', a mark as
'Target' above 'achieved'. So the change column is read as one stream of change words
(counts, 'offences', 'or', percentages, signs) in reading order and cut into cells by the
pattern 'N offences or X%'; each cell anchors a row. Every other word is given to the row whose
cell is vertically nearest: left of the cell it is label, right of it it is the mark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.figures import CHANGE_CELL_PATTERN
from extractors.grid import CellBox
from extractors.layout import Line, Word
from schemas.measures import MINUS_SIGNS

__all__ = ["ChangeTable", "TableRow", "change_table_cells", "read_change_table"]

#: A word further than this many line heights from every row's cell belongs to no row.
_MAX_ROW_DISTANCE = 1.6
_CHANGE_TOKEN = re.compile(
    rf"[{MINUS_SIGNS}+]?\d[\d,]*(?:\.\d+)?%?|offences?|or|[{MINUS_SIGNS}+]|%"
)


@dataclass(frozen=True)
class TableRow:
    """One row as printed: label text, change-cell text, mark text (empty when blank)."""

    label: str
    cell: str
    mark: str
    page: int


@dataclass(frozen=True)
class ChangeTable:
    """The rows read, and the text that belongs to no row (which the caller must not ignore)."""

    rows: list[TableRow]
    unread: list[tuple[str, int]]


@dataclass
class _Row:
    page: int
    column: str
    cell_words: list[Word]
    label_words: list[Word] = field(default_factory=list)
    mark_words: list[Word] = field(default_factory=list)

    def distance(self, word: Word) -> float:
        top = min(w.top for w in self.cell_words)
        bottom = max(w.bottom for w in self.cell_words)
        return max(0.0, top - word.middle, word.middle - bottom)

    @property
    def height(self) -> float:
        return max(word.bottom - word.top for word in self.cell_words)

    @property
    def x0(self) -> float:
        return min(word.x0 for word in self.cell_words)

    @property
    def x1(self) -> float:
        return max(word.x1 for word in self.cell_words)


def _change_run(words: Sequence[Word]) -> tuple[int, int] | None:
    """[start, end) of the longest run of change tokens holding a digit, or None."""
    best: tuple[int, int] | None = None
    start = 0
    while start < len(words):
        if not _CHANGE_TOKEN.fullmatch(words[start].text):
            start += 1
            continue
        end = start
        while end < len(words) and _CHANGE_TOKEN.fullmatch(words[end].text):
            end += 1
        has_figure = any(re.search(r"\d", word.text) for word in words[start:end])
        if has_figure and (best is None or end - start > best[1] - best[0]):
            best = (start, end)
        start = end
    return best


def _text(words: Sequence[Word]) -> str:
    ordered = sorted(words, key=lambda w: (round(w.bottom), w.x0))
    return " ".join(" ".join(word.text for word in ordered).split())


def _cells(stream: Sequence[tuple[Line, Word]]) -> tuple[list[_Row], list[tuple[Line, Word]]]:
    """Cut the change words of one column into cells; return rows and words left over."""
    text = ""
    spans = []
    for line, word in stream:
        spans.append((len(text), len(text) + len(word.text), line, word))
        text += word.text + " "
    rows: list[_Row] = []
    used: set[int] = set()
    for match in CHANGE_CELL_PATTERN.finditer(text):
        start, end = match.span()
        inside = [(line, word) for first, last, line, word in spans if first < end and last > start]
        rows.append(_Row(inside[0][0].page, inside[0][0].column, [w for _, w in inside]))
        used.update(id(word) for _, word in inside)
    return rows, [(line, word) for line, word in stream if id(word) not in used]


def _rows(lines: Sequence[Line]) -> tuple[list[_Row], list[tuple[Line, Word]]]:
    """The rows found in `lines` with their words, and the words that belong to no row."""
    streams: dict[tuple[int, str], list[tuple[Line, Word]]] = {}
    others: list[tuple[Line, Word, str]] = []
    for line in lines:
        words = list(line.words)
        run = _change_run(words)
        if run is None:
            others.extend((line, word, "") for word in words)
            continue
        start, end = run
        streams.setdefault((line.page, line.column), []).extend((line, w) for w in words[start:end])
        others.extend((line, word, "label") for word in words[:start])
        others.extend((line, word, "mark") for word in words[end:])
    rows: list[_Row] = []
    unread: list[tuple[Line, Word]] = []
    for stream in streams.values():
        found, left_over = _cells(stream)
        rows.extend(found)
        unread.extend(left_over)
    for line, word, side in others:
        candidates = [row for row in rows if (row.page, row.column) == (line.page, line.column)]
        row = min(candidates, key=lambda r: r.distance(word), default=None)
        if row is None or row.distance(word) > _MAX_ROW_DISTANCE * row.height:
            unread.append((line, word))
        elif side == "label" or (not side and word.x1 <= row.x0):
            row.label_words.append(word)
        elif side == "mark" or (not side and word.x0 >= row.x1):
            row.mark_words.append(word)
        else:
            unread.append((line, word))
    return rows, unread


def read_change_table(lines: Sequence[Line]) -> ChangeTable:
    """The rows of a change table found in `lines`, top to bottom, column by column."""
    rows, unread = _rows(lines)
    by_line: dict[Line, list[Word]] = {}
    for line, word in unread:
        by_line.setdefault(line, []).append(word)
    return ChangeTable(
        rows=[
            TableRow(_text(row.label_words), _text(row.cell_words), _text(row.mark_words),
                     row.page)
            for row in rows
        ],
        unread=[(_text(words), line.page) for line, words in by_line.items()],
    )


def change_table_cells(lines: Sequence[Line]) -> list[CellBox]:
    """The box of each row's label, change cell and mark (columns 0, 1, 2; a blank cell has
    none), as `read_change_table` reads them from `lines`, for drawing (`lps debug`)."""
    return [
        CellBox(row.page, min(w.x0 for w in words), min(w.top for w in words),
                max(w.x1 for w in words), max(w.bottom for w in words), number, column)
        for number, row in enumerate(_rows(lines)[0])
        for column, words in enumerate((row.label_words, row.cell_words, row.mark_words))
        if words
    ]
