"""One deadline over every byte of a download: connecting, the headers, the body.

httpx's timeouts are per operation: each read may wait `timeout` seconds, so a server that
trickles its response *headers* a byte a second holds a download for ever (issue 20, item 7;
`--deadline` was checked only between the chunks of the body). So the client's connections go
through `DeadlineBackend`, an httpcore network backend over the standard one that bounds every
connect, read and write by what is left of the deadline of the download the thread is making
(`deadline`), and waits in slices of at most `_SLICE` seconds so that `stop_downloads` (on
SIGTERM) ends every download within a slice. A download past its deadline, or stopped, fails
with httpcore's own timeout errors, which `pipeline.fetch` turns into its reasons.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpcore
from httpcore._backends.sync import SyncBackend

__all__ = ["DeadlineBackend", "Stopped", "allow_downloads", "deadline", "pause", "stop_downloads",
           "stopping"]

#: Longest one wait on the network lasts before the deadline and the stop are looked at again.
_SLICE = 0.5

_LOCAL = threading.local()
_STOP = threading.Event()

Value = TypeVar("Value")


class Stopped(httpcore.ReadTimeout):
    """The run was asked to stop (SIGTERM): every download ends at once."""


def stop_downloads() -> None:
    """End every download in progress (within `_SLICE` seconds) and refuse new ones."""
    _STOP.set()


def allow_downloads() -> None:
    """Let downloads run again (a new run in the same process, after a stopped one)."""
    _STOP.clear()


def stopping() -> bool:
    """Whether `stop_downloads` was called."""
    return _STOP.is_set()


def pause(seconds: float) -> None:
    """Sleep `seconds` (a backoff), or less when the run is asked to stop."""
    _STOP.wait(seconds)


@contextmanager
def deadline(ends: float) -> Iterator[None]:
    """Bound every network operation this thread makes inside by `ends` (`time.monotonic`)."""
    previous = getattr(_LOCAL, "ends", None)
    _LOCAL.ends = ends
    try:
        yield
    finally:
        _LOCAL.ends = previous


def _waited(operation: Callable[[float | None], Value], timeout: float | None,
            expired: type[Exception]) -> Value:
    """`operation(wait)` in slices, until it succeeds or the per-operation timeout, the
    download's deadline or a stop ends it (`expired`, or `Stopped`)."""
    started = time.monotonic()
    ends = getattr(_LOCAL, "ends", None)
    while True:
        if _STOP.is_set():
            raise Stopped("the run was asked to stop")
        now = time.monotonic()
        left = [t for t in (None if timeout is None else started + timeout - now,
                            None if ends is None else ends - now) if t is not None]
        if left and min(left) <= 0:
            raise expired("timed out (the download's deadline)")
        wait = min([*left, _SLICE])
        try:
            return operation(wait)
        except expired:
            continue  # a slice ran out: look at the deadline and the stop again


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _waited(lambda wait: self._stream.read(max_bytes, wait), timeout,
                       httpcore.ReadTimeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # not sliced: a write cut short would have sent part of the buffer
        ends = getattr(_LOCAL, "ends", None)
        if ends is not None:
            left = ends - time.monotonic()
            if left <= 0:
                raise httpcore.WriteTimeout("timed out (the download's deadline)")
            timeout = left if timeout is None else min(timeout, left)
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        ends = getattr(_LOCAL, "ends", None)
        if ends is not None:
            left = max(0.001, ends - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """The standard blocking backend, every operation bounded as the module says."""

    def __init__(self) -> None:
        self._backend = SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        stream = _waited(lambda wait: self._backend.connect_tcp(
            host, port, wait, local_address, socket_options), timeout, httpcore.ConnectTimeout)
        return _Stream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("downloads use TCP only")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
