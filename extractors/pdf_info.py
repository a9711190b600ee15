"""What a PDF says about itself: its document information dictionary (producer, creator, title,
dates), read as printed.

Provenance rather than content: it is how a leaflet this project's fixtures generated is told
from a real one (`schemas.PdfInfo.synthetic`). A dictionary that cannot be decoded gives what
could be read and no more: metadata never decides whether a leaflet's figures are loaded.
"""

from __future__ import annotations

import io

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.utils import decode_text

from schemas import PdfInfo

__all__ = ["pdf_info", "pdf_info_of"]

_KEYS = {"producer": "Producer", "creator": "Creator", "title": "Title", "subject": "Subject",
         "created": "CreationDate", "modified": "ModDate"}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = decode_text(value)  # PDFDocEncoding, or UTF-16 with its byte order mark
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:500] or None


def pdf_info(metadata: dict[str, object]) -> PdfInfo:
    """The `PdfInfo` of a PDF's document information (its keys as the PDF names them)."""
    return PdfInfo(**{field: _text(metadata.get(key)) for field, key in _KEYS.items()})


def pdf_info_of(data: bytes) -> PdfInfo | None:
    """The metadata of the PDF in `data`, or None when the file cannot be opened as a PDF (it is
    then quarantined for that by the extractor, with its own reason). Reads the trailer's
    /Info only (pdfminer; no page is touched): milliseconds, even for a hostile page tree."""
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        metadata: dict[str, object] = {}
        for info in document.info:
            metadata.update({str(key): resolve1(value) for key, value in info.items()})
        return pdf_info(metadata)
    except Exception:  # any file, however broken: the reason comes from elsewhere
        return None
