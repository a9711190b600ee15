"""Where the tables a template reads are on the page, cell by cell, for `lps debug`.

The boxes come from the template's own readers (`Template.table.cells`, `Template.wards.cells`),
so what is drawn is what was read. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from extractors.grid import CellBox
from extractors.layout import Leaflet
from extractors.sections import FoundSection

__all__ = ["TableRegion", "table_regions"]


@dataclass(frozen=True)
class TableRegion:
    """One table a template reads: the section it is in, and its cells."""

    section: str
    cells: tuple[CellBox, ...]
    #: Row 0 is the table's header row (a grid read under its column headings).
    header_row: bool = False
    #: The column that holds the achieved marks (None: no mark column).
    mark_column: int | None = None

    def box(self, page: int) -> tuple[float, float, float, float] | None:
        """The table's outline on `page` (x0, top, x1, bottom), None when not on it."""
        own = [cell for cell in self.cells if cell.page == page]
        if not own:
            return None
        return (min(c.x0 for c in own), min(c.top for c in own),
                max(c.x1 for c in own), max(c.bottom for c in own))


def table_regions(template: ModuleType, sections: Sequence[FoundSection],
                  leaflet: Leaflet) -> list[TableRegion]:
    """The tables `template` reads in the `sections` it found (those found only).

    Raises what the readers raise (`GridError`, `TableError`: both ValueError) for a table that
    cannot be read."""
    declared = template.TEMPLATE
    by_name = {section.name: section for section in sections}
    regions = []
    if (performance := by_name.get("performance")) is not None:
        cells = tuple(declared.table.cells(performance, leaflet))
        header = bool(getattr(declared.table, "has_header_row", False))
        marked = getattr(declared.table, "mark_column", None)
        regions.append(TableRegion("performance", cells, header,
                                   marked if marked is not None or header else 2))
    if declared.wards is not None and (wards := by_name.get(declared.wards_section)) is not None:
        regions.append(TableRegion("ward_priorities", tuple(declared.wards.cells(wards, leaflet)),
                                   header_row=True))
    return regions
