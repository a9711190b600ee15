"""The role of every word on a page once an edition has read it, for `lps debug`.

The page model (`pdfpage.roles`) gives furniture, stamps and hidden text their roles before any
edition reads a word; the edition's readers give the rest: a section's heading lines are
headings; inside a table the cells it read are row labels, figures and marks (a grid's header row
is its column headings), the text just above its rows is column headings and the text under them
legends and notes. Every other word is prose. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractors.grid import CellBox
from extractors.layout import Leaflet
from extractors.regions import TableRegion
from extractors.sections import FoundSection
from pdfpage.roles import Role, RoledWord
from pdfpage.words import Word

__all__ = ["ROLE_COLOURS", "page_roles"]

#: How `lps debug` colours each role (RGB).
ROLE_COLOURS: dict[Role, tuple[int, int, int]] = {
    Role.furniture: (150, 150, 150),
    Role.heading: (90, 160, 255),
    Role.column_heading: (0, 190, 190),
    Role.label: (150, 90, 230),
    Role.figure: (255, 205, 0),
    Role.mark: (120, 200, 60),
    Role.note: (180, 150, 90),
    Role.stamp: (230, 60, 170),
    Role.prose: (215, 215, 215),
    Role.hidden: (200, 0, 90),
}


def _inside(word: Word, cell: CellBox) -> bool:
    return cell.x0 - 1 <= word.centre_x <= cell.x1 + 1 and cell.top - 1 <= word.middle <= \
        cell.bottom + 1


def _cell_role(table: TableRegion, cell: CellBox) -> Role:
    if table.header_row and cell.row == 0:
        return Role.column_heading
    if cell.column == 0:
        return Role.label
    if table.mark_column is not None and cell.column >= table.mark_column:
        return Role.mark
    return Role.figure


def _table_role(word: Word, page: int, tables: Sequence[TableRegion]) -> Role | None:
    for table in tables:
        own = [cell for cell in table.cells if cell.page == page]
        if not own:
            continue
        for cell in own:
            if _inside(word, cell):
                return _cell_role(table, cell)
        x0, x1 = min(c.x0 for c in own), max(c.x1 for c in own)
        top, bottom = min(c.top for c in own), max(c.bottom for c in own)
        reach = 3 * max(c.bottom - c.top for c in own)
        if x0 - 2 <= word.centre_x <= x1 + 2:
            if top - reach <= word.middle < top:
                return Role.column_heading
            if bottom < word.middle <= bottom + reach:
                return Role.note
    return None


def page_roles(leaflet: Leaflet, sections: Sequence[FoundSection],
               tables: Sequence[TableRegion], number: int) -> list[RoledWord]:
    """Every word of page `number` with its role: those the page model set aside, then the
    words of its lines as the edition read them."""
    roled = list(leaflet.roles(number))
    headings = {id(w) for s in sections for line in s.heading_lines if line.page == number
                for w in line.words}
    for line in leaflet.page(number):
        for word in line.words:
            if id(word) in headings:
                roled.append(RoledWord(word, number, Role.heading, "a section's heading"))
                continue
            role = _table_role(word, number, tables)
            roled.append(RoledWord(word, number, role or Role.prose,
                                   "read in a table" if role else "the text of a section"))
    return roled
