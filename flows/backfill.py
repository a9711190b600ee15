"""The backfill flow: the stages of `pipeline.backfill` as tasks, then the ingest flow on what
was stored. Fetching retries transient failures itself, per URL (`pipeline.fetch`), so the
task is not retried as a whole; the ingest is `flows.ingest.ingest_flow` with the plan of the
stored documents, so extraction and loading are exactly those of `lps ingest`.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context

from flows.ingest import ingest_flow, prepare_warehouse
from flows.task_count import expect_task_runs
from pipeline.backfill import (
    Acquired,
    BackfillPlan,
    BackfillSummary,
    acquire,
    copy_paths,
    fetch_urls,
    finish_backfill,
    plan_backfill,
    stored_plan,
)
from pipeline.fetch import FetchPolicy, FetchResult
from pipeline.manifest import ManifestItem
from pipeline.plan import IngestPlan
from pipeline.settings import Settings

__all__ = ["backfill_flow", "copy", "fetch", "finish", "plan", "record", "to_ingest"]


@task(cache_policy=NO_CACHE)
def plan(items: list[ManifestItem], db_path: str, raw_dir: str, policy: FetchPolicy
         ) -> BackfillPlan:
    """What to download, what to copy, and what the store and the warehouse know already."""
    return plan_backfill(items, db_path, raw_dir, policy.max_bytes, policy.retry_refused)


@task(cache_policy=NO_CACHE)
def fetch(urls: list[str], raw_dir: str, policy: FetchPolicy) -> list[FetchResult]:
    """Download into the raw store, politely; each URL retried on transient failures only."""
    return fetch_urls(urls, raw_dir, policy)


@task(cache_policy=NO_CACHE)
def copy(made: BackfillPlan) -> list[FetchResult]:
    """Copy the manifest's local files into the raw store."""
    return copy_paths(made)


@task(cache_policy=NO_CACHE)
def record(db_path: str, made: BackfillPlan, fetched: list[FetchResult],
           copied: list[FetchResult]) -> Acquired:
    """Record each outcome in `fetches`; what the store holds for the manifest."""
    return acquire(db_path, made, fetched, copied)


@task(cache_policy=NO_CACHE)
def to_ingest(acquired: Acquired, raw_dir: str, db_path: str) -> IngestPlan:
    """The stored documents the warehouse has not settled."""
    return stored_plan(acquired, raw_dir, db_path)


@task(cache_policy=NO_CACHE)
def finish(db_path: str, made: BackfillPlan, acquired: Acquired, loaded: int,
           flow_run_id: str | None) -> BackfillSummary:
    """Record each document's origins and whether it is what the manifest expected."""
    return finish_backfill(db_path, made, acquired, loaded, flow_run_id)


@flow(name="backfill-local-policing-summaries", validate_parameters=False)
def backfill_flow(items: list[ManifestItem], db_path: str, raw_dir: str,
                  policy: FetchPolicy | None = None, workers: int | None = None,
                  plan_made: BackfillPlan | None = None, settings: Settings | None = None
                  ) -> BackfillSummary:
    """Fetch `items` into `raw_dir`, ingest what was stored, and check it against the manifest."""
    logger, settings = get_run_logger(), settings or Settings.from_env()
    prepare_warehouse(db_path)
    policy = policy or FetchPolicy(max_bytes=settings.max_bytes)
    made = plan_made or plan(items, db_path, raw_dir, policy)
    logger.info("%d items: %d URLs to fetch, %d local files to copy, %d in the store before",
                len(items), len(made.urls), len(made.paths), len(made.known))
    fetched = fetch(made.urls, raw_dir, policy)
    acquired = record(db_path, made, fetched, copy(made))
    stored = to_ingest(acquired, raw_dir, db_path)
    loaded = ingest_flow(paths=[c.source for c in stored.candidates], db_path=db_path,
                         workers=workers, plan_made=stored, settings=settings,
                         allow_empty=True).loaded if stored.candidates else 0
    flow_run = getattr(get_run_context(), "flow_run", None)
    flow_run_id = str(flow_run.id) if flow_run else None
    # prepare_warehouse, plan (unless made already), fetch, copy, record, to_ingest, finish,
    # and the ingest subflow's run as a task run of this one: a temporary server is then
    # stopped as soon as it has them all (`flows.task_count`)
    expect_task_runs(flow_run_id, 6 + (plan_made is None) + bool(stored.candidates))
    return finish(db_path, made, acquired, loaded, flow_run_id)
