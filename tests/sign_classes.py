"""Leaflets whose re-distilled text layer lost the Unicode of a figure's sign (issue 16).

Class `redistilled-unmapped-minus`: Ghostscript re-writing a ReportLab leaflet can drop one
entry of a subset font's ToUnicode map. ReportLab sets the minus sign (U+2212) at code 3 of its
DejaVu subset; with that entry gone, pdfminer reads the fall '−752' as '(cid:3)752' and PDFium
reads the code itself, though the page still draws the minus (clean-room 0058, 0086, 0123 are
this class, drawn by Ghostscript). The builder takes the layouts' `column-order-badges` leaflet
(ReportLab, U+2212 on every count and percentage of a fall) and removes the minus's entry from
every ToUnicode map, as the re-distiller did: every figure stays where it was, and the layouts'
truth stays its truth.

The refused variants (`REDRAWN`) keep the code without Unicode but make the subset font draw
another glyph for it (a plus, a digit, two bars, an underscore): a sign place whose glyph is no
lone bar, which no reader could take for a minus.
"""

from __future__ import annotations

import functools
import io
import re

import pypdf
from conftest import FIXTURES
from fontTools.ttLib import TTFont

__all__ = ["BASE", "CLASS", "MINUS_CODE", "REDRAWN", "TRUTH", "build", "redrawn"]

CLASS = "redistilled-unmapped-minus"
BASE = FIXTURES / "layouts" / "pdfs" / "column-order-badges.pdf"
TRUTH = FIXTURES / "layouts" / "truth" / "column-order-badges.json"
#: The code ReportLab gives the minus sign in the base leaflet's DejaVu subsets.
MINUS_CODE = 3
#: Variant -> the character whose glyph the minus's code is made to draw.
REDRAWN = {"plus": "+", "digit": "4", "two-bars": "=", "underscore": "_"}
_BFCHAR = re.compile(r"(\d+) beginbfchar\n(.*?)\nendbfchar", re.S)


def _without_codes(cmap: str, codes: set[int]) -> str:
    """A ToUnicode CMap's text with the `bfchar` entries of `codes` left out."""
    def keep(block: re.Match[str]) -> str:
        lines = [line for line in block.group(2).splitlines()
                 if line.strip() and int(line.split()[0][1:-1], 16) not in codes]
        return f"{len(lines)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar"
    return _BFCHAR.sub(keep, cmap)


def _rewritten(data: bytes, like: str | None) -> bytes:
    """`data` with the minus's code dropped from every ToUnicode map and, when `like` is given,
    each embedded subset drawing the glyph of `like` for that code."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    writer = pypdf.PdfWriter(clone_from=reader)
    done: set[int] = set()
    for page in writer.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            streams = []
            if "/ToUnicode" in font:
                streams.append(("cmap", font["/ToUnicode"].get_object()))
            descriptor = font.get("/FontDescriptor")
            if like is not None and descriptor is not None and (
                    "/FontFile2" in descriptor.get_object()):
                streams.append(("font", descriptor.get_object()["/FontFile2"].get_object()))
            for kind, stream in streams:
                if id(stream) in done:
                    continue
                done.add(id(stream))
                if kind == "cmap":
                    text = stream.get_data().decode("latin-1")
                    stream.set_data(_without_codes(text, {MINUS_CODE}).encode("latin-1"))
                    continue
                assert like is not None
                subset = TTFont(io.BytesIO(stream.get_data()))
                for table in subset["cmap"].tables:
                    if MINUS_CODE in table.cmap and ord(like) in table.cmap:
                        table.cmap[MINUS_CODE] = table.cmap[ord(like)]
                out = io.BytesIO()
                subset.save(out)
                stream.set_data(out.getvalue())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@functools.cache
def build() -> bytes:
    """The class fixture: the base leaflet with its minus sign's Unicode lost."""
    return _rewritten(BASE.read_bytes(), None)


@functools.cache
def redrawn(variant: str) -> bytes:
    """A refused variant of `REDRAWN`: the code without Unicode drawn as another glyph."""
    return _rewritten(BASE.read_bytes(), REDRAWN[variant])
