"""Starting a run: Prefect only when there is something to extract or fetch.

`ingest` and `backfill` plan first (`pipeline.plan`, `pipeline.backfill`: the files are found
and hashed once, the warehouse only read). A run with nothing new is recorded right away by the
same stages, with no Prefect import and no flow run (`flow_run_id` is None): a re-run costs a
fraction of a second. Otherwise the flow runs with the plan already made, on the API
`flows.runtime.prefect_api` chooses; nothing is written before that API is known to answer.

When nothing is configured, the temporary server is launched before the plan
(`flows.runtime.ServerAhead`) and killed, still importing, when the plan finds nothing new.
Prefect is imported here only inside the functions that need it, and the planning's modules
only once that server has been launched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flows.runtime import ServerAhead
from pipeline.interrupt import Stop
from pipeline.timing import phase

if TYPE_CHECKING:  # the backfill's modules (httpx among them) load only for a backfill, the
    # planning's and the report's (the extraction modules, the warehouse) only once a
    # temporary server has been launched (`flows.runtime.ServerAhead`)
    from pipeline.backfill import BackfillSummary
    from pipeline.fetch import FetchPolicy
    from pipeline.manifest import ManifestItem
    from pipeline.plan import IngestPlan
    from pipeline.report import IngestSummary
    from pipeline.settings import Settings

__all__ = ["backfill", "ingest"]

#: What a run says when it starts Prefect (the command has been quiet until then).
STARTING = "starting Prefect…"


def _quiet(_line: str) -> None:
    pass


def _kept(summary: IngestSummary | None, db_path: str, left: int) -> str:
    """What a stopped ingest kept, and how to go on."""
    if summary is None:
        return (f"nothing was loaded; {db_path} is as it was. Run the same command again to "
                "ingest")
    left = max(0, left - summary.loaded - summary.quarantined)
    return (f"{summary.loaded} documents loaded and {summary.quarantined} quarantined by this "
            f"run are kept in {db_path} (run {summary.run_id[:12]}, recorded); {left} not "
            "yet. Run the same command again to go on")


def ingest(paths: Sequence[str], db_path: str, settings: Settings, *,
           workers: int | None = None, dask_address: str | None = None,
           allow_empty: bool = False, say: Callable[[str], None] = _quiet) -> IngestSummary:
    """Ingest `paths` into `db_path`, the way `lps ingest` does (`say`: progress lines for a
    person, such as "starting Prefect…"). A run stopped by a signal or by its Prefect server
    going away raises `flows.supervise.RunStopped` once it has recorded what it loaded."""
    with ServerAhead() as ahead:
        from extractors import EXTRACTOR_VERSION
        from pipeline.plan import plan_paths
        from pipeline.rawstore import keep_files, kept_files
        from warehouse import check_writable

        with phase("plan (find, hash, skip what is settled)"):
            made = plan_paths(paths, db_path, EXTRACTOR_VERSION, allow_empty=allow_empty,
                              follow_links=settings.follow_links)
        check_writable(db_path)
        with phase("keep settled files in the raw store"):  # new ones: as they are loaded
            keep_files(settings.raw_dir(db_path), kept_files(made.skipped))
        if not made.candidates:
            from pipeline.report import Tally, finish

            ahead.close()
            with phase("record the run"):
                return finish(db_path, made, Tally.for_plan(made))
        return _run_ingest(paths, db_path, settings, made, ahead, workers=workers,
                           dask_address=dask_address, say=say)


def _run_ingest(paths: Sequence[str], db_path: str, settings: Settings, made: IngestPlan,
                ahead: ServerAhead, *, workers: int | None, dask_address: str | None,
                say: Callable[[str], None]) -> IngestSummary:
    """The flow run of an ingest with something to extract."""
    if dask_address:
        from flows.dask_check import check_cluster

        with phase("check the Dask cluster"):
            check_cluster(dask_address)
    say(STARTING)
    from flows.runtime import prefect_api
    from pipeline.guard import start_children_early
    from pipeline.head_start import HeadStart

    # The planned files are read while Prefect loads and its server starts; on a Dask cluster
    # the batches are read there, and the forkserver only gets ready for the run's end.
    head = None if dask_address else HeadStart(made.candidates, settings, workers)
    try:
        with prefect_api(meanwhile=head.begin if head else start_children_early,
                         ahead=ahead) as api:
            from flows.ingest import ingest_flow
            from flows.supervise import supervised

            with phase("flow run"):
                summary = supervised(
                    lambda: ingest_flow(paths=list(paths), db_path=db_path, workers=workers,
                                        dask_address=dask_address, plan_made=made,
                                        settings=settings),
                    api.url, lambda done: _kept(done, db_path, len(made.candidates)))
            if summary.flow_run_id:
                api.flow_run_ids.append(summary.flow_run_id)
    except (Stop, KeyboardInterrupt):  # a signal before or during the flow run
        from pipeline.guard import stop_children

        # the head start's children too: nothing more will be taken. Only for a signal: the
        # process ends, and in a process that goes on (an error here) no later run could
        # start a child again
        stop_children()
        raise
    finally:
        if head is not None:
            head.close()
    return summary


def backfill(items: list[ManifestItem], db_path: str, raw_dir: str, policy: FetchPolicy,
             settings: Settings, *, workers: int | None = None,
             say: Callable[[str], None] = _quiet) -> BackfillSummary:
    """Fetch `items` into `raw_dir` and ingest them, the way `lps backfill` does."""
    with ServerAhead() as ahead:
        from pipeline.backfill import (
            acquire,
            acquired,
            copy_paths,
            finish_backfill,
            plan_backfill,
            stored_plan,
        )
        from warehouse import check_writable

        with phase("plan (what to fetch, copy and extract)"):
            made = plan_backfill(items, db_path, raw_dir, policy.max_bytes,
                                 policy.retry_refused)
        check_writable(db_path)
        if made.acquires_nothing and not stored_plan(acquired(made, [], []), raw_dir,
                                                     db_path).candidates:
            ahead.close()
            with phase("record the run"):  # refused paths are recorded as failures: no copying
                return finish_backfill(db_path, made,
                                       acquire(db_path, made, [], copy_paths(made)), 0)
        say(STARTING)
        from flows.runtime import prefect_api
        from pipeline.guard import start_children_early

        with prefect_api(meanwhile=start_children_early, ahead=ahead) as api:
            from flows.backfill import backfill_flow
            from flows.supervise import supervised

            with phase("flow run"):
                summary = supervised(
                    lambda: backfill_flow(items=items, db_path=db_path, raw_dir=raw_dir,
                                          policy=policy, workers=workers, plan_made=made,
                                          settings=settings),
                    api.url,
                    lambda done: _kept(done, db_path, len(made.urls) + len(made.paths)))
            if summary.flow_run_id:
                api.flow_run_ids.append(summary.flow_run_id)
        return summary
