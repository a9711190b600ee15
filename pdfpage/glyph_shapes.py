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

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops

from pdfpage.settings import PageSettings

__all__ = ["SHAPED", "GlyphSample", "like_a_character", "reference_shapes", "shape_distance",
           "shape_of", "shape_problem"]

#: A glyph's shape: a 16 x 16 grey image (mode "L"), its strongest ink 255.
Shape = Image.Image
_SIDE = 16
#: A pixel is part of a glyph's extent at this ink strength (0-1).
_EXTENT = 0.25
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


@functools.lru_cache(maxsize=256)
def _at_least(level: int) -> tuple[int, ...]:
    """The lookup table marking pixels of at least `level`."""
    return tuple(255 if v >= level else 0 for v in range(256))


@functools.lru_cache(maxsize=256)
def _stretch(peak: int) -> tuple[int, ...]:
    """The lookup table taking 0..`peak` to 0..255."""
    return tuple(min(255, round(v * 255 / peak)) for v in range(256))


def shape_of(strength: Image.Image) -> Shape:
    """A glyph's ink (grey image, 0 none to 255) cut to its extent (the pixels inked at least a
    quarter of its strongest), centred in a square, sampled 16 x 16, its strongest pixel 255:
    white text on a blue band has the shape of black text on white."""
    peak = strength.getextrema()[1] if strength.width and strength.height else 0
    if not isinstance(peak, int) or peak <= 0:
        return Image.new("L", (_SIDE, _SIDE), 0)
    extent = strength.point(_at_least(max(1, round(peak * _EXTENT)))).getbbox()
    if extent is None:
        return Image.new("L", (_SIDE, _SIDE), 0)
    cut = strength.crop(extent).point(_stretch(peak))
    side = max(cut.size)
    square = Image.new("L", (side, side), 0)
    square.paste(cut, ((side - cut.width) // 2, (side - cut.height) // 2))
    return square.resize((_SIDE, _SIDE), Image.Resampling.BILINEAR)


def shape_distance(first: Shape, second: Shape) -> float:
    """Mean absolute difference of two shapes, 0-1: 0 the same, about 0.3 for different
    digits."""
    mean = ImageChops.difference(first, second).reduce(_SIDE).getpixel((0, 0))
    return float(mean) / 255 if isinstance(mean, (int, float)) else 1.0


def _set_text(obj: Any, text: str) -> None:
    encoded = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
    pdfium_c.FPDFText_SetText(obj, ctypes.cast(encoded, ctypes.POINTER(ctypes.c_ushort)))


@functools.lru_cache(maxsize=1)
def reference_shapes() -> tuple[tuple[str, Shape], ...]:
    """Each reference character's shape in each of PDFium's built-in reference fonts."""
    return _drawn_references(_REFERENCE_CHARS)


#: What a glyph that is not what it is read as may be drawn as instead, for a refusal to say:
#: the reference characters and the hyphen (a bar: the minus a lying map reads as a digit).
_DESCRIBED_CHARS = _REFERENCE_CHARS + "-"


@functools.lru_cache(maxsize=1)
def _described_shapes() -> tuple[tuple[str, Shape], ...]:
    return _drawn_references(_DESCRIBED_CHARS)


def _looks_like(shape: Shape, settings: PageSettings) -> str | None:
    """The reference character or hyphen `shape` is nearest to, when it is as near as
    `settings.shape_near`, else None."""
    char, reference = min(_described_shapes(), key=lambda r: shape_distance(shape, r[1]))
    return char if shape_distance(shape, reference) <= settings.shape_near else None


def _from_reference(shape: Shape, char: str) -> float:
    """How near `shape` is to `char` as the reference fonts draw it (the nearest of them)."""
    return min(shape_distance(shape, reference) for ref_char, reference in reference_shapes()
               if ref_char == char)


def _drawn_references(chars: str) -> tuple[tuple[str, Shape], ...]:
    """Each of `chars` drawn by PDFium in each of its built-in reference fonts, as shapes."""
    document = pypdfium2.PdfDocument.new()
    step, size = 60.0, 40.0
    page = document.new_page(step * len(chars), step * len(_REFERENCE_FONTS))
    try:
        for row, font_name in enumerate(_REFERENCE_FONTS):
            font = pdfium_c.FPDFText_LoadStandardFont(document, font_name)
            for column, char in enumerate(chars):
                obj = pdfium_c.FPDFPageObj_CreateTextObj(document, font, size)
                _set_text(obj, char)
                pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, column * step + 10,
                                               (len(_REFERENCE_FONTS) - row - 1) * step + 12)
                pdfium_c.FPDFPage_InsertObject(page, obj)
        pdfium_c.FPDFPage_GenerateContent(page)
        gray = page.render(scale=1, grayscale=True).to_pil().convert("L")
        ink = ImageChops.invert(gray)
        shapes = []
        for row in range(len(_REFERENCE_FONTS)):
            for column, char in enumerate(chars):
                cell = ink.crop((int(column * step), int(row * step), int((column + 1) * step),
                                 int((row + 1) * step)))
                shapes.append((char, shape_of(cell)))
        return tuple(shapes)
    finally:
        page.close()
        document.close()


def like_a_character(shape: Shape, settings: PageSettings) -> bool:
    """Whether `shape` is near a digit or sign of the reference fonts (as near as
    `settings.shape_near`): a mark of that shape on a figure's line could be read with the
    figure."""
    return any(shape_distance(shape, reference) <= settings.shape_near
               for _, reference in reference_shapes())


@functools.lru_cache(maxsize=1)
def _reference_strip() -> Image.Image:
    """The reference shapes side by side, to compare a shape with all of them at once."""
    references = reference_shapes()
    strip = Image.new("L", (_SIDE * len(references), _SIDE))
    for index, (_, shape) in enumerate(references):
        strip.paste(shape, (index * _SIDE, 0))
    return strip


def _centre(shapes: Sequence[Shape]) -> Shape:
    """The mean of shapes, pixel by pixel: their rows interleaved (row r of each shape in
    turn), then each run of `len(shapes)` rows averaged into one by PIL."""
    count = len(shapes)
    if count == 1:
        return shapes[0]
    data = [shape.tobytes() for shape in shapes]
    rows = b"".join(one[row * _SIDE : (row + 1) * _SIDE] for row in range(_SIDE) for one in data)
    return Image.frombytes("L", (_SIDE, _SIDE * count), rows).reduce((1, count))


Groups = dict[tuple[str, float, str], list[GlyphSample]]


def _unlike_itself(groups: Groups, settings: PageSettings) -> tuple[GlyphSample, str] | None:
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
        same = settings.same_glyph
        if (shape_distance(far.shape, others) > same
                and max(shape_distance(shape, others) for shape in rest) <= same / 2):
            nearest = _from_reference(far.shape, char)
            if (nearest + settings.shape_plainly <= _from_reference(others, char)
                    and nearest <= settings.shape_near):
                # the odd one is the true glyph: the others are another glyph read as it
                # (a ToUnicode map that sends the minus to '2' on every fall)
                liar = next(s for s in samples if s is not far)
                like = _looks_like(others, settings)
                drawn = f"as a '{like}'" if like is not None else f"unlike a '{char}'"
                return liar, (f"its '{char}' drawn {drawn}, where the '{char}' of its font "
                              f"({far.font}) is drawn as a '{char}' elsewhere")
            return far, (f"its '{char}' drawn unlike the other '{char}'s of its font "
                         f"({far.font})")
    return None


def _shared(groups: Groups, settings: PageSettings) -> tuple[GlyphSample, str] | None:
    centres = {key: _centre([s.shape for s in samples]) for key, samples in groups.items()}
    keys = sorted(centres)
    for index, first in enumerate(keys):
        for second in keys[index + 1 :]:
            if (first[:2] != second[:2] or first[2] == second[2]
                    or first[2] not in _REFERENCE_CHARS or second[2] not in _REFERENCE_CHARS):
                continue
            if shape_distance(centres[first], centres[second]) < settings.shared_glyph:
                rare, common = sorted((first, second), key=lambda k: len(groups[k]))
                return groups[rare][0], (f"the glyph it reads as '{common[2]}' elsewhere "
                                         f"where it says '{rare[2]}' (font {rare[0]})")
    return None


def _another_character(groups: Groups, settings: PageSettings
                       ) -> tuple[GlyphSample, str] | None:
    references = reference_shapes()
    strip = _reference_strip()
    for (_, _, char), samples in groups.items():
        if char not in _REFERENCE_CHARS:
            continue
        centre = _centre([s.shape for s in samples])
        tiled = Image.new("L", strip.size)
        for index in range(len(references)):
            tiled.paste(centre, (index * _SIDE, 0))
        means = ImageChops.difference(tiled, strip).reduce(_SIDE).tobytes()
        nearest: dict[str, float] = {}
        for (ref_char, _), mean in zip(references, means, strict=True):
            nearest[ref_char] = min(float(mean) / 255, nearest.get(ref_char, 1.0))
        best = min(nearest, key=lambda c: nearest[c])
        if (best != char and nearest[best] <= settings.shape_near
                and nearest[best] + settings.shape_plainly <= nearest[char]):
            return samples[0], f"a '{best}' where it says '{char}'"
    return None


def shape_problem(samples: Sequence[GlyphSample], settings: PageSettings
                  ) -> tuple[GlyphSample, str] | None:
    """The first glyph that is not what it is read as, with what the page shows instead."""
    groups: Groups = {}
    for sample in samples:
        if sample.char.strip() and sample.shape.getbbox() is not None:
            key = (sample.font, round(sample.size * 2) / 2, sample.char)
            groups.setdefault(key, []).append(sample)
    return (_unlike_itself(groups, settings) or _shared(groups, settings)
            or _another_character(groups, settings))
