"""The ingest flow: one Prefect task per stage of `pipeline`, and a flow that only orchestrates.

Extraction runs in batches on a thread pool whose threads each drive a guarded child process
(`pipeline.guard`), so the parallel work is the children's and no worker process has to import
Prefect; with `dask_address` the batches run on a Dask cluster instead. Loading stays in the
flow's thread, one batch at a time as batches finish: SQLite has one writer, and progress is
visible. Only writes to the warehouse are retried (a lock held past the busy timeout): a retried
document write is idempotent. No task is cached by Prefect: the warehouse itself remembers which
content hashes are settled, keyed on bytes and never on paths.

A batch's records and the plan reach their tasks `quote`d (Prefect's documented way): Prefect
otherwise walks every parameter, to the last field of the last row, looking for futures and
states to resolve, twice a task run; there are none in them, and the walk was about 6 ms of
this process's CPU a document (0.9 s of a 150-leaflet run), measured.
"""

from __future__ import annotations

import queue
import sqlite3
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from extractors import EXTRACTOR_VERSION
from flows.supervise import follow, landing
from flows.task_count import expect_task_runs
from pipeline.extract import Extracted, batches_for, worker_count
from pipeline.head_start import extract_batch_ahead
from pipeline.load import Written, load_batch
from pipeline.plan import IngestPlan, plan_paths
from pipeline.rawstore import keep_files, kept_files
from pipeline.report import IngestSummary, Tally, finish, summary_to_markdown
from pipeline.settings import Settings
from pipeline.sources import Candidate
from pipeline.timing import phase
from warehouse import open_warehouse

__all__ = ["extract", "extraction_runner", "finish_run", "ingest_flow", "load", "plan",
           "prepare_warehouse"]

T = TypeVar("T")


def _unvisited(value: T) -> T:
    """`value` as a task parameter Prefect does not walk (`quote`, see the module docstring);
    the task receives `value` itself, so it is typed as such."""
    return cast(T, quote(value))


def _locked(_task: Task[..., Any], _run: Any, state: Any) -> bool:
    """Retry a warehouse write only when the database was locked or busy (I/O), never a
    deterministic failure."""
    try:
        state.result()
    except sqlite3.OperationalError as error:
        return "locked" in str(error) or "busy" in str(error)
    except Exception:
        return False
    return False


@task(cache_policy=NO_CACHE)
def prepare_warehouse(db_path: str) -> None:
    """Create or migrate the warehouse and check it is writable, before any work is done."""
    open_warehouse(db_path).close()


@task(cache_policy=NO_CACHE)
def plan(paths: list[str], db_path: str, allow_empty: bool, follow_links: bool = False
         ) -> IngestPlan:
    """Find the files, hash each once, and skip what the warehouse has settled."""
    return plan_paths(paths, db_path, EXTRACTOR_VERSION, allow_empty=allow_empty,
                      follow_links=follow_links)


@task(cache_policy=NO_CACHE)
def extract(batch: list[Candidate], settings: Settings) -> list[Extracted]:
    """Parse a batch in a guarded child; a bad file comes back with its quarantine reason.
    What `lps ingest` began reading before the flow started is taken, not read again
    (`pipeline.head_start`)."""
    return extract_batch_ahead(batch, settings)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_locked)
def load(extracted: list[Extracted], db_path: str, raw_dir: str | None = None
         ) -> list[Written]:
    """Keep each file of the batch in the raw store (`raw_dir`), then write the batch to the
    warehouse, one transaction per document (the single writer)."""
    if raw_dir is not None:
        keep_files(Path(raw_dir), kept_files(item.candidate for item in extracted))
    return load_batch(extracted, db_path, EXTRACTOR_VERSION)


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, retry_condition_fn=_locked)
def finish_run(db_path: str, plan: IngestPlan, tally: Tally, flow_run_id: str | None
               ) -> IngestSummary:
    """Record the names skipped documents were seen under, and the run; the summary."""
    return finish(db_path, plan, tally, flow_run_id)


def extraction_runner(workers: int, dask_address: str | None = None) -> TaskRunner[Any]:
    """Threads that each drive a guarded child (the parallelism is the children's); with
    `dask_address`, the existing Dask cluster there (prefect-dask)."""
    if dask_address:
        from prefect_dask.task_runners import DaskTaskRunner  # only when a cluster is used

        dask_runner: TaskRunner[Any] = DaskTaskRunner(address=dask_address)
        return dask_runner
    return ThreadPoolTaskRunner(max_workers=workers)


def _as_finished(runner: TaskRunner[Any], batches: list[list[Candidate]], settings: Settings
                 ) -> Iterator[list[Extracted]]:
    """Submit one extract task per batch; yield each batch's results as it finishes. A
    finished future is referenced only by the queue until taken, so the records of loaded
    batches are freed and the flow's memory does not grow with the corpus."""
    finished: queue.SimpleQueue[PrefectFuture[list[Extracted]]] = queue.SimpleQueue()
    for batch in batches:
        runner.submit(extract, {"batch": batch, "settings": settings}).add_done_callback(
            finished.put)
    for _ in batches:
        yield finished.get().result()


def _flow_run_id() -> str | None:
    flow_run = getattr(get_run_context(), "flow_run", None)
    return str(flow_run.id) if flow_run is not None else None


@flow(name="ingest-local-policing-summaries", validate_parameters=True)
def ingest_flow(paths: list[str], db_path: str, workers: int | None = None,
                dask_address: str | None = None, allow_empty: bool = False,
                plan_made: IngestPlan | None = None, settings: Settings | None = None
                ) -> IngestSummary:
    """Ingest the PDFs under `paths` into the warehouse at `db_path` (`plan_made`: the plan
    `lps ingest` already made, so no file is hashed twice). Fails only when the pipeline
    cannot work (warehouse unusable, a missing path, no PDF); bad documents are quarantined."""
    logger, settings = get_run_logger(), settings or Settings.from_env()
    raw_dir = str(settings.raw_dir(db_path))
    made = plan_made or plan(paths, db_path, allow_empty, settings.follow_links)
    prepare_warehouse(db_path)
    tally, flow_run_id = Tally.for_plan(made), _flow_run_id()
    follow(partial(finish, db_path, made, tally, flow_run_id), flow_run_id)
    logger.info("%d files: %d to extract, %d settled before or repeated, %d unreadable",
                made.seen, len(made.candidates), len(made.skipped), len(made.unreadable))
    count = worker_count(workers, len(made.candidates))
    batches = batches_for(made.candidates, count, settings.max_batch)
    with extraction_runner(count, dask_address) as runner, phase("  of which extract and load"):
        for extracted in _as_finished(runner, batches, settings):
            with landing():  # a stopping run waits for this batch, and starts no other
                logger.info(tally.land(extracted, load(_unvisited(extracted), db_path, raw_dir)))
    summary = finish_run(db_path, _unvisited(made), tally, flow_run_id)
    # plan (unless made already), prepare_warehouse, an extract and a load a batch, finish_run
    expect_task_runs(flow_run_id, (plan_made is None) + 1 + 2 * len(batches) + 1)
    create_markdown_artifact(markdown=summary_to_markdown(summary), key="ingest-summary",
                             description=f"Documents and rows of ingest run {summary.run_id}")
    return summary
