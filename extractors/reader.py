"""Open a PDF held in memory, or say plainly why it cannot be read.

Every refusal names what the file is and what a person can do about it, because the reason is
what an archivist reads in the `documents` table.

Anything but white space after a PDF's last end-of-file marker is refused, saying what it is: a
ZIP (or other file) joined onto a PDF opens in pdfminer and in unzip alike, each ignoring the
other, and such a polyglot is a way to carry a payload past a check made by one of them; a
publisher's leaflet never has one. (PDF objects there are the start of an update the download
lost: that is a truncated file.) A ZIP whose directory hides the PDF's end in its comment is
refused the same way.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfexceptions import PDFObjectNotFound
from pdfplumber.utils.exceptions import PdfminerException

from extractors.errors import UnreadableDocument
from extractors.limits import MAX_PAGES, check_structure
from extractors.xref import MOST_SECTIONS, follow_xref_chain

__all__ = ["MAX_PAGES", "open_pdf", "pdfminer_detail", "sniff"]

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


#: White space as PDF defines it (ISO 32000-1, 7.2.2): all that may follow the last %%EOF.
_PDF_SPACE = b"\x00\t\n\x0c\r "

#: The start of an object, cross-reference section or trailer: an update that was cut short.
_PDF_BODY = re.compile(rb"[\x00\t\n\x0c\r ]*(\d+\s+\d+\s+obj|xref|trailer|startxref)\b")


def _zip_archive(data: bytes) -> bool:
    """Whether unzip would read `data` as an archive of at least one file (its directory is
    found from the end, so a ZIP joined onto a PDF, or hidden in it, counts)."""
    stream = io.BytesIO(data)
    if not zipfile.is_zipfile(stream):
        return False
    try:
        with zipfile.ZipFile(stream) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error):  # by chance
        return False


def _truncated(data: bytes) -> UnreadableDocument:
    return UnreadableDocument(
        f"truncated PDF: the file ({len(data):,} bytes) stops before its end-of-file marker; "
        "download it again"
    )


def _check_end(data: bytes) -> None:
    """The file ends at its last %%EOF, give or take white space: see the module docstring."""
    end = data.rfind(b"%%EOF")
    if end == -1:
        raise _truncated(data)
    after = data[end + len(b"%%EOF"):]
    if after.strip(_PDF_SPACE):
        if _PDF_BODY.match(after):
            raise _truncated(data)
        kind = "a ZIP archive" if _zip_archive(data) else sniff(after)
        raise UnreadableDocument(
            f"data after the end of the PDF: {kind} ({len(after):,} bytes) is appended after "
            "its end-of-file marker (a file that is two things at once, which is not trusted); "
            "not parsed; obtain the leaflet on its own"
        )
    if _zip_archive(data):
        raise UnreadableDocument(
            "a PDF that is also a ZIP archive (its directory, at the end, hides the PDF's end "
            "in a comment): a file that is two things at once, which is not trusted; not "
            "parsed; obtain the leaflet on its own"
        )


def _check_bytes(data: bytes) -> None:
    if not data:
        raise UnreadableDocument("empty file (0 bytes): nothing to read; fetch the leaflet again")
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument(
            f"not a PDF: the file is {sniff(data)}; find the PDF itself "
            "(a download may have saved an error page or an archive instead)"
        )
    _check_end(data)


#: More sections than any published file has: a chain this long is why opening recursed too deep.
_LONGEST_CHAIN = 100


def _too_deep_to_open(data: bytes) -> UnreadableDocument | None:
    """Why opening recursed without end, when the cross-reference chain says: it loops, or it
    is longer than pdfminer's recursion can follow."""
    chain = follow_xref_chain(data)
    if chain is None:
        return None
    if chain.loop_to is not None and chain.loop_from is not None:
        target = ("itself" if chain.loop_to == chain.loop_from
                  else f"the one at byte {chain.loop_to:,}, already read")
        return UnreadableDocument(
            f"damaged PDF: its cross-reference table (xref) loops: the section at byte "
            f"{chain.loop_from:,} points back ({chain.loop_key}) to {target}, so a reader "
            "following it never ends; download it again or re-save it from the original"
        )
    if chain.sections > _LONGEST_CHAIN:
        more = "more than " if chain.sections >= MOST_SECTIONS else ""
        return UnreadableDocument(
            f"damaged PDF: its cross-reference table (xref) is a chain of {more}"
            f"{chain.sections:,} sections (one per saved revision), too many to follow; re-save "
            "it from the original"
        )
    return None


def pdfminer_detail(error: BaseException) -> str:
    """What pdfminer said, for a person: its message, or, when it said nothing (`None`, an
    empty message), what kind of failure it was. "pdfminer cannot parse it (None)" told no one
    anything (issue 20, item 11)."""
    inner = error
    if isinstance(error, PdfminerException) and error.args and isinstance(
            error.args[0], BaseException):
        inner = error.args[0]
    text = str(inner).strip()
    if isinstance(inner, PDFObjectNotFound):
        number = text if text not in ("", "None") else "with no number"
        return f"it refers to object {number}, which the file does not hold"
    if text in ("", "None"):
        return f"{type(inner).__name__}, with no message"
    return text


def _unopenable(error: Exception, data: bytes) -> UnreadableDocument:
    """The reason for an error pdfminer raised while opening a file (it raises many types)."""
    if isinstance(error.__context__, RecursionError) or any(
            isinstance(arg, RecursionError) for arg in error.args):
        why = _too_deep_to_open(data)
        if why is not None:
            return why
    if isinstance(error, (PdfminerException, PDFPasswordIncorrect, PDFEncryptionError)):
        if "password" in repr(error).lower() or "encrypt" in repr(error).lower():
            return UnreadableDocument(
                "encrypted PDF: it needs a password to open; obtain an unencrypted copy"
            )
        return UnreadableDocument(
            f"damaged PDF: pdfminer cannot parse it ({pdfminer_detail(error)})")
    return UnreadableDocument(f"damaged PDF: it cannot be opened ({type(error).__name__}: {error})")


@contextmanager
def open_pdf(data: bytes, max_pages: int = MAX_PAGES) -> Iterator[Any]:
    """Open `data` with pdfplumber after checking it is a whole, unencrypted PDF with text and
    passes the cheap structural checks of `extractors.limits` (xref, at most `max_pages` pages,
    content size)."""
    _check_bytes(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as error:
        raise _unopenable(error, data) from error
    try:
        check_structure(pdf.doc, max_pages)
        if not pdf.pages:
            raise UnreadableDocument("PDF has no pages")
    except UnreadableDocument:
        pdf.stream.close()  # not pdf.close(): that builds every page first, bomb or not
        raise
    except Exception as error:
        pdf.stream.close()
        raise _unopenable(error, data) from error
    try:
        yield pdf
    finally:
        pdf.close()
