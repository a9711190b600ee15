"""Read a table with a header row from word positions: the header anchors the columns.

Later editions print tables with a header row (`Crime type | 2006/07 | 2007/08 | Change |
% change`). The header is found by its text, each header cell's first word gives its column's
left edge, and every word below is given to the column it starts in. Cells wrap, so a row is a
band of lines: lines closer together than a cell's padding belong to the same row, and in rows
OCR read a row's label begins on its first line (a band whose label begins lower is two rows
run together, and is refused, never read as one). The caller crops: it passes the lines from
the section and, optionally, the pattern of the first line after the table (a key, a note). A
word left of the first column is an error, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from extractors.cells import box_cell
from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, valid_result
from extractors.layout import Leaflet, Line, Word
from extractors.marks import keyed_mark
from extractors.sections import FoundSection
from pdfpage.geometry import Box, box_of
from pdfpage.settings import PageSettings
from schemas.measures import measure_for_label, normalise_label
from schemas.records import FigureCell, PerformanceResult, SignSource

__all__ = [
    "CellBox",
    "GridError",
    "GridReader",
    "GridRow",
    "RowSigns",
    "grid_cells",
    "read_grid",
    "section_rows",
]

class GridError(ValueError):
    """A table whose header or cells cannot be read with certainty."""


@dataclass(frozen=True)
class GridRow:
    """One table row: each column's text (white space collapsed, '' when blank) and its page,
    where each cell stands (its words' box, or for a blank cell the column's width and the
    row's height) and its words."""

    cells: tuple[str, ...]
    page: int
    boxes: tuple[Box, ...] = ()
    #: Each cell's words, as the page model gave them (how OCR read them, and its doubts).
    words: tuple[tuple[Word, ...], ...] = ()


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
    """The x of each header cell's first word, matching the cells' words in order. A cell of
    several words may stand as one, its space lost ('%change' for '% change': OCR of a 200 dpi
    scan reads the narrow space as none; the row was found by its text without spaces)."""
    words = list(line.words)
    starts, position = [], 0
    for cell in header:
        tokens = cell.split()
        joined = "".join(tokens)
        while position < len(words) and words[position].text not in (tokens[0], joined):
            position += 1
        if position >= len(words):
            raise GridError(f"header cell '{cell}' not found in '{line.text}'")
        starts.append(words[position].x0)
        position += 1 if words[position].text == joined and len(tokens) > 1 else len(tokens)
    return starts


def _bands(lines: Sequence[Line], settings: PageSettings) -> list[list[Line]]:
    """Lines grouped into rows at vertical gaps wider than the leading."""
    bands: list[list[Line]] = []
    for line in lines:
        previous = bands[-1][-1] if bands else None
        new_row = (
            previous is None
            or line.page != previous.page
            or line.top - previous.bottom > settings.grid_row_gap_em * previous.size
        )
        if new_row:
            bands.append([line])
        else:
            bands[-1].append(line)
    return bands


def _label_starts_the_row(band: Sequence[Line], starts: Sequence[float],
                          settings: PageSettings) -> None:
    """GridError when a row read by OCR has its label (its first column) begin below the
    row's first line.

    OCR places a line by its own boxes, and a box can stand a line off: it once placed the
    ward 'Colville' a line low, between its priorities and the next ward's row, and the two
    wards read as one, 'Colville Earl’s Court'. The generated editions set their grids
    top-aligned, so in a band OCR read, a first line with no label word and label words on a
    later line is two rows whose lines came too close to be told apart; which line belongs to
    which row cannot be known, so the table is refused, never merged. On a text layer the
    lines stand where the producer set them, and a label set in the middle of its row (cells
    aligned to their middle, as many tables are) is one row: the rule is not applied there."""
    if all(word.read_by == "text layer" for line in band for word in line.words):
        return
    first = band[0]
    if any(_column_of(word, starts, first, settings) == 0 for word in first.words):
        return
    below = next((line for line in band[1:]
                  if any(_column_of(word, starts, line, settings) == 0 for word in line.words)),
                 None)
    if below is not None:
        shown = " / ".join(f"'{line.text}'" for line in band)
        raise GridError(
            f"the lines {shown} are not one row as the page draws them (the label "
            f"'{below.text}' begins below the row's first line '{first.text}'): they run "
            "together, and which row each belongs to cannot be told")


def _column_of(word: Word, starts: Sequence[float], line: Line, settings: PageSettings) -> int:
    column = -1
    for index, start in enumerate(starts):
        if word.x0 >= start - settings.grid_column_tolerance:
            column = index
    if column < 0:
        raise GridError(f"'{word.text}' stands left of the table (line '{line.text}')")
    return column


def _rejoined(lines: Sequence[Line], settings: PageSettings) -> list[Line]:
    """Lines that the layout split at a gap it took for a gutter (a table alone in its column
    looks like two columns) joined again: lines of sibling columns on one baseline."""
    joined: list[Line] = []
    for line in lines:
        parent = line.column.rpartition(".")[0]
        match = next((i for i, other in enumerate(joined)
                      if other.page == line.page
                      and other.column.rpartition(".")[0] == parent
                      and abs(other.bottom - line.bottom) <= settings.baseline_tolerance), None)
        if match is None:
            joined.append(line)
        else:
            other = joined[match]
            words = tuple(sorted((*other.words, *line.words), key=lambda w: w.x0))
            joined[match] = Line(other.page, other.column, words)
    return joined


def _locate(lines: Sequence[Line], header: Sequence[str], end: re.Pattern[str] | None,
            settings: PageSettings) -> tuple[Line, list[float], list[Line]]:
    """The header line, each column's left edge, and the body's lines (see `read_grid`)."""
    lines = _rejoined(lines, settings)
    start = _header_index(lines, header)
    head = lines[start]
    starts = _column_starts(head, header)
    body: list[Line] = []
    for line in lines[start + 1:]:
        outside = line.page != head.page or line.x1 < head.x0 - settings.grid_column_tolerance
        if (end is not None and end.search(line.text)) or outside:
            break
        body.append(line)
    return head, starts, body


def read_grid(lines: Sequence[Line], header: Sequence[str], settings: PageSettings, *,
              end: re.Pattern[str] | None = None) -> list[GridRow]:
    """The rows under the header row `header` (cell texts, compared normalised).

    The table ends at the first line matching `end`, at a line on another page or wholly left
    of the header (the next column of the page), or with `lines`.
    """
    head, starts, body = _locate(lines, header, end, settings)
    edges = _edges(head, starts, body, settings)
    rows = []
    for band in _bands(body, settings):
        _label_starts_the_row(band, starts, settings)
        cells: list[list[Word]] = [[] for _ in header]
        for line in band:
            for word in line.words:
                cells[_column_of(word, starts, line, settings)].append(word)
        page = band[0].page
        top, bottom = min(line.top for line in band), max(line.bottom for line in band)
        boxes = tuple(box_of(cell, page) if cell else Box(page, x0, top, x1, bottom)
                      for cell, (x0, x1) in zip(cells, edges, strict=True))
        rows.append(GridRow(tuple(" ".join(w.text for w in cell) for cell in cells), page,
                            boxes, tuple(tuple(cell) for cell in cells)))
    return rows


def _edges(head: Line, starts: Sequence[float], body: Sequence[Line], settings: PageSettings
           ) -> list[tuple[float, float]]:
    """Each column's left and right edge: from its header cell's first word (less the
    tolerance words get) to the next column's start, the last one to the rightmost word."""
    right = max(word.x1 for line in (head, *body) for word in line.words)
    lefts = [start - settings.grid_column_tolerance for start in starts]
    return list(zip(lefts, [*lefts[1:], right], strict=True))


def grid_cells(lines: Sequence[Line], header: Sequence[str], settings: PageSettings, *,
               end: re.Pattern[str] | None = None) -> list[CellBox]:
    """The cells `read_grid` reads from the same arguments, for drawing (`lps debug`).

    The header row, then one row per band of lines; a column runs from its header cell's
    first word (less the tolerance words get) to the next column's start, the last one to the
    table's rightmost word. Raises `GridError` where `read_grid` would.
    """
    head, starts, body = _locate(lines, header, end, settings)
    edges = _edges(head, starts, body, settings)
    return [
        CellBox(band[0].page, x0, min(line.top for line in band), x1,
                max(line.bottom for line in band), row, column)
        for row, band in enumerate([[head], *_bands(body, settings)])
        for column, (x0, x1) in enumerate(edges)
    ]


def section_rows(section: FoundSection, header: tuple[str, ...], template: str,
                 settings: PageSettings, *, end: re.Pattern[str] | None = None
                 ) -> list[GridRow]:
    """The rows of the table under `header` in a section; InconsistentDocument, naming the
    section, when the table cannot be read or has no rows."""
    try:
        rows = read_grid(section.lines, header, settings, end=end)
    except GridError as error:
        raise InconsistentDocument(f"'{section.heading}': {error}", page=section.page,
                                   template=template) from error
    if not rows:
        raise InconsistentDocument(f"'{section.heading}' has no rows", page=section.page,
                                   template=template)
    return rows


#: An edition's figure grammar for one row: the row's cells to its figure fields
#: (change_count, change_pct, count_previous, ...); FigureError when a cell cannot be read.
RowGrammar = Callable[[GridRow], dict[str, object]]
#: How an edition knew the sign of each signed figure of a row its grammar read:
#: {field: 'printed' | 'counts' | 'word' | ...} (`schemas.records.SignSource`).
RowSigns = Callable[[GridRow], Mapping[str, SignSource]]
#: How an edition's table says which mark means what: the section to {mark: achieved}.
MarkKey = Callable[[FoundSection, str], Mapping[str, bool]]


@dataclass(frozen=True)
class GridReader:
    """A table under a header row (editions 2008, 2009, 2011): the header anchors the columns,
    `grammar` reads a row's figures, the first column is the label and, when `marks` is set, the
    last column is the achieved mark. An unknown label or mark refuses the document."""

    header: tuple[str, ...]
    grammar: RowGrammar
    marks: MarkKey | None = None
    end: re.Pattern[str] | None = None
    #: The column each figure field is read from (the mark's is the last column).
    columns: Mapping[str, int] = field(default_factory=dict)
    signs: RowSigns | None = None
    #: For `lps debug`: row 0 of `cells` is the header row.
    has_header_row: ClassVar[bool] = True

    @property
    def mark_column(self) -> int | None:
        """The column of the achieved marks (the last), None when the table has none."""
        return len(self.header) - 1 if self.marks is not None else None

    def _rows(self, section: FoundSection, template: str, settings: PageSettings
              ) -> list[GridRow]:
        return section_rows(section, self.header, template, settings, end=self.end)

    def read(self, section: FoundSection, leaflet: Leaflet, message: str,
             template: str) -> list[PerformanceResult]:
        """Every row as a record, or InconsistentDocument naming the row that cannot be read."""
        return self.read_cells(section, leaflet, message, template)[0]

    def read_cells(self, section: FoundSection, leaflet: Leaflet, message: str,
                   template: str) -> tuple[list[PerformanceResult], list[FigureCell]]:
        """The records of `read`, and where each of their figures was read."""
        key = self.marks(section, template) if self.marks is not None else None
        results: list[PerformanceResult] = []
        cells: list[FigureCell] = []
        for row in self._rows(section, template, leaflet.settings):
            label = row.cells[0]
            try:
                measure = measure_for_label(label)
                if measure is None:
                    raise FigureError(f"'{label}' is no known measure, so the row cannot be "
                                      "loaded; add the label to schemas.measures if it is one")
                achieved = None
                if key is not None:
                    achieved = keyed_mark(key, row.words[-1] if row.words else (),
                                          row.cells[-1], leaflet.settings)
                fields = self.grammar(row)
            except FigureError as error:
                raise InconsistentDocument(f"performance table row '{label}': {error}",
                                           page=row.page, template=template) from error
            sources = self.signs(row) if self.signs is not None else {}
            fields.update(measure=measure, label=label, page=row.page,
                          target_achieved=achieved)
            result = valid_result(template, fields)
            cells += self._cells(len(results), row, result, sources, key is not None)
            results.append(result)
        return results, cells

    def _cells(self, number: int, row: GridRow, result: PerformanceResult,
               sources: Mapping[str, SignSource], marked: bool) -> list[FigureCell]:
        columns = dict(self.columns)
        if marked:
            columns["target_achieved"] = len(self.header) - 1
        return [
            box_cell("performance", number, name, row.boxes[column], row.cells[column],
                     sources.get(name))
            for name, column in columns.items()
            if row.boxes and getattr(result, name) is not None
        ]

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]:
        """The cells `read` reads, for `lps debug`."""
        return grid_cells(section.lines, self.header, leaflet.settings, end=self.end)
