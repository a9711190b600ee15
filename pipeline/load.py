"""The load stage: extraction results into the warehouse, one document per transaction.

A document whose rows the warehouse refuses (a constraint such as NOT NULL or a duplicate key)
is a fault of that document's records, so it is quarantined with the database's words and the
run goes on. Any other database error (locked, disk full, read-only) means the warehouse itself
cannot be written: it propagates and the run stops, because quarantining every remaining
document for a fault that is not theirs would be wrong.

A document another run loaded while this one extracted it is reported as already known,
whatever this run made of it: its rows stay (see `_quarantine`), and `loaded` counts only the
documents this run wrote.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from pipeline.extract import Extracted
from pipeline.parse import pdf_of
from pipeline.sources import Candidate
from warehouse import (
    LoadOutcome,
    load_extraction,
    open_warehouse,
    record_quarantine,
    record_source,
    write_transaction,
)

__all__ = ["Written", "load_batch", "record_skipped_sources", "write_extracted"]


@dataclass(frozen=True)
class Written:
    """What happened to one document: `reason` is set when it went to quarantine."""

    source: str
    document_id: str
    outcome: LoadOutcome
    reason: str | None


def _quarantine(db: Database, item: Extracted, reason: str, extractor_version: str) -> Written:
    """Record the document's quarantine, unless another run loaded it meanwhile: an ingest never
    replaces loaded rows (only `lps reprocess` re-extracts a loaded document), so this run's
    failure, most likely a limit of time or memory, leaves them be and the document counts as
    already known."""
    candidate = item.candidate
    with write_transaction(db):
        if db.table("documents").count_where(
                "document_id = ? and status = 'loaded'", [candidate.document_id]):
            added = record_source(db, candidate.document_id, candidate.source,
                                  source_root=candidate.root)
            unchanged = LoadOutcome("unchanged", {"document_sources": added})
            return Written(candidate.source, candidate.document_id, unchanged, None)
        outcome = record_quarantine(
            db, candidate.document_id, candidate.source, reason, extractor_version,
            candidate.size_bytes, source_root=candidate.root, pdf=pdf_of(item.reason),
        )
    return Written(candidate.source, candidate.document_id, outcome, reason)


def write_extracted(db: Database, item: Extracted, extractor_version: str) -> Written:
    """Load the document, or record its quarantine; see the module docstring for failures."""
    candidate = item.candidate
    if item.extraction is None:
        return _quarantine(db, item, item.reason or "no reason given", extractor_version)
    try:
        outcome = load_extraction(
            db, candidate.document_id, candidate.source, item.extraction, extractor_version,
            candidate.size_bytes, source_root=candidate.root,
        )
    except sqlite3.IntegrityError as error:
        reason = f"the warehouse refused its records: {error}"
        return _quarantine(db, item, reason, extractor_version)
    return Written(candidate.source, candidate.document_id, outcome, None)


def load_batch(extracted: Iterable[Extracted], db_path: str | Path, extractor_version: str
               ) -> list[Written]:
    """Write a batch, one transaction per document; a document whose file could not be read
    again (`transient`) is left for the next run, not quarantined."""
    with open_warehouse(db_path) as db:
        return [write_extracted(db, item, extractor_version) for item in extracted
                if not item.transient]


def record_skipped_sources(db: Database, skipped: Iterable[Candidate]) -> int:
    """Remember the names under which already-known documents were seen again; count new ones."""
    added = 0
    with write_transaction(db):
        for candidate in skipped:
            if db.table("documents").count_where("document_id = ?", [candidate.document_id]):
                added += record_source(db, candidate.document_id, candidate.source,
                                       source_root=candidate.root)
    return added
