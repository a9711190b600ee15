"""Where the tables a template reads are on the page, cell by cell, for `lps debug`.

The templates' own conventions say which table each reads: a template with a `HEADER` reads
its `performance` section as a grid under that header row, ending at its `KEY` line when it has
one (`extractors.grid`); one with a `WARD_HEADER` reads its `ward_priorities` section likewise;
one with neither reads `performance` as a change table (`extractors.table`). The boxes come from
the same functions the readers use, so what is drawn is what was read. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from extractors.grid import CellBox, grid_cells
from extractors.sections import FoundSection
from extractors.table import change_table_cells

__all__ = ["TableRegion", "table_regions"]


@dataclass(frozen=True)
class TableRegion:
    """One table a template reads: the section it is in, and its cells."""

    section: str
    cells: tuple[CellBox, ...]

    def box(self, page: int) -> tuple[float, float, float, float] | None:
        """The table's outline on `page` (x0, top, x1, bottom), None when not on it."""
        own = [cell for cell in self.cells if cell.page == page]
        if not own:
            return None
        return (min(c.x0 for c in own), min(c.top for c in own),
                max(c.x1 for c in own), max(c.bottom for c in own))


def table_regions(template: ModuleType, sections: Sequence[FoundSection]) -> list[TableRegion]:
    """The tables `template` reads in the `sections` it found (those found only).

    Raises what the readers raise (`GridError`) for a table that cannot be read."""
    by_name = {section.name: section for section in sections}
    header: tuple[str, ...] | None = getattr(template, "HEADER", None)
    key: re.Pattern[str] | None = getattr(template, "KEY", None)
    ward_header: tuple[str, ...] | None = getattr(template, "WARD_HEADER", None)
    regions = []
    if (performance := by_name.get("performance")) is not None:
        cells = (grid_cells(performance.lines, header, end=key) if header is not None
                 else change_table_cells(performance.lines))
        regions.append(TableRegion("performance", tuple(cells)))
    if ward_header is not None and (wards := by_name.get("ward_priorities")) is not None:
        regions.append(TableRegion("ward_priorities",
                                   tuple(grid_cells(wards.lines, ward_header))))
    return regions
