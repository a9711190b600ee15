"""Parsing one document's bytes into its records, or the reason it goes to quarantine.

`extraction_or_reason` never raises for a bad file. Extractors raise `ExtractionError` with an
actionable reason; anything else a broken file provokes in pdfminer or pdfplumber is caught
here too and named, so the archivist sees which file and what went wrong instead of a crashed
run. It runs inside the guard's child process (`pipeline.guard`), which adds the limits of time
and memory that no in-process code can enforce.
"""

from __future__ import annotations

from collections.abc import Callable

from pdfplumber.utils.exceptions import PdfminerException
from pydantic import ValidationError

from extractors import (
    ExtractionError,
    InconsistentDocument,
    NeedsOcr,
    UnreadableDocument,
    extract_document,
)
from extractors.limits import MAX_PAGES
from extractors.pdf_info import pdf_info_of
from extractors.reader import pdfminer_detail
from pipeline.failures import OUT_OF_MEMORY, is_resource_failure
from pipeline.figure_check import render_check_reason, shown_figures_reason
from pipeline.ocr import BETTER_SCAN, PageOcr, gate, ocr_cells, scan_refusal
from pipeline.settings import OcrOptions
from schemas import Extraction, PdfInfo

__all__ = ["DEFAULT_OCR", "OUT_OF_MEMORY", "TOO_DEEP", "Reason", "extraction_or_reason", "pdf_of",
           "read_with_ocr", "with_pdf_info"]


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


#: Why a scan is not read when OCR is switched off, and how to switch it on.
SWITCHED_OFF = "OCR is switched off (LPS_OCR=0): set LPS_OCR=1 and ingest it again"

#: OCR with the default settings (`pipeline.settings.Settings`).
DEFAULT_OCR = OcrOptions()


def _from_scan(reason: str) -> str:
    """A refusal of a document read by OCR, saying what would make the scan readable (unless
    it says so already, or is a limit of the run, not a verdict on the file)."""
    if "original PDF" in reason or is_resource_failure(reason):
        return reason
    return f"{reason}; read by OCR from a scan: {BETTER_SCAN}"


def read_with_ocr(data: bytes, max_pages: int, ocr: OcrOptions,
                  progress: Callable[[int], None] | None = None,
                  ) -> tuple[Extraction | str, PageOcr | None]:
    """`extract_document`, with the pages that are pictures read by OCR (when it is enabled
    and installed) and the OCR gate applied to what they gave, then the render check; and the
    OCR reader (what it
    read, how long it took), None when OCR is switched off. A refusal of a document read by OCR
    says what would make the scan readable. Raises what `extract_document` raises otherwise."""
    # whether the engine is installed is asked only when a page needs it (`PageOcr`)
    reader = PageOcr(ocr, progress) if ocr.enabled else None
    try:
        extraction = extract_document(data, max_pages, reader)
    except NeedsOcr as error:
        return f"{scan_refusal(error.layer, SWITCHED_OFF)} [page {error.page}]", reader
    except ExtractionError as error:
        if (isinstance(error, InconsistentDocument) and error.figures
                and (reader is None or not reader.pages)):
            shown = shown_figures_reason(data, error.figures)
            if shown is not None:  # the text layer lies: named by what the page shows
                raise InconsistentDocument(f"{shown}; {error.message}", page=error.page,
                                           template=error.template) from error
        if reader is None or not reader.pages or _caused_by(error, MemoryError):
            raise
        return _from_scan(str(error)), reader
    except ValidationError as error:  # a record OCR read that its schema refuses (a ward
        if reader is None or not reader.pages:  # priority with the ward's name unread)
            raise
        return _from_scan(_validation_reason(error)), reader
    if reader is not None and reader.pages:
        refused = gate(reader, ocr.min_confidence)
        if refused is not None:
            return refused, reader
        extraction = extraction.model_copy(update={
            "reading": reader.reading(), "cells": ocr_cells(extraction.cells, reader)})
    # the render check confirms what a text layer claims; figures OCR read came from the pixels
    unseen = render_check_reason(data, extraction)
    return (extraction if unseen is None else unseen), reader


def extraction_or_reason(data: bytes, max_pages: int = MAX_PAGES, ocr: OcrOptions = DEFAULT_OCR,
                         progress: Callable[[int], None] | None = None) -> Extraction | str:
    """The document's records, or why it must be quarantined, each with the PDF's own metadata
    (`with_pdf_info`) when the file could be read as a PDF at all: one the extractor found
    unreadable (damaged, looping, a bomb, not a PDF) is not opened again for it. Never raises
    for a bad file. `ocr`: how pages that are pictures are read (`pipeline.ocr`); `progress` is
    told the number of each page before OCR reads it.

    The records stand only if the rendered pages show their figures as read
    (`pipeline.figure_check`): the text layer is a claim, the pixels are what a reader sees."""
    result, readable = _extraction_or_reason(data, max_pages, ocr, progress)
    return with_pdf_info(result, data) if readable else result


def _extraction_or_reason(data: bytes, max_pages: int, ocr: OcrOptions,
                          progress: Callable[[int], None] | None
                          ) -> tuple[Extraction | str, bool]:
    """The result, and whether the file could be read as a PDF (so its metadata can be)."""
    try:
        return read_with_ocr(data, max_pages, ocr, progress)[0], True
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
            return f"damaged PDF: pdfminer cannot parse it ({pdfminer_detail(error)})", False
        detail = str(error) or "no detail"
        return f"unexpected {type(error).__name__} while extracting: {detail}", False
