"""Where a command's wall time goes, from the process's start to its exit.

Each command reports its wall time measured from the moment the operating system started the
process (so the interpreter's start and every import count), not from when its own code began.
Phases (planning, importing Prefect, starting the server, the flow run, waiting for the server,
stopping it) are timed with `phase` as they happen; `lps ... -v` prints them (`breakdown`), and
the benchmark reads them from there. One recorder per process, as logging has one root logger.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["breakdown", "phase", "phases", "process_started", "record", "reset", "since_start"]

_phases: dict[str, float] = {}


def _boot_time_of_process() -> float | None:
    """Seconds since boot at which this process started (Linux `/proc`), else None."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    started = int(fields[19]) / ticks  # field 22 of stat, counted after the ")" that ends comm
    return time.monotonic() - (up - started)


_STARTED = _boot_time_of_process() or time.monotonic()


def process_started() -> float:
    """The process's start on the `time.monotonic()` clock (when this module was first imported,
    where the operating system does not say)."""
    return _STARTED


def since_start() -> float:
    """Seconds of wall time since the process started."""
    return time.monotonic() - _STARTED


def record(name: str, seconds: float) -> None:
    """Add `seconds` to phase `name`."""
    _phases[name] = _phases.get(name, 0.0) + seconds


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Time the block as phase `name` (added to it if it runs more than once)."""
    _phases.setdefault(name, 0.0)  # listed where it began, before any phase nested in it
    started = time.monotonic()
    try:
        yield
    finally:
        record(name, time.monotonic() - started)


def phases() -> dict[str, float]:
    """The phases timed so far, in the order they first ran."""
    return dict(_phases)


def reset() -> None:
    """Forget the phases (a command run more than once in one process, as tests do)."""
    _phases.clear()


def breakdown(total: float) -> str:
    """The phases and what is left of `total` (start-up, imports, printing), one per line."""
    timed = phases()
    width = max([len(name) for name in timed] + [len("total (start to exit)")])
    lines = [f"  {name:<{width}}  {seconds:7.2f} s" for name, seconds in timed.items()]
    nested = sum(seconds for name, seconds in timed.items() if name.startswith("  "))
    lines.append(f"  {'other (start-up, imports, output)':<{width}}  "
                 f"{total - (sum(timed.values()) - nested):7.2f} s")
    lines.append(f"  {'total (start to exit)':<{width}}  {total:7.2f} s")
    return "wall time:\n" + "\n".join(lines)
