"""A figure's sign that the text layer cannot say: what the renderer draws for a glyph with no
Unicode standing where a sign stands.

A re-distiller (Ghostscript re-writing a ReportLab file) can drop one glyph from a font's
ToUnicode map: pdfminer reads the fall '−2.1%' as '(cid:2)2.1%'. The page still shows a minus,
and a reader sees one; which character the glyph is, only its drawing says. So a glyph with no
Unicode immediately before a figure's digits is rendered by PDFium, its text's ink alone (the
page drawn with and without its text), and read as a minus only when that ink is one lone
horizontal bar: solid, wide and short, level with the middle of the digits after it. Not an
underscore (on the baseline), not an overline, not two bars ('='), not a cross ('+'), not a
digit. Every instance of that glyph in that font before a figure must be drawn so, and drawn
alike; anything else stays unread, and what the page draws there is said (`SignGlyph.drawn`),
so the refusal can name it. The tolerances are `PageSettings.sign_*`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pypdfium2
from PIL import Image, ImageChops

from pdfpage.content import UNMAPPED_GLYPH
from pdfpage.glyph_shapes import shape_distance, shape_of
from pdfpage.ink import INKED, connected_runs
from pdfpage.render import Box, PageFrame, hidden_text, render_region
from pdfpage.settings import PageSettings

__all__ = ["MINUS", "SignGlyph", "SignGlyphs", "bar_problem", "drawn_sign", "unmapped_sign_at"]

Char = dict[str, Any]
#: The minus a glyph drawn as a lone bar before a figure is read as.
MINUS = "\u2212"
#: What follows a sign in a figure ('2.1%', '1,204').
_FIGURE_TAIL = frozenset("0123456789.,%")


@dataclass
class SignGlyph:
    """One glyph with no Unicode (its font and pdfminer's '(cid:N)') found before figures:
    where (page, figure), and what PDFium draws for it (`drawn` None: a lone bar, a minus)."""

    font: str
    code: str
    drawn: str | None = None
    places: list[tuple[int, str]] = field(default_factory=list)  # (page, the figure's text)
    shape: Image.Image | None = None  # its first instance's shape, to compare the others with
    read_on: set[int] = field(default_factory=set)  # pages where it was read as a minus

    @property
    def minus(self) -> bool:
        return self.drawn is None

    def describe(self) -> str:
        """What the page draws for it, for a refusal: "'(cid:2)' of font X, drawn as ..."."""
        shown = "a lone bar (a minus)" if self.drawn is None else self.drawn
        return f"'{self.code}' of font {self.font}, drawn as {shown}"


def unmapped_sign_at(chars: Sequence[Char], index: int, settings: PageSettings
                     ) -> int | None:
    """The index of the digit `chars[index]` stands immediately before, when it is a glyph
    with no Unicode on the digit's line (a figure's sign place), else None."""
    char = chars[index]
    text = char["text"]
    if (not text.startswith("(cid:") or not UNMAPPED_GLYPH.fullmatch(text)
            or index + 1 >= len(chars)):
        return None
    after = chars[index + 1]
    if not after["text"].isascii() or not after["text"].isdigit():
        return None
    size = max(float(char["size"]), 1.0)
    gap = float(after["x0"]) - float(char["x1"])
    level = abs(float(after["bottom"]) - float(char["bottom"])) <= settings.baseline_tolerance
    return index + 1 if level and (
        -settings.sign_overlap_em * size <= gap <= settings.sign_gap_em * size) else None


def _ink(page: pypdfium2.PdfPage, box: Box, scale: float, frame: PageFrame) -> Image.Image:
    """The ink the page's text puts in `box`: the render with text less the render without
    (grey, 0 none)."""
    shown = render_region(page, box, scale, frame)
    with hidden_text(page):
        bare = render_region(page, box, scale, frame)
    return ImageChops.difference(shown.image, bare.image)


def _extent(mask: Image.Image) -> tuple[int, int, int, int] | None:
    box = mask.getbbox()
    return None if box is None else (box[0], box[1], box[2], box[3])


def bar_problem(sign: Image.Image, digit: Image.Image, settings: PageSettings,
                scale: float | None = None) -> str | None:
    """What the ink `sign` (grey, the glyph's box) is when it is not one lone horizontal bar
    level with the middle of the ink `digit` (the digit after it, the same rows of pixels),
    or None when it is one: solid (its box inked at least `sign_bar_min_solid`), at least
    `sign_bar_min_aspect` times as wide as it is thick, at most `sign_bar_max_thickness` of
    the digit's height thick, its middle `sign_bar_low`..`sign_bar_high` of the digit's
    height above the digit's foot. `scale`: pixels a point (default `sign_render_scale`),
    to say a mark's size in points."""
    scale = scale or settings.sign_render_scale
    digit_extent = _extent(digit.point(INKED))
    if digit_extent is None:
        return "a glyph before no drawn digit"
    mask = sign.point(INKED)
    extent = _extent(mask)
    if extent is None:
        return "nothing (it leaves no ink)"
    width = mask.width
    runs = [run for run in connected_runs(mask.tobytes(), width)
            if len(run) >= settings.sign_speck_pixels]
    if not runs:
        return "specks of ink, no stroke"
    if len(runs) != 1:
        return f"{len(runs)} separate strokes, not one bar"
    xs, ys = [index % width for index in runs[0]], [index // width for index in runs[0]]
    left, upper, right, lower = min(xs), min(ys), max(xs) + 1, max(ys) + 1
    wide, thick = right - left, lower - upper
    solid = len(runs[0]) / (wide * thick)
    top, foot = digit_extent[1], digit_extent[3]
    height = foot - top
    middle = (foot - (upper + lower) / 2) / height
    shape = f"a mark {wide / scale:.1f} by {thick / scale:.1f} points"
    if wide < settings.sign_bar_min_aspect * thick or thick > (
            settings.sign_bar_max_thickness * height):
        return f"{shape}, not a bar (too tall for its width)"
    if solid < settings.sign_bar_min_solid:
        return f"{shape}, not a solid bar ({solid:.0%} of its box inked)"
    if middle < settings.sign_bar_low:
        return "a bar at the digits' foot (an underscore)"
    if middle > settings.sign_bar_high:
        return "a bar at the digits' top (an overline)"
    return None


def drawn_sign(page: pypdfium2.PdfPage, frame: PageFrame, sign: Box, digit: Box,
               settings: PageSettings) -> tuple[str | None, Image.Image]:
    """What the text of `page` draws in the box `sign` (a glyph with no Unicode) when it is not
    a minus for the digit drawn in `digit` (the same top and bottom; `bar_problem`), or None,
    and the shape of its ink (`glyph_shapes.shape_of`). Rendered at `sign_render_scale`."""
    scale = settings.sign_render_scale
    box = (sign[0], min(sign[1], digit[1]), max(sign[2], digit[2]), max(sign[3], digit[3]))
    ink = _ink(page, box, scale, frame)
    cut = max(0, min(ink.width, round((digit[0] - box[0]) * scale)))
    end = max(cut, min(ink.width, round((digit[2] - box[0]) * scale)))
    sign_ink = ink.crop((0, 0, min(cut, round((sign[2] - box[0]) * scale)), ink.height))
    digit_ink = ink.crop((cut, 0, end, ink.height))
    return bar_problem(sign_ink, digit_ink, settings), shape_of(sign_ink)


class SignGlyphs:
    """The glyphs with no Unicode found before figures in one document, page after page, each
    judged by its drawing at every place it stands (`read_page`). The document is opened with
    PDFium only when a page has such a glyph (`source` gives its bytes)."""

    def __init__(self, source: Callable[[], bytes], settings: PageSettings) -> None:
        self.source = source
        self.settings = settings
        self.glyphs: dict[tuple[str, str], SignGlyph] = {}
        self._document: pypdfium2.PdfDocument | None = None

    @classmethod
    @contextmanager
    def of(cls, source: Callable[[], bytes], settings: PageSettings
           ) -> Iterator[SignGlyphs]:
        """Sign glyphs of the document `source` gives, its PDFium copy closed on leaving."""
        signs = cls(source, settings)
        try:
            yield signs
        finally:
            if signs._document is not None:
                signs._document.close()

    @property
    def document(self) -> pypdfium2.PdfDocument:
        if self._document is None:
            self._document = pypdfium2.PdfDocument(self.source())
        return self._document

    def read_page(self, number: int, chars: list[Char]) -> list[Char]:
        """`chars` (a page's visible characters, content order) with each glyph with no
        Unicode standing before a figure's digits read as a minus where every instance of it
        so far is drawn as a lone bar; the others are left as pdfminer reads them."""
        places = [(index, digit) for index in range(len(chars))
                  if (digit := unmapped_sign_at(chars, index, self.settings)) is not None]
        if not places:
            return chars
        try:
            page = self.document[number - 1]
        except pypdfium2.PdfiumError as error:  # nothing can say what it draws: none is read
            for index, _ in places:
                key = (str(chars[index]["fontname"]), str(chars[index]["text"]))
                self.glyphs.setdefault(key, SignGlyph(*key)).drawn = (
                    f"nothing PDFium can render ({error})")
            return chars
        try:
            frame = PageFrame.of(page)
            for index, digit in places:
                self._judge(page, frame, number, chars, index, digit)
        finally:
            page.close()
        read = list(chars)
        for index, _ in places:
            glyph = self.glyphs[(str(chars[index]["fontname"]), chars[index]["text"])]
            if glyph.minus:
                read[index] = {**chars[index], "text": MINUS}
                glyph.read_on.add(number)
        return read

    def _judge(self, page: pypdfium2.PdfPage, frame: PageFrame, number: int,
               chars: Sequence[Char], index: int, digit: int) -> None:
        char, after = chars[index], chars[digit]
        key = (str(char["fontname"]), str(char["text"]))
        glyph = self.glyphs.setdefault(key, SignGlyph(*key))
        figure = char["text"]
        for following in chars[digit:]:
            if following["text"] not in _FIGURE_TAIL:
                break
            figure += following["text"]
        glyph.places.append((number, figure))
        if not glyph.minus:
            return  # one instance drawn otherwise: none of them is read
        top = min(float(char["top"]), float(after["top"]))
        bottom = max(float(char["bottom"]), float(after["bottom"]))
        glyph.drawn, shape = drawn_sign(
            page, frame, (float(char["x0"]), top, float(after["x0"]), bottom),
            (float(after["x0"]), top, float(after["x1"]), bottom), self.settings)
        if glyph.drawn is not None:
            return
        if glyph.shape is None:
            glyph.shape = shape
        elif shape_distance(shape, glyph.shape) > self.settings.sign_same_glyph:
            glyph.drawn = "a bar at one place and another shape at another"

    def contradicted(self) -> SignGlyph | None:
        """A glyph read as a minus on a page before one of its later instances was found drawn
        otherwise (the reading of that earlier page is then void)."""
        return next((g for g in self.glyphs.values() if g.read_on and not g.minus), None)

    def unread(self) -> list[SignGlyph]:
        """The glyphs found before figures that are not read as a minus."""
        return [glyph for glyph in self.glyphs.values() if not glyph.minus]
