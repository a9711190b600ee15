"""Writing documents into the warehouse: all of a document's rows or none of them.

Each function here is one transaction. A document is identified by the sha256 of its bytes, so the
same leaflet saved under two names is one document with two `document_sources` rows, and loading
the same bytes again with the same extractor version changes nothing (not even `ingested_at`).
A document loaded by an older extractor version is replaced as a whole: its child rows are deleted
and inserted again inside the same transaction, so no reader ever sees a mixture. Every write
ends by sealing the document (`warehouse.digests.seal_document`): its figures digest and the
digest of its rows are recorded in the same transaction, for `lps verify` and for telling
duplicates from conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlite_utils import Database

from schemas import Extraction, PdfInfo
from warehouse.connection import write_transaction
from warehouse.digests import seal_document
from warehouse.placement import place_quarantined
from warehouse.rows import cell_rows, document_row, extraction_to_rows
from warehouse.sources import source_as_given, source_name_for
from warehouse.tables import CHILD_TABLES, PROVENANCE_TABLES, TABLES

__all__ = [
    "LoadOutcome",
    "known_document_ids",
    "load_extraction",
    "record_quarantine",
    "record_run",
    "record_source",
    "table_counts",
    "utc_now",
]

Status = Literal["loaded", "quarantined"]


@dataclass(frozen=True)
class LoadOutcome:
    """What one write did: `unchanged` when the warehouse already held exactly this."""

    status: Literal["loaded", "quarantined", "unchanged"]
    rows: Mapping[str, int] = field(default_factory=dict)


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the second: the warehouse's timestamp format."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _existing(db: Database, document_id: str) -> dict[str, Any] | None:
    rows = list(db.table("documents").rows_where("document_id = ?", [document_id]))
    return rows[0] if rows else None


def _same(existing: Mapping[str, Any] | None, **expected: Any) -> bool:
    return existing is not None and all(existing[k] == v for k, v in expected.items())


def record_source(
    db: Database, document_id: str, source: str, *, seen_at: str | None = None,
    source_root: str | None = None,
) -> int:
    """Remember that the document was seen under `source`, once, with its first sighting.

    `source` is stored as given (`warehouse.sources.source_as_given`): a local path relative to
    `source_root` when one is passed. Returns the number of rows added: 1 for a new name, 0 for
    one already known.
    """
    source = source_as_given(source, source_root)
    table = db.table("document_sources")
    if table.count_where("document_id = ? and source = ?", [document_id, source]):
        return 0
    table.insert({"document_id": document_id, "source": source,
                  "first_seen_at": seen_at or utc_now()})
    return 1


def _named(db: Database, name: str) -> dict[str, str]:
    """`source_name` for the row, on a warehouse that has the column (m011; a warehouse held
    at an older migration, as upgrade tests make, has not)."""
    return {"source_name": name} if "source_name" in db.table("documents").columns_dict else {}


def _replace_document(db: Database, row: Mapping[str, Any]) -> None:
    # Delete the children explicitly and upsert the parent: INSERT OR REPLACE on `documents`
    # would cascade and also delete the document's sources.
    for table in (*CHILD_TABLES, *PROVENANCE_TABLES):
        if db.table(table).exists():
            db.table(table).delete_where("document_id = ?", [row["document_id"]])
    db.table("documents").upsert(_known_columns(db, row), pk="document_id")


def _known_columns(db: Database, row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` without the columns a warehouse migrated only part way lacks (in tests that stop
    the migrations early, as `seal_document` allows: `open_warehouse` always migrates)."""
    columns = db.table("documents").columns_dict
    return {name: value for name, value in row.items() if name in columns}


def load_extraction(
    db: Database,
    document_id: str,
    source: str,
    extraction: Extraction,
    extractor_version: str,
    size_bytes: int,
    *,
    ingested_at: str | None = None,
    source_root: str | None = None,
) -> LoadOutcome:
    """Load one document and all its records in a single transaction.

    A document quarantined before becomes loaded. Any failure (a row breaking a constraint)
    rolls the whole document back and re-raises: the warehouse holds all its rows or none.
    With `source_root`, a local `source` is stored relative to it (`source_as_given`).
    """
    now = ingested_at or utc_now()
    name = source_name_for(source)
    source = source_as_given(source, source_root)
    with write_transaction(db):
        existing = _existing(db, document_id)
        if _same(existing, status="loaded", extractor_version=extractor_version):
            added = record_source(db, document_id, source, seen_at=now)
            return LoadOutcome("unchanged", {"document_sources": added})
        row = {**document_row(
            document_id, source, status="loaded", extractor_version=extractor_version,
            size_bytes=size_bytes, ingested_at=now, extraction=extraction,
        ), **_named(db, name)}
        _replace_document(db, row)
        rows = extraction_to_rows(document_id, extraction)
        for table in CHILD_TABLES:
            db.table(table).insert_all(rows[table])
        if db.table("figure_cells").exists():
            db.table("figure_cells").insert_all(cell_rows(document_id, extraction))
        seal_document(db, document_id, now)
        added = record_source(db, document_id, source, seen_at=now)
    written = {"documents": 1, **{t: len(rows[t]) for t in CHILD_TABLES}}
    return LoadOutcome("loaded", {**written, "document_sources": added})


def record_quarantine(
    db: Database,
    document_id: str,
    source: str,
    reason: str,
    extractor_version: str,
    size_bytes: int,
    *,
    ingested_at: str | None = None,
    source_root: str | None = None,
    pdf: PdfInfo | None = None,
) -> LoadOutcome:
    """Record a document that could not be extracted, with `reason`, and no child rows.

    Quarantining again for the same reason by the same extractor version changes nothing. A
    document that was loaded loses its rows: the current extractor no longer vouches for them.
    With `source_root`, a local `source` is stored relative to it (`source_as_given`). `pdf`,
    the file's own metadata when it could be read, is recorded with it; where its reason, PDF
    title or file name say which borough and year it is, `quarantine_placements` says so
    (`warehouse.placement`), for `coverage`.
    """
    now = ingested_at or utc_now()
    name = source_name_for(source)
    source = source_as_given(source, source_root)
    with write_transaction(db):
        existing = _existing(db, document_id)
        if _same(existing, status="quarantined", reason=reason,
                 extractor_version=extractor_version):
            added = record_source(db, document_id, source, seen_at=now)
            return LoadOutcome("unchanged", {"document_sources": added})
        _replace_document(db, {**document_row(
            document_id, source, status="quarantined", reason=reason,
            extractor_version=extractor_version, size_bytes=size_bytes, ingested_at=now,
            pdf=pdf,
        ), **_named(db, name)})
        title = " ".join(t for t in (pdf.title, pdf.subject) if t) if pdf else None
        placement = place_quarantined(reason, title, source)
        if placement is not None and db.table("quarantine_placements").exists():
            db.table("quarantine_placements").insert({
                "document_id": document_id, "area": placement.area,
                "area_code": placement.area_code, "period": placement.period,
                "read_from": placement.read_from,
            })
        seal_document(db, document_id, now)
        added = record_source(db, document_id, source, seen_at=now)
    return LoadOutcome("quarantined", {"documents": 1, "document_sources": added})


def known_document_ids(
    db: Database, status: Status | None = "loaded", *, extractor_version: str | None = None
) -> frozenset[str]:
    """Ids of documents in the warehouse with `status` (any status when None), optionally only
    those written by `extractor_version`."""
    where: list[str] = []
    args: list[str] = []
    if status is not None:
        where.append("status = ?")
        args.append(status)
    if extractor_version is not None:
        where.append("extractor_version = ?")
        args.append(extractor_version)
    rows = db.table("documents").rows_where(
        " and ".join(where) or None, args, select="document_id"
    )
    return frozenset(row["document_id"] for row in rows)


def record_run(db: Database, run: Mapping[str, Any]) -> None:
    """Append one row to the `runs` log."""
    with write_transaction(db):
        db.table("runs").insert(dict(run), pk="run_id")


def table_counts(db: Database) -> dict[str, int]:
    """Rows in each warehouse table: a cheap fingerprint to compare before and after a run."""
    return {name: db.table(name).count for name in TABLES}
