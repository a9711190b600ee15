"""Re-extracting documents from the raw store after the extractors change, with no network.

A document written by another extractor version than the current one is read again from disk
(`<raw>/<sha256>.pdf`, else the path it was ingested from), checked against its hash, parsed in
the guard's child (with the same limits as an ingest) and written back in ONE transaction
together with its `extraction_history` row: the old rows are replaced as a whole, and the
history says what changed, so a correction can be told from an original. Documents are parsed
on a few guarded children at once and written one at a time, in order.

Rows are replaced only by a finished extraction: records, or the extractor's verdict on the
content (a quarantine). A parse that ran out of time or memory, or whose process died
(`pipeline.failures.is_resource_failure`), says nothing about the document: it keeps its rows,
its status and its extractor version, so it is still stale and the next reprocess tries it
again, and the attempt is recorded in `extraction_history` with status 'failed' and the reason (rows
before and after equal, nothing changed). Before, a loaded leaflet re-extracted under a tight
memory cap was quarantined and lost its rows, and no later run tried it again (issue 12, item 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline.extract import extract_each, too_large
from pipeline.failures import is_resource_failure
from pipeline.guard import GuardedExtractor
from pipeline.parse import pdf_of
from pipeline.settings import Settings
from pipeline.sources import document_id_for
from schemas import Extraction
from warehouse import (
    CHILD_TABLES,
    load_extraction,
    record_quarantine,
    utc_now,
    write_transaction,
)
from warehouse.archive import record_history

__all__ = [
    "FIGURE_TABLES",
    "Reprocessed",
    "locate_raw",
    "reextract",
    "reprocess_all",
    "reprocess_document",
    "reprocess_one",
    "stale_documents",
]

_NOWHERE = "no copy of its bytes in the raw store or at its sources"

#: Child tables holding figures: a changed row in one of these is a changed figure.
FIGURE_TABLES = ("performance", "priorities", "force_results", "ward_priorities")


@dataclass(frozen=True)
class Reprocessed:
    document_id: str
    previous_version: str
    # 'loaded', 'quarantined', 'failed' (out of time or memory: kept as it was, to try again)
    # or 'missing' (no raw file: nothing changed)
    status: str
    rows_changed: int = 0
    reason: str | None = None


def stale_documents(db: Database, extractor_version: str) -> list[dict[str, Any]]:
    """Documents to extract again, oldest first: written by any other extractor version, or
    quarantined by this one because the parse ran out of time or memory (worth another try,
    perhaps with larger limits)."""
    rows = db.table("documents").rows_where(
        "extractor_version != ? or status = 'quarantined'", [extractor_version],
        order_by="ingested_at, document_id")
    return [row for row in rows if row["extractor_version"] != extractor_version
            or is_resource_failure(row["reason"] or "")]


def places_of(db: Database, document: dict[str, Any], raw_dir: Path | None) -> list[Path]:
    """Where the document's bytes may be on disk: the raw store first, then every path it was
    seen at."""
    document_id = document["document_id"]
    places = [raw_dir / f"{document_id}.pdf"] if raw_dir is not None else []
    places.append(Path(document["source"]))
    places += [Path(row["source"]) for row in db.table("document_sources").rows_where(
        "document_id = ?", [document_id])]
    return places


def locate_raw(places: list[Path], document_id: str) -> tuple[Path, bytes] | None:
    """The first place holding exactly the document's bytes, and the bytes."""
    for place in places:
        try:
            data = place.read_bytes() if place.is_file() else None
        except OSError:
            data = None
        if data is not None and document_id_for(data) == document_id:
            return place, data
    return None


@dataclass(frozen=True)
class _Job:
    document: dict[str, Any]
    places: list[Path]


def reextract(job: _Job, guard: GuardedExtractor) -> tuple[int, Extraction | str] | None:
    """The document's size and its records (or quarantine reason), parsed in the guard's child;
    None when its bytes are nowhere to be found."""
    found = locate_raw(job.places, job.document["document_id"])
    if found is None:
        return None
    _path, data = found
    return len(data), too_large(len(data), guard.settings) or guard.extract(data)


def _figures(db: Database, document_id: str) -> dict[tuple[str, int], tuple[Any, ...]]:
    figures: dict[tuple[str, int], tuple[Any, ...]] = {}
    for table in FIGURE_TABLES:
        for row in db.table(table).rows_where("document_id = ?", [document_id]):
            figures[(table, row["row_number"])] = tuple(sorted(row.items()))
    return figures


def _counts(db: Database, document_id: str) -> dict[str, int]:
    return {t: db.table(t).count_where("document_id = ?", [document_id]) for t in CHILD_TABLES}


def reprocess_document(db: Database, document: dict[str, Any],
                       parsed: tuple[int, Extraction | str] | None, extractor_version: str
                       ) -> Reprocessed:
    """Replace one stale document's rows with those `reextract` found, atomically, with its
    history; a document with no bytes found (`parsed` None), or whose parse ran out of time or
    memory, is left as it was (the latter with a history row saying so)."""
    document_id, previous = document["document_id"], document["extractor_version"]
    if parsed is None:
        return Reprocessed(document_id, previous, "missing", reason=_NOWHERE)
    size, result = parsed
    source = document["source"]  # where it came from, not where its copy is kept
    # One write transaction taking the lock up front (an ingest may be writing too); the
    # writes below nest in it as savepoints, so the old rows stay unless all of it commits.
    with write_transaction(db):
        before, rows_before = _figures(db, document_id), _counts(db, document_id)
        if isinstance(result, str) and is_resource_failure(result):
            status, reason = "failed", result  # nothing written but the attempt
        elif isinstance(result, str):
            record_quarantine(db, document_id, source, result, extractor_version, size,
                              pdf=pdf_of(result))
            status, reason = "quarantined", result
        else:
            load_extraction(db, document_id, source, result, extractor_version, size)
            status, reason = "loaded", None
        after = _figures(db, document_id)
        changed = sum(before.get(key) != after.get(key) for key in before.keys() | after.keys())
        record_history(db, {
            "document_id": document_id, "previous_version": previous,
            "extractor_version": extractor_version, "status": status, "reason": reason,
            "rows_before": rows_before, "rows_after": _counts(db, document_id),
            "rows_changed": changed, "figures_changed": int(changed > 0),
            "replaced_at": utc_now(),
        })
    return Reprocessed(document_id, previous, status, changed, reason)


def reprocess_all(db: Database, raw_dir: Path | None, extractor_version: str,
                  settings: Settings, workers: int | None = None) -> Iterator[Reprocessed]:
    """Reprocess every stale document, yielding each outcome as it is written."""
    jobs = [_Job(document, places_of(db, document, raw_dir))
            for document in stale_documents(db, extractor_version)]
    for job, parsed in extract_each(jobs, reextract, settings, workers):
        yield reprocess_document(db, job.document, parsed, extractor_version)


def reprocess_one(db: Database, document: dict[str, Any], raw_dir: Path | None,
                  extractor_version: str, settings: Settings) -> Reprocessed:
    """Re-extract one document (stale or not) and write it, as `reprocess_all` does."""
    [(job, parsed)] = extract_each([_Job(document, places_of(db, document, raw_dir))],
                                   reextract, settings, workers=1)
    return reprocess_document(db, job.document, parsed, extractor_version)
