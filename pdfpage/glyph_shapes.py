"""Whether each drawn character looks like the character the text layer says it is.

Ink in the right place is not enough: a font whose ToUnicode map sends the glyph drawn as "7"
to "1" inks the box of a "1" with a seven. Three comparisons catch a glyph that is not what the
text says, all on shapes (the ink of a glyph, cut to its extent, set in a square and sampled
16 x 16, 0-1), so no OCR engine is needed:

1. **Itself**: every instance of a character in one font looks alike; one unlike the others
   (partly covered, or from a lying map on some figures only) is refused.
2. **Its font**: two characters of one font never share a glyph; the glyph read as "1" here
   and as "7" elsewhere is refused.
3. **The reference fonts**: each digit and sign is compared with the same character drawn by
   PDFium in its built-in Helvetica, Times and Courier (regular and bold); a glyph much nearer
   another character than its own (a seven read as "1" in a font used for nothing else) is
   refused. A glyph near none of them (an unusual typeface) is not judged by this test.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

__all__ = ["SHAPED", "GlyphSample", "reference_shapes", "shape_distance", "shape_of",
           "shape_problem"]

Shape = npt.NDArray[np.float32]
_SIDE = 16
#: A pixel is part of a glyph's extent at this ink strength (0-1).
_EXTENT = 0.25
#: Two instances of one character in one font are the same glyph within this distance.
SAME_GLYPH = 0.25
#: Two characters of one font closer than this share a glyph.
SHARED_GLYPH = 0.06
#: A glyph is plainly another reference character when it is this much nearer to it.
_PLAINLY = 0.04
#: ... and at least this near to it.
_NEAR = 0.2
_REFERENCE_FONTS = (b"Helvetica", b"Helvetica-Bold", b"Times-Roman", b"Times-Bold",
                    b"Courier", b"Courier-Bold")
_REFERENCE_CHARS = "0123456789+%"
#: The characters whose shapes are compared: the digits and signs of figures.
SHAPED = frozenset(_REFERENCE_CHARS)


@dataclass(frozen=True)
class GlyphSample:
    """One drawn character of a figure: the claim it belongs to, what it is read as, its font
    and its shape."""

    claim: Any  # pdfpage.render_check.Claim (not imported: that module imports this one)
    char: str
    font: str
    size: float
    shape: Shape


def shape_of(strength: npt.NDArray[np.float32]) -> Shape:
    """A glyph's ink (0-1 per pixel) cut to its extent (the pixels inked at least a quarter of
    its strongest), centred in a square, sampled 16 x 16, its strongest pixel 1: white text on a
    blue band has the shape of black text on white."""
    peak = float(strength.max()) if strength.size else 0.0
    if peak <= 0:
        return np.zeros((_SIDE, _SIDE), dtype=np.float32)
    strength = strength / peak
    rows = np.flatnonzero(strength.max(axis=1) >= _EXTENT)
    cols = np.flatnonzero(strength.max(axis=0) >= _EXTENT)
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros((_SIDE, _SIDE), dtype=np.float32)
    cut = strength[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    side = max(cut.shape)
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - cut.shape[0]) // 2, (side - cut.shape[1]) // 2
    square[top : top + cut.shape[0], left : left + cut.shape[1]] = cut
    image = Image.fromarray(square, mode="F").resize((_SIDE, _SIDE), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float32)


def shape_distance(first: Shape, second: Shape) -> float:
    """Mean absolute difference of two shapes: 0 the same, about 0.3 for different digits."""
    return float(np.abs(first - second).mean())


def _set_text(obj: Any, text: str) -> None:
    encoded = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(encoded, ctypes.POINTER(ctypes.c_ushort)))


@functools.lru_cache(maxsize=1)
def reference_shapes() -> tuple[tuple[str, Shape], ...]:
    """Each reference character's shape in each of PDFium's built-in reference fonts."""
    document = pypdfium2.PdfDocument.new()
    step, size = 60.0, 40.0
    page = document.new_page(step * len(_REFERENCE_CHARS), step * len(_REFERENCE_FONTS))
    try:
        for row, font_name in enumerate(_REFERENCE_FONTS):
            font = pdfium_c.FPDFText_LoadStandardFont(document, font_name)
            for column, char in enumerate(_REFERENCE_CHARS):
                obj = pdfium_c.FPDFPageObj_CreateTextObj(document, font, size)
                _set_text(obj, char)
                pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, column * step + 10,
                                               (len(_REFERENCE_FONTS) - row - 1) * step + 12)
                pdfium_c.FPDFPage_InsertObject(page, obj)
        pdfium_c.FPDFPage_GenerateContent(page)
        gray = page.render(scale=1, grayscale=True).to_numpy()
        if gray.ndim == 3:
            gray = gray[:, :, 0]
        ink = (255.0 - gray.astype(np.float32)) / 255.0
        shapes = []
        for row in range(len(_REFERENCE_FONTS)):
            for column, char in enumerate(_REFERENCE_CHARS):
                cell = ink[int(row * step) : int((row + 1) * step),
                           int(column * step) : int((column + 1) * step)]
                shapes.append((char, shape_of(cell)))
        return tuple(shapes)
    finally:
        page.close()
        document.close()


def _centre(shapes: Sequence[Shape]) -> Shape:
    return np.asarray(np.mean(np.stack(shapes), axis=0), dtype=np.float32)


Groups = dict[tuple[str, float, str], list[GlyphSample]]


def _unlike_itself(groups: Groups) -> tuple[GlyphSample, str] | None:
    """An instance unlike the other instances of its character in its font, when those
    others agree among themselves (two instances alone cannot say which is odd)."""
    for (_, _, char), samples in groups.items():
        if len(samples) < 3 or char not in _REFERENCE_CHARS:
            continue
        centre = _centre([s.shape for s in samples])
        far = max(samples, key=lambda s: shape_distance(s.shape, centre))
        # the odd one out against the others, not against a mean it pulls towards itself
        rest = [s.shape for s in samples if s is not far]
        others = _centre(rest)
        if (shape_distance(far.shape, others) > SAME_GLYPH
                and max(shape_distance(shape, others) for shape in rest) <= SAME_GLYPH / 2):
            return far, (f"its '{char}' drawn unlike the other '{char}'s of its font "
                         f"({far.font})")
    return None


def _shared(groups: Groups) -> tuple[GlyphSample, str] | None:
    centres = {key: _centre([s.shape for s in samples]) for key, samples in groups.items()}
    keys = sorted(centres)
    for index, first in enumerate(keys):
        for second in keys[index + 1 :]:
            if (first[:2] != second[:2] or first[2] == second[2]
                    or first[2] not in _REFERENCE_CHARS or second[2] not in _REFERENCE_CHARS):
                continue
            if shape_distance(centres[first], centres[second]) < SHARED_GLYPH:
                rare, common = sorted((first, second), key=lambda k: len(groups[k]))
                return groups[rare][0], (f"the glyph it reads as '{common[2]}' elsewhere "
                                         f"where it says '{rare[2]}' (font {rare[0]})")
    return None


def _another_character(groups: Groups) -> tuple[GlyphSample, str] | None:
    references = reference_shapes()
    stacked = np.stack([shape for _, shape in references])
    for (_, _, char), samples in groups.items():
        if char not in _REFERENCE_CHARS:
            continue
        centre = _centre([s.shape for s in samples])
        distances = np.abs(stacked - centre).mean(axis=(1, 2))
        nearest: dict[str, float] = {}
        for (ref_char, _), distance in zip(references, distances, strict=True):
            nearest[ref_char] = min(float(distance), nearest.get(ref_char, 1.0))
        best = min(nearest, key=lambda c: nearest[c])
        if (best != char and nearest[best] <= _NEAR
                and nearest[best] + _PLAINLY <= nearest[char]):
            return samples[0], f"a '{best}' where it says '{char}'"
    return None


def shape_problem(samples: Sequence[GlyphSample]) -> tuple[GlyphSample, str] | None:
    """The first glyph that is not what it is read as, with what the page shows instead."""
    groups: Groups = {}
    for sample in samples:
        if sample.char.strip() and sample.shape.any():
            key = (sample.font, round(sample.size * 2) / 2, sample.char)
            groups.setdefault(key, []).append(sample)
    return _unlike_itself(groups) or _shared(groups) or _another_character(groups)
