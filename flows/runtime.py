"""One Prefect API per ingest run, started quietly and stopped only when it has caught up.

Prefect 3.9 with no `PREFECT_API_URL` starts a temporary ("ephemeral") API server in a subprocess,
backed by SQLite. Run plainly it printed `database is locked`, shutdown tracebacks and ERROR
lines (measured with 500 trivial tasks, and with this project's flow on 62 PDFs). Measured
causes, and what this module does about each:

1. **Several servers on one SQLite file.** Every `ProcessPoolTaskRunner` worker sees no API URL
   either, so each starts its own ephemeral server on the same `prefect.db`: three writers to one
   SQLite file on two cores. `share_api_with_workers` exports the flow's own API URL to the
   workers; `local_prefect_api` starts the one server itself and sets `PREFECT_API_URL` for
   the whole run.
2. **Stopping the server before it has recorded the run.** Task-run states reach the server as
   events, written by a background recorder one event per transaction (Prefect's default batch
   size is 1). After 500 trivial tasks it was still writing 20+ s after the flow returned, and
   stopping the server then cancelled it mid-write ("Error flushing ... CancelledError"
   tracebacks) and lost the last task runs. The recorder now writes up to 100 events per
   transaction and flushes every second; `local_prefect_api` drains the client's log and event
   queues and waits until the server has recorded every task run as finished, then stops it.
3. **Telemetry.** On a new database the server's telemetry heartbeat writes its session row
   while start-up is still writing: that is the `database is locked` traceback. It then needs
   the network, and offline logs "Failed to send telemetry" at ERROR. Turned off by default.
4. **Several `lps ingest` runs at once.** Each starts its own server on the same PREFECT_HOME;
   on a new `prefect.db` they migrated it together and failed ("index ... already exists"
   tracebacks). `_starting_alone` lets one server start (and migrate) at a time.
5. **Start-up timeout.** A new `prefect.db` takes ~20 s to migrate on a 2-core machine, exactly
   Prefect's default 20 s limit; the default is raised to 120 s.

Settings are applied as *defaults*: anything the user sets in the environment or a profile wins.
With `PREFECT_API_URL` set (a running `prefect server start`) none of this is needed and the
configured server is used as it is.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.context import get_run_context
from prefect.events.worker import EventsWorker
from prefect.logging import get_logger
from prefect.logging.handlers import APILogWorker
from prefect.settings import get_current_settings, temporary_settings

__all__ = [
    "QUIET_DEFAULTS",
    "LocalPrefectApi",
    "PrefectApiUnavailable",
    "default_prefect_home",
    "local_prefect_api",
    "share_api_with_workers",
    "wait_until_recorded",
]

#: Defaults for the temporary server (see the module docstring for why each).
QUIET_DEFAULTS: dict[str, Any] = {
    "server.analytics_enabled": False,
    "server.ephemeral.startup_timeout_seconds": 120,
    "server.services.task_run_recorder.batch_size": 100,
    "server.services.task_run_recorder.flush_interval": 1,  # whole seconds: Prefect int()s it
}


class PrefectApiUnavailable(Exception):
    """The configured Prefect API (PREFECT_API_URL) does not answer: no flow can run."""


def _check_reachable(url: str) -> None:
    with get_client(sync_client=True) as client:
        error = client.api_healthcheck()
    if error is not None:
        detail = str(error) or type(error).__name__
        raise PrefectApiUnavailable(
            f"cannot reach the Prefect API at {url} (PREFECT_API_URL): {detail}; "
            "start it with `prefect server start`, or unset PREFECT_API_URL to use a "
            "temporary server"
        )


def default_prefect_home() -> Path:
    """Where the temporary server keeps its database when PREFECT_HOME is not set.

    A home of our own, not `~/.prefect`: its `prefect.db` is not shared with other projects'
    temporary servers (more writers on one SQLite file), nor with their profiles, and it stays
    small. It survives runs, so only the first run pays for migrating a new database, and
    `PREFECT_HOME=<this> prefect server start` shows the history of past runs.
    """
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "lps" / "prefect"


def _configured_api_url() -> str | None:
    return get_current_settings().api.url or None


@contextmanager
def share_api_with_workers() -> Iterator[None]:
    """Inside a flow: make subprocess workers use the flow's API instead of starting their own.

    Needed only when the flow itself runs against an implicitly started temporary server (no
    `PREFECT_API_URL`); otherwise the workers inherit the configured URL already.
    """
    if _configured_api_url():
        yield
        return
    url = str(get_run_context().client.api_url).rstrip("/")
    with temporary_settings(updates={"api.url": url}):
        yield


def _drain_client_queues(timeout: float) -> None:
    """Send this process's queued logs and events to the API now, not at interpreter exit.

    Waits for the event queue to empty first: stopping the events worker while it still holds
    items makes it log a "Still processing items" WARNING. (The log worker sends in batches and
    never marks items done, so it cannot be waited on this way; draining it is quiet.) The wait
    runs in a daemon thread so that an API that stopped answering costs `timeout`, never a hung
    exit.
    """
    waiter = threading.Thread(target=EventsWorker.instance().wait_until_empty, daemon=True)
    waiter.start()
    waiter.join(timeout)
    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)


def wait_until_recorded(
    flow_run_id: str | UUID, timeout: float = 30.0, quiet_period: float = 1.5
) -> bool:
    """Wait until the API has recorded every task run of the flow run in a final state.

    The server writes task runs in batches at least once a second, so the answer counts only
    once it has held (same number of task runs, all final) for `quiet_period` seconds; that
    also covers a flow with no tasks. True then; False if `timeout` passes first.
    """
    flow_runs = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))
    deadline = time.monotonic() + timeout
    seen: tuple[int, float] | None = None  # (task runs, since when) while all are final
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_task_runs(flow_run_filter=flow_runs)
            now = time.monotonic()
            if not all(run.state is not None and run.state.is_final() for run in runs):
                seen = None
            elif seen is None or seen[0] != len(runs):
                seen = (len(runs), now)
            elif now - seen[1] >= quiet_period:
                return True
            time.sleep(0.25)
    return False


@contextmanager
def _starting_alone(home: Path) -> Iterator[None]:
    """Hold an exclusive lock on `home` while one temporary server starts and migrates its
    database; other runs wait (the lock is the kernel's, so a killed run cannot leave it held)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "lps-server-start.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class LocalPrefectApi:
    """Handle on the run's API; tell it which flow run to wait for before the server stops."""

    def __init__(self, url: str, temporary: bool) -> None:
        self.url = url
        self.temporary = temporary
        self.flow_run_ids: list[str] = []

    def settle(self, timeout: float = 30.0) -> bool:
        """Drain queued logs and events, then wait for the server to record the flow runs."""
        _drain_client_queues(timeout)
        recorded = all(wait_until_recorded(run, timeout) for run in self.flow_run_ids)
        if not recorded:
            get_logger("lps").warning(
                "the Prefect server had not recorded every task run after %.0fs; its history "
                "of this run may be incomplete (the warehouse is not affected)", timeout,
            )
        return recorded


@contextmanager
def local_prefect_api(home: Path | None = None) -> Iterator[LocalPrefectApi]:
    """Use the configured Prefect API, or run one temporary server for the whole block.

    With `PREFECT_API_URL` set, checks that it answers (`PrefectApiUnavailable` if not), and
    yields it. Otherwise starts the server with
    `QUIET_DEFAULTS` and `home` as PREFECT_HOME (unless PREFECT_HOME is set), points every
    flow and subprocess worker at it, and on leaving waits for it to record the flow runs
    registered on the handle before stopping it.
    """
    configured = _configured_api_url()
    if configured:
        _check_reachable(configured)
        yield LocalPrefectApi(configured, temporary=False)
        _drain_client_queues(timeout=30.0)  # now, quietly, rather than at interpreter exit
        return
    home_update: dict[str, Any] = {}
    if "PREFECT_HOME" not in os.environ:
        chosen = home or default_prefect_home()
        chosen.mkdir(parents=True, exist_ok=True)
        home_update["home"] = str(chosen)
    # Imported here: the server package takes seconds to import and most callers never need it.
    from prefect.server.api.server import SubprocessASGIServer

    with temporary_settings(updates=home_update, set_defaults=QUIET_DEFAULTS):
        server = SubprocessASGIServer()  # the shared instance Prefect itself would start
        settings = get_current_settings()
        with _starting_alone(Path(settings.home)):
            server.start(timeout=settings.server.ephemeral.startup_timeout_seconds)
        api = LocalPrefectApi(server.api_url, temporary=True)
        try:
            with temporary_settings(updates={"api.url": server.api_url}):
                yield api
                api.settle()
        finally:
            server.stop()

