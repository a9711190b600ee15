"""Extraction in a child process that can be killed: no file may hang or take down the run.

pdfminer is pure Python with no time or memory limits of its own: a PDF bomb (a huge content
stream, thousands of pages, objects nested thousands deep) can run for minutes or exhaust memory,
and a bug in a C extension could crash the interpreter. `GuardedExtractor` keeps one child
process per batch that extracts documents in turn. The parent waits at most `parse_seconds` for
each; a child that overruns is killed and the document quarantined ("took longer than ..."), a
child that dies (segfault, OOM killer, kill -9) quarantines the document it held, and in both
cases a fresh child takes the rest of the batch. The child's address space is capped
(`LPS_PARSE_MEMORY_MB`), so a bomb that gets past the cheap checks of `extractors.limits` meets a
MemoryError ("ran out of memory ...") instead of starving the machine. A child reports ready
before its first document, so its start-up is never counted against a document's time.

Those three reasons (out of time, out of memory, the child died) say that the parse hit a limit
of this run and this machine, not what is wrong with the file (`pipeline.failures`). Running out
of memory does not always surface as a MemoryError: a C library may turn a failed allocation
into an error of its own ("damaged", "cannot parse"), which would read as a verdict on a good
file and, on re-extraction, cost its loaded rows. So a verdict reached by a child whose address
space came within `_CAP_MARGIN_MB` of the cap is reported as out of memory instead
(`_at_the_memory_cap`): near the cap no verdict can be trusted.

Children come from a `forkserver` that has imported the extractors once per process, so starting
one costs milliseconds and never forks the (threaded) Prefect process itself. The limits are
`pipeline.settings.Settings` (`LPS_PARSE_SECONDS`, `LPS_PARSE_MEMORY_MB`); every command that
parses a document goes through here: ingest, backfill, reprocess, evaluate, extract and verify
--deep, and `lps debug` through `pipeline.guarded_call`, which runs other work in the same
children. A failure is reported as what it is (`pipeline.failures`): out of memory, out of time,
or a dead child, never a guess about the file; and a broken pipe to a child is that child's
death, never allowed to escape (click would take it for a closed stdout and exit in silence).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import select
import signal
import sys
import threading
import time
import weakref
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any

from pipeline.failures import OUT_OF_MEMORY, TIMED_OUT, died, is_resource_failure, timed_out
from pipeline.settings import OcrOptions, Settings
from schemas import Extraction

__all__ = ["ExtractionStopped", "GuardedExtractor", "extract_guarded", "start_children_early",
           "stop_children"]


class ExtractionStopped(Exception):
    """The run is stopping (`stop_children`): the document was not extracted, and must not be
    quarantined for it."""


#: Every extractor with a child, so a stopping run can end them all (`stop_children`).
_LIVE: weakref.WeakSet[GuardedExtractor] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()
_stopping = threading.Event()


def _cap_memory(megabytes: int) -> None:
    """Limit this process's address space, so an allocation past it raises MemoryError."""
    if megabytes > 0:
        cap = megabytes * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


#: How close to the memory cap a child's address space may have come for its verdict to count.
_CAP_MARGIN_MB = 16


def _peak_address_space_mb() -> float | None:
    """This process's peak address space (`VmPeak`), where the kernel says (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _at_the_memory_cap(memory_mb: int) -> bool:
    """Whether this process's address space came within `_CAP_MARGIN_MB` of `memory_mb`."""
    peak = _peak_address_space_mb()
    return memory_mb > 0 and peak is not None and peak >= memory_mb - _CAP_MARGIN_MB


def _trusted(result: Extraction | str, memory_mb: int) -> Extraction | str:
    """`result`, unless it is a verdict on the file reached at the memory cap: out of memory."""
    if isinstance(result, str) and not is_resource_failure(result) and _at_the_memory_cap(
            memory_mb):
        return OUT_OF_MEMORY
    return result


def _quiet_about_memory(unraisable: Any) -> None:
    """In the child: a generator closed after a MemoryError cannot finish either; its
    "Exception ignored" would be noise on the run's stderr (the parse is reported already)."""
    if not isinstance(unraisable.exc_value, MemoryError):
        sys.__unraisablehook__(unraisable)


def _end_with(run: int) -> None:
    """In the child: exit at once when the run (process `run`) is gone, even mid-parse.

    A run ended by `kill -9` closes its end of the pipe, but a child parsing a long document
    reads the pipe only once the parse is done, and the parse's time limit is the run's to
    enforce: the child, and the forkserver its pipe keeps alive, lived on. Linux says when a
    process ends through a pidfd (one thread waits, no polling); elsewhere the pid is looked
    at twice a second."""
    def wait() -> None:
        try:
            pidfd = os.pidfd_open(run)
        except (AttributeError, OSError):
            pidfd = None
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while True:
                try:
                    os.kill(run, 0)
                except ProcessLookupError:
                    break
                except PermissionError:  # another user's pid: the run's was reused
                    break
                time.sleep(0.5)
        os._exit(_RUN_GONE_EXIT)

    # The child's address space is capped (`_cap_memory`): the watcher must not take from the
    # parse's share. glibc would give the thread an arena of its own (64 MB of address space
    # reserved) and a stack of 8 MB: one arena for the process, and a small stack, instead.
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
    previous = threading.stack_size(_WATCHER_STACK)
    try:
        threading.Thread(target=wait, daemon=True, name="end-with-the-run").start()
    finally:
        threading.stack_size(previous)


#: glibc's `mallopt` parameter for the most arenas a process keeps.
_M_ARENA_MAX = -8
#: The watcher thread's stack: it only waits.
_WATCHER_STACK = 256 * 1024


def _serve(connection: Connection, memory_mb: int, max_pages: int, ocr: OcrOptions,
           run: int) -> None:
    """The child: extract each document sent until the pipe closes, saying (`_OCR_PAGE`)
    before each page it reads by OCR, so the parent gives that page its own time; it ends
    with the run that started it (`_end_with`)."""
    from pipeline.parse import extraction_or_reason

    def progress(page: int) -> None:
        connection.send((_OCR_PAGE, page))

    # Ctrl-C reaches every process of the terminal's foreground group: the run that owns this
    # child stops it (`stop_children`), so the child itself has nothing to say about it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(run)
    _cap_memory(memory_mb)
    sys.unraisablehook = _quiet_about_memory
    try:
        connection.send_bytes(_READY)
        while True:
            try:
                data = connection.recv_bytes()
            except (EOFError, OSError):
                return
            connection.send(_trusted(extraction_or_reason(data, max_pages, ocr, progress),
                                     memory_mb))
    except MemoryError:  # receiving the document or sending its records: out of memory, said
        os._exit(_NO_MEMORY_EXIT)  # so by the exit code (a traceback would need memory too)


#: The exit code of a child that ran out of memory outside the parse itself.
_NO_MEMORY_EXIT = 75

#: The exit code of a child whose run is gone (no one is left to read its answer).
_RUN_GONE_EXIT = 76


#: What a child sends once it is ready, so its start-up is not counted as parsing time.
_READY = b"ready"
#: What a child sends, with the page number, before it reads a page by OCR.
_OCR_PAGE = "ocr page"

#: Longest a new child may take to start (the forkserver imports the extractors once).
_START_SECONDS = 120.0


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # pipeline.forkserver_group: the forkserver and its children out of the terminal's
        # foreground group, so Ctrl-C reaches the run, which stops them (`stop_children`).
        context.set_forkserver_preload(["pipeline.forkserver_group", "pipeline.parse"])
        return context
    return multiprocessing.get_context("spawn")


def start_children_early() -> None:
    """Start the forkserver now, in the background: it imports the extractors while this
    process goes on (importing Prefect, starting a server), so the first guarded child is
    ready sooner. Does nothing where there is no forkserver."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def stop_children() -> None:
    """End every extraction child of this process now, as a stopping run does: the documents
    they held are not quarantined (their `extract` raises `ExtractionStopped`), and no child
    starts after this."""
    _stopping.set()
    with _LIVE_LOCK:
        extractors = list(_LIVE)
    for extractor in extractors:
        process = extractor._process
        if process is not None and process.is_alive():
            process.kill()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"


def _died(exitcode: int | None) -> str:
    """Why a child that died held no result: out of memory when it said so, else its death."""
    return OUT_OF_MEMORY if exitcode == _NO_MEMORY_EXIT else died(_death(exitcode))


class GuardedExtractor:
    """`extraction_or_reason` in a killable child; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: Any = None
        self._connection: Connection | None = None

    def __enter__(self) -> GuardedExtractor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and not issubclass(exc_type, Exception):
            self._stop()  # Ctrl-C or SIGTERM (`pipeline.interrupt.Stop`): no waiting
        else:
            self.close()

    def _start(self) -> Connection:
        if _stopping.is_set():
            raise ExtractionStopped("the run is stopping: no new extraction process")
        context = _context()
        parent: Connection
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, daemon=True,
            args=(child, self.settings.parse_memory_mb, self.settings.max_pages,
                  self.settings.ocr_options(), os.getpid()),
        )
        process.start()
        child.close()
        self._process, self._connection = process, parent
        with _LIVE_LOCK:
            _LIVE.add(self)
        try:
            ready = parent.poll(_START_SECONDS) and parent.recv_bytes() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:  # not the document's fault: fail the task rather than quarantine
            code = self._stop()
            raise RuntimeError(f"the extraction process did not start ({_death(code)})")
        return parent

    def _stop(self) -> int | None:
        """Kill the child (if any) and return its exit code."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if connection is not None:
            connection.close()
        if process is None:
            return None
        if process.is_alive():
            process.kill()
        process.join(5)
        code: int | None = process.exitcode
        return code

    def close(self) -> None:
        """Stop the child; the next document starts a new one."""
        if self._connection is not None:
            self._connection.close()  # the child sees EOF and returns
        if self._process is not None:
            self._process.join(2)
        self._stop()

    def _send(self, data: bytes) -> Connection | str:
        """Hand `data` to a child (a new one if the last died idle, once); the connection, or
        why no child would take it. A broken pipe here is the child's, never stdout's: it must
        not escape (click takes an escaping EPIPE for a closed stdout and exits 1 in silence)."""
        for attempt in (1, 2):
            try:
                connection = self._connection or self._start()
            except RuntimeError as error:  # the child could not even start (a tight cap)
                return died(str(error).removeprefix("the extraction process did not start (")
                            .removesuffix(")") + ", before it could start")
            try:
                connection.send_bytes(data)
                return connection
            except OSError:  # the child died: start another and try once more
                code = self._stop()
                if attempt == 2:
                    return _died(code)
        raise AssertionError("unreachable")  # pragma: no cover

    def extract(self, data: bytes) -> Extraction | str:
        """The document's records, or why it must be quarantined: never raises for a bad file,
        an overrun or a dead child."""
        connection = self._send(data)
        if isinstance(connection, str):
            return connection
        seconds = self.settings.parse_seconds
        deadline = time.monotonic() + seconds
        ocr_pages = 0
        while True:
            if not connection.poll(max(0.0, deadline - time.monotonic())):
                self._stop()
                if _stopping.is_set():
                    raise ExtractionStopped("the run stopped during this document's extraction")
                if ocr_pages:
                    return (
                        f"{TIMED_OUT}{seconds:g} s to parse and {ocr_pages} page(s) of OCR "
                        f"({self.settings.ocr_page_seconds:g} s each): stopped, so one file "
                        "cannot hold up the run; a smaller scan (300 dpi, greyscale) reads "
                        "faster, or raise LPS_OCR_PAGE_SECONDS"
                    )
                return timed_out(seconds)
            try:
                result: Extraction | str | tuple[str, int] = connection.recv()
            except (EOFError, OSError):
                code = self._stop()
                if _stopping.is_set():
                    raise ExtractionStopped("the run stopped during this document's extraction"
                                            ) from None
                return _died(code)
            if isinstance(result, tuple) and result[0] == _OCR_PAGE:
                ocr_pages += 1  # a page read by OCR has its own time
                deadline += self.settings.ocr_page_seconds
                continue
            assert not isinstance(result, tuple)
            return result


def extract_guarded(data: bytes, settings: Settings) -> Extraction | str:
    """One document's records, or why it must be quarantined, parsed in a guarded child."""
    with GuardedExtractor(settings) as guard:
        return guard.extract(data)
