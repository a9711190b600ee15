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
from extractors.limits import MAX_PAGES, check_structure

__all__ = ["MAX_PAGES", "open_pdf", "sniff"]

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


def _unopenable(error: Exception) -> UnreadableDocument:
    """The reason for an error pdfminer raised while opening a file (it raises many types)."""
    if isinstance(error, (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError)):
        if "password" in repr(error).lower() or "encrypt" in repr(error).lower():
            return UnreadableDocument(
                "encrypted PDF: it needs a password to open; obtain an unencrypted copy"
            )
        return UnreadableDocument(f"damaged PDF: pdfminer cannot parse it ({error})")
    return UnreadableDocument(f"damaged PDF: it cannot be opened ({type(error).__name__}: {error})")


@contextmanager
def open_pdf(data: bytes) -> Iterator[Any]:
    """Open `data` with pdfplumber after checking it is a whole, unencrypted PDF with text and
    passes the cheap structural checks of `extractors.limits` (xref, pages, content size)."""
    _check_bytes(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as error:
        raise _unopenable(error) from error
    try:
        check_structure(pdf.doc)
        if not pdf.pages:
            raise UnreadableDocument("PDF has no pages")
    except UnreadableDocument:
        pdf.stream.close()  # not pdf.close(): that builds every page first, bomb or not
        raise
    except Exception as error:
        pdf.stream.close()
        raise _unopenable(error) from error
    try:
        yield pdf
    finally:
        pdf.close()
