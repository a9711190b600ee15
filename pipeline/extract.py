"""Running the extractor on files without letting one bad PDF stop the run.

`extract_candidate` always returns: a validated `Extraction`, or the reason the document goes to
quarantine. Extractors raise `ExtractionError` with an actionable reason; anything else a broken
file provokes in pdfminer or pdfplumber is caught here too and named, so the archivist sees
which file and what went wrong instead of a crashed run.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pdfplumber.utils.exceptions import PdfminerException
from pydantic import ValidationError

from extractors import ExtractionError, extract_document
from flows.safety import max_document_bytes
from flows.sources import Candidate, document_id_for
from schemas import Extraction

__all__ = [
    "MAX_BATCH",
    "OUT_OF_MEMORY",
    "TOO_DEEP",
    "Extracted",
    "batches_for",
    "extract_candidate",
    "extraction_or_reason",
    "worker_count",
]

#: Most documents one extract task takes. Batches keep the number of Prefect task runs small
#: (each is several API writes to a SQLite-backed server) while still spreading work over
#: workers and reporting progress as each batch lands.
MAX_BATCH = 20

#: Reasons for files that exhaust the parser rather than failing a check.
OUT_OF_MEMORY = (
    "ran out of memory while parsing: the file holds far more than a leaflet (a PDF bomb?); "
    "not loaded"
)
TOO_DEEP = "damaged PDF: its objects nest too deeply to parse (a PDF bomb?); not loaded"


@dataclass(frozen=True)
class Extracted:
    """One file's extraction: exactly one of `extraction` and `reason` is set.

    `transient` marks a reason that is not the document's fault (its file could not be read
    again): such a document is reported but not quarantined, so the next run tries it again.
    """

    candidate: Candidate
    extraction: Extraction | None = None
    reason: str | None = None
    transient: bool = False

    def __post_init__(self) -> None:
        if (self.extraction is None) == (self.reason is None):
            raise ValueError("an Extracted has either an extraction or a quarantine reason")


def _validation_reason(error: ValidationError) -> str:
    problems = "; ".join(
        ".".join(str(part) for part in problem["loc"]) + ": " * bool(problem["loc"])
        + problem["msg"]
        for problem in error.errors()
    )
    return f"extracted {error.title} failed validation: {problems}"


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether `error` or an exception it was raised from is a `kind` (pdfplumber wraps
    pdfminer's errors in `PdfminerException`)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, kind) or any(isinstance(arg, kind) for arg in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def extraction_or_reason(data: bytes) -> Extraction | str:
    """The document's records, or why it must be quarantined. Never raises for a bad file."""
    try:
        return extract_document(data)
    except ExtractionError as error:
        return str(error)
    except ValidationError as error:
        return _validation_reason(error)
    except MemoryError:
        return OUT_OF_MEMORY
    except Exception as error:  # a bad file must become a quarantine, never a crashed run
        if _caused_by(error, RecursionError):
            return TOO_DEEP
        if _caused_by(error, MemoryError):
            return OUT_OF_MEMORY
        if isinstance(error, PdfminerException):  # a page's content pdfminer cannot interpret
            return f"damaged PDF: pdfminer cannot parse it ({error})"
        detail = str(error) or "no detail"
        return f"unexpected {type(error).__name__} while extracting: {detail}"


def extract_candidate(
    candidate: Candidate,
    extract: Callable[[bytes], Extraction | str] = extraction_or_reason,
    max_bytes: int | None = None,
) -> Extracted:
    """Read the file again, check it is still the bytes that were hashed, and extract it.

    `extract` does the parsing (`flows.guard.GuardedExtractor.extract` runs it in a killable
    child); a file over `max_bytes` (default `flows.safety.max_document_bytes()`) is
    quarantined without being read.
    """
    limit = max_document_bytes() if max_bytes is None else max_bytes
    if candidate.size_bytes > limit:
        reason = (
            f"too large for a leaflet ({candidate.size_bytes:,} bytes; at most {limit:,}): "
            "not parsed"
        )
        return Extracted(candidate, reason=reason)
    try:
        data = Path(candidate.source).read_bytes()
    except OSError as error:
        reason = f"cannot read the file: {error.strerror or error}"
        return Extracted(candidate, reason=reason, transient=True)
    if document_id_for(data) != candidate.document_id:
        reason = "the file changed while it was being ingested; ingest it again"
        return Extracted(candidate, reason=reason, transient=True)
    result = extract(data)
    if isinstance(result, str):
        return Extracted(candidate, reason=result)
    return Extracted(candidate, extraction=result)


def worker_count(requested: int | None, documents: int) -> int:
    """How many extraction workers to run: as requested, else one per CPU, never more than work."""
    available = requested if requested and requested > 0 else (os.cpu_count() or 1)
    return max(1, min(available, documents))


def batches_for(candidates: Sequence[Candidate], workers: int) -> list[list[Candidate]]:
    """Split the work into batches: about four per worker (so a slow batch doesn't leave the
    other workers idle at the end), none larger than `MAX_BATCH`."""
    if not candidates:
        return []
    size = max(1, min(MAX_BATCH, math.ceil(len(candidates) / (workers * 4))))
    return [list(candidates[i : i + size]) for i in range(0, len(candidates), size)]
