"""Minimal leaflets of each class of page convention that other producers print (issue 16).

Each builder takes the Barnet 2009/10 fixture (the seed leaflet, ReportLab) and adds one thing
a person reads past without a thought: column headings over the table, a drawn tick beside
the words of a mark, a page number, a running header and footer, a stamp across the table, or
headings whose font name does not say 'Bold'. Drawn with ReportLab on an overlay merged onto
the page by pypdf, or by rewriting the font dictionaries and content stream, so every figure
of the leaflet stays where it was and the golden file stays its truth.

Where the table is comes from the extraction's own cells of the unchanged leaflet, so the
additions stand where they would in a real document (headings just above the first row,
marks beside their row), whatever the fixture generator does.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pypdf
from conftest import PDFS
from pypdf.generic import NameObject
from reportlab.lib.colors import Color
from reportlab.pdfgen.canvas import Canvas

from extractors import extract_document
from schemas.records import FigureCell

__all__ = ["BASE", "CLASSES", "build"]

BASE = PDFS / "2009-10" / "barnet.pdf"


@dataclass(frozen=True)
class Table:
    """Where the base leaflet's performance table is (pdfplumber's top-left points)."""

    page: int
    label_x0: float
    figure_x0: float
    mark_x0: float
    top: float
    bottom: float
    marks: tuple[FigureCell, ...]  # cells of rows with printed mark words


def _table() -> Table:
    cells = [c for c in extract_document(BASE.read_bytes()).cells if c.table == "performance"]
    figures = [c for c in cells if c.field == "change_count"]
    marks = [c for c in cells if c.field == "target_achieved"]
    return Table(figures[0].page, 26.0, min(c.x0 for c in figures), min(c.x0 for c in marks),
                 min(c.top for c in figures), max(c.bottom for c in figures),
                 tuple(c for c in marks if c.text))


Draw = Callable[[Canvas, int, float, float, Table], None]


def _overlay(data: bytes, draw: Draw) -> bytes:
    """`data` with what `draw(canvas, page, width, height, table)` paints over each page."""
    table = _table()
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    for number, page in enumerate(writer.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        out = io.BytesIO()
        canvas = Canvas(out, pagesize=(width, height))
        draw(canvas, number, width, height, table)
        canvas.showPage()
        canvas.save()
        page.merge_page(pypdf.PdfReader(out).pages[0])
    result = io.BytesIO()
    writer.write(result)
    return result.getvalue()


def _column_headings(bold: bool) -> Draw:
    def draw(c: Canvas, page: int, _width: float, height: float, t: Table) -> None:
        if page != t.page:
            return
        c.setFont("Helvetica-Bold" if bold else "Helvetica", 6)
        y = height - (t.top - 2.0)
        c.drawString(t.label_x0, y, "Crime type")
        c.drawString(t.figure_x0, y, "Change on 2008/09")
        c.drawString(t.mark_x0, y, "Target")
    return draw


def _ticks(c: Canvas, page: int, _width: float, height: float, t: Table) -> None:
    """A stroked tick right of each 'Target achieved' (the row is marked twice, in agreement)."""
    c.setLineWidth(1.2)
    for mark in t.marks:
        if mark.page != page:
            continue
        x, y = mark.x1 + 4, height - mark.bottom
        path = c.beginPath()
        path.moveTo(x, y + 3)
        path.lineTo(x + 2.5, y)
        path.lineTo(x + 7, y + 7)
        c.drawPath(path, stroke=1, fill=0)


def _page_number(style: str) -> Draw:
    def draw(c: Canvas, page: int, width: float, height: float, t: Table) -> None:
        c.setFont("Helvetica", 8)
        text = style.format(page=page, pages=4)
        c.drawString(t.figure_x0 + 20 if page == t.page else width / 2, 24, text)
    return draw


def _running(c: Canvas, page: int, width: float, height: float, _t: Table) -> None:
    """The title over every page, and '3 of 4 ... Local Policing Summary Barnet' under it."""
    c.setFont("Helvetica", 7)
    c.drawString(24, height - 14, "Local Policing Summary Barnet 2009/10")
    c.drawRightString(width - 24, height - 14, "Metropolitan Police Authority")
    c.drawString(24, 14, f"{page} of 4")
    c.drawRightString(width - 24, 14, "Local Policing Summary Barnet")


def _browser(c: Canvas, page: int, width: float, height: float, _t: Table) -> None:
    """What a browser prints round each page: date and title, URL and page count."""
    c.setFont("Helvetica", 7)
    c.drawString(18, height - 12, "06/12/2010, 14:03")
    c.drawCentredString(width / 2, height - 12, "Local Policing Summary: Barnet")
    c.drawString(18, 10, "http://www.mpa.gov.uk/downloads/lps/2009-10/barnet.pdf")
    c.drawRightString(width - 18, 10, f"{page}/4")


def _stamp(alpha: float) -> Draw:
    def draw(c: Canvas, page: int, width: float, height: float, t: Table) -> None:
        c.saveState()
        c.setFillColor(Color(0.8, 0.1, 0.1, alpha=alpha))
        c.setFont("Helvetica-Bold", 40)
        centre = height - (t.top + t.bottom) / 2 if page == t.page else height / 2
        c.translate(width / 4 if page == t.page else width / 2, centre)
        c.rotate(30)
        c.drawCentredString(0, -14, "ARCHIVE COPY")
        c.restoreState()
    return draw


def _refont(data: bytes, name: str, render: int = 0) -> bytes:
    """`data` with its bold face renamed `name` (subset prefix kept) and, when `render` is 2,
    its headings drawn filled and stroked (the regular face set back to fill only)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    for page in writer.pages:
        fonts = page["/Resources"]["/Font"]
        bold = [key for key, font in fonts.items() if "Bold" in str(font.get_object()["/BaseFont"])]
        for key in bold:
            font = fonts[key].get_object()
            font[NameObject("/BaseFont")] = NameObject(f"/{name}")
            if "/FontDescriptor" in font:
                font["/FontDescriptor"].get_object()[NameObject("/FontName")] = NameObject(
                    f"/{name}")
        if render:
            content = page.get_contents()
            assert content is not None
            text = content.get_data().decode("latin-1")
            for key in fonts:
                mode = render if key in bold else 0
                text = re.sub(rf"({re.escape(key)} [\d.]+ Tf)", rf"\1 {mode} Tr", text)
            content.set_data(text.encode("latin-1"))
            page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


#: Class name -> how to draw it from the base leaflet's bytes.
CLASSES: dict[str, Callable[[bytes], bytes]] = {
    "column-headings": lambda d: _overlay(d, _column_headings(bold=False)),
    "column-headings-bold": lambda d: _overlay(d, _column_headings(bold=True)),
    "mark-twice-agreeing": lambda d: _overlay(d, _ticks),
    "page-number-lone": lambda d: _overlay(d, _page_number("{page}")),
    "page-number-page-n": lambda d: _overlay(d, _page_number("Page {page}")),
    "page-number-n-of-m": lambda d: _overlay(d, _page_number("{page} of {pages}")),
    "page-number-n-slash-m": lambda d: _overlay(d, _page_number("{page}/{pages}")),
    "running-header-footer": lambda d: _overlay(d, _running),
    "browser-print-margins": lambda d: _overlay(d, _browser),
    "stamp-diagonal": lambda d: _overlay(d, _stamp(alpha=1.0)),
    "stamp-see-through": lambda d: _overlay(d, _stamp(alpha=0.25)),
    "heading-heavy": lambda d: _refont(d, "ABCDEF+Lato-Heavy"),
    "heading-black": lambda d: _refont(d, "ABCDEF+Roboto-Black"),
    "heading-semibold": lambda d: _refont(d, "ABCDEF+OpenSans-Semibold"),
    "heading-medium": lambda d: _refont(d, "ABCDEF+Lato-Medium"),
    "heading-demi": lambda d: _refont(d, "URWGothic-Demi"),
    "heading-size-only": lambda d: _refont(d, "ABCDEF+DejaVuSans"),
    "heading-stroked": lambda d: _refont(d, "ABCDEF+DejaVuSans", render=2),
}


def build(name: str) -> bytes:
    """The base leaflet drawn with class `name`."""
    return CLASSES[name](BASE.read_bytes())
