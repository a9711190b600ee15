"""Stopping a command on a signal, as a designed path: the first Ctrl-C (SIGINT) or SIGTERM asks
the command to stop cleanly, a second ends it at once.

`install()` (called once by the `lps` program, never by a library user) makes the first signal
raise `Stop` in the main thread, wherever it is; the command then stops what it started (the
extraction children, a temporary Prefect server), keeps what it loaded and says so, and exits
128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM, as a shell reports a process ended
by them. While it does that, a second signal exits at once with the same code.

`Stop` derives from `BaseException`, as `KeyboardInterrupt` does, so no `except Exception` on
the way up swallows it; it is not a `KeyboardInterrupt`, so click does not turn it into
"Aborted!" and exit code 1.
"""

from __future__ import annotations

import os
import signal
from types import FrameType

__all__ = ["RunStopped", "Stop", "install", "requested"]

_requested: int | None = None


class Stop(BaseException):
    """A signal asked the command to stop; `code` is the exit code it answers with."""

    def __init__(self, signum: int, why: str | None = None) -> None:
        self.signum = signum
        self.code = 128 + signum
        self.why = why or ("interrupted (Ctrl-C)" if signum == signal.SIGINT
                           else f"stopped by {signal.Signals(signum).name}")
        super().__init__(self.why)


class RunStopped(Exception):
    """A run stopped before its end and kept what it had done; `line` says what and how to
    go on, `code` is the exit code (130, 143, or 1 when its Prefect server went away)."""

    def __init__(self, line: str, code: int) -> None:
        super().__init__(line)
        self.line = line
        self.code = code


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    global _requested
    if _requested is not None:  # the second signal: no more cleaning up
        os.write(2, b"\nstopped at once (a second signal)\n")
        os._exit(128 + _requested)
    _requested = signum
    raise Stop(signum)


def install() -> None:
    """Make SIGINT and SIGTERM raise `Stop` in the main thread (a second one exits at once)."""
    global _requested
    _requested = None
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


def requested() -> int | None:
    """The signal that asked the command to stop, if one did."""
    return _requested
