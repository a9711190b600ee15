"""The explicit list of templates, and the choice of exactly one for a document.

A template is a module with `NAME`, `PUBLISHER`, `EDITION`, `PERIODS`, a cheap `detect(pdf)` and
`parse(pdf)`. Adding an edition means adding a module here; nothing else changes.
"""

from __future__ import annotations

import re
from types import ModuleType

from extractors import mpa_2008, mpa_2009, mpa_2010, mpa_2011
from extractors.errors import UnknownTemplate, UnreadableDocument
from extractors.layout import ImageReader, Leaflet
from extractors.reader import MAX_PAGES, open_pdf
from schemas.records import Extraction

__all__ = [
    "KNOWN_PUBLISHERS",
    "TEMPLATES",
    "describe_unknown",
    "extract_document",
    "select_template",
]

TEMPLATES: tuple[ModuleType, ...] = (mpa_2008, mpa_2009, mpa_2010, mpa_2011)

#: Publishers a quarantine reason can name, most specific first (MOPAC replaced the MPA in 2012).
KNOWN_PUBLISHERS = (
    "Metropolitan Police Authority",
    "Mayor's Office for Policing and Crime",
    "Mayor’s Office for Policing and Crime",
    "Police Authority",
)


def describe_unknown(leaflet: Leaflet) -> str:
    """What can be recognised of a document no template takes, for the archivist's reason."""
    text = leaflet.text(1, 2)
    if "Local Policing Summary" not in text:
        snippet = text[:80] + ("…" if len(text) > 80 else "")
        return (
            "unknown template: not a Local Policing Summary (no 'Local Policing Summary' title "
            f"on its first pages; it begins '{snippet}')"
        )
    publisher = next(
        (name for name in KNOWN_PUBLISHERS if name in text),
        "publisher not recognised",
    )
    years = sorted(set(re.findall(r"\b(?:19|20)\d\d/\d\d\b", text)))
    return (
        f"unknown template: a Local Policing Summary ({publisher}; years mentioned: "
        f"{', '.join(years) or 'none'}) that no extractor supports yet; add a template for "
        "this edition"
    )


def select_template(leaflet: Leaflet) -> ModuleType:
    """The one template that recognises the leaflet; UnknownTemplate when none or several do."""
    matches = [template for template in TEMPLATES if template.detect(leaflet)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UnknownTemplate(describe_unknown(leaflet))
    names = ", ".join(template.NAME for template in matches)
    raise UnknownTemplate(f"ambiguous template: {names} all recognise this document")


def extract_document(data: bytes, max_pages: int = MAX_PAGES,
                     image_reader: ImageReader | None = None) -> Extraction:
    """Validated records of one leaflet's bytes; raises ExtractionError with the reason.
    `max_pages`: the page cap (`extractors.limits`), the pipeline's `LPS_MAX_PAGES`.
    `image_reader` reads the pages that are pictures (scans) from their pixels (OCR); without
    one such a page refuses the document (`NeedsOcr`)."""
    with open_pdf(data, max_pages) as pdf:
        leaflet = Leaflet(pdf, image_reader=image_reader)
        if not leaflet.has_text():
            raise UnreadableDocument(
                "no text: its first pages show no words (none in a text layer, none OCR could "
                "read in an image); find the original PDF, or a clearer scan (300 dpi, straight)"
            )
        template = select_template(leaflet)
        result: Extraction = template.parse(leaflet)
        return result
