"""Starting a run: Prefect only when there is something to extract or fetch.

`ingest` and `backfill` plan first (`pipeline.plan`, `pipeline.backfill`: the files are found
and hashed once, the warehouse only read). A run with nothing new is recorded right away by the
same stages, with no Prefect import, no server and no flow run (`flow_run_id` is None): a
re-run costs a fraction of a second. Otherwise the flow runs with the plan already made, on the
API `flows.runtime.prefect_api` chooses; nothing is written before that API is known to answer.
Prefect is imported here only inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from extractors import EXTRACTOR_VERSION
from pipeline.plan import plan_paths
from pipeline.report import IngestSummary, Tally, finish
from pipeline.settings import Settings
from pipeline.timing import phase
from warehouse import check_writable

if TYPE_CHECKING:  # the backfill's modules (httpx among them) load only for a backfill
    from pipeline.backfill import BackfillSummary
    from pipeline.fetch import FetchPolicy
    from pipeline.manifest import ManifestItem

__all__ = ["backfill", "ingest"]


def ingest(paths: Sequence[str], db_path: str, settings: Settings, *,
           workers: int | None = None, dask_address: str | None = None,
           allow_empty: bool = False) -> IngestSummary:
    """Ingest `paths` into `db_path`, the way `lps ingest` does."""
    with phase("plan (find, hash, skip what is settled)"):
        made = plan_paths(paths, db_path, EXTRACTOR_VERSION, allow_empty=allow_empty,
                          follow_links=settings.follow_links)
    check_writable(db_path)
    if not made.candidates:
        with phase("record the run"):
            return finish(db_path, made, Tally.for_plan(made))
    from flows.runtime import prefect_api
    from pipeline.guard import start_children_early

    start_children_early()  # the extractors load in the forkserver while Prefect loads here
    with prefect_api() as api:
        from flows.ingest import ingest_flow

        with phase("flow run"):
            summary = ingest_flow(paths=list(paths), db_path=db_path, workers=workers,
                                  dask_address=dask_address, plan_made=made, settings=settings)
        if summary.flow_run_id:
            api.flow_run_ids.append(summary.flow_run_id)
    return summary


def backfill(items: list[ManifestItem], db_path: str, raw_dir: str, policy: FetchPolicy,
             settings: Settings, *, workers: int | None = None) -> BackfillSummary:
    """Fetch `items` into `raw_dir` and ingest them, the way `lps backfill` does."""
    from pipeline.backfill import (
        acquire,
        acquired,
        copy_paths,
        finish_backfill,
        plan_backfill,
        stored_plan,
    )

    with phase("plan (what to fetch, copy and extract)"):
        made = plan_backfill(items, db_path, raw_dir, policy.max_bytes, policy.retry_refused)
    check_writable(db_path)
    if made.acquires_nothing and not stored_plan(acquired(made, [], []), raw_dir,
                                                 db_path).candidates:
        with phase("record the run"):  # refused paths are recorded as failures: no copying
            return finish_backfill(db_path, made, acquire(db_path, made, [], copy_paths(made)), 0)
    from flows.runtime import prefect_api
    from pipeline.guard import start_children_early

    start_children_early()
    with prefect_api() as api:
        from flows.backfill import backfill_flow

        with phase("flow run"):
            summary = backfill_flow(items=items, db_path=db_path, raw_dir=raw_dir,
                                    policy=policy, workers=workers, plan_made=made,
                                    settings=settings)
        if summary.flow_run_id:
            api.flow_run_ids.append(summary.flow_run_id)
    return summary
