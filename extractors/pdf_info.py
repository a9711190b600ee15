"""What a PDF says about itself: its document information dictionary (producer, creator, title,
dates), read as printed.

Provenance rather than content: it is how a leaflet this project's fixtures generated is told
from a real one (`schemas.PdfInfo.synthetic`). A dictionary that cannot be decoded gives what
could be read and no more: metadata never decides whether a leaflet's figures are loaded.
"""

from __future__ import annotations

import io

import pdfplumber

from schemas import PdfInfo

__all__ = ["pdf_info", "pdf_info_of"]

_KEYS = {"producer": "Producer", "creator": "Creator", "title": "Title", "subject": "Subject",
         "created": "CreationDate", "modified": "ModDate"}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:500] or None


def pdf_info(metadata: dict[str, object]) -> PdfInfo:
    """The `PdfInfo` of pdfplumber's `pdf.metadata` (its keys as the PDF names them)."""
    return PdfInfo(**{field: _text(metadata.get(key)) for field, key in _KEYS.items()})


def pdf_info_of(data: bytes) -> PdfInfo | None:
    """The metadata of the PDF in `data`, or None when the file cannot be opened as a PDF (it is
    then quarantined for that by the extractor, with its own reason)."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return pdf_info(dict(pdf.metadata))
    except Exception:  # any file, however broken: the reason comes from elsewhere
        return None
