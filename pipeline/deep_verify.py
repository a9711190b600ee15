"""`lps verify --deep`: every loaded document read again from its PDF and compared, figure by
figure, with what the warehouse holds.

The digests (`warehouse.digests`) catch a value changed after it was written, unless whoever
changed it also recorded a new digest. Only the document itself cannot be edited that way: its
bytes are its id. So each loaded document is found again (the raw store, else every path it
was seen at: `pipeline.reprocess.places_of`), checked against its hash, parsed in the guard's
child with the limits of an ingest (`pipeline.guard`), turned into rows as the loader would
(`warehouse.rows`), and every value compared with the stored row of the same number.

Only documents written by the extractor running now are compared: another version may read a
leaflet differently without anything being wrong (that is what `lps reprocess` is for). Those,
documents whose bytes are nowhere to be found, and documents whose parse met a limit of the run
(out of time or memory, a dead child: `pipeline.failures`), are listed as not compared (could
not be checked), never passed and never reported as problems of the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipeline.extract import extract_each, too_large
from pipeline.failures import is_resource_failure
from pipeline.guard import GuardedExtractor
from pipeline.reprocess import locate_raw, places_of
from pipeline.settings import Settings
from schemas import Extraction
from warehouse.conflicts import short
from warehouse.findings import REINGEST, CheckResult, Problem
from warehouse.rows import document_row, extraction_to_rows
from warehouse.tables import CHILD_TABLES

__all__ = ["deep_check"]

#: `documents` columns that come from the leaflet itself (the rest say when and how it was read).
_DESCRIBED = ("publisher", "area", "area_code", "period", "template", "page_count", "commander",
              "needs_review")
_FIX = "re-extract it from its PDF: " + REINGEST

Job = tuple[dict[str, Any], list[Path]]


def _reextract(job: Job, guard: GuardedExtractor) -> Extraction | str | None:
    """The document's records as its PDF gives them now, the reason it would be refused, or
    None when its bytes are nowhere to be found."""
    document, places = job
    found = locate_raw(places, document["document_id"])
    if found is None:
        return None
    _path, data = found
    return too_large(len(data), guard.settings) or guard.extract(data)


def _name(row: dict[str, Any]) -> str:
    for column in ("label", "name", "item", "ward"):
        if row.get(column):
            return f" ({row[column]})"
    return ""


def _row_problems(document_id: str, table: str, stored: dict[int, dict[str, Any]],
                  expected: dict[int, dict[str, Any]]) -> Iterator[Problem]:
    for number in sorted(stored.keys() | expected.keys()):
        held, given = stored.get(number), expected.get(number)
        if held is None or given is None:
            where = "in its PDF, not in the warehouse" if held is None else (
                "in the warehouse, not in its PDF")
            row = given if held is None else held
            assert row is not None
            yield Problem("deep", table, f"row {number}{_name(row)}: {where}", _FIX,
                          document_id, number)
            continue
        for column, value in given.items():
            if column not in ("document_id", "row_number") and held.get(column) != value:
                yield Problem("deep", table, f"row {number}{_name(given)} {column}: the "
                              f"warehouse holds {held.get(column)!r}, its PDF gives {value!r}",
                              _FIX, document_id, number)


def _differences(db: Database, document: dict[str, Any], extraction: Extraction
                 ) -> Iterator[Problem]:
    """Every value of the document the warehouse holds otherwise than its PDF gives it."""
    document_id = document["document_id"]
    described = document_row(document_id, document["source"], status="loaded",
                             extractor_version="", size_bytes=0, ingested_at="",
                             extraction=extraction)
    for column in _DESCRIBED:
        if document[column] != described[column]:
            yield Problem("deep", "documents", f"{column}: the warehouse holds "
                          f"{document[column]!r}, its PDF gives {described[column]!r}", _FIX,
                          document_id)
    rows = extraction_to_rows(document_id, extraction)
    for table in CHILD_TABLES:
        stored = {row["row_number"]: row for row in db.query(
            f"SELECT * FROM [{table}] WHERE document_id = ?", [document_id])}
        expected = {row["row_number"]: row for row in rows[table]}
        yield from _row_problems(document_id, table, stored, expected)


def deep_check(db: Database, raw_dir: Path | None, extractor_version: str, settings: Settings,
               workers: int | None = None) -> CheckResult:
    """Compare every loaded document written by `extractor_version` with its PDF."""
    loaded = list(db.query("SELECT * FROM documents WHERE status = 'loaded' "
                           "ORDER BY document_id"))
    current = [doc for doc in loaded if doc["extractor_version"] == extractor_version]
    jobs: list[Job] = [(doc, places_of(db, doc, raw_dir)) for doc in current]
    problems: list[Problem] = []
    notes: list[str] = []
    compared = 0
    for (document, _places), parsed in extract_each(jobs, _reextract, settings, workers):
        document_id = document["document_id"]
        if parsed is None:
            notes.append(f"{short(document_id)} not compared: no copy of its bytes in the raw "
                         f"store or at its sources ({document['source']})")
        elif isinstance(parsed, str) and is_resource_failure(parsed):
            notes.append(f"{short(document_id)} could not be checked: its parse met a limit of "
                         f"this run, which says nothing of the document: {parsed}")
        elif isinstance(parsed, str):
            problems.append(Problem("deep", "documents", f"its PDF no longer extracts: "
                                    f"{parsed}", _FIX, document_id))
        else:
            compared += 1
            problems.extend(_differences(db, document, parsed))
    stale = len(loaded) - len(current)
    if stale:
        notes.append(f"{stale} document(s) not compared: written by another extractor version "
                     f"than {extractor_version} (`lps reprocess` first)")
    return CheckResult("deep", compared, "documents compared with their PDFs", problems, notes)
