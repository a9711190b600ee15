"""Why a parse did not finish: a verdict on the document, or a limit of the run it met.

Most reasons a document is not loaded are verdicts on its content (not a PDF, an unknown
edition, a table that contradicts itself): the same bytes fail the same way every time. Three
are not: the parse took longer than `LPS_PARSE_SECONDS`, ran out of the `LPS_PARSE_MEMORY_MB`
address space, or its process died (the kernel's OOM killer, a kill from outside). They depend
on the limits in force and on how busy the machine was, so `is_resource_failure` tells them
apart, and such a document is treated as not yet tried: the next ingest extracts it again
(`pipeline.plan`), the next reprocess too, and a loaded document that meets one on
re-extraction keeps its rows (`pipeline.reprocess`). A tight memory cap or a busy machine must
never cost data (issue 12, item 2).
"""

from __future__ import annotations

__all__ = ["DIED", "OUT_OF_MEMORY", "TIMED_OUT", "died", "is_resource_failure", "timed_out"]

#: The reason for a parse that met the memory cap (`pipeline.parse` catches the MemoryError).
OUT_OF_MEMORY = (
    "ran out of memory while parsing: it needs more than the LPS_PARSE_MEMORY_MB cap allows "
    "(a limit of this run, not a verdict on the file); not loaded, tried again by the next run"
)
#: How the reason for a parse the guard stopped at its time limit begins (`pipeline.guard`).
TIMED_OUT = "took longer than "
#: How the reason for a parse whose process died begins (`pipeline.guard`).
DIED = "the extraction process died while parsing it"

#: How earlier versions worded `OUT_OF_MEMORY` (warehouses hold it as a quarantine reason).
_EARLIER_OUT_OF_MEMORY = (
    "ran out of memory while parsing: the file holds far more than a leaflet (a PDF bomb?); "
    "not loaded",
)


def timed_out(seconds: float) -> str:
    """The reason for a parse the guard stopped at `seconds` (LPS_PARSE_SECONDS)."""
    return (f"{TIMED_OUT}{seconds:g} s to parse (LPS_PARSE_SECONDS): stopped, so one file "
            "cannot hold up the run (a limit of this run, not a verdict on the file); tried "
            "again by the next run")


def died(how: str) -> str:
    """The reason for a parse whose process died (`how`: 'signal SIGKILL', 'exit code 1')."""
    cause = ("killed from outside or by the system's out-of-memory killer"
             if how == "signal SIGKILL" else "it crashed or was stopped")
    return (f"{DIED} ({how}): {cause}; not a verdict on the file, tried again by the next run")


def is_resource_failure(reason: str) -> bool:
    """Whether a quarantine `reason` says the parse ran out of time or memory, or lost its
    process: the limits and the machine at the time, not the file's content, so it is worth
    trying again (with more time or memory, or on a quieter machine)."""
    return (reason in (OUT_OF_MEMORY, *_EARLIER_OUT_OF_MEMORY)
            or reason.startswith((TIMED_OUT, DIED)))
