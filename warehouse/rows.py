"""Turn one validated `schemas.Extraction` into warehouse rows, table by table.

Pure functions, no database: what a document becomes in SQL can be tested without SQLite. Every
row carries its `document_id` (provenance back to the exact bytes) and a `row_number` (its
position in the document), which together form the child tables' primary key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from schemas import Extraction, PdfInfo

__all__ = ["Row", "cell_rows", "document_row", "extraction_to_rows", "pdf_columns"]

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


def cell_rows(document_id: str, extraction: Extraction) -> list[Row]:
    """`figure_cells` rows: where each figure stands on its page. A cell's `row` is its record's
    index in the extraction (0-based); its `row_number` is that record's row in the warehouse."""
    return [
        {
            "document_id": document_id, "table_name": cell.table, "row_number": cell.row + 1,
            "field": cell.field, "page": cell.page, "x0": cell.x0, "top": cell.top,
            "x1": cell.x1, "bottom": cell.bottom, "text": cell.text,
            "sign_source": cell.sign_source, "read_by": cell.read_by,
            "confidence": cell.confidence,
        }
        for cell in extraction.cells
    ]


def pdf_columns(pdf: PdfInfo | None) -> Row:
    """The `documents` columns that record the PDF's own metadata, and whether the project's
    fixture generators made it (`synthetic`; NULL when the metadata could not be read)."""
    if pdf is None:
        return dict.fromkeys(("pdf_producer", "pdf_creator", "pdf_title", "pdf_subject",
                              "pdf_created", "pdf_modified", "synthetic"))
    return {
        "pdf_producer": pdf.producer, "pdf_creator": pdf.creator, "pdf_title": pdf.title,
        "pdf_subject": pdf.subject, "pdf_created": pdf.created, "pdf_modified": pdf.modified,
        "synthetic": int(pdf.synthetic),
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
    pdf: PdfInfo | None = None,
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
        **pdf_columns(extraction.pdf if extraction is not None else pdf),
    }
