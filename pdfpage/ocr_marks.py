"""Tick and cross marks that the engine reads as letters, known by their shape.

Class: the 2010/11 edition marks each row of its table with a tick or a cross whose meaning its
key gives ('Key: ✓ target achieved ✗ target not achieved'). Tesseract has no such glyphs in
its English model and reads them as letters, not even alike from place to place: on the
generated 2010/11 Kensington and Chelsea leaflet at 300 dpi the key's ✓ and ✗ were 'v' and 'X',
the table's 'v', 'Y' and 'x'; the row's mark matched no symbol of the key and the leaflet was
refused at every damage.

So a short word read as one of those letters is judged by its ink: its shape (`glyph_shapes.
shape_of`) is compared with the marks and the letters drawn in DejaVu Sans, the leaflets' font.
It is read as the mark only when a mark is the nearest, within `ocr_mark_near`, and every letter
and every mark of the other meaning is at least `ocr_mark_margin` further (measured on that page:
marks 0.016 to 0.063 from their own, 0.13 and more from anything else). A letter stays a letter;
a blot near nothing stays what the engine read, and the key refuses it as before.

Pure but for the reference glyphs, drawn once from the system's DejaVu Sans (without it, nothing
is judged: the engine's reading stands).
"""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw, ImageFont, ImageOps

from pdfpage.glyph_shapes import Shape, shape_distance, shape_of
from pdfpage.settings import PageSettings

__all__ = ["MARK_READINGS", "mark_of"]

#: The marks, by meaning: ticks and crosses (light and heavy).
_TICKS = "\u2713\u2714"
_CROSSES = "\u2717\u2718"
#: What the engine makes of them: a word made of these only is judged by its shape.
MARK_READINGS = frozenset("vVxXyY/\u00d7" + _TICKS + _CROSSES)
#: The letters a mark is told from (a word read as one of them may be that letter).
_LETTERS = "vVxXyY/"
_FONT = "DejaVuSans.ttf"


@functools.lru_cache(maxsize=1)
def _references() -> tuple[tuple[str, Shape], ...]:
    """Each mark and letter drawn in DejaVu Sans, as shapes; () without the font."""
    try:
        font = ImageFont.truetype(_FONT, 96)
    except OSError:
        return ()
    shapes = []
    for char in _TICKS + _CROSSES + _LETTERS:
        image = Image.new("L", (200, 200), 0)
        ImageDraw.Draw(image).text((40, 40), char, fill=255, font=font)
        shapes.append((char, shape_of(image)))
    return tuple(shapes)


def _kind(char: str) -> str:
    return "tick" if char in _TICKS else "cross" if char in _CROSSES else char


def mark_of(glyph: Image.Image, settings: PageSettings) -> str | None:
    """'✓', '✔', '✗' or '✘' when the greyscale `glyph` (dark ink on light paper, cut to the
    word's box) is that mark by its shape (see the module docstring), else None."""
    references = _references()
    if not references or not glyph.width or not glyph.height:
        return None
    shape = shape_of(ImageOps.invert(glyph.convert("L")))
    distances = sorted((shape_distance(shape, reference), char)
                       for char, reference in references)
    nearest, char = distances[0]
    if _kind(char) not in ("tick", "cross") or nearest > settings.ocr_mark_near:
        return None
    others = [distance for distance, other in distances if _kind(other) != _kind(char)]
    return char if min(others) >= nearest + settings.ocr_mark_margin else None
