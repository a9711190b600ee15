"""Read a label | change | mark table from word positions, with no reliance on ruling lines.

Each change cell ('432 offences or +16.6%') anchors a row. Every other word in the table's
region is given to the row whose change cell is vertically nearest (a label may wrap onto two
lines either side of its cell): left of the cell it is label, right of it it is the mark.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.figures import CHANGE_CELL_PATTERN
from extractors.layout import Line, Word

__all__ = ["TableRow", "ChangeTable", "read_change_table"]

#: A word further than this many line heights from every row's cell belongs to no row.
_MAX_ROW_DISTANCE = 1.6


@dataclass(frozen=True)
class TableRow:
    """One row as printed: label text, change-cell text, mark text (empty when blank)."""

    label: str
    cell: str
    mark: str
    page: int


@dataclass(frozen=True)
class ChangeTable:
    """The rows read, and the words that belong to no row (which the caller must not ignore)."""

    rows: list[TableRow]
    unread: list[tuple[str, int]]


@dataclass
class _Row:
    page: int
    column: str
    cell_words: list[Word]
    label_words: list[Word]
    mark_words: list[Word]

    @property
    def middle(self) -> float:
        return sum(word.middle for word in self.cell_words) / len(self.cell_words)

    @property
    def height(self) -> float:
        return max(word.bottom - word.top for word in self.cell_words)


def _cell_words(line: Line) -> list[Word] | None:
    """The words of `line` that make its change cell, or None when it has none."""
    offsets = []
    position = 0
    for word in line.words:
        offsets.append((position, position + len(word.text), word))
        position += len(word.text) + 1
    match = CHANGE_CELL_PATTERN.search(line.text)
    if not match:
        return None
    start, end = match.span()
    return [word for first, last, word in offsets if first < end and last > start]


def _text(words: Sequence[Word]) -> str:
    ordered = sorted(words, key=lambda w: (round(w.bottom), w.x0))
    return re.sub(r"\s+", " ", " ".join(word.text for word in ordered)).strip()


def read_change_table(lines: Sequence[Line]) -> ChangeTable:
    """The rows of a change table found in `lines`, top to bottom, column by column."""
    rows: list[_Row] = []
    loose: list[tuple[Line, Word]] = []
    for line in lines:
        cell = _cell_words(line)
        if cell is not None:
            rows.append(_Row(line.page, line.column, cell, [], []))
        loose.extend((line, word) for word in line.words if cell is None or word not in cell)
    unread: list[tuple[Line, Word]] = []
    for line, word in loose:
        candidates = [row for row in rows if row.page == line.page and row.column == line.column]
        row = min(candidates, key=lambda r: abs(r.middle - word.middle), default=None)
        if row is None or abs(row.middle - word.middle) > _MAX_ROW_DISTANCE * row.height:
            unread.append((line, word))
        elif word.x1 <= row.cell_words[0].x0:
            row.label_words.append(word)
        elif word.x0 >= row.cell_words[-1].x1:
            row.mark_words.append(word)
        else:
            unread.append((line, word))
    unread_lines: dict[Line, list[Word]] = {}
    for line, word in unread:
        unread_lines.setdefault(line, []).append(word)
    rows_read = [
        TableRow(
            label=_text(row.label_words),
            cell=_text(row.cell_words),
            mark=_text(row.mark_words),
            page=row.page,
        )
        for row in rows
    ]
    return ChangeTable(
        rows=rows_read,
        unread=[(_text(words), line.page) for line, words in unread_lines.items()],
    )
