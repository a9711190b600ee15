"""A page's visible characters, with the keys the layout reads.

`pdfplumber.Page.chars` builds every object on the page as a dictionary of some twenty resolved
attributes; the templates need only each character's text, box, font name, size and
orientation. `page_chars` gives those keys (and "color") for the characters a reader can see, as
`pdfpage.content.read_page` finds them: text in render mode 3, white on white, outside
the clip path, covered by a later shape or too small to read is left out. On a page whose text
all shows, `pdfplumber.utils.extract_words(page_chars(page), ...)` gives exactly the words of
`page.extract_words(...)` (checked by tests/test_chars.py on every page of the longest leaflet of
each edition and producer, and of the bad fixtures with odd pages).
"""

from __future__ import annotations

from typing import Any

from pdfpage.content import read_page

__all__ = ["page_chars"]

Char = dict[str, Any]


def page_chars(page: Any) -> list[Char]:
    """The visible characters of a pdfplumber page: text, x0, x1, top, bottom, doctop, upright,
    fontname, size and color, in content-stream order, with pdfplumber's coordinates."""
    return read_page(page).chars
