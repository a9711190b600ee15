"""Deciding what a run must do before any Prefect machinery starts.

Hashing the files and asking the warehouse which documents it has settled takes a fraction of a
second for thousands of leaflets, while starting the temporary Prefect server takes seconds.
So `run_ingest_lazily` (what `lps ingest` and `flows.ingest.run_ingest` run) plans first
(`plan_for_paths`) and, when there is nothing to extract, records the run in the warehouse
directly (`record_without_flow`): the same tasks' functions, called plainly, and the same
summary, with no flow run (`flow_run_id` is None). It decides before Prefect is even imported:
importing Prefect (and so `flows.ingest`) costs 3 to 10 s of a 2-core machine, which was most
of a re-run's time: measured 11.7 s wall for 20 settled leaflets, of which 2.5 s CPU.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractors import EXTRACTOR_VERSION
from flows.sources import IngestPlan, discover_files, plan_ingest, read_candidate
from flows.summary import IngestSummary, Tally
from flows.writing import record_skipped_sources
from warehouse import known_document_ids, open_warehouse, record_run, table_counts, utc_now

__all__ = ["plan_files", "plan_for_paths", "record_without_flow", "run_ingest_lazily"]


def plan_files(files: Sequence[str], db_path: str, extractor_version: str) -> IngestPlan:
    """Name each file by its sha256 and skip documents the warehouse has settled, and repeats.

    Settled: loaded (by any extractor version), or quarantined by this extractor version (it
    would fail the same way again). Documents quarantined by an older version are retried.
    """
    with open_warehouse(db_path) as db:
        known = known_document_ids(db) | known_document_ids(
            db, "quarantined", extractor_version=extractor_version
        )
    return plan_ingest((read_candidate(Path(file)) for file in files), known)


def plan_for_paths(
    paths: Sequence[str], db_path: str, extractor_version: str
) -> tuple[list[str], IngestPlan]:
    """The files under `paths` and what a run would do with them (raises SourceNotFound)."""
    files = [str(path) for path in discover_files(paths)]
    return files, plan_files(files, db_path, extractor_version)


def record_without_flow(
    files: Sequence[str], plan: IngestPlan, db_path: str, started_at: str, clock: float
) -> IngestSummary:
    """Record a run that extracts nothing (every file settled or unreadable), as the flow would."""
    tally = Tally.for_plan(len(files), plan)
    run: dict[str, Any] = {
        "run_id": uuid.uuid4().hex, "started_at": started_at, "finished_at": utc_now(),
        **tally.counts(), "seconds": round(time.monotonic() - clock, 3), "flow_run_id": None,
    }
    with open_warehouse(db_path) as db:
        added = record_skipped_sources(db, plan.skipped)
        record_run(db, run)
        totals = table_counts(db)
    tally.rows["document_sources"] += added
    return IngestSummary(
        **run, warehouse=db_path, rows_written=tally.rows_written(), rows_in_warehouse=totals,
        not_loaded=tally.not_loaded,
    )


def run_ingest_lazily(
    paths: Sequence[str], db_path: str, workers: int | None = None,
    dask_address: str | None = None,
) -> IngestSummary:
    """Ingest `paths`, importing Prefect only when there is something to extract.

    A run with nothing new is recorded here without the import; otherwise the flow runs
    (`flows.ingest.run_ingest_flow`), whose own planning task hashes the files again, as they
    may have changed since.
    """
    started_at, clock = utc_now(), time.monotonic()
    files, plan = plan_for_paths(paths, db_path, EXTRACTOR_VERSION)
    if not plan.candidates:
        return record_without_flow(files, plan, db_path, started_at, clock)
    from flows.ingest import run_ingest_flow  # imports Prefect

    return run_ingest_flow(paths, db_path, workers, dask_address)
