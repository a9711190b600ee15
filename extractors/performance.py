"""Turn a label | change | mark table into `PerformanceResult` records, refusing what is unsure.

The rows come from the geometric reader (`extractors.table`). A row's sign comes from its cell
('−12.5%'); where the cell has none, from the commander's message ('427 fewer car break ins')
only when every mention of that measure agrees on it and on the figures. A row the table does
not give whole (figures, sign, mark) is never loaded: the document is refused, naming the rows.
A message that contradicts a signed table figure makes the whole document untrustworthy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from extractors.cells import box_cell
from extractors.crosscheck import Mention, find_mentions, percent_agrees
from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, parse_change_cell, valid_result
from extractors.grid import CellBox
from extractors.layout import Leaflet
from extractors.sections import FoundSection
from extractors.table import ReadRow, TableError, TableVocabulary, read_table
from pdfpage.content import Shape
from schemas.measures import measure_for_label
from schemas.records import FigureCell, PerformanceResult, SignSource

__all__ = ["ChangeTable", "sign_from_message"]


def _describe(sign: int | None, count: int) -> str:
    if sign is None:
        return f"{count:,} offences"
    return f"{'+' if sign > 0 else '-'}{count:,} offences"


def sign_from_message(row: ReadRow, mentions: Sequence[Mention], sign: int | None, count: int,
                      pct: float, template: str) -> int | None:
    """The row's sign once the message's mentions of its measure are checked against it.

    Every mention must state the row's count (and percentage, when it gives one) with one
    sign; a signed cell must agree with it. Raises InconsistentDocument otherwise."""
    signs = set()
    for mention in mentions:
        agrees = (
            mention.sign != 0
            and mention.count == count
            and (sign is None or mention.sign == sign)
            and (mention.pct is None or percent_agrees(mention.pct, pct))
        )
        if not agrees:
            raise InconsistentDocument(
                f"the commander's message says '{mention.text}' but the performance table "
                f"gives {_describe(sign, count)} ({row.cell}) for '{row.label}'",
                page=row.page, template=template,
            )
        signs.add(mention.sign)
    if len(signs) > 1:
        raise InconsistentDocument(
            f"the commander's message gives '{row.label}' both as a rise and as a fall",
            page=row.page, template=template)
    return sign if sign is not None else (signs.pop() if signs else None)


@dataclass(frozen=True)
class ChangeTable:
    """A table of label | 'N offences or X%' | mark, read by geometry (the 2010 edition)."""

    vocabulary: TableVocabulary

    def _read(self, section: FoundSection, leaflet: Leaflet) -> list[ReadRow]:
        pages = sorted({line.page for line in section.lines})
        shapes: Mapping[int, Sequence[Shape]] = {page: leaflet.shapes(page) for page in pages}
        unread = [glyph.describe() for glyph in leaflet.unread_signs()]
        return read_table(section.lines, shapes, self.vocabulary, leaflet.settings, unread).rows

    def read(self, section: FoundSection, leaflet: Leaflet, message: str,
             template: str) -> list[PerformanceResult]:
        """Every row as a record; InconsistentDocument naming the rows that cannot be."""
        return self.read_cells(section, leaflet, message, template)[0]

    def read_cells(self, section: FoundSection, leaflet: Leaflet, message: str,
                   template: str) -> tuple[list[PerformanceResult], list[FigureCell]]:
        """The records of `read`, and where each of their figures was read."""
        try:
            rows = self._read(section, leaflet)
        except TableError as error:
            raise InconsistentDocument(f"performance table '{section.heading}': {error}",
                                       page=section.page, template=template) from error
        mentions = find_mentions(message)
        results: list[PerformanceResult] = []
        unsigned: list[str] = []
        cells: list[FigureCell] = []
        for row in rows:
            try:
                cell = parse_change_cell(row.cell)
            except FigureError as error:
                raise InconsistentDocument(f"performance table row '{row.label}': {error}",
                                           page=row.page, template=template) from error
            measure = measure_for_label(row.label)
            sign = cell.sign if cell.signed else None
            source: SignSource = "printed" if sign is not None else "message"
            if cell.count == 0 and cell.pct == 0:
                sign, source = 1, "none"
            try:
                sign = sign_from_message(row, [m for m in mentions if m.measure == measure],
                                         sign, cell.count, cell.pct, template)
            except InconsistentDocument as error:  # the page may show which one is right
                raise InconsistentDocument(
                    error.message, page=error.page, template=error.template, figures=[
                        (other.label, box_cell("performance", number, name, other.cell_box,
                                               other.cell))
                        for number, other in enumerate(rows)
                        for name in ("change_count", "change_pct")]) from error
            if sign is None:
                unsigned.append(f"'{row.label}' ({row.cell})")
                continue
            if row.achieved is None:
                raise InconsistentDocument(
                    f"performance table row '{row.label}': no mark column was found, so "
                    "whether its target was achieved cannot be read",
                    page=row.page, template=template)
            count, pct = cell.with_sign(sign)
            number = len(results)
            results.append(valid_result(template, {
                "measure": measure, "label": row.label, "change_count": count,
                "change_pct": pct, "target_achieved": row.achieved, "page": row.page,
            }))
            cells += [box_cell("performance", number, name, row.cell_box, row.cell, source)
                      for name in ("change_count", "change_pct")]
            if row.mark_box is not None:
                cells.append(box_cell("performance", number, "target_achieved", row.mark_box,
                                      row.mark_words))
        if unsigned:
            raise InconsistentDocument(
                f"performance table: {len(unsigned)} of {len(rows)} rows print a change with no "
                f"sign that the commander's message does not confirm: {', '.join(unsigned)}; "
                "whether each is a rise or a fall cannot be told, so nothing is loaded",
                page=section.page, template=template)
        return results, cells

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]:
        """Where each row's label, figure and mark are, for `lps debug`."""
        return [
            CellBox(box.page, box.x0, box.top, box.x1, box.bottom, number, column)
            for number, row in enumerate(self._read(section, leaflet))
            for column, box in enumerate(row.boxes)
        ]
