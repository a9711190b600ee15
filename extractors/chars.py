"""A page's characters, read with pdfminer for only what the layout needs.

`pdfplumber.Page.chars` builds every object on the page (characters, curves, rectangles, images)
as a dictionary of some twenty resolved attributes; on a leaflet page that costs about as much
as interpreting the page itself. The templates need only each character's text, box, font name,
size and orientation. `page_chars` interprets the page with a device that keeps text and drops
paths and images, and builds those few keys with pdfplumber's own coordinate rules, so
`pdfplumber.utils.extract_words(page_chars(page), ...)` gives exactly the words of
`page.extract_words(...)` (checked by tests/test_chars.py on every page of the longest leaflet
of each edition and producer, and of the bad fixtures with odd pages) in about half the time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTComponent, LTContainer
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfplumber.utils.exceptions import PdfminerException

from extractors.errors import UnreadableDocument

__all__ = ["page_chars"]

Char = dict[str, Any]


class _TextOnlyAggregator(PDFPageAggregator):
    """pdfminer's layout device without the objects no template reads."""

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        return None

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        return None


def _layout_chars(objects: Iterable[LTComponent]) -> Iterator[LTChar]:
    for obj in objects:
        if isinstance(obj, LTContainer):  # figures (form XObjects) hold characters too
            yield from _layout_chars(obj)
        elif isinstance(obj, LTChar):
            yield obj


def page_chars(page: Any) -> list[Char]:
    """The characters of a pdfplumber page: text, x0, x1, top, bottom, doctop, upright,
    fontname and size, in content-stream order, with pdfplumber's coordinates."""
    pdf = page.pdf
    device = _TextOnlyAggregator(pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    try:
        PDFPageInterpreter(pdf.rsrcmgr, device).process_page(page.page_obj)
    except RecursionError as error:  # pdfminer interprets nested forms by recursion
        raise UnreadableDocument(
            f"damaged PDF: page {page.page_number} nests its objects too deeply to parse "
            "(forms within forms, hundreds deep: a PDF bomb?); not loaded"
        ) from error
    except Exception as error:  # as pdfplumber reports it, so quarantine reasons do not change
        raise PdfminerException(error) from error
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    doctop = page.initial_doctop
    chars = []
    for obj in _layout_chars(device.get_result()):
        fontname = obj.fontname
        if isinstance(fontname, bytes):  # pragma: no cover - rare byte-encoded names
            fontname = fontname.decode("utf-8", "replace")
        top = (height - obj.y1) + mb_top
        chars.append({
            "text": obj.get_text(),
            "x0": obj.x0 + mb_x0,
            "x1": obj.x1 + mb_x0,
            "top": top,
            "bottom": (height - obj.y0) + mb_top,
            "doctop": doctop + top,
            "upright": obj.upright,
            "fontname": fontname,
            "size": obj.size,
        })
    return chars
