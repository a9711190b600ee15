"""A leaflet's page as an image, with figures outlined: what `lps serve` shows on a row's page.

A researcher checking a figure wants to see it where it was printed, not only the page number.
The page is rendered by PDFium (`pdfpage.render`) once and cached as PNG under the cache folder
(keyed by the document's sha256, the page and the scale: a document never changes, so an entry
never goes stale); each request draws its outlines on a copy, so one cached page serves every
figure on it. Boxes are in pdfplumber's coordinates, as `figure_cells` stores them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

from pdfpage.render import Box, PageFrame, open_pdf

__all__ = ["OUTLINE", "SCALE", "PageNotFound", "default_cache_dir", "page_png"]

#: Pixels per point of the page images: 2 is 144 dpi, a 9 pt figure about 18 px tall.
SCALE = 2.0
#: The outline's colour (the charts' "missed" magenta) and width in pixels.
OUTLINE = (197, 27, 125)
_WIDTH = 3
_MARGIN = 4


class PageNotFound(Exception):
    """The document has no such page."""


def default_cache_dir() -> Path:
    """Where rendered pages are kept: `$LPS_PAGE_CACHE`, else the user's cache folder."""
    configured = os.environ.get("LPS_PAGE_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policing-summaries" / "pages"


def _render(data: bytes, page_number: int, boxes: Sequence[Box]
            ) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    with open_pdf(data) as document:
        if not 1 <= page_number <= len(document):
            raise PageNotFound(f"the leaflet has {len(document)} pages, not {page_number}")
        page = document[page_number - 1]
        try:
            bitmap = page.render(scale=SCALE, draw_annots=True)
            image: Image.Image = bitmap.to_pil().convert("RGB")
            frame = PageFrame.of(page)
            return image, [frame.to_pixels(SCALE, box) for box in boxes]
        finally:
            page.close()


def _pixel_boxes(data: bytes, page_number: int, boxes: Sequence[Box]
                 ) -> list[tuple[int, int, int, int]]:
    with open_pdf(data) as document:
        page = document[page_number - 1]
        try:
            frame = PageFrame.of(page)
            return [frame.to_pixels(SCALE, box) for box in boxes]
        finally:
            page.close()


def page_png(data: bytes, document_id: str, page_number: int, boxes: Sequence[Box],
             cache_dir: Path | None) -> bytes:
    """Page `page_number` of the PDF `data` as PNG, each of `boxes` outlined. The plain page is
    cached in `cache_dir` (when given and writable). Raises `PageNotFound`."""
    cached = cache_dir / f"{document_id}-p{page_number}-x{SCALE:g}.png" if cache_dir else None
    if cached is not None and cached.is_file():
        image = Image.open(cached).convert("RGB")
        pixel_boxes = _pixel_boxes(data, page_number, boxes) if boxes else []
    else:
        image, pixel_boxes = _render(data, page_number, boxes)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(f".{os.getpid()}.part")
                image.save(partial, format="PNG")
                partial.replace(cached)
            except OSError:
                pass  # a read-only cache only costs the next request a render
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in pixel_boxes:
        draw.rectangle((left - _MARGIN, top - _MARGIN, right + _MARGIN, bottom + _MARGIN),
                       outline=OUTLINE, width=_WIDTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
