"""pdfpage.render: PDFium draws a box given in pdfplumber's coordinates where pdfplumber puts
it, on turned pages and offset boxes too, and can leave the text out."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.pdfgen.canvas import Canvas

from pdfpage.render import hidden_text, open_pdf, page_image, render_region


def _leaflet_cell(rotation: int = 0, mediabox: tuple[float, ...] | None = None) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(400, 200))
    canvas.setFont("Helvetica", 10)
    canvas.drawString(100, 100, "73 offences")
    canvas.rect(300, 20, 40, 40, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    writer.pages[0].rotate(rotation)
    if mediabox is not None:
        writer.pages[0].mediabox = RectangleObject(mediabox)
        writer.pages[0].cropbox = RectangleObject(mediabox)
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


def _dark(image: Image.Image) -> int:
    return sum(image.histogram()[:128])


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("mediabox", [None, (10, 5, 400, 200)], ids=["at 0,0", "offset"])
def test_a_box_from_pdfplumber_renders_what_pdfplumber_placed_there(
    rotation: int, mediabox: tuple[float, ...] | None,
) -> None:
    data = _leaflet_cell(rotation, mediabox)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        seven = next(c for c in page.chars if c["text"] == "7")
        square = page.rects[0]
    with open_pdf(data) as document:
        pdfium_page = document[0]
        glyph = render_region(pdfium_page, (seven["x0"], seven["top"], seven["x1"],
                                            seven["bottom"]))
        inside = render_region(pdfium_page, (square["x0"] + 1, square["top"] + 1,
                                             square["x1"] - 1, square["bottom"] - 1))
        beside = render_region(pdfium_page, (square["x1"] + 2, square["top"],
                                             square["x1"] + 12, square["bottom"]))
        with hidden_text(pdfium_page) as hidden:
            no_text = render_region(pdfium_page, (seven["x0"], seven["top"], seven["x1"],
                                                  seven["bottom"]))
    assert 80 <= _dark(glyph.image) <= 120  # a 10 pt "7" at 3 px a point
    assert inside.image.getextrema() == (0, 0)  # the black square, every pixel
    assert _dark(beside.image) == 0
    assert hidden == 1 and _dark(no_text.image) == 0
    assert glyph.x0 == pytest.approx(seven["x0"], abs=1 / 3)
    assert glyph.top == pytest.approx(seven["top"], abs=1 / 3)


def test_a_page_image_for_ocr_is_the_whole_page_at_the_resolution_asked() -> None:
    image = page_image(_leaflet_cell(), 1, dpi=144)
    assert (image.mode, image.size) == ("L", (800, 400))
    assert image.getpixel((640, 320)) == 0  # inside the black square
