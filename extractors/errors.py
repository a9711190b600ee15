"""Why a document could not be extracted, in words a person can act on.

Extractors raise these with context (page, template, the offending text); the flow turns them
into a quarantine record with `reason` set to `str(error)`.
"""

from __future__ import annotations

from collections.abc import Sequence

from pdfpage.errors import ExtractionError, UnreadableDocument
from schemas.records import FigureCell

__all__ = [
    "ExtractionError",
    "InconsistentDocument",
    "MissingSection",
    "NeedsOcr",
    "UnknownTemplate",
    "UnreadableDocument",
]


class UnknownTemplate(ExtractionError):
    """A readable PDF that no registered template recognises."""


class MissingSection(ExtractionError):
    """A recognised leaflet that lacks a section the template needs (e.g. the performance table)."""


class InconsistentDocument(ExtractionError):
    """The document contradicts itself (table against message, sign of count against percent).

    `figures`: the table's figure cells as read (each with its row's label) when the
    contradiction is about them, so the rendered page can be asked what it shows there: a text
    layer that lies (a minus mapped to '2') is then named by the figure, what the text says and
    what the page shows, not only by the contradiction it led to."""

    def __init__(self, message: str, *, page: int | None = None, template: str | None = None,
                 text: str | None = None,
                 figures: Sequence[tuple[str, FigureCell]] = ()) -> None:
        super().__init__(message, page=page, template=template, text=text)
        self.figures = tuple(figures)


class NeedsOcr(UnreadableDocument):
    """A page that is a picture (a scan), met with no OCR to read it (no `ImageReader`):
    `layer` says whether it carries an OCR text layer (a claim about the image, never read on
    its own)."""

    def __init__(self, message: str, *, page: int, layer: bool) -> None:
        super().__init__(message, page=page)
        self.layer = layer
