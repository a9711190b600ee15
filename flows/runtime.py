"""Which Prefect API a run uses, and leaving it quietly once it has recorded the run.

`prefect_api()` chooses, in this order:

1. the configured API (`PREFECT_API_URL`, in the environment or a Prefect profile), checked to
   answer before anything is written (`PrefectApiUnavailable` otherwise);
2. the long-lived local server of `lps server start`, when it answers;
3. a temporary server for this run alone (`flows.server.TemporaryServer`), launched in its own
   process as the command begins (`ServerAhead`), so it imports while this one plans and
   imports the Prefect client, and asked to stop once it has recorded the run (its shutdown
   is not waited for).

Measured causes of noise and lost history with Prefect's own temporary server, and what is done
about each (the settings are in `flows.server.QUIET_ENVIRONMENT`):

- **Workers starting servers of their own.** A worker process that sees no API URL starts its
  own temporary server on the same `prefect.db`. The chosen URL is set for the whole run
  (`temporary_settings`) and exported to the environment that workers inherit.
- **Stopping the server before it has recorded the run.** Task-run states reach the server as
  events, written by a background recorder; stopping the server mid-write logged "Error
  flushing ... CancelledError" and lost the last task runs. Before a temporary server stops,
  `settle` sends this process's queued logs and events and waits until the server has recorded
  every task run the flow submitted as finished. A long-lived server needs no such wait: the
  queues are sent, and it records the rest after the command has exited.
- **Telemetry** and **several first runs at once**: see `flows.server`.
- **A server that stops answering.** Every call `lps` makes to a server has a timeout: the
  configured API is asked for its health with a 5 s timeout before anything is written, the
  client's requests time out after `_REQUEST_SECONDS` (unless PREFECT_API_REQUEST_TIMEOUT says
  otherwise), and a server found not answering when the run is over is not waited for. While
  the flow runs, `flows.supervise` watches the server.
- **Heartbeats**: off unless configured (`_NO_HEARTBEATS` says why).
- **A link to a server that is gone.** A flow run's "View at" link is printed only when the
  server outlives the run (a configured one, or `lps server start`'s), never a temporary one's.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flows.server import LocalServer, TemporaryServer, why_not_answering
from flows.task_count import expected_task_runs
from pipeline.timing import phase

__all__ = ["PrefectApi", "PrefectApiUnavailable", "PrefectServerGone", "ServerAhead",
           "prefect_api", "wait_until_recorded"]


#: Longest one request to a Prefect server may take (Prefect's default is 60 s).
_REQUEST_SECONDS = 20.0

#: Longest the configured API may take to answer its health check before a run.
_CHECK_SECONDS = 5.0


class PrefectApiUnavailable(Exception):
    """The configured Prefect API (PREFECT_API_URL) does not answer: no flow can run."""


class PrefectServerGone(Exception):
    """The run's Prefect server stopped answering after the run was recorded."""


@dataclass
class PrefectApi:
    """The API a run uses; register each flow run on it so a temporary server waits for it."""

    url: str
    kind: str  # 'configured', 'local' (lps server start) or 'temporary'
    flow_run_ids: list[str] = field(default_factory=list)


def _configured_api_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def _check_reachable(url: str) -> None:
    detail = why_not_answering(url, timeout=_CHECK_SECONDS)
    if detail is not None:
        raise PrefectApiUnavailable(
            f"cannot reach the Prefect API at {url} (PREFECT_API_URL): {detail}; "
            "start it with `prefect server start`, or unset PREFECT_API_URL to use "
            "`lps server start` or a temporary server"
        )


def _drain_client_queues(timeout: float) -> None:
    """Send this process's queued logs and events to the API now, not at interpreter exit.

    Waits for the event queue to empty first: stopping the events worker while it still holds
    items makes it log a "Still processing items" WARNING. The wait runs in a daemon thread so
    that an API that stopped answering costs `timeout`, never a hung exit.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    waiter = threading.Thread(target=EventsWorker.instance().wait_until_empty, daemon=True)
    waiter.start()
    waiter.join(timeout)
    APILogWorker.drain_all(timeout=timeout)
    EventsWorker.drain_all(timeout=timeout)


def wait_until_recorded(flow_run_id: str | UUID, timeout: float = 30.0,
                        quiet_period: float = 1.25) -> bool:
    """Wait until the API has recorded the flow run and every one of its task runs in a final
    state. When the flow said how many it ran (`flows.task_count`), that many, all final, is
    the answer. Otherwise, since the server's recorder writes task runs in batches once a
    second, the answer counts only once it has held (same number of task runs, all final) for
    `quiet_period` seconds, just over one batch. True then; False if `timeout` passes first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    flow_runs = FlowRunFilter(id=FlowRunFilterId(any_=[UUID(str(flow_run_id))]))
    expected = expected_task_runs(str(flow_run_id))
    deadline = time.monotonic() + timeout
    seen: tuple[int, float] | None = None  # (task runs, since when) while all are final
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_task_runs(flow_run_filter=flow_runs)
            now = time.monotonic()
            if not all(run.state is not None and run.state.is_final() for run in runs):
                seen = None
            elif expected is not None and len(runs) >= expected:
                return True
            elif seen is None or seen[0] != len(runs):
                seen = (len(runs), now)
            elif now - seen[1] >= quiet_period:
                return True
            time.sleep(0.1)
    return False


def settle(api: PrefectApi, timeout: float = 15.0) -> None:
    """Send queued logs and events; on a temporary server, wait until it has recorded the
    flow runs (it is about to stop). A server that no longer answers is not waited for:
    `PrefectServerGone` (the warehouse has recorded the run already)."""
    gone = why_not_answering(api.url, timeout=2.0)
    if gone is not None:
        import logging

        logging.disable(logging.CRITICAL)  # Prefect's client would log each failed send
        raise PrefectServerGone(
            f"the Prefect server at {api.url} stopped answering ({gone}) after the run: the "
            "warehouse holds every document and the run; only the server's history of it is "
            "incomplete")
    with phase("send logs and events to Prefect"):
        _drain_client_queues(timeout)
    if api.kind != "temporary":
        return
    with phase("wait for Prefect to record the run"):
        try:
            recorded = all(wait_until_recorded(run, timeout) for run in api.flow_run_ids)
        except Exception:  # it went away while being asked: its history only
            recorded = False
    if not recorded:
        from prefect.logging import get_logger

        get_logger("lps").warning(
            "the Prefect server had not recorded every task run after %.0fs; its history "
            "of this run may be incomplete (the warehouse is not affected)", timeout,
        )


#: Prefect's flow-run heartbeats, off unless the user sets them (PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
#: in the environment or a profile, wins). A heartbeat is an event sent as the flow run starts
#: and every 180 s, for an automation a user may build to mark runs whose heartbeats stop as
#: crashed. Its thread sleeps in whole seconds, and the flow run waits for it to wake as it
#: ends: up to a second of every run (0.4 to 0.9 s measured, most of a one-leaflet flow run).
#: A temporary server stops with the run and has no automations; `lps` marks its own runs
#: cancelled when stopped (`flows.supervise`).
_NO_HEARTBEATS: dict[str, Any] = {"flows.heartbeat_frequency": None}


def _client_settings(api: PrefectApi) -> dict[str, Any]:
    """Settings of this process's Prefect client for the run: requests time out; no "View at"
    link to a temporary server, which is gone when the run ends, and no check of its API
    version (Prefect's `client.server_version_check_enabled`): it is the Prefect installed
    here, started by this run, and the check is a request to a server that has only just
    started, on the way to the run's first."""
    updates: dict[str, Any] = {"api.url": api.url}
    if not os.environ.get("PREFECT_API_REQUEST_TIMEOUT"):
        updates["api.request_timeout"] = _REQUEST_SECONDS
    if api.kind == "temporary":
        updates["ui_url"] = ""
        updates["client.server_version_check_enabled"] = False
    return updates


@contextmanager
def _api_url_for_run(api: PrefectApi) -> Iterator[None]:
    """Point this process, and the workers it starts, at `api`."""
    from prefect.settings import temporary_settings

    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api.url  # inherited by worker processes
    try:
        with temporary_settings(updates=_client_settings(api), set_defaults=_NO_HEARTBEATS):
            yield
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before


#: Modules Prefect imports only when a flow is first called (the flow and task engines, the
#: encoder of a flow run's parameters: FastAPI's), about a tenth of a second a run, measured:
#: imported with the rest of Prefect, while a server starts, not after it answers.
#: `tests/test_runtime.py` fails when the pinned Prefect no longer has one of them.
IMPORTED_AHEAD = ("prefect.flow_engine", "prefect.task_engine", "prefect.utilities.visualization",
                  "fastapi.encoders")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while Prefect is imported, its objects frozen out
    of later collections after: the collector walked the import's objects again and again as
    they were made, a fifth of the import's time (1.7 s to 1.4 s, measured). Left as it was
    found when something else had turned it off."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _import_ahead() -> None:
    import importlib

    for name in IMPORTED_AHEAD:
        with suppress(ImportError):  # a saving, not a need: a run goes on without it
            importlib.import_module(name)


def _temporary_server_first() -> TemporaryServer | None:
    """A temporary server started before Prefect is imported, when the run will likely need
    one: no `PREFECT_API_URL` in the environment and no local server up. It imports and starts
    while this process imports Prefect (which may yet find an API URL in a profile: the server
    is then stopped unused)."""
    if os.environ.get("PREFECT_API_URL") or LocalServer.running() is not None:
        return None
    if "prefect.settings" in sys.modules and _configured_api_url():  # known at no cost
        return None
    server = TemporaryServer()
    with phase("launch a temporary Prefect server"):
        server.start()
    return server


class ServerAhead:
    """A temporary server launched as a command begins, before it plans, for the run that
    will likely follow; `prefect_api(ahead=...)` takes it, and `close` kills it if none did.

    The server takes about 3.5 s to import and answer, and it is the longest wait of a run
    with nothing configured: launched after the plan, it started 0.4 s into the command
    (the plan's imports: the extractors, the warehouse); launched first, 0.1 s. When the plan
    finds nothing new (a re-run), the server is killed while it is still importing, never
    having opened its database for writing: a process started and ended, about 20 ms of the
    command's time, measured.
    """

    def __init__(self) -> None:
        self._server = _temporary_server_first()

    def take(self) -> TemporaryServer | None:
        """The server, now the taker's to stop (None if none was launched)."""
        server, self._server = self._server, None
        return server

    def close(self) -> None:
        """Kill the server if no run took it."""
        server, self._server = self._server, None
        if server is not None:
            server.kill()

    def __enter__(self) -> ServerAhead:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


@contextmanager
def prefect_api(meanwhile: Callable[[], None] | None = None, ahead: ServerAhead | None = None
                ) -> Iterator[PrefectApi]:
    """The Prefect API for one run (see the module docstring); imports Prefect. `meanwhile`
    begins work that needs no Prefect (`pipeline.head_start`), so that work and the wait for
    Prefect overlap: at once when no server is starting (it shares the Prefect import's wait),
    else once Prefect is imported. A starting temporary server is the run's longest wait (three
    seconds of one core's importing), and begun at once, that work made it share the two cores
    with two other processes: one new leaflet took 0.5 s longer (medians of 10, measured).
    `ahead`: the command launched the server already (or found it needs none)."""
    server = ahead.take() if ahead is not None else _temporary_server_first()
    try:
        if meanwhile is not None and server is None:
            meanwhile()
        with phase("import Prefect"), _collector_paused():
            configured = _configured_api_url()
            import flows.ingest  # noqa: F401  (the flows' imports, while a server starts)

            _import_ahead()
        if meanwhile is not None and server is not None:
            meanwhile()
        if configured:
            if server is not None:
                server.stop()
                server = None
            with phase("check the configured Prefect API"):
                _check_reachable(configured)
            api = PrefectApi(configured, "configured")
            with _api_url_for_run(api):
                yield api
                settle(api)
            return
        local = LocalServer.running() if server is None else None
        if local is not None:
            api = PrefectApi(local.api_url, "local")
        else:
            if server is None:  # a local server that stopped answering in the meantime
                server = TemporaryServer()
                server.start()
            with phase("start a temporary Prefect server"):
                server.wait()
            api = PrefectApi(server.api_url, "temporary")
        with _api_url_for_run(api):
            yield api
            settle(api)
    except BaseException:
        if server is not None:  # a stopped run: its server need not finish what it was doing
            server.kill()
        raise
    finally:
        if server is not None:  # it has recorded the run (`settle`): not waited for
            with phase("stop the temporary Prefect server"):
                server.stop(wait=False)
