"""Open a PDF held in memory, or say plainly why it cannot be read.

Every refusal names what the file is and what a person can do about it, because the reason is
what an archivist reads in the `documents` table.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from extractors.errors import UnreadableDocument

__all__ = ["MAX_PAGES", "open_pdf", "sniff"]

#: A leaflet has four or five pages; anything far longer is not one, and must not tie up a worker.
MAX_PAGES = 40

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)


def sniff(data: bytes) -> str:
    """What the bytes look like, for a reason text: 'an HTML page', 'a PNG image', ..."""
    head = data[:512].lstrip()
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    lowered = head[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
        return "an HTML page"
    if lowered.startswith(b"<?xml"):
        return "an XML document"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "binary data of an unknown kind"
    return "plain text"


def _check_bytes(data: bytes) -> None:
    if not data:
        raise UnreadableDocument("empty file (0 bytes): nothing to read; fetch the leaflet again")
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument(
            f"not a PDF: the file is {sniff(data)}; find the PDF itself "
            "(a download may have saved an error page or an archive instead)"
        )
    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocument(
            f"truncated PDF: the file ({len(data):,} bytes) stops before its end-of-file "
            "marker; download it again"
        )


@contextmanager
def open_pdf(data: bytes) -> Iterator[Any]:
    """Open `data` with pdfplumber after checking it is a whole, unencrypted PDF with text."""
    _check_bytes(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        page_count = len(pdf.pages)
    except (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError) as error:
        if "password" in repr(error).lower() or "encrypt" in repr(error).lower():
            raise UnreadableDocument(
                "encrypted PDF: it needs a password to open; obtain an unencrypted copy"
            ) from error
        raise UnreadableDocument(f"damaged PDF: pdfminer cannot parse it ({error})") from error
    except Exception as error:  # pdfminer raises many types on broken files
        raise UnreadableDocument(
            f"damaged PDF: it cannot be opened ({type(error).__name__}: {error})"
        ) from error
    try:
        if page_count == 0:
            raise UnreadableDocument("PDF has no pages")
        if page_count > MAX_PAGES:
            raise UnreadableDocument(
                f"too many pages for a leaflet ({page_count:,}; at most {MAX_PAGES}): "
                "not a Local Policing Summary"
            )
        yield pdf
    finally:
        pdf.close()
