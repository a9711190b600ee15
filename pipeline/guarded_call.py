"""Any parsing work, not only extraction, in a killable child with the guard's limits.

`lps debug` parsed in its own process: a 649-byte file took 7.4 GB, a self-referencing
`/Resources` looped for good (issue 20, item 9). `call_guarded` runs one function in a fresh
child of the guard's forkserver (`pipeline.guard`), with the same address-space cap
(`LPS_PARSE_MEMORY_MB`) and time limit (`LPS_PARSE_SECONDS`), and gives back its result. An
exception the function raises comes back as `CallFailed` with its message (exceptions need not
pickle). When a limit stops it, `GuardStopped` says which: out of memory, out of time, or the
child died, never a guess about the file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from pipeline.guard import (
    _at_the_memory_cap,
    _cap_memory,
    _context,
    _death,
    _quiet_about_memory,
)
from pipeline.settings import Settings

__all__ = ["CallFailed", "GuardStopped", "call_guarded"]

Result = TypeVar("Result")

_NO_MEMORY_EXIT = 75


class GuardStopped(Exception):
    """A limit of the run stopped the work: the message says which (memory, time, death)."""


class CallFailed(Exception):
    """The function raised in the child; the message is its exception's, `kind` its class's
    name (exceptions are not sent back whole: they need not pickle)."""

    def __init__(self, message: str, kind: str = "Exception") -> None:
        super().__init__(message)
        self.kind = kind


def _caused_by_memory(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError) or any(isinstance(a, MemoryError) for a in error.args):
            return True
        error = error.__cause__ or error.__context__
    return False


def _run(connection: Connection, memory_mb: int, function: Callable[..., Any],
         args: tuple[Any, ...]) -> None:
    _cap_memory(memory_mb)
    sys.unraisablehook = _quiet_about_memory
    try:
        try:
            outcome: tuple[bool, Any] = (True, function(*args))
        except MemoryError:
            raise
        except Exception as error:  # the caller's to handle, as if called in its process
            if _at_the_memory_cap(memory_mb) or _caused_by_memory(error):
                os._exit(_NO_MEMORY_EXIT)  # a library's words for a failed allocation
            outcome = (False, (str(error) or type(error).__name__, type(error).__name__))
        connection.send(outcome)
    except MemoryError:
        os._exit(_NO_MEMORY_EXIT)


def call_guarded(function: Callable[..., Result], args: tuple[Any, ...],
                 settings: Settings) -> Result:
    """`function(*args)` in a guarded child: its result; `CallFailed` with the message of the
    exception it raised; `GuardStopped` when it ran out of memory or time, or its process
    died. `function` and `args` must pickle (a module-level function and plain values)."""
    context = _context()
    parent, child = context.Pipe()
    process = context.Process(target=_run, daemon=True,
                              args=(child, settings.parse_memory_mb, function, args))
    process.start()
    child.close()
    try:
        if not parent.poll(settings.parse_seconds):
            raise GuardStopped(
                f"took longer than {settings.parse_seconds:g} s (LPS_PARSE_SECONDS): stopped "
                "(a limit of this run, not a verdict on the file; give it more time if the "
                "file is a leaflet)")
        try:
            ok, value = parent.recv()
        except (EOFError, OSError):
            process.join(5)
            raise GuardStopped(_stopped_by(process.exitcode, settings)) from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if not ok:
        raise CallFailed(*value)
    result: Result = value
    return result


def _stopped_by(exitcode: int | None, settings: Settings) -> str:
    if exitcode == _NO_MEMORY_EXIT:
        return (f"ran out of memory: it needs more than the {settings.parse_memory_mb} MB "
                "LPS_PARSE_MEMORY_MB allows (a limit of this run, not a verdict on the file; "
                "raise it if the file is a leaflet)")
    return f"the process reading it died ({_death(exitcode)}): a limit of this run, not a verdict"
