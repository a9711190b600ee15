"""Which characters of a box PDFium actually draws: the text layer's claims against the ink.

A page is rendered twice in the region of its figures: as a viewer shows it, and with no text
at all (`pdfpage.render.hidden_text`). Where the two differ is the ink the text put on the page,
whatever hid it or let it through: a clip of any shape, optional content switched off, an
annotation drawn over it, a soft mask, a blend mode, an opacity, a colour space, a Type 3 glyph
that paints nothing. A character that left no ink in its glyph box is not shown, however the
text layer reads it. What the text layer claims is PDFium's own reading of the page
(`FPDFText_*`), character by character with each glyph's box, its font and size.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw

from pdfpage.glyph_shapes import like_a_character, shape_of
from pdfpage.render import Box, PageFrame, Rendered, hidden_text, render_region
from pdfpage.settings import SETTINGS, PageSettings

__all__ = ["INKED", "INK_LEVEL", "Graphics", "PageInk", "TextChar", "connected_runs", "page_ink"]

#: A pixel is ink when some channel differs by more than this (0-255) between the renders with
#: and without text, or from the background: pale grey print (#cccccc, 51 from white) counts.
INK_LEVEL = 40
#: The lookup table making a difference image a mask: 255 where text inked the pixel.
INKED = tuple(255 if level > INK_LEVEL else 0 for level in range(256))
#: Claimed boxes are filed by horizontal bands this tall (points) to test characters against.
_BAND = 8.0
#: Characters are bucketed by columns this wide (points) to find those of a box.
_BUCKET = 24.0


@dataclass(frozen=True, eq=False)  # one character is itself (compared by identity: fast)
class TextChar:
    """One character of PDFium's text layer: its text, its loose box (advance and font height)
    and its tight glyph box, in pdfplumber's coordinates, with its font and size."""

    text: str
    loose: Box
    glyph: Box
    font: str
    size: float
    actual_text: str | None = None  # the replacement text of a marked-content span it is in
    angle: float = 0.0  # radians from upright
    inside: bool = True  # its centre lies in a checked box (False: beside or reaching into one)
    reaches: bool = False  # not inside, but a large glyph reaching into a checked box
    unmapped: bool = False  # its font gives no Unicode for it (PDFium reads its code)


@dataclass
class PageInk:
    """A region of one page as drawn (`shown`), drawn without text (`bare`), and the text
    layer's characters there."""

    shown: Rendered
    bare: Rendered
    chars: list[TextChar]

    buckets: dict[tuple[int, int], list[TextChar]] = field(default_factory=dict)
    around_buckets: dict[tuple[int, int], list[TextChar]] = field(default_factory=dict)
    #: the page and its frame, to render more of it without text when a graphic is followed
    page: pypdfium2.PdfPage | None = None
    frame: PageFrame | None = None
    settings: PageSettings = SETTINGS

    def __post_init__(self) -> None:
        # `around`: those beside a checked box or reaching into one; `reaching`: what may be
        # a stamp's letters, large or turned (one centred in a figure's box reaches into others)
        self.around = [char for char in self.chars if not char.inside]
        self.reaching = [char for char in self.chars if char.reaches or (
            char.inside and (abs(char.angle) > 0.01 or char.loose[3] - char.loose[1] > 2 * _BAND))]
        self.chars = [char for char in self.chars if char.inside]
        for chars, buckets in ((self.chars, self.buckets), (self.around, self.around_buckets)):
            for char in chars:
                cell = (int((char.loose[0] + char.loose[2]) / 2 // _BUCKET),
                        int((char.loose[1] + char.loose[3]) / 2 // _BUCKET))
                buckets.setdefault(cell, []).append(char)

    def focus(self, box: Box) -> None:
        """Work out the difference of the two renders over `box` once: the boxes asked for
        next (a figure's glyphs) are cut from it."""
        pixels = self.pixel_box(box)
        self._focus = (pixels, self._compute(pixels))

    def _compute(self, pixels: tuple[int, int, int, int]) -> Image.Image:
        return ImageChops.difference(self.shown.image.crop(pixels), self.bare.image.crop(pixels))

    def _difference(self, box: Box) -> Image.Image:
        """How far the two renders differ in each pixel of `box`: the ink text put there."""
        left, upper, right, lower = pixels = self.pixel_box(box)
        focus = self._focus
        if focus is not None:
            (f_left, f_upper, f_right, f_lower), difference = focus
            if f_left <= left and f_upper <= upper and right <= f_right and lower <= f_lower:
                return difference.crop((left - f_left, upper - f_upper, right - f_left,
                                        lower - f_upper))
        return self._compute(pixels)

    def ink_count(self, box: Box) -> tuple[int, int]:
        """How many pixels of `box` text inked, and how many pixels it has."""
        difference = self._difference(box)
        return sum(difference.histogram()[INK_LEVEL + 1 :]), difference.width * difference.height

    def stray_ink(self, box: Box, excused: Sequence[Box], widen: int = 2) -> int:
        """Pixels of `box` that text inked outside every `excused` box (each widened by
        `widen` pixels: the glyph boxes PDFium gives can fall short of the ink by a pixel)."""
        mask = self._difference(box).point(INKED)
        left, upper, _, _ = self.pixel_box(box)
        draw = ImageDraw.Draw(mask)
        for other in excused:
            o_left, o_upper, o_right, o_lower = self.pixel_box(other)
            if o_right > o_left and o_lower > o_upper:
                draw.rectangle((o_left - left - widen, o_upper - upper - widen,
                                o_right - left + widen - 1, o_lower - upper + widen - 1), fill=0)
        return mask.histogram()[255]

    def marks(self, box: Box, excused: Graphics | None = None) -> int:
        """Pixels of marks in `box` that are not text (the render without text differs from
        the box's commonest grey), less whole rows and columns of them: a rule or the edge of
        a cell's fill crosses the whole box, a glyph never does. Pixels of `excused` graphics
        (`graphics`) are not counted."""
        bare = self.bare.crop(box)
        width, height = bare.size
        if not width or not height:
            return 0
        graphic = None
        if excused is not None:
            left, upper, right, lower = self.pixel_box(box)
            e_left, e_upper = excused.origin
            graphic = excused.mask.crop(
                (left - e_left, upper - e_upper, right - e_left, lower - e_upper))
        # the background is the commonest grey of what is not a graphic: a stamp's stroke
        # over most of a narrow strip beside a figure would otherwise make the paper a mark
        histogram = bare.histogram(None if graphic is None else ImageChops.invert(graphic))
        if not sum(histogram):
            return 0
        background = max(range(256), key=histogram.__getitem__)
        marked = bare.point(_away_from(background))
        if graphic is not None:
            marked = ImageChops.subtract(marked, graphic)
        if not marked.getbbox():
            return 0
        data = marked.tobytes()
        rows = sum(1 for y in range(height) if data.count(0, y * width, (y + 1) * width) == 0)
        cols = sum(1 for x in range(width) if data[x::width].count(0) == 0)
        return data.count(255) - rows * width - cols * height + rows * cols

    def graphics(self, line: Box, min_lines: float) -> Graphics:
        """The marks touching `line` (a figure's line: its box and reach) that are graphics,
        not characters on it: each connected run of non-text ink, followed up to `min_lines`
        line heights above and below, that is at least `min_lines` times as tall as the line
        and either crosses it (ink above and below it: a reader sees a stroke pass through
        the line) or ends on it with a part there like no digit or sign
        (`glyph_shapes.like_a_character`: a stroke ending beside a figure could be read with
        it if it were shaped like one). A table rule, a cell's border, the edge of a fill or a
        stamp's letter is such a graphic; a "1" painted as a path beside a figure is not,
        nor is one joined to an underline below it."""
        height = line[3] - line[1]
        window = (line[0] - height, line[1] - min_lines * height, line[2] + height,
                  line[3] + min_lines * height)
        bare = self._bare_over(window)
        w_left, w_upper, w_right, w_lower = bare.pixel_box(window)
        l_left, l_upper, l_right, l_lower = bare.pixel_box(line)
        width = w_right - w_left
        # where the mask's top left corner is in this region's renders (both are cut from
        # the page's pixel grid at one scale)
        origin = (w_left + round((bare.x0 - self.bare.x0) * bare.scale),
                  w_upper + round((bare.top - self.bare.top) * bare.scale))
        mask = Image.new("L", (max(0, width), max(0, w_lower - w_upper)), 0)
        histogram = bare.crop(line).histogram()
        if width <= 0 or w_lower <= w_upper or not sum(histogram):
            return Graphics(mask, origin)
        background = max(range(256), key=histogram.__getitem__)
        marked = bare.image.crop((w_left, w_upper, w_right, w_lower)).point(
            _away_from(background)).tobytes()
        tall = min_lines * (l_lower - l_upper)
        for run in connected_runs(marked, width):
            ys = [index // width + w_upper for index in run]
            on_line = [index for index, y in zip(run, ys, strict=True)
                       if l_upper <= y < l_lower and l_left <= index % width + w_left < l_right]
            if not on_line or max(ys) - min(ys) + 1 < tall:
                continue
            if not min(ys) < l_upper <= l_lower <= max(ys):  # it ends on the line
                size = (l_right - l_left, l_lower - l_upper)
                piece = Image.frombytes("L", size, _pixels_at(
                    on_line, width, (l_left - w_left, l_upper - w_upper), size))
                if like_a_character(shape_of(piece), self.settings):
                    continue
            mask = Image.frombytes("L", mask.size,
                                   _pixels_at(run, width, (0, 0), mask.size, mask.tobytes()))
        return Graphics(mask, origin)

    def _bare_over(self, box: Box) -> Rendered:
        """The render without text over `box`: this region's, or (when `box` goes past it and
        the page is at hand) `box` rendered afresh."""
        bare = self.bare
        inside = (bare.x0 <= box[0] and bare.top <= box[1]
                  and box[2] <= bare.x0 + bare.image.width / bare.scale
                  and box[3] <= bare.top + bare.image.height / bare.scale)
        if inside or self.page is None:
            return bare
        with hidden_text(self.page):
            return render_region(self.page, box, bare.scale, self.frame)

    def glyph_shape(self, char: TextChar, neighbours: Sequence[TextChar] = (),
                    stamps: Sequence[TextChar] = ()) -> Image.Image:
        """The shape of the ink text put in `char`'s glyph box and a pixel around it, as
        `glyph_shapes.shape_of` gives it. The pixel around is kept only where it is no
        neighbour's: PDFium's glyph boxes fall short of the ink by up to a pixel, so the edge
        of a hyphen before a "4", or of a "5" after it, would otherwise be read as part of the
        "4" (in pixels: a neighbour a fraction of a point past the window still inks its edge
        pixels). Ink of a neighbour inside the glyph's own box (a slash leaning into a "0") is
        kept: it is what the reader sees there."""
        g = char.glyph
        left, upper, right, lower = self.pixel_box(g)
        window = (left - 1, upper - 1, right + 1, lower + 1)
        strength = self._difference(self._point_box(window))
        w_left, w_upper, w_right, w_lower = self.pixel_box(self._point_box(window))
        own = (left - w_left, upper - w_upper, right - w_left, lower - w_upper)
        original = strength.copy()
        draw = ImageDraw.Draw(strength)
        # a neighbour further off than this (the window's pixel, the neighbour's widening
        # and a pixel of rounding on each side) has no pixel in the window
        reach = 4 / self.shown.scale
        for other in neighbours:
            o = other.glyph
            if (other is char or o[0] > g[2] + reach or o[2] < g[0] - reach
                    or o[1] > g[3] + reach or o[3] < g[1] - reach):
                continue
            o_left, o_upper, o_right, o_lower = self.pixel_box(o)
            if not (o_right > o_left and o_lower > o_upper):
                continue
            o_left, o_upper, o_right, o_lower = o_left - 1, o_upper - 1, o_right + 1, o_lower + 1
            if o_left < w_right and w_left < o_right and o_upper < w_lower and w_upper < o_lower:
                draw.rectangle((o_left - w_left, o_upper - w_upper, o_right - w_left - 1,
                                o_lower - w_upper - 1), fill=0)
        if own[2] > own[0] and own[3] > own[1]:
            strength.paste(original.crop(own), own[:2])
        level = self._stamp_level(char, [*neighbours, *stamps], stamps)
        if level:
            strength = strength.point(_above(level))
        return shape_of(strength)

    def _stamp_level(self, char: TextChar, others: Sequence[TextChar],
                     stamps: Sequence[TextChar]) -> int:
        """How strong the ink of a see-through stamp's letters is about `char` (0 when none
        reaches it): the strongest text ink of the pixels within three of its glyph box that
        lie in a stamp letter's box and in no other glyph's. A glyph under a see-through
        stamp is its ink above that level; one under an opaque stamp loses what is covered."""
        g = char.glyph
        left, upper, right, lower = self.pixel_box(g)
        ring = (left - 3, upper - 3, right + 3, lower + 3)
        boxes = [self.pixel_box(s.glyph) for s in stamps]
        boxes = [b for b in boxes if b[0] < ring[2] and ring[0] < b[2] and b[1] < ring[3]
                 and ring[1] < b[3]]
        if not boxes:
            return 0
        area = self._point_box(ring)
        a_left, a_upper, _, _ = self.pixel_box(area)
        difference = self._difference(area)
        mask = Image.new("L", difference.size, 0)
        draw = ImageDraw.Draw(mask)
        for b in boxes:
            draw.rectangle((b[0] - a_left, b[1] - a_upper, b[2] - a_left - 1, b[3] - a_upper - 1),
                           fill=255)
        for other in [char, *others]:
            if other in stamps:
                continue
            b = self.pixel_box(other.glyph)
            draw.rectangle((b[0] - a_left - 1, b[1] - a_upper - 1, b[2] - a_left,
                            b[3] - a_upper), fill=0)
        histogram = difference.histogram(mask)
        level = max((level for level in range(256) if histogram[level]), default=0)
        # a stamp is see-through when pale; ink as strong as print is no stamp's to take away
        return level if level <= self.settings.see_through_ink else 0

    def _point_box(self, pixels: tuple[int, int, int, int]) -> Box:
        """Whole pixels of this region's renders as a box in points (`pixel_box` undone)."""
        scale, x0, top = self.shown.scale, self.shown.x0, self.shown.top
        return (x0 + (pixels[0] + 0.25) / scale, top + (pixels[1] + 0.25) / scale,
                x0 + (pixels[2] - 0.25) / scale, top + (pixels[3] - 0.25) / scale)

    def chars_beside(self, box: Box) -> list[TextChar]:
        """The characters around the checked boxes (`around`: those beside them, within a
        line's height, and those reaching into them) whose loose box has its centre in
        `box`."""
        return _centred_in(self.around_buckets, box)

    def chars_in(self, box: Box) -> list[TextChar]:
        """The characters whose loose box has its centre in `box` (half a point of slack)."""
        return _centred_in(self.buckets, box)

    def pixel_box(self, box: Box) -> tuple[int, int, int, int]:
        """`box` as pixels (left, upper, right, lower) of this region's renders, clamped to
        them as `Rendered.crop` clamps."""
        return self.shown.pixel_box(box)


def _centred_in(buckets: dict[tuple[int, int], list[TextChar]], box: Box) -> list[TextChar]:
    """The characters filed in `buckets` whose loose box has its centre in `box` (half a point
    of slack)."""
    found = []
    for column in range(int((box[0] - 0.5) // _BUCKET), int((box[2] + 0.5) // _BUCKET) + 1):
        for row in range(int((box[1] - 0.5) // _BUCKET), int((box[3] + 0.5) // _BUCKET) + 1):
            for char in buckets.get((column, row), ()):
                cx = (char.loose[0] + char.loose[2]) / 2
                cy = (char.loose[1] + char.loose[3]) / 2
                if box[0] - 0.5 <= cx <= box[2] + 0.5 and box[1] - 0.5 <= cy <= box[3] + 0.5:
                    found.append(char)
    return found


@functools.lru_cache(maxsize=256)
def _above(level: int) -> tuple[int, ...]:
    """The lookup table keeping ink stronger than `level`, less `level`."""
    return tuple(max(0, v - level) for v in range(256))


@dataclass(frozen=True)
class Graphics:
    """Pixels of graphics crossing a line (`PageInk.graphics`): a mask (255 where a graphic
    is) and the region pixel of its top left corner."""

    mask: Image.Image
    origin: tuple[int, int]


def connected_runs(marked: bytes, width: int) -> Iterator[list[int]]:
    """The runs of 8-connected marked (255) pixels of a `width`-wide mask, as their indexes."""
    seen = bytearray(len(marked))
    size = len(marked)
    start = marked.find(255)
    while start != -1:
        if not seen[start]:
            seen[start] = 1
            stack, run = [start], []
            while stack:
                index = stack.pop()
                run.append(index)
                x = index % width
                for dx in (-1, 0, 1) if 0 < x < width - 1 else (
                        (0, 1) if x == 0 else (-1, 0)):
                    for other in (index - width + dx, index + dx, index + width + dx):
                        if 0 <= other < size and marked[other] == 255 and not seen[other]:
                            seen[other] = 1
                            stack.append(other)
            yield run
        start = marked.find(255, start + 1)


def _pixels_at(indexes: Sequence[int], width: int, offset: tuple[int, int],
               size: tuple[int, int], base: bytes | None = None) -> bytes:
    """An image's bytes (`size`, over `base` or black) with the pixels at `indexes` of a
    `width`-wide mask, moved back by `offset`, set to 255."""
    data = bytearray(base) if base is not None else bytearray(size[0] * size[1])
    for index in indexes:
        x, y = index % width - offset[0], index // width - offset[1]
        if 0 <= x < size[0] and 0 <= y < size[1]:
            data[y * size[0] + x] = 255
    return bytes(data)


@functools.lru_cache(maxsize=256)
def _away_from(background: int) -> tuple[int, ...]:
    """The lookup table marking greys that differ from `background` by more than ink does."""
    return tuple(255 if abs(v - background) > INK_LEVEL else 0 for v in range(256))


def _font_name(textpage: pypdfium2.PdfTextPage, index: int) -> str:
    buffer = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    length = pdfium_c.FPDFText_GetFontInfo(textpage, index, buffer, 128, flags)
    return buffer.raw[: max(0, length - 1)].decode("utf-8", "replace") if length else ""


def _actual_text(obj: object) -> str | None:
    """The /ActualText of a marked-content span holding the text object `obj`, if any: PDFium
    reads the span's text in place of its glyphs'."""
    if not obj:
        return None
    for index in range(pdfium_c.FPDFPageObj_CountMarks(obj)):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, index)
        length = ctypes.c_ulong()
        if not pdfium_c.FPDFPageObjMark_GetParamStringValue(mark, b"ActualText", None, 0,
                                                            length):
            continue
        buffer = ctypes.create_string_buffer(length.value)
        pdfium_c.FPDFPageObjMark_GetParamStringValue(
            mark, b"ActualText", ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
            length.value, length)
        return buffer.raw[: max(0, length.value - 2)].decode("utf-16-le", "replace")
    return None


def _chars(frame: PageFrame, textpage: pypdfium2.PdfTextPage, boxes: Sequence[Box],
           shaped: frozenset[str], neighbour_lines: float) -> Iterator[TextChar]:
    """The text layer's characters whose loose box has its centre in one of `boxes` (half a
    point of slack; spaces PDFium made up between words left out), and (not `inside`) those
    beside a box, within its height, and large ones reaching into one. Only characters in
    `shaped` are given their font name (the others' shapes are not compared)."""
    rect = pdfium_c.FS_RECTF()
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    bands: dict[int, list[tuple[float, float, float, float, float]]] = {}
    for b in boxes:  # the boxes in user space (and how far beside them a neighbour is looked
        # for), filed under every 8-point band they or the lines above and below them cross
        x0, y0, x1, y1 = frame.user_box((b[0] - 0.5, b[1] - 0.5, b[2] + 0.5, b[3] + 0.5))
        m = neighbour_lines * min(x1 - x0, y1 - y0)  # lines, whichever way the page turns
        for band in range(int((y0 - m) // _BAND), int((y1 + m) // _BAND) + 1):
            bands.setdefault(band, []).append((x0, y0, x1, y1, m))
    raw, loose_box, by_ref = textpage.raw, pdfium_c.FPDFText_GetLooseCharBox, ctypes.byref(rect)
    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        if not loose_box(raw, index, by_ref):
            continue
        cx, cy = (rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2
        near = bands.get(int(cy // _BAND))
        inside = bool(near) and any(u[0] <= cx <= u[2] and u[1] <= cy <= u[3]
                                    for u in near or ())
        beside = not inside and bool(near) and any(  # a neighbour word's, a line or so away
            u[0] - u[4] <= cx <= u[2] + u[4] and u[1] - u[4] <= cy <= u[3] + u[4]
            for u in near or ())
        reaches = not inside and rect.top - rect.bottom > _BAND and any(
            u[0] <= rect.right and rect.left <= u[2] and u[1] <= rect.top
            and rect.bottom <= u[3]
            for band in range(int(rect.bottom // _BAND), int(rect.top // _BAND) + 1)
            for u in bands.get(band, ()))
        if not inside and not beside and not reaches:
            continue  # neither in a box, nor beside one, nor a large glyph reaching into one
        if pdfium_c.FPDFText_IsGenerated(textpage, index) == 1:
            continue
        text = chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
        pdfium_c.FPDFText_GetCharBox(textpage, index, left, right, bottom, top)
        loose = frame.plumber_box(rect.left, rect.bottom, rect.right, rect.top)
        glyph = frame.plumber_box(left.value, bottom.value, right.value, top.value)
        if not inside and not reaches:  # beside a box: only where it is and what it reads
            yield TextChar(text=text, loose=loose, glyph=glyph, font="", size=0.0,
                           inside=False)
            continue
        yield TextChar(
            text=text,
            loose=loose,
            glyph=glyph,
            font=_font_name(textpage, index) if text in shaped else "",
            size=float(pdfium_c.FPDFText_GetFontSize(textpage, index)),
            actual_text=_actual_text(pdfium_c.FPDFText_GetTextObject(textpage, index)),
            angle=float(pdfium_c.FPDFText_GetCharAngle(textpage, index)),
            inside=inside,
            reaches=reaches,
            unmapped=pdfium_c.FPDFText_HasUnicodeMapError(textpage, index) == 1,
        )


@contextmanager
def _textpage(page: pypdfium2.PdfPage) -> Iterator[pypdfium2.PdfTextPage]:
    textpage = page.get_textpage()
    try:
        yield textpage
    finally:
        textpage.close()


def page_ink(page: pypdfium2.PdfPage, boxes: Sequence[Box], scale: float,
             shaped: frozenset[str] = frozenset(), *, settings: PageSettings
             ) -> PageInk:
    """The region of `boxes` on `page` rendered with and without its text, and the
    characters in the boxes (`shaped` ones with their font) and beside them."""
    region = (min(b[0] for b in boxes) - 2, min(b[1] for b in boxes) - 2,
              max(b[2] for b in boxes) + 2, max(b[3] for b in boxes) + 2)
    frame = PageFrame.of(page)
    shown = render_region(page, region, scale, frame)
    with hidden_text(page):
        bare = render_region(page, region, scale, frame)
    with _textpage(page) as textpage:
        chars = list(_chars(frame, textpage, boxes, shaped, settings.neighbour_lines))
    return PageInk(shown, bare, chars, page=page, frame=frame, settings=settings)
