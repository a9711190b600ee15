"""Parsing one document's bytes into its records, or the reason it goes to quarantine.

`extraction_or_reason` never raises for a bad file. Extractors raise `ExtractionError` with an
actionable reason; anything else a broken file provokes in pdfminer or pdfplumber is caught
here too and named, so the archivist sees which file and what went wrong instead of a crashed
run. It runs inside the guard's child process (`pipeline.guard`), which adds the limits of time
and memory that no in-process code can enforce.
"""

from __future__ import annotations

from pdfplumber.utils.exceptions import PdfminerException
from pydantic import ValidationError

from extractors import ExtractionError, UnreadableDocument, extract_document
from extractors.limits import MAX_PAGES
from extractors.pdf_info import pdf_info_of
from pipeline.failures import OUT_OF_MEMORY
from schemas import Extraction, PdfInfo

__all__ = ["OUT_OF_MEMORY", "TOO_DEEP", "Reason", "extraction_or_reason", "pdf_of",
           "with_pdf_info"]


class Reason(str):
    """A quarantine reason that also carries what the PDF says about itself (its title may name
    the borough and year, its creator the generator that made it): a `str` everywhere else."""

    __slots__ = ("pdf",)
    pdf: PdfInfo | None

    def __new__(cls, text: str, pdf: PdfInfo | None = None) -> Reason:
        reason = super().__new__(cls, text)
        reason.pdf = pdf
        return reason

    def __reduce__(self) -> tuple[type[Reason], tuple[str, PdfInfo | None]]:
        return (Reason, (str(self), self.pdf))


def pdf_of(reason: str | None) -> PdfInfo | None:
    """The PDF metadata a quarantine reason carries, if any."""
    return reason.pdf if isinstance(reason, Reason) else None


def with_pdf_info(result: Extraction | str, data: bytes) -> Extraction | str:
    """`result` with the file's metadata attached: to the extraction, or to the reason."""
    if isinstance(result, Extraction):
        return result.model_copy(update={"pdf": pdf_info_of(data)})
    return Reason(result, pdf_info_of(data))

#: The reason for a file that nests deeper than the parser recurses: a property of its
#: content (the same under any limit), unlike `OUT_OF_MEMORY`, which is the guard's.
TOO_DEEP = "damaged PDF: its objects nest too deeply to parse (a PDF bomb?); not loaded"


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


def extraction_or_reason(data: bytes, max_pages: int = MAX_PAGES) -> Extraction | str:
    """The document's records, or why it must be quarantined, each with the PDF's own metadata
    (`with_pdf_info`) when the file could be read as a PDF at all: one the extractor found
    unreadable (damaged, looping, a bomb, not a PDF) is not opened again for it. Never raises
    for a bad file."""
    result, readable = _extraction_or_reason(data, max_pages)
    return with_pdf_info(result, data) if readable else result


def _extraction_or_reason(data: bytes, max_pages: int) -> tuple[Extraction | str, bool]:
    """The result, and whether the file could be read as a PDF (so its metadata can be)."""
    try:
        return extract_document(data, max_pages), True
    except UnreadableDocument as error:
        return (OUT_OF_MEMORY if _caused_by(error, MemoryError) else str(error)), False
    except ExtractionError as error:
        # An extractor's verdict, unless memory ran out beneath it: zlib's "Unable to allocate
        # output buffer" under the guard's cap became "damaged PDF: it cannot be opened", a
        # verdict on a good leaflet (measured: 3 times in 36 parses at 30-64 MB).
        if _caused_by(error, MemoryError):
            return OUT_OF_MEMORY, False
        return str(error), True
    except ValidationError as error:
        return _validation_reason(error), True
    except MemoryError:
        return OUT_OF_MEMORY, False
    except Exception as error:  # a bad file must become a quarantine, never a crashed run
        if _caused_by(error, RecursionError):
            return TOO_DEEP, False
        if _caused_by(error, MemoryError):
            return OUT_OF_MEMORY, False
        if isinstance(error, PdfminerException):  # a page's content pdfminer cannot interpret
            return f"damaged PDF: pdfminer cannot parse it ({error})", False
        detail = str(error) or "no detail"
        return f"unexpected {type(error).__name__} while extracting: {detail}", False
