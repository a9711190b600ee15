"""Extraction that starts as soon as the plan is made, before Prefect is ready.

Before a flow can run, `lps ingest` imports Prefect (about a second of CPU) and, with nothing
configured, waits for a temporary Prefect server to start (two to three seconds). The plan is
known before either begins, so the guard's children (`pipeline.guard`) can read the planned
files meanwhile: `HeadStart.begin` starts one thread per extraction worker, each driving a
guarded child through the candidates in plan order, and the flow's extract tasks then take the
results they need (`extract_batch_ahead`), waiting for any still being read. Nothing changes in
what is extracted, how, or under which limits; only when. The flow still orchestrates every
stage, and loads only what its tasks returned.

Only the process that began the head start has it: a task run elsewhere (a Dask worker, a
deployment's flow run) finds none and extracts its batch itself, as does a task given a
candidate the head start does not hold. A run that stops (a signal, a server gone) ends the
children with `pipeline.guard.stop_children`, as before; the head start's unread candidates
are dropped by `close`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future

from pipeline.extract import Extracted, extract_batch, extract_candidate, worker_count
from pipeline.guard import GuardedExtractor
from pipeline.settings import Settings
from pipeline.sources import Candidate

__all__ = ["HeadStart", "extract_batch_ahead"]

_current: HeadStart | None = None
_current_lock = threading.Lock()


class HeadStart:
    """The planned candidates, read ahead of the flow by `workers` guarded children."""

    def __init__(self, candidates: Sequence[Candidate], settings: Settings,
                 workers: int | None = None) -> None:
        self.settings = settings
        self.workers = worker_count(workers, len(candidates))
        #: Not yet taken by a task (`take`); the readers go through `_pending` in plan order.
        self._results: dict[Candidate, Future[Extracted]] = {
            candidate: Future() for candidate in candidates}
        self._pending: deque[tuple[Candidate, Future[Extracted]]] = deque(
            self._results.items())
        self._every = list(self._results.values())
        self._lock = threading.Lock()
        self._closed = False

    def begin(self) -> None:
        """Start reading, in daemon threads (a stopped run never waits for them), and make
        this the head start the flow's tasks take from; nothing once closed."""
        global _current
        if self._closed:
            return
        with _current_lock:
            _current = self
        for number in range(self.workers if self._pending else 0):
            threading.Thread(target=self._read, daemon=True,
                             name=f"head-start-{number}").start()

    def _next(self) -> tuple[Candidate, Future[Extracted]] | None:
        with self._lock:
            while self._pending:
                candidate, result = self._pending.popleft()
                if result.set_running_or_notify_cancel():  # not cancelled by `close`
                    return candidate, result
        return None

    def _read(self) -> None:
        """One worker: a guarded child extracting candidates in plan order until none is left."""
        with GuardedExtractor(self.settings) as guard:
            while (taken := self._next()) is not None:
                candidate, result = taken
                try:
                    result.set_result(extract_candidate(candidate, guard))
                except BaseException as error:  # ExtractionStopped: the taker raises it
                    result.set_exception(error)

    def take(self, candidate: Candidate) -> Future[Extracted] | None:
        """The extraction of `candidate`, once, if this head start holds it."""
        with self._lock:
            return self._results.pop(candidate, None)

    def close(self) -> None:
        """Read nothing more: a candidate not yet begun is cancelled (a task waiting for it
        gets `CancelledError`), results not yet taken are dropped, and this is no longer the
        head start tasks take from."""
        global _current
        self._closed = True
        with self._lock:
            self._pending.clear()
            self._results = {}
        for result in self._every:
            result.cancel()  # nothing for one begun or done
        with _current_lock:
            if _current is self:
                _current = None


def extract_batch_ahead(batch: Sequence[Candidate], settings: Settings) -> list[Extracted]:
    """`extract_batch`, taking from this process's head start each candidate it holds and
    extracting the others here."""
    with _current_lock:
        ahead = _current
    taken = [ahead.take(candidate) if ahead is not None else None for candidate in batch]
    rest = iter(extract_batch([c for c, t in zip(batch, taken, strict=True) if t is None],
                              settings) if None in taken else [])
    return [t.result() if t is not None else next(rest) for t in taken]
