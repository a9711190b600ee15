"""Turn one validated `schemas.Extraction` into warehouse rows, table by table.

Pure functions, no database: what a document becomes in SQL can be tested without SQLite. Every
row carries its `document_id` (provenance back to the exact bytes) and a `row_number` (its
position in the document), which together form the child tables' primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from schemas import Extraction

__all__ = ["Row", "document_row", "extraction_to_rows"]

Row = dict[str, Any]


def _sql_value(value: Any) -> Any:
    """SQLite has no booleans or enums: store 1/0 and the enum's value."""
    if isinstance(value, bool):
        return int(value)
    return value


def _numbered(
    document_id: str, records: Iterable[BaseModel], fields: Iterable[str], **fixed: Any
) -> list[Row]:
    names = tuple(fields)
    dumped = (record.model_dump(mode="json") for record in records)
    return [
        {
            "document_id": document_id,
            "row_number": number,
            **fixed,
            **{name: _sql_value(values[name]) for name in names},
        }
        for number, values in enumerate(dumped, start=1)
    ]


def extraction_to_rows(document_id: str, extraction: Extraction) -> dict[str, list[Row]]:
    """The child-table rows of one document, keyed by table name (see `CHILD_TABLES`)."""
    info = extraction.document
    return {
        "performance": _numbered(
            document_id,
            extraction.performance,
            (
                "measure", "label", "change_count", "change_pct", "target_achieved", "page",
                "count_previous", "count_current", "value_pct", "target_change_pct",
                "target_value_pct",
            ),
            area=info.area,
            period=info.period,
        ),
        "priorities": _numbered(
            document_id,
            extraction.priorities,
            ("period", "measure", "label", "target_change_pct", "page"),
            area=info.area,
        ),
        "force_results": _numbered(
            document_id,
            extraction.force_results,
            (
                "period", "measure", "label", "change_count", "change_pct", "value_pct",
                "target_change_pct", "target_value_pct", "target_achieved", "page",
            ),
        ),
        "sections": _numbered(
            document_id, extraction.sections, ("name", "heading", "text", "page")
        ),
        "review_items": _numbered(document_id, extraction.review, ("item", "detail", "page")),
        "ward_priorities": _numbered(
            document_id,
            extraction.ward_priorities,
            ("period", "ward", "rank", "label", "page"),
            area=info.area,
        ),
    }


def document_row(
    document_id: str,
    source: str,
    *,
    status: str,
    extractor_version: str,
    size_bytes: int,
    ingested_at: str,
    extraction: Extraction | None = None,
    reason: str | None = None,
) -> Row:
    """The `documents` row: what the leaflet says about itself, or why it was quarantined."""
    described: Mapping[str, Any] = {}
    if extraction is not None:
        info = extraction.document
        described = {
            "publisher": info.publisher,
            "area": info.area,
            "area_code": info.area_code,
            "period": info.period,
            "template": info.template,
            "page_count": info.page_count,
            "commander": info.commander,
            "needs_review": int(bool(extraction.review)),
            "read_by": extraction.reading.read_by,
            "ocr_engine": extraction.reading.ocr_engine,
            "ocr_engine_version": extraction.reading.ocr_engine_version,
            "ocr_min_confidence": extraction.reading.min_confidence,
        }
    empty = dict.fromkeys(
        ("publisher", "area", "area_code", "period", "template", "page_count", "commander",
         "needs_review", "read_by", "ocr_engine", "ocr_engine_version", "ocr_min_confidence")
    )
    return {
        "document_id": document_id,
        "source": source,
        **empty,
        **described,
        "status": status,
        "reason": reason,
        "extractor_version": extractor_version,
        "size_bytes": size_bytes,
        "ingested_at": ingested_at,
    }
