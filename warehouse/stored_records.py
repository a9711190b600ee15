"""Rebuild a loaded document's `schemas.Extraction` from its warehouse rows: the inverse of
`warehouse.rows.extraction_to_rows`.

`lps verify` uses it to put every stored figure through the same Pydantic rules it passed on
the way in (signs agree, periods well formed, measure slugs known, one row per measure), so a
row edited by hand or damaged on disk is caught by the rules that guard the load, not by a
second copy of them. Pure functions, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from schemas import Extraction
from warehouse.rows import Row

__all__ = ["RECORD_LIST", "copied_columns", "rows_to_extraction"]

#: The `Extraction` list each child table holds.
RECORD_LIST = {
    "performance": "performance",
    "priorities": "priorities",
    "force_results": "force_results",
    "sections": "sections",
    "review_items": "review",
    "ward_priorities": "ward_priorities",
}

#: Columns a child table copies from its `documents` row (as `extraction_to_rows` writes them).
_COPIED = {
    "performance": ("area", "period"),
    "priorities": ("area",),
    "ward_priorities": ("area",),
}

_DESCRIBED = ("publisher", "area", "area_code", "period", "template", "page_count", "commander")


def copied_columns(table: str) -> tuple[str, ...]:
    """Columns of `table` that repeat the document's own value (area, period)."""
    return _COPIED.get(table, ())


def _record_fields(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    dropped = {"document_id", "row_number", *copied_columns(table)}
    return {name: value for name, value in row.items() if name not in dropped}


def rows_to_extraction(
    document: Mapping[str, Any], rows: Mapping[str, Sequence[Row]]
) -> Extraction:
    """The validated records a loaded document's rows stand for.

    `rows` holds each child table's rows of the document in `row_number` order, so a
    `ValidationError` location such as `('performance', 2, ...)` is row number 3.
    Raises `pydantic.ValidationError` when a row breaks a schema rule.
    """
    fields: dict[str, Any] = {
        table_field: [
            _record_fields(table, row) for row in rows.get(table, ())
        ]
        for table, table_field in RECORD_LIST.items()
    }
    info = {name: document[name] for name in _DESCRIBED}
    return Extraction.model_validate({"document": info, **fields})
