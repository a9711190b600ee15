"""The ingest flow: find PDFs, skip what is loaded, extract in parallel, load with one writer.

Tasks wrap library functions (`flows.sources`, `flows.extraction`, `flows.writing`, `warehouse`)
and the flow only orchestrates. Extraction is CPU-bound pdfplumber work, so with more than one
worker it runs in a `ProcessPoolTaskRunner`; each task takes a batch of documents, which keeps the
number of task runs (and so writes to Prefect's own database) small. Loading stays in the flow's
process, one batch at a time as batches finish: SQLite has one writer, and progress is visible.

No task is cached by Prefect: the warehouse itself remembers which content hashes are loaded,
which is the cache that matters, keyed on bytes and never on paths. Nothing is retried: reading
local files and extracting are deterministic, and a failed write is reported, not repeated.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from extractors import EXTRACTOR_VERSION
from flows.extraction import Extracted, batches_for, extract_candidate, worker_count
from flows.fastpath import plan_files, run_ingest_lazily
from flows.guard import GuardedExtractor
from flows.runtime import local_prefect_api, share_api_with_workers
from flows.sources import Candidate, IngestPlan, discover_files
from flows.summary import IngestSummary, Tally, summary_to_markdown
from flows.writing import Written, record_skipped_sources, write_extracted
from warehouse import open_warehouse, record_run, table_counts, utc_now

__all__ = [
    "discover",
    "extract",
    "extraction_runner",
    "finish_run",
    "hash_and_skip_known",
    "ingest_flow",
    "load",
    "prepare_warehouse",
    "run_ingest",
    "run_ingest_flow",
]


@task(cache_policy=NO_CACHE)
def prepare_warehouse(db_path: str) -> None:
    """Create or migrate the warehouse and check it is writable, before any work is done."""
    open_warehouse(db_path).close()


@task(cache_policy=NO_CACHE)
def discover(paths: list[str]) -> list[str]:
    """Files to ingest: explicit files as given, folders searched for `.pdf` (any case)."""
    return [str(path) for path in discover_files(paths)]


@task(cache_policy=NO_CACHE)
def hash_and_skip_known(files: list[str], db_path: str, extractor_version: str) -> IngestPlan:
    """Name each file by its sha256 and skip documents the warehouse has settled, and repeats.

    Settled: loaded (by any extractor version), or quarantined by this extractor version (it
    would fail the same way again). Documents quarantined by an older version are retried.
    """
    return plan_files(files, db_path, extractor_version)


@task(cache_policy=NO_CACHE)
def extract(batch: list[Candidate]) -> list[Extracted]:
    """Extract a batch of documents; a bad file comes back with its quarantine reason.

    Parsing runs in a killable child (`flows.guard`): a file that overruns its time limit or
    crashes the parser is quarantined and the batch goes on."""
    with GuardedExtractor() as guard:
        return [
            extract_candidate(candidate, guard.extract, guard.limits.max_bytes)
            for candidate in batch
        ]


@task(cache_policy=NO_CACHE)
def load(extracted: list[Extracted], db_path: str, extractor_version: str) -> list[Written]:
    """Write a batch to the warehouse, one transaction per document (the single writer)."""
    with open_warehouse(db_path) as db:
        return [write_extracted(db, item, extractor_version) for item in extracted]


@task(cache_policy=NO_CACHE)
def finish_run(
    db_path: str, run: dict[str, Any], skipped: list[Candidate]
) -> tuple[int, dict[str, int]]:
    """Record the names skipped documents were seen under, and the run itself.

    Returns the number of new names, and every table's row count after the run.
    """
    with open_warehouse(db_path) as db:
        added = record_skipped_sources(db, skipped)
        record_run(db, run)
        return added, table_counts(db)


def extraction_runner(workers: int, dask_address: str | None = None) -> TaskRunner[Any]:
    """Processes for real parallelism (pdfplumber holds the GIL); one thread for one worker,
    which spares the seconds it takes to start a process that would do no more. With
    `dask_address`, the existing Dask cluster there runs the extraction (prefect-dask)."""
    if dask_address:
        from prefect_dask.task_runners import DaskTaskRunner  # only when a cluster is used

        dask_runner: TaskRunner[Any] = DaskTaskRunner(address=dask_address)
        return dask_runner
    if workers > 1:
        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=1)


def _as_finished(
    runner: TaskRunner[Any], batches: list[list[Candidate]]
) -> Iterator[list[Extracted]]:
    """Submit one extract task per batch; yield each batch's results as it finishes.

    Unlike `prefect.futures.as_completed`, which keeps every future (and so every batch's
    records) until the last one is done, a finished future is referenced only by the queue
    until it is taken: the records of loaded batches can be freed, so the flow's memory does
    not grow with the corpus (docs/scaling.md).
    """
    finished: queue.SimpleQueue[PrefectFuture[list[Extracted]]] = queue.SimpleQueue()
    for batch in batches:
        runner.submit(extract, {"batch": batch}).add_done_callback(finished.put)
    for _ in batches:
        yield finished.get().result()


def _flow_run_id() -> str | None:
    context = get_run_context()
    flow_run = getattr(context, "flow_run", None)
    return str(flow_run.id) if flow_run is not None else None


@flow(name="ingest-local-policing-summaries", validate_parameters=True)
def ingest_flow(
    paths: list[str], db_path: str, workers: int | None = None, dask_address: str | None = None
) -> IngestSummary:
    """Ingest the PDFs under `paths` into the warehouse at `db_path`.

    `workers`: extraction processes (default: one per CPU); `dask_address`: extract on the
    Dask cluster whose scheduler is there instead (`workers` then only sizes the batches;
    the workers must see the same paths). Fails only when the pipeline cannot
    work (warehouse unusable, a path that does not exist); bad documents are quarantined.
    """
    logger = get_run_logger()
    started_at, clock = utc_now(), time.monotonic()
    prepare_warehouse(db_path)
    files = discover(paths)
    plan = hash_and_skip_known(files, db_path, EXTRACTOR_VERSION)
    todo = len(plan.candidates)
    logger.info(
        "%d files: %d to extract, %d already in the warehouse or repeated, %d unreadable",
        len(files), todo, len(plan.skipped), len(plan.unreadable),
    )
    tally = Tally.for_plan(len(files), plan)
    if todo:
        workers_used = worker_count(workers, todo)
        batches = batches_for(plan.candidates, workers_used)
        with share_api_with_workers(), extraction_runner(workers_used, dask_address) as runner:
            for extracted in _as_finished(runner, batches):
                for item in extracted:
                    tally.add_extracted(item)
                writable = [item for item in extracted if not item.transient]
                for written in load(writable, db_path, EXTRACTOR_VERSION):
                    tally.add(written)
                logger.info("%d/%d documents extracted: %d loaded, %d quarantined",
                            tally.extracted, todo, tally.loaded, tally.quarantined)

    run: dict[str, Any] = {
        "run_id": uuid.uuid4().hex, "started_at": started_at, "finished_at": utc_now(),
        **tally.counts(), "seconds": round(time.monotonic() - clock, 3),
        "flow_run_id": _flow_run_id(),
    }
    sources_added, totals = finish_run(db_path, run, plan.skipped)
    tally.rows["document_sources"] += sources_added
    summary = IngestSummary(
        **run, warehouse=db_path, rows_written=tally.rows_written(), rows_in_warehouse=totals,
        not_loaded=tally.not_loaded,
    )
    create_markdown_artifact(
        markdown=summary_to_markdown(summary), key="ingest-summary",
        description=f"Documents and rows of ingest run {summary.run_id}",
    )
    return summary



def run_ingest(
    paths: list[str], db_path: str, workers: int | None = None, dask_address: str | None = None
) -> IngestSummary:
    """Ingest `paths` the way `lps ingest` does (`flows.fastpath.run_ingest_lazily`): when every
    file is already settled, the run is recorded without starting Prefect at all; otherwise
    `run_ingest_flow` runs the flow. Raises what the flow raises when the pipeline cannot work."""
    return run_ingest_lazily(paths, db_path, workers, dask_address)


def run_ingest_flow(
    paths: Sequence[str], db_path: str, workers: int | None = None,
    dask_address: str | None = None,
) -> IngestSummary:
    """Run `ingest_flow` against the configured Prefect API, or one quiet temporary server that
    is stopped only once it has recorded the run (see `flows.runtime`)."""
    with local_prefect_api() as api:
        summary = ingest_flow(
            paths=list(paths), db_path=db_path, workers=workers, dask_address=dask_address
        )
        if summary.flow_run_id:
            api.flow_run_ids.append(summary.flow_run_id)
    return summary
