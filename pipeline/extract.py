"""The extract stage: each planned file's records, or the reason it goes to quarantine.

`extract_candidate` reads a planned file again (it was hashed, not kept, at planning), checks by
size and modification time that it is still the file that was hashed, and parses it in the
guard's child. `extract_each` does the same for any list of byte sources on a few guarded
children at once, for the commands that run without Prefect (evaluate, reprocess); the ingest
flow splits its candidates with `batches_for` and runs `extract_batch` as tasks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from pipeline.guard import GuardedExtractor, stop_children
from pipeline.interrupt import Stop
from pipeline.settings import Settings
from pipeline.sources import Candidate, document_id_for
from schemas import Extraction

__all__ = [
    "BATCHES_PER_WORKER",
    "Extracted",
    "batches_for",
    "extract_batch",
    "extract_candidate",
    "extract_each",
    "too_large",
    "worker_count",
]

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Extracted:
    """One file's extraction: exactly one of `extraction` and `reason` is set.

    `transient` marks a reason that is not the document's fault (its file could not be read
    again, or changed): such a document is reported but not quarantined, so the next run
    tries it again.
    """

    candidate: Candidate
    extraction: Extraction | None = None
    reason: str | None = None
    transient: bool = False

    def __post_init__(self) -> None:
        if (self.extraction is None) == (self.reason is None):
            raise ValueError("an Extracted has either an extraction or a quarantine reason")


def too_large(size: int, settings: Settings) -> str | None:
    """The quarantine reason for a file over the byte cap, else None."""
    if size <= settings.max_bytes:
        return None
    return (f"too large for a leaflet ({size:,} bytes; at most {settings.max_bytes:,}): "
            "not parsed")


def extract_candidate(candidate: Candidate, guard: GuardedExtractor) -> Extracted:
    """Read a planned file again, check it is unchanged since it was hashed, and parse it in
    the guard's child; a file over the byte cap is quarantined without being read."""
    reason = too_large(candidate.size_bytes, guard.settings)
    if reason is not None:
        return Extracted(candidate, reason=reason)
    try:
        data = candidate.file.read_bytes()
    except OSError as error:
        reason = f"cannot read the file: {error.strerror or error}"
        return Extracted(candidate, reason=reason, transient=True)
    if len(data) != candidate.size_bytes or not candidate.unchanged() or document_id_for(
            data) != candidate.document_id:  # a file swapped since it was hashed: not it
        reason = "the file changed while it was being ingested; ingest it again"
        return Extracted(candidate, reason=reason, transient=True)
    result = guard.extract(data)
    if isinstance(result, str):
        return Extracted(candidate, reason=result)
    return Extracted(candidate, extraction=result)


def extract_batch(batch: Sequence[Candidate], settings: Settings) -> list[Extracted]:
    """Extract a batch in turn on one guarded child (a new child only after a kill)."""
    with GuardedExtractor(settings) as guard:
        return [extract_candidate(candidate, guard) for candidate in batch]


def extract_each(
    items: Sequence[Item], parse: Callable[[Item, GuardedExtractor], Result],
    settings: Settings, workers: int | None = None,
) -> Iterator[tuple[Item, Result]]:
    """`parse(item, guard)` for every item, on `workers` guarded children at once (one per
    CPU by default), yielded in the order of `items`. Each child is started once and parses
    its share in turn."""
    count = worker_count(workers, len(items))
    if count <= 1:
        with GuardedExtractor(settings) as guard:
            for item in items:
                yield item, parse(item, guard)
        return
    guards = [GuardedExtractor(settings) for _ in range(count)]
    free: list[GuardedExtractor] = list(guards)

    def run(item: Item) -> Result:
        guard = free.pop()  # list.pop and append are atomic: one guard per running thread
        try:
            return parse(item, guard)
        finally:
            free.append(guard)

    try:
        with ThreadPoolExecutor(max_workers=count) as pool:
            try:
                yield from zip(items, pool.map(run, items), strict=True)
            except (Stop, KeyboardInterrupt):  # Ctrl-C: end the children, start no other
                stop_children()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        for guard in guards:
            guard.close()


def worker_count(requested: int | None, documents: int) -> int:
    """How many extraction workers to run: as requested, else one per CPU, never more than work."""
    available = requested if requested and requested > 0 else (os.cpu_count() or 1)
    return max(1, min(available, documents))


#: Batches per worker: enough that the last batches, taken by whichever worker is free, end
#: close together (a worker idle while another finishes a long batch is time lost), few enough
#: that Prefect records tens of task runs, not thousands.
BATCHES_PER_WORKER = 8


def batches_for(candidates: Sequence[Candidate], workers: int, max_batch: int
                ) -> list[list[Candidate]]:
    """Split the work into batches: about `BATCHES_PER_WORKER` per worker, none larger than
    `max_batch`."""
    if not candidates:
        return []
    size = max(1, min(max_batch, math.ceil(len(candidates) / (workers * BATCHES_PER_WORKER))))
    return [list(candidates[i : i + size]) for i in range(0, len(candidates), size)]
