"""A flow run that can be stopped, and that notices when its Prefect server is gone.

`lps ingest` and `lps backfill` run their flow in a thread of its own (`supervised`) while the
main thread watches three things: the flow finishing, a signal (`pipeline.interrupt.Stop`: the
first Ctrl-C or SIGTERM) and the Prefect server answering its health check (every second; three
misses in a row and it is taken as gone). Prefect's client retries a server that does not answer
for minutes, and its events worker logs each failure; the flow's thread may be caught in those
retries, but the main thread is not, so a run always ends in bounded time:

1. it asks the flow to stop at the next batch (`Watch.stop`) and ends the extraction children
   (`pipeline.guard.stop_children`: their documents are not quarantined);
2. it waits for the batch being loaded, if any, to be loaded and counted (`landing`: loads are
   one transaction per document, so nothing is ever half written, and none is cut short);
3. it records the run in the warehouse (`record`: the documents loaded so far, the flow run);
4. where the server still answers (a signal), it marks the flow run cancelled;
5. it raises `RunStopped`, whose one line says what was kept and how to go on, and whose exit
   code is 130 (Ctrl-C), 143 (SIGTERM) or 1 (the server went away).

Prefect installs a SIGTERM handler only when a flow runs in the main thread, so in this thread
the run's signals stay `lps`'s. A flow run outside `supervised` (a deployment's worker, a test
calling the flow) has no watch: `landing` does nothing there.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flows.server import healthy
from pipeline.guard import stop_children
from pipeline.interrupt import RunStopped, Stop

__all__ = ["RunStopped", "Watch", "follow", "landing", "supervised"]

T = TypeVar("T")

#: How often the server is asked whether it answers, and how many misses in a row mean gone.
_POLL_SECONDS = 1.0
_MISSES = 3

#: Longest the batch being loaded may take to land once the run is stopping.
_LANDING_SECONDS = 10.0

#: Longest the server may take to mark the flow run cancelled.
_CANCEL_SECONDS = 3.0


class _StopRequested(Exception):
    """Raised in the flow's thread at the next batch once the run is stopping."""


@dataclass
class Watch:
    """What the flow's thread shares with the main thread."""

    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    flow_run_id: str | None = None
    #: Records the run as far as it went (the flow's counts so far) and returns its summary.
    recorder: Callable[[], Any] | None = None


_current: Watch | None = None


def follow(recorder: Callable[[], Any], flow_run_id: str | None) -> None:
    """Called by a supervised flow once it can record itself: how, and its flow run id."""
    if _current is not None:
        _current.recorder, _current.flow_run_id = recorder, flow_run_id


@contextmanager
def landing() -> Iterator[None]:
    """Around loading and counting one batch: a stopping run waits for it, and no batch starts
    to load once the run is stopping."""
    watch = _current
    if watch is None:
        yield
        return
    with watch.lock:
        if watch.stop.is_set():
            raise _StopRequested("the run is stopping")
        yield


def _watch_server(api_url: str, gone: threading.Event, done: threading.Event) -> None:
    misses = 0
    while not done.wait(_POLL_SECONDS):
        misses = 0 if healthy(api_url, timeout=2.0) else misses + 1
        if misses >= _MISSES:
            gone.set()
            return


def _mark_cancelled(flow_run_id: str, why: str) -> None:
    """Mark the flow run cancelled on the server, giving up after `_CANCEL_SECONDS`."""

    def cancel() -> None:
        from prefect.client.orchestration import get_client
        from prefect.states import Cancelled

        try:
            with get_client(sync_client=True) as client:
                client.set_flow_run_state(flow_run_id, Cancelled(message=why), force=True)
        except Exception:  # the server's history only: the warehouse has the run
            pass

    context = contextvars.copy_context()  # the run's Prefect settings: its server
    marker = threading.Thread(target=context.run, args=(cancel,), daemon=True,
                              name="cancel-flow-run")
    marker.start()
    marker.join(_CANCEL_SECONDS)


def supervised(run: Callable[[], T], api_url: str, describe: Callable[[Any], str]) -> T:
    """`run()` (a flow call) in a thread of its own, watched as the module docstring says.

    `describe(summary)` says what a stopped run kept, given the summary its flow recorded (None
    when it had loaded nothing yet), for the line `RunStopped` carries."""
    global _current
    watch, gone, done = Watch(), threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def flow_thread() -> None:
        try:
            outcome["result"] = run()
        except BaseException as error:  # re-raised in the main thread
            outcome["error"] = error

    _current = watch
    # Failing to send a batch of log lines to the server is said once, by the watch, not on
    # stderr by each send ("--- Error logging to API ---"): the standard library's switch for
    # errors in logging handlers, which Prefect's log worker honours.
    raising, logging.raiseExceptions = logging.raiseExceptions, False
    context = contextvars.copy_context()  # Prefect's settings for the run live in it
    runner = threading.Thread(target=context.run, args=(flow_thread,), daemon=True,
                              name="flow-run")
    watcher = threading.Thread(target=_watch_server, args=(api_url, gone, done), daemon=True,
                               name="watch-prefect-server")
    try:
        runner.start()
        watcher.start()
        try:
            while runner.is_alive():
                runner.join(0.2)
                if gone.is_set():
                    raise _ServerGone
        except Stop as stop:
            raise RunStopped(_stop(watch, describe, stop.why, api_url, cancel=True),
                             stop.code) from None
        except _ServerGone:
            why = f"the Prefect server at {api_url} stopped answering"
            raise RunStopped(_stop(watch, describe, why, api_url, cancel=False), 1) from None
    finally:
        done.set()
        _current = None
        if not gone.is_set():  # with the server gone, Prefect's log worker still flushes its
            logging.raiseExceptions = raising  # lines at exit: that failure is said already
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, _StopRequested):  # only after a stop, which raised already
            raise RunStopped("stopped", 1)
        raise error
    result: T = outcome["result"]
    return result


class _ServerGone(Exception):
    pass


def _stop(watch: Watch, describe: Callable[[Any], str], why: str, api_url: str, *,
          cancel: bool) -> str:
    """Stop the flow's work, keep what it loaded, record the run; the line to print."""
    # From here the run speaks for itself, in one line: the tasks failing as their children
    # are stopped, and Prefect's client retrying a server that is gone, would log tracebacks.
    logging.disable(logging.CRITICAL)
    watch.stop.set()
    stop_children()
    landed = watch.lock.acquire(timeout=_LANDING_SECONDS)
    try:
        kept = describe(watch.recorder() if watch.recorder is not None else None)
    except Exception as error:  # e.g. the warehouse locked past its timeout by another run
        kept = (f"the run could not be recorded ({error}); every document it loaded is kept "
                "whole. Run the same command again to go on")
    finally:
        if landed:
            watch.lock.release()
    if cancel and watch.flow_run_id and healthy(api_url, timeout=1.0):
        _mark_cancelled(watch.flow_run_id, why)
    return f"{why}: {kept}"
