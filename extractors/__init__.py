"""pdfplumber extractors: one module per leaflet template, selected through an explicit registry.

Public entry point: `extract_document(data)` takes a PDF's bytes and returns a validated
`schemas.Extraction`, or raises an `ExtractionError` whose text is the quarantine reason.
Extractors do no I/O: the caller reads the file.
"""

from extractors.errors import (
    ExtractionError,
    InconsistentDocument,
    MissingSection,
    NeedsOcr,
    UnknownTemplate,
    UnreadableDocument,
)
from extractors.registry import TEMPLATES, extract_document, select_template

#: Bumped whenever extraction output may change; stored on every loaded document.
EXTRACTOR_VERSION = "2.1.0"

__all__ = [
    "EXTRACTOR_VERSION",
    "TEMPLATES",
    "ExtractionError",
    "InconsistentDocument",
    "MissingSection",
    "NeedsOcr",
    "UnknownTemplate",
    "UnreadableDocument",
    "extract_document",
    "select_template",
]

