"""Why a document could not be extracted, in words a person can act on.

Extractors raise these with context (page, template, the offending text); the flow turns them
into a quarantine record with `reason` set to `str(error)`.
"""

from __future__ import annotations

from pdfpage.errors import ExtractionError, UnreadableDocument

__all__ = [
    "ExtractionError",
    "InconsistentDocument",
    "MissingSection",
    "UnknownTemplate",
    "UnreadableDocument",
]


class UnknownTemplate(ExtractionError):
    """A readable PDF that no registered template recognises."""


class MissingSection(ExtractionError):
    """A recognised leaflet that lacks a section the template needs (e.g. the performance table)."""


class InconsistentDocument(ExtractionError):
    """The document contradicts itself (table against message, sign of count against percent)."""
