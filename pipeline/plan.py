"""The first stage: what a run must do, decided before anything is written or started.

`plan_paths` finds the files, hashes each once, and asks the warehouse (read-only: a missing
warehouse knows nothing yet) which documents it has settled. The plan then travels with the run:
the flow extracts `plan.candidates` without finding or hashing anything again, and a plan with
no candidates is recorded without Prefect at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.failures import is_resource_failure
from pipeline.links import FolderFile, check_folder_files
from pipeline.sources import (
    Candidate,
    NoDocuments,
    Unreadable,
    discover_files,
    read_candidate,
    roots_of,
    shown_name,
)
from warehouse import WarehouseMissing, known_document_ids, open_warehouse

__all__ = ["IngestPlan", "plan_files", "plan_paths", "plan_readings", "settled_documents"]


@dataclass(frozen=True)
class IngestPlan:
    """What a run will do with the files it found."""

    seen: int  # files found
    candidates: list[Candidate]  # new bytes, to extract (each document once)
    skipped: list[Candidate]  # already settled, or the same bytes as an earlier file this run
    unreadable: list[Unreadable]


def plan_readings(readings: Iterable[Candidate | Unreadable], known: Collection[str]
                  ) -> IngestPlan:
    """Keep the first file of each document not already settled (`known` ids); skip the rest."""
    candidates: list[Candidate] = []
    skipped: list[Candidate] = []
    unreadable: list[Unreadable] = []
    planned: set[str] = set()
    seen = 0
    for reading in readings:
        seen += 1
        if isinstance(reading, Unreadable):
            unreadable.append(reading)
        elif reading.document_id in known or reading.document_id in planned:
            skipped.append(reading)
        else:
            planned.add(reading.document_id)
            candidates.append(reading)
    return IngestPlan(seen, candidates, skipped, unreadable)


def settled_documents(db_path: str | Path, extractor_version: str) -> frozenset[str]:
    """Documents a run need not extract again: loaded (by any extractor version), or quarantined
    by this one for their content (it would fail the same way). One quarantined because its
    parse ran out of time or memory is not settled: the next run tries it again
    (`pipeline.failures.is_resource_failure`). Reads the warehouse without creating it."""
    try:
        db = open_warehouse(db_path, writable=False)
    except WarehouseMissing:
        return frozenset()
    with db:
        refused = db.table("documents").rows_where(
            "status = 'quarantined' and extractor_version = ?", [extractor_version],
            select="document_id, reason")
        return known_document_ids(db) | frozenset(
            row["document_id"] for row in refused if not is_resource_failure(row["reason"] or ""))


def plan_files(files: Sequence[str | Path], db_path: str | Path, extractor_version: str,
               roots: Mapping[Path, str] | None = None,
               checked: Mapping[Path, FolderFile] | None = None) -> IngestPlan:
    """Hash each file once and skip the documents the warehouse has settled, and repeats.
    `roots` says which folder each file's source is stored relative to; `checked`, which
    files found in a folder are refused for leading out of it (`pipeline.links`): those are
    not read, and only their refusal is recorded."""
    known = settled_documents(db_path, extractor_version)
    roots, checked = roots or {}, checked or {}

    def reading(file: Path) -> Candidate | Unreadable:
        found = checked.get(file)
        if found is not None and found.refused is not None:
            return Unreadable(shown_name(file), found.refused)
        return read_candidate(file, roots.get(file), found.identity if found else None)

    return plan_readings((reading(Path(file)) for file in files), known)


def plan_paths(paths: Sequence[str | Path], db_path: str | Path, extractor_version: str,
               *, allow_empty: bool = False, follow_links: bool = False) -> IngestPlan:
    """The plan for the files under `paths`. Raises `SourceNotFound` for a path that does not
    exist, and `NoDocuments` when they hold no PDF (unless `allow_empty`), before any file is
    read or the warehouse touched. A file found in a folder that is a link leading out of it
    is refused unless `follow_links` (`pipeline.links`)."""
    files = discover_files(paths)
    if not files and not allow_empty:
        shown = ", ".join(str(path) for path in paths)
        raise NoDocuments(
            f"no PDF files in {shown}: nothing to ingest (folders are searched for *.pdf; "
            "give --allow-empty when an empty drop folder is expected)"
        )
    checked = {} if follow_links else check_folder_files(paths, files)
    return plan_files(files, db_path, extractor_version, roots_of(paths, files), checked)
