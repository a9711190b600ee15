"""Where each figure of an extraction was read: `schemas.records.FigureCell` from a box.

Readers know the box of every cell they read a figure from; this turns one into the record
the render check and the research views use. Pure.
"""

from __future__ import annotations

from typing import Literal

from pdfpage.geometry import Box
from schemas.records import FigureCell, SignSource

__all__ = ["FigureTable", "box_cell"]

FigureTable = Literal["performance", "priorities", "force_results", "ward_priorities"]


def box_cell(table: FigureTable, row: int, field: str, box: Box, text: str,
             sign_source: SignSource | None = None) -> FigureCell:
    """The figure `field` of record `row` of `table`, read from the words `text` in `box`."""
    return FigureCell(table=table, row=row, field=field, page=box.page, x0=box.x0,
                      top=box.top, x1=box.x1, bottom=box.bottom, text=text,
                      sign_source=sign_source)
