"""The ink of a word OCR read that may be a tick or a cross, kept to be judged against a key.

Class: the 2010/11 edition marks each row of its table with a symbol whose meaning the key
under the table gives ('Key: ✓ target achieved ✗ target not achieved'). Tesseract has no such
glyphs in its English model and reads them as letters, not even alike from place to place: on
the generated 2010/11 Kensington and Chelsea leaflet at 300 dpi the key's ✓ and ✗ were 'v' and
'X', the table's 'v', 'Y' and 'x'; a row's mark matched no symbol of the key and the leaflet
was refused at every damage.

What the symbols are the page itself says: the key draws each one beside its meaning, in the
leaflet's own face. So the page model keeps, for every short word read as one of the letters
the engine makes of a mark, the shape of its ink (`glyph_shapes.shape_of`, 16 x 16); the
edition reader compares a row's mark with the key's two (`extractors.marks.SymbolKey`). No
reference font is assumed.
"""

from __future__ import annotations

from PIL import Image, ImageOps

from pdfpage.glyph_shapes import shape_distance, shape_of

__all__ = ["MARK_READINGS", "ink_distance", "mark_ink"]

#: What the engine makes of a tick or a cross (and the marks themselves): a word of one or two
#: of these is kept with its ink.
MARK_READINGS = frozenset("vVxXyY/\u00d7\u2713\u2714\u2717\u2718")
#: The side of a shape (`glyph_shapes`).
_SIDE = 16


def mark_ink(image: Image.Image, box: tuple[int, int, int, int], text: str) -> bytes:
    """The shape of the ink in `box` (pixels of the greyscale prepared page `image`, dark ink
    on light paper) as 256 bytes, when `text` is a word the engine may have made of a mark;
    b'' otherwise."""
    if not text or len(text) > 2 or not set(text) <= MARK_READINGS:
        return b""
    x0, top, x1, bottom = box
    if x1 <= x0 or bottom <= top:
        return b""
    glyph = image.crop((x0, top, x1, bottom)).convert("L")
    return shape_of(ImageOps.invert(glyph)).tobytes()


def ink_distance(first: bytes, second: bytes) -> float:
    """How unlike two inks kept by `mark_ink` are, 0 (the same) to 1."""
    return shape_distance(Image.frombytes("L", (_SIDE, _SIDE), first),
                          Image.frombytes("L", (_SIDE, _SIDE), second))
