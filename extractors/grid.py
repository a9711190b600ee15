"""Read a table with a header row from word positions: the header anchors the columns.

Later editions print tables with a header row (`Crime type | 2006/07 | 2007/08 | Change |
% change`). The header is found by its text, each header cell's first word gives its column's
left edge, and every word below is given to the column it starts in. Cells wrap, so a row is a
band of lines: lines closer together than a cell's padding belong to the same row. The caller
crops: it passes the lines from the section and, optionally, the pattern of the first line after
the table (a key, a note). A word left of the first column is an error, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.layout import Line, Word
from schemas.measures import normalise_label

__all__ = ["CellBox", "GridError", "GridRow", "grid_cells", "read_grid"]

#: Words this many points left of a header cell's first word still start in its column.
_COLUMN_TOLERANCE = 3.0
#: Lines further apart than this many font sizes start a new row (cell padding, a rule).
_ROW_GAP_EM = 0.5


class GridError(ValueError):
    """A table whose header or cells cannot be read with certainty."""


@dataclass(frozen=True)
class GridRow:
    """One table row: each column's text (white space collapsed, '' when blank) and its page."""

    cells: tuple[str, ...]
    page: int


@dataclass(frozen=True)
class CellBox:
    """Where a table cell is on its page, in points from the page's top left (as pdfplumber),
    and its place in the table (row 0 is a grid's header row)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    row: int
    column: int


def _header_index(lines: Sequence[Line], header: Sequence[str]) -> int:
    wanted = normalise_label(" ".join(header))
    for index, line in enumerate(lines):
        if normalise_label(line.text) == wanted:
            return index
    raise GridError(f"no header row '{' | '.join(header)}'")


def _column_starts(line: Line, header: Sequence[str]) -> list[float]:
    """The x of each header cell's first word, matching the cells' words in order."""
    words = list(line.words)
    starts, position = [], 0
    for cell in header:
        tokens = cell.split()
        while position < len(words) and words[position].text != tokens[0]:
            position += 1
        if position >= len(words):
            raise GridError(f"header cell '{cell}' not found in '{line.text}'")
        starts.append(words[position].x0)
        position += len(tokens)
    return starts


def _bands(lines: Sequence[Line]) -> list[list[Line]]:
    """Lines grouped into rows at vertical gaps wider than the leading."""
    bands: list[list[Line]] = []
    for line in lines:
        previous = bands[-1][-1] if bands else None
        new_row = (
            previous is None
            or line.page != previous.page
            or line.top - previous.bottom > _ROW_GAP_EM * previous.size
        )
        if new_row:
            bands.append([line])
        else:
            bands[-1].append(line)
    return bands


def _column_of(word: Word, starts: Sequence[float], line: Line) -> int:
    column = -1
    for index, start in enumerate(starts):
        if word.x0 >= start - _COLUMN_TOLERANCE:
            column = index
    if column < 0:
        raise GridError(f"'{word.text}' stands left of the table (line '{line.text}')")
    return column


def _locate(lines: Sequence[Line], header: Sequence[str], end: re.Pattern[str] | None
            ) -> tuple[Line, list[float], list[Line]]:
    """The header line, each column's left edge, and the body's lines (see `read_grid`)."""
    start = _header_index(lines, header)
    head = lines[start]
    starts = _column_starts(head, header)
    body: list[Line] = []
    for line in lines[start + 1:]:
        if (end is not None and end.search(line.text)) or line.column != head.column:
            break
        body.append(line)
    return head, starts, body


def read_grid(
    lines: Sequence[Line], header: Sequence[str], *, end: re.Pattern[str] | None = None
) -> list[GridRow]:
    """The rows under the header row `header` (cell texts, compared normalised).

    The table ends at the first line matching `end`, at a change of page column, or with
    `lines`.
    """
    _, starts, body = _locate(lines, header, end)
    rows = []
    for band in _bands(body):
        cells: list[list[str]] = [[] for _ in header]
        for line in band:
            for word in line.words:
                cells[_column_of(word, starts, line)].append(word.text)
        rows.append(GridRow(tuple(" ".join(cell) for cell in cells), band[0].page))
    return rows


def grid_cells(
    lines: Sequence[Line], header: Sequence[str], *, end: re.Pattern[str] | None = None
) -> list[CellBox]:
    """The cells `read_grid` reads from the same arguments, for drawing (`lps debug`).

    The header row, then one row per band of lines; a column runs from its header cell's
    first word (less the tolerance words get) to the next column's start, the last one to the
    table's rightmost word. Raises `GridError` where `read_grid` would.
    """
    head, starts, body = _locate(lines, header, end)
    right = max(word.x1 for line in (head, *body) for word in line.words)
    lefts = [start - _COLUMN_TOLERANCE for start in starts]
    edges = list(zip(lefts, [*lefts[1:], right], strict=True))
    return [
        CellBox(band[0].page, x0, min(line.top for line in band), x1,
                max(line.bottom for line in band), row, column)
        for row, band in enumerate([[head], *_bands(body)])
        for column, (x0, x1) in enumerate(edges)
    ]
