"""What a page looks like: a page, or a region of it, rasterised by PDFium.

The text layer is a claim about a page; the pixels a real renderer draws are what a reader sees.
pypdfium2 wraps PDFium (the renderer in Chromium) in a pip wheel, so rendering needs no system
package. Everything here speaks pdfplumber's coordinates (points, origin at the displayed page's
top left, x from the media box's left edge, `top = page height - y`), so a box read from the
text layer can be rendered as is.

`render_region` rasterises one box of a page (with annotations, as a viewer shows them);
`hidden_text` is a context in which PDFium draws no text at all, so the difference between the
two renders of one region is the ink the text put there (`pdfpage.glyphs` builds the render check
on that). `page_image` gives a whole page as a PIL image for OCR.

Rendering is confined to the crop box, the page's visible area, as PDFium does.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

__all__ = [
    "DEFAULT_SCALE",
    "Box",
    "PageFrame",
    "Rendered",
    "hidden_text",
    "open_pdf",
    "page_image",
    "page_size",
    "render_region",
]

#: Pixels per point for checking figures: 3 is 216 dpi, a 10 pt digit about 22 px tall.
DEFAULT_SCALE = 3.0

#: A box in pdfplumber's coordinates: x0, top, x1, bottom (points).
Box = tuple[float, float, float, float]

_INVISIBLE = pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
_CLIP = pdfium_c.FPDF_TEXTRENDERMODE_CLIP
#: Render modes that paint (0-2) and paint then clip (4-6), and what they become when hidden:
#: a mode that clips keeps clipping, so what is drawn after the text is not changed.
_HIDDEN_MODE = {0: _INVISIBLE, 1: _INVISIBLE, 2: _INVISIBLE, 4: _CLIP, 5: _CLIP, 6: _CLIP}


@dataclass(frozen=True)
class Rendered:
    """A rendered region: a grey image (PIL, mode "L") and where it lies on the page.

    Pixel (column i, row j) covers the points x0 + i / scale to x0 + (i + 1) / scale across, and
    top + j / scale down, in pdfplumber's coordinates. (PIL, not numpy: numpy maps some 70 MB
    of address space on import, more than the guard's tightest memory cap leaves.)"""

    image: Image.Image
    x0: float
    top: float
    scale: float

    def pixel_box(self, box: Box) -> tuple[int, int, int, int]:
        """`box` (pdfplumber points) as the pixels (left, upper, right, lower) it touches,
        clamped to the image."""
        width, height = self.image.size
        left = min(width, max(0, math.floor((box[0] - self.x0) * self.scale)))
        upper = min(height, max(0, math.floor((box[1] - self.top) * self.scale)))
        return (left, upper, min(width, max(left, math.ceil((box[2] - self.x0) * self.scale))),
                min(height, max(upper, math.ceil((box[3] - self.top) * self.scale))))

    def crop(self, box: Box) -> Image.Image:
        """The pixels of `box` (pdfplumber points), clamped to the rendered region."""
        return self.image.crop(self.pixel_box(box))


@contextmanager
def open_pdf(data: bytes) -> Iterator[pypdfium2.PdfDocument]:
    """A PDFium document of `data`, closed on leaving (PDFium keeps no reference to `data`
    past the call; pypdfium2 holds it for the document's life)."""
    document = pypdfium2.PdfDocument(data)
    try:
        yield document
    finally:
        document.close()


def page_size(page: pypdfium2.PdfPage) -> tuple[float, float]:
    """The page's width and height in pdfplumber's terms: the media box, as displayed (a
    page turned by /Rotate 90 or 270 is as wide as its media box is tall)."""
    x0, y0, x1, y1 = page.get_mediabox()
    if page.get_rotation() % 180:
        return y1 - y0, x1 - x0
    return x1 - x0, y1 - y0


@dataclass(frozen=True)
class PageFrame:
    """How a page's PDF user space maps to pdfplumber's coordinates, worked out once a page.

    pdfminer turns the page by its /Rotate into a device space (X, Y); pdfplumber then places a
    point at x = X + a, top = height - Y - b, where (a, b) is the media box's lower left corner
    as turned ((mx0, my0), or (my0, mx0) for a quarter turn). PDFium renders the crop box as
    displayed; `origin` is its top left corner in pdfplumber's coordinates."""

    rotation: int
    mediabox: tuple[float, float, float, float]
    height: float
    origin: tuple[float, float]
    size: tuple[float, float]  # the rendered (crop box) width and height, points

    @classmethod
    def of(cls, page: pypdfium2.PdfPage) -> PageFrame:
        rotation = page.get_rotation() % 360
        mediabox = page.get_mediabox()
        frame = cls(rotation, mediabox, page_size(page)[1], (0.0, 0.0), page.get_size())
        cx0, cy0, cx1, cy1 = page.get_cropbox()
        corners = [frame.to_plumber(x, y) for x in (cx0, cx1) for y in (cy0, cy1)]
        origin = (min(x for x, _ in corners), min(top for _, top in corners))
        return cls(rotation, mediabox, frame.height, origin, frame.size)

    def _corner(self) -> tuple[float, float]:
        mx0, my0 = self.mediabox[:2]
        return (my0, mx0) if self.rotation in (90, 270) else (mx0, my0)

    def to_user(self, x: float, top: float) -> tuple[float, float]:
        """A pdfplumber point in PDF user space."""
        mx0, my0, mx1, my1 = self.mediabox
        a, b = self._corner()
        dx, dy = x - a, self.height - top - b
        if self.rotation == 90:
            return mx1 - dy, my0 + dx
        if self.rotation == 180:
            return mx1 - dx, my1 - dy
        if self.rotation == 270:
            return mx0 + dy, my1 - dx
        return mx0 + dx, my0 + dy

    def to_plumber(self, x: float, y: float) -> tuple[float, float]:
        """A PDF user-space point in pdfplumber's coordinates (`to_user` undone)."""
        mx0, my0, mx1, my1 = self.mediabox
        a, b = self._corner()
        if self.rotation == 90:
            dx, dy = y - my0, mx1 - x
        elif self.rotation == 180:
            dx, dy = mx1 - x, my1 - y
        elif self.rotation == 270:
            dx, dy = my1 - y, x - mx0
        else:
            dx, dy = x - mx0, y - my0
        return a + dx, self.height - dy - b

    def user_box(self, box: Box) -> tuple[float, float, float, float]:
        """`box` (pdfplumber) in PDF user space: left, bottom, right, top."""
        (ax, ay), (bx, by) = self.to_user(box[0], box[1]), self.to_user(box[2], box[3])
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def plumber_box(self, left: float, bottom: float, right: float, top: float) -> Box:
        """A user-space box (left, bottom, right, top) in pdfplumber's coordinates."""
        (ax, at), (bx, bt) = self.to_plumber(left, bottom), self.to_plumber(right, top)
        return min(ax, bx), min(at, bt), max(ax, bx), max(at, bt)

    def to_pixels(self, scale: float, box: Box) -> tuple[int, int, int, int]:
        """`box` (pdfplumber) as the pixels (left, upper, right, lower) it touches when the
        whole page is rendered at `scale`."""
        ox, otop = self.origin
        return (math.floor((box[0] - ox) * scale), math.floor((box[1] - otop) * scale),
                math.ceil((box[2] - ox) * scale), math.ceil((box[3] - otop) * scale))


def render_region(page: pypdfium2.PdfPage, box: Box, scale: float = DEFAULT_SCALE,
                  frame: PageFrame | None = None) -> Rendered:
    """The grey levels PDFium draws in `box` (pdfplumber points, widened to whole pixels) at
    `scale` pixels a point, with the page's annotations and form fields, as a viewer shows
    the page. (Grey: a twelfth of the time of colour; text whose colour differs from what is
    under it only in hue, not in lightness, reads as not drawn, which refuses, never loads.)"""
    frame = frame or PageFrame.of(page)
    size_x, size_y = round(frame.size[0] * scale), round(frame.size[1] * scale)
    left, upper, right, lower = frame.to_pixels(scale, box)
    left, upper = min(max(0, left), size_x - 1), min(max(0, upper), size_y - 1)
    right, lower = min(size_x, max(left + 1, right)), min(size_y, max(upper + 1, lower))
    bitmap = page.render(
        scale=scale,
        crop=(left / scale, (size_y - lower) / scale, (size_x - right) / scale, upper / scale),
        may_draw_forms=True, draw_annots=True, grayscale=True,
    )
    image = bitmap.to_pil()
    image = image.copy() if image.mode == "L" else image.convert("L")
    ox, otop = frame.origin
    return Rendered(image, ox + left / scale, otop + upper / scale, scale)


def _text_objects(page: pypdfium2.PdfPage) -> Iterator[object]:
    """Every text object of the page, within form XObjects too."""
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,), max_depth=64):
        yield obj.raw


@contextmanager
def hidden_text(page: pypdfium2.PdfPage) -> Iterator[int]:
    """Within the block, PDFium draws none of the page's text (what clips still clips); yields
    how many text objects were hidden. The render modes are restored on leaving."""
    changed: list[tuple[object, int]] = []
    try:
        for raw in _text_objects(page):
            mode = pdfium_c.FPDFTextObj_GetTextRenderMode(raw)
            hidden = _HIDDEN_MODE.get(mode)
            if hidden is not None:
                pdfium_c.FPDFTextObj_SetTextRenderMode(raw, hidden)
                changed.append((raw, mode))
        yield len(changed)
    finally:
        for raw, mode in changed:
            pdfium_c.FPDFTextObj_SetTextRenderMode(raw, mode)


def page_image(data: bytes, page_number: int, dpi: float = 300.0,
               grayscale: bool = True) -> Image.Image:
    """Page `page_number` (1-based) of `data` rendered whole at `dpi`, as PIL image (for OCR)."""
    with open_pdf(data) as document:
        page = document[page_number - 1]
        try:
            bitmap = page.render(scale=dpi / 72.0, grayscale=grayscale, may_draw_forms=True,
                                 draw_annots=True)
            image: Image.Image = bitmap.to_pil()
            return image.copy()
        finally:
            page.close()
