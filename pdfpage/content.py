"""What a page shows: its visible characters, its painted shapes, and the text a reader cannot see.

A PDF's text layer can say more than its page shows. A "1" drawn in render mode 3 (invisible),
in white on a white page, outside the clip path, under a white rectangle painted after it, or at
half a point, is read by pdfplumber as readily as the "73" beside it; a scan under an invisible
OCR layer reads as text. `read_page` interprets a page once with pdfminer and sorts its
characters into those a reader sees (`PageContent.chars`: the keys `pdfpage.chars.page_chars`
always gave, plus "color", "render" (the text render mode), "alpha" (the fill opacity) and
"angle" (the baseline's slant, degrees)) and those no reader sees (`PageContent.hidden`, in
runs, with why), and keeps the painted paths as `Shape` records for the layout.
`hidden_text_problem` says when the hidden text could change what is read, so the document is
refused rather than trusted.

Each character is judged in this order; the first that applies is the reason it is hidden:

1. render mode 3 or 7, or a fill opacity (`/ca`) of zero. pdfminer does not pass the render
   mode on to its characters (pdfplumber issue #1230): the device records `textstate.render`,
   the colours and the clip once per shown string;
2. its centre outside the page (the crop box within the media box) or outside the clip path.
   The clip is tracked as the intersection of the BOUNDING BOXES of the clip paths (`W n`,
   `W* n`) and of each form's /BBox, saved and restored with `q`/`Q`: text just outside a round
   or diagonal clip but inside its box counts as visible, and text used as a clip (render modes
   4 to 7) does not narrow it;
3. smaller than `MIN_LEGIBLE_SIZE` points, or squeezed (`Tz`) to under 5% of its size;
4. most of its box (and its centre) under an opaque filled shape, image, shading (`sh`, taken
   as filling its clip box) or thick straight bar painted AFTER it;
5. painted in the colour of what lies under it: the topmost opaque fill drawn BEFORE it that
   holds most of its box, or the white page when there is none. White text on a dark badge is
   visible; text over an image or shading is taken as visible (its contrast is not judged).
   Colours count as the same when their contrast is under 1.25:1 and no channel differs by a
   quarter; gray and CMYK are converted to RGB, other colour spaces are not judged.

Paint counts as opaque with an opacity of at least 0.95, the Normal blend mode and no soft mask.
Shapes are judged by the bounding box of each subpath within the clip; the subpaths of one path
that nest (a frame, a glyph with a hole) neither hide nor back text. Whitespace paints nothing,
so it is judged only by render mode and place.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pdfminer import settings as pdfminer_settings
from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.layout import LTChar, LTPage
from pdfminer.pdfcolor import PDFColorSpace
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import (
    Color,
    PDFGraphicState,
    PDFInterpreterError,
    PDFPageInterpreter,
    PDFStackT,
    PDFTextState,
)
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, dict_value, resolve1, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import PSKeyword, keyword_name, literal_name
from pdfminer.utils import Matrix, PathSegment, apply_matrix_pt, apply_matrix_rect, mult_matrix
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import extract_words

from pdfpage.content_tokens import QuickContentParser
from pdfpage.errors import UnreadableDocument

__all__ = [
    "MIN_LEGIBLE_SIZE",
    "UNMAPPED_GLYPH",
    "HiddenText",
    "PageContent",
    "Shape",
    "drawn_text_page",
    "hidden_text_problem",
    "picture_page",
    "read_page",
]

Char = dict[str, Any]
RGB = tuple[float, ...]
_PDFMINER_LOG = logging.getLogger("pdfminer.pdfinterp")  # its warnings, where it gives them

#: A box in pdfminer's page space (origin bottom left): x0, y0, x1, y1.
_Box = tuple[float, float, float, float]

#: Characters smaller than this (points) are too small to read.
MIN_LEGIBLE_SIZE = 1.0
#: A glyph squeezed (horizontal scaling, `Tz`) to less than this share of its size is too narrow
#: to read. Zero-width glyphs (combining marks, fonts without widths) are not judged.
_NARROWEST = 0.05
#: Text and background whose luminance contrast (WCAG, 1 to 21) is under this, and whose RGB
#: channels (0..1) all differ by less than `_SAME_HUE`, cannot be told apart: a white "1" on
#: the pale blue of a table cell (contrast 1.2) is as hidden as on the white page. Light grey
#: print (#cccccc on white is 1.6) stays visible, and so do colours of one luminance but
#: different hue (red on grey).
_FAINT_CONTRAST = 1.25
_SAME_HUE = 0.25
#: A fill this close to white in every channel is white (page-size white fills are dropped).
_NEAR_WHITE = 0.94
#: A character is covered when a later opaque shape hides at least this share of its box.
_COVERED_SHARE = 0.5
#: Opacity at or above which paint hides what is under it.
_OPAQUE = 0.95
#: A straight stroke at least this wide (points) is a bar that can hide or back text.
_THICK_LINE = 2.0
#: Side of the square cells shapes are bucketed in, points.
_CELL = 64.0
#: A text matrix's skew terms this small against its scale are rounding (Ghostscript writes
#: 1e-08 for 0), not a slant: the text is upright, as pdfminer would judge it exactly.
_ROUNDING = 1e-6
#: Images covering at least this share of a page make it a picture (for the OCR-layer check).
_PICTURE_SHARE = 0.5
#: A glyph its font gives no Unicode for, as pdfminer reports it ("(cid:76)").
UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")
_WHITE: RGB = (1.0, 1.0, 1.0)
#: What makes hidden text a hidden figure wherever it lies: digits and the signs of a change.
_SIGNS = re.compile(r"[0-9+\-\u2212\u2013%£]")


@dataclass(frozen=True)
class Shape:
    """One painted subpath, in pdfplumber coordinates (top-down, points).

    `kind` follows pdfplumber: "line" for one straight segment, "rect" for an axis-aligned
    closed four-sided path (`re`), "curve" for anything else (a rounded rectangle, a tick). The
    box is that of the path's points as drawn (not cut by the clip); a subpath wholly clipped
    away, and a white fill covering the page, are left out. `fill_color` is set only when the
    shape is filled and `stroke_color` only when it is stroked: RGB 0..1 (gray and CMYK
    converted), None for colours not in a device colour space (patterns, spot colours)."""

    x0: float
    top: float
    x1: float
    bottom: float
    kind: str  # "rect", "curve" or "line"
    fill: bool
    stroke: bool
    fill_color: RGB | None
    stroke_color: RGB | None
    linewidth: float
    points: tuple[tuple[float, float], ...]  # (x, top) of each path point, control points left out


@dataclass(frozen=True)
class HiddenText:
    """A run of characters a reader cannot see, on one line, with why."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    why: str


@dataclass(frozen=True)
class PageContent:
    """What a page shows: visible characters (content-stream order), visible shapes, hidden
    text, and the share of the page covered by images."""

    chars: list[Char]
    shapes: list[Shape]
    hidden: list[HiddenText]
    image_area: float
    #: The trimmed page of a print-ready file (x0, top, x1, bottom), when it declares one:
    #: beyond it stand printers' marks and the slug.
    trim_box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class _Paint:
    """A filled shape, image or shading as it bears on text: its box within the clip (page
    space)."""

    box: _Box
    opaque: bool  # hides what is under it
    colour: RGB | None  # None: an image or shading, or a colour we cannot name
    solid: bool  # a plain subpath (not nested in or around another): may hide or back text
    kind: str  # "a shape", "an image" or "a shading", for the reason


@dataclass(frozen=True)
class _Ink:
    """How one shown string is painted: shared by its characters."""

    render: int
    clip: _Box
    painted_before: int  # how many paints (shapes, images, shadings) precede the string
    fill: RGB | None  # the colour each glyph is filled with (None: not filled, or unknown)
    stroke: RGB | None  # the colour its outline is stroked with (None: not stroked, or unknown)
    invisible: str | None  # why nothing of it shows whatever its place, or None
    alpha: float = 1.0  # the fill opacity (`/ca`): under 1, text the page shows through

    @property
    def colour(self) -> RGB | None:
        return self.fill if self.fill is not None else self.stroke


class _Glyph(NamedTuple):
    """A character as the device records it: what pdfminer's LTChar would hold (page space)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    upright: bool
    fontname: str
    size: float
    ink: _Ink
    angle: float = 0.0  # degrees the baseline turns from the horizontal (a stamp's slant)


def _rgb(color: Color, space: PDFColorSpace | None) -> RGB | None:
    """A device colour as RGB 0..1; None for patterns, spot and indexed colours."""
    if space is not None and space.name in ("Pattern", "Indexed", "Separation", "DeviceN", "Lab"):
        return None
    values = (color,) if isinstance(color, (int, float)) else color
    if not isinstance(values, tuple) or not all(isinstance(v, (int, float)) for v in values):
        return None
    v = [min(1.0, max(0.0, float(x))) for x in values]  # type: ignore[arg-type]
    if len(v) == 1:
        return (v[0], v[0], v[0])
    if len(v) == 3:
        return (v[0], v[1], v[2])
    if len(v) == 4:
        k = 1.0 - v[3]
        return ((1.0 - v[0]) * k, (1.0 - v[1]) * k, (1.0 - v[2]) * k)
    return None


#: Blend modes in which black, or white, leaves what is under it unchanged: such paint shows
#: nothing on any page, though some renderers (PDFium, for text) draw it anyway.
_UNCHANGED_BY_BLACK = frozenset({"Screen", "Lighten", "Difference", "Exclusion", "ColorDodge"})
_UNCHANGED_BY_WHITE = frozenset({"Multiply", "Darken", "ColorBurn"})


def _blends_away(blend: str, colour: RGB | None) -> bool:
    """Whether paint of `colour` in `blend` mode leaves every backdrop as it was."""
    if colour is None:
        return False
    if blend in _UNCHANGED_BY_BLACK:
        return max(colour) <= 0.02
    return blend in _UNCHANGED_BY_WHITE and min(colour) >= 0.98


def _intersect(a: _Box, b: _Box) -> _Box:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _empty(box: _Box) -> bool:
    return box[0] > box[2] or box[1] > box[3]


def _cells(box: _Box) -> Iterator[tuple[int, int]]:
    for i in range(int(box[0] // _CELL), int(box[2] // _CELL) + 1):
        for j in range(int(box[1] // _CELL), int(box[3] // _CELL) + 1):
            yield i, j


_UNBOUNDED: _Box = (-1e9, -1e9, 1e9, 1e9)


class _Device(PDFLayoutAnalyzer):
    """Records characters with their render mode, clip and opacity, painted paths and images,
    in painting order, without building pdfminer's layout tree."""

    def __init__(self, rsrcmgr: Any, pageno: int, crop_box: _Box | None = None) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=None)
        self.crop_box = crop_box
        self.page_box: _Box = _UNBOUNDED
        self.chars: list[_Glyph] = []
        self.paints: list[_Paint] = []
        self.shapes: list[tuple[Shape, _Box]] = []  # in page space, with the clip applied
        self.images: list[_Box] = []
        self.clip: _Box = _UNBOUNDED
        self.fill_alpha = 1.0
        self.stroke_alpha = 1.0
        self.plain_blend = True  # Normal blend mode and no soft mask
        self.blend = "Normal"
        self.ink = _Ink(0, self.clip, 0, None, None, None)

    @property
    def opaque(self) -> bool:
        """Whether what is painted now replaces what is under it."""
        return self.fill_alpha >= _OPAQUE and self.plain_blend

    def paint_shading(self) -> None:
        """`sh`: a shading fills the whole clip (its colour is not worked out)."""
        self.paints.append(_Paint(self.clip, self.opaque, None, True, "a shading"))

    def begin_page(self, page: PDFPage, ctm: Matrix) -> None:
        super().begin_page(page, ctm)
        mediabox: _Box = self.cur_item.bbox
        self.page_box = mediabox
        if self.crop_box is not None and not _empty(_intersect(mediabox, self.crop_box)):
            self.page_box = _intersect(mediabox, self.crop_box)
        self.clip = self.page_box  # nothing outside the page (its crop box) is seen

    def receive_layout(self, ltpage: LTPage) -> None:
        return None

    def render_string(
        self, textstate: PDFTextState, seq: Any, ncs: PDFColorSpace,
        graphicstate: PDFGraphicState,
    ) -> None:
        render = textstate.render
        invisible = None
        if render in (3, 7):
            invisible = f"invisible (render mode {render})"
        elif self.fill_alpha < 0.05 and render in (0, 4):
            invisible = "invisible (fill opacity 0)"
        elif render in (0, 4) and _blends_away(
                self.blend, _rgb(graphicstate.ncolor, graphicstate.ncs)):
            invisible = f"invisible (blend mode {self.blend})"
        self.ink = _Ink(
            render, self.clip, len(self.paints),
            _rgb(graphicstate.ncolor, graphicstate.ncs) if render in (0, 2, 4, 6) else None,
            _rgb(graphicstate.scolor, graphicstate.scs) if render in (1, 2, 5, 6) else None,
            invisible, self.fill_alpha,
        )
        super().render_string(textstate, seq, ncs, graphicstate)

    def render_char(
        self, matrix: Matrix, font: PDFFont, fontsize: float, scaling: float, rise: float,
        cid: int, ncs: PDFColorSpace, graphicstate: PDFGraphicState,
    ) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        if font.is_vertical():
            item = LTChar(matrix, font, fontsize, scaling, rise, text, font.char_width(cid),
                          font.char_disp(cid), ncs, graphicstate)
            self.chars.append(_Glyph(text, item.x0, item.y0, item.x1, item.y1, item.upright,
                                     item.fontname, item.size, self.ink, 90.0))
            return item.adv
        # LTChar's own arithmetic for horizontal text, without building the object (the same
        # floats: tests/test_chars.py compares every box with pdfplumber's)
        adv = font.char_width(cid) * fontsize * scaling
        descent = font.get_descent() * fontsize
        (a, b, c, d, e, f) = matrix
        # pdfminer's apply_matrix_rect(matrix, (0, low, adv, high)), written out: the same
        # operations in the same order (so the same floats), without five calls a character
        low, high = descent + rise, descent + rise + fontsize
        left1, bottom1 = a * 0 + c * low + e, b * 0 + d * low + f
        right1, bottom2 = a * adv + c * low + e, b * adv + d * low + f
        right2, top1 = a * adv + c * high + e, b * adv + d * high + f
        left2, top2 = a * 0 + c * high + e, b * 0 + d * high + f
        x0, y0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
        x1, y1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
        angle = math.degrees(math.atan2(b, a)) if abs(b) > _ROUNDING * abs(a) else 0.0
        upright = a * d * scaling > 0 and b * c <= _ROUNDING * abs(a * d)  # a re-distiller's 1e-8
        self.chars.append(_Glyph(text, x0, y0, x1, y1, upright, font.fontname, y1 - y0,
                                 self.ink, angle))
        return adv

    def render_image(self, name: str, stream: Any) -> None:
        figure = self.cur_item
        box = _intersect((figure.x0, figure.y0, figure.x1, figure.y1), self.clip)
        if _empty(box):
            return
        masked = any(key in stream for key in ("SMask", "Mask", "ImageMask", "IM"))
        self.images.append(box)
        self.paints.append(_Paint(box, not masked and self.opaque, None, True, "an image"))

    def paint_path(
        self, gstate: PDFGraphicState, stroke: bool, fill: bool, evenodd: bool,
        path: Sequence[PathSegment],
    ) -> None:
        subpaths: list[list[PathSegment]] = []
        for segment in path:
            if segment[0] == "m" or not subpaths:
                subpaths.append([])
            subpaths[-1].append(segment)
        boxes = []
        for subpath in subpaths:
            if subpath[0][0] != "m":  # a path must begin with m (pdfminer drops it too)
                continue
            shape, box = self._shape(gstate, stroke, fill, subpath)
            clipped = _intersect(box, self.clip)
            if _empty(clipped):
                continue
            self.shapes.append((shape, clipped))
            boxes.append(clipped)
            if stroke and shape.kind == "line" and shape.linewidth >= _THICK_LINE and (
                    box[0] == box[2] or box[1] == box[3]):  # a bar drawn as a thick line
                half = shape.linewidth / 2
                bar = _intersect((box[0] - half, box[1] - half, box[2] + half, box[3] + half),
                                 self.clip)
                opaque = self.stroke_alpha >= _OPAQUE and self.plain_blend
                self.paints.append(_Paint(bar, opaque, shape.stroke_color, True, "a shape"))
        if not fill:
            return
        colour = _rgb(gstate.ncolor, gstate.ncs)
        for box in boxes:
            solid = not any(other is not box and (_inside(box, other) or _inside(other, box))
                            for other in boxes)
            self.paints.append(_Paint(box, self.opaque, colour, solid, "a shape"))

    def _shape(self, gstate: PDFGraphicState, stroke: bool, fill: bool,
               subpath: list[PathSegment]) -> tuple[Shape, _Box]:
        ctm = self.ctm
        first: Any = subpath[0]
        start = apply_matrix_pt(ctm, (float(first[1]), float(first[2])))
        segments: list[Any] = list(subpath)
        points = [start if seg[0] == "h" else apply_matrix_pt(ctm, (float(seg[-2]), float(seg[-1])))
                  for seg in segments]
        ops = "".join(str(seg[0]) for seg in subpath)
        if len(ops) > 3 and ops.endswith("lh") and points[-2] == points[0]:
            ops, points = ops[:-2] + "h", points[:-1]
        kind = "curve"
        if ops in ("ml", "mlh"):
            kind = "line"
        elif ops in ("mlllh", "mllll") and points[0] == points[4]:
            (ax, ay), (bx, by), (cx, cy), (dx, dy) = points[:4]
            if (ax == bx and by == cy and cx == dx and dy == ay) or (
                    ay == by and bx == cx and cy == dy and dx == ax):
                kind = "rect"
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        box = (min(xs), min(ys), max(xs), max(ys))
        shape = Shape(
            x0=box[0], top=box[1], x1=box[2], bottom=box[3],  # page space; flipped by _flip
            kind=kind, fill=fill, stroke=stroke,
            fill_color=_rgb(gstate.ncolor, gstate.ncs) if fill else None,
            stroke_color=_rgb(gstate.scolor, gstate.scs) if stroke else None,
            linewidth=float(gstate.linewidth), points=tuple(points),
        )
        return shape, box


def _inside(inner: _Box, outer: _Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]
            and inner[3] <= outer[3])


_DEFAULT_COLOUR: dict[str, Color] = {"DeviceGray": 0.0, "CalGray": 0.0,
                                     "DeviceRGB": (0.0, 0.0, 0.0), "CalRGB": (0.0, 0.0, 0.0),
                                     "DeviceCMYK": (0.0, 0.0, 0.0, 1.0)}


class _Interpreter(PDFPageInterpreter):
    """pdfminer's interpreter, also tracking the clip box and fill opacity for the device."""

    device: _Device

    def execute(self, streams: Sequence[object]) -> None:
        """pdfminer's `PDFPageInterpreter.execute` (20260107) as it is, but for its parser:
        `QuickContentParser` reads the same tokens as pdfminer's `PDFContentParser` in about
        a fifth of the time (`pdfpage.content_tokens`). pdfminer names its parser inside this
        method, so the method is copied; `tests/test_content_tokens.py` fails when pdfminer's
        own changes, so that this copy is brought in line."""
        valid_streams: list[PDFStream] = []
        self.stream_ids.clear()
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None:
                _PDFMINER_LOG.warning(
                    "Execute called on non-indirect object (inline image?) %r", stream)
                continue
            if stream.objid in self.parent_stream_ids:
                _PDFMINER_LOG.warning(
                    "Refusing to execute circular reference to content stream %d", stream.objid)
            else:
                valid_streams.append(stream)
                self.stream_ids.add(stream.objid)
        try:
            parser = QuickContentParser(valid_streams)
        except PSEOF:  # an empty page
            return
        while True:
            try:
                (_, obj) = parser.nextobject()
            except PSEOF:
                break
            if isinstance(obj, PSKeyword):
                name = keyword_name(obj)
                method = "do_{}".format(
                    name.replace("*", "_a").replace('"', "_w").replace("'", "_q"))
                if hasattr(self, method):
                    func = getattr(self, method)
                    nargs = func.__code__.co_argcount - 1
                    if nargs:
                        args = self.pop(nargs)
                        if len(args) == nargs:
                            func(*args)
                    else:
                        func()
                elif pdfminer_settings.STRICT:
                    raise PDFInterpreterError(f"Unknown operator: {name!r}")
            else:
                self.push(obj)

    def init_state(self, ctm: Matrix) -> None:
        super().init_state(ctm)
        self._saved: list[tuple[_Box, float, float, bool, str]] = []
        self._pending_clip: _Box | None = None

    def do_q(self) -> None:
        super().do_q()
        self._saved.append(self._paint_state())

    def do_Q(self) -> None:
        if self.gstack and self._saved:
            self._restore(self._saved.pop())
        super().do_Q()

    def _paint_state(self) -> tuple[_Box, float, float, bool, str]:
        device = self.device
        return (device.clip, device.fill_alpha, device.stroke_alpha, device.plain_blend,
                device.blend)

    def _restore(self, state: tuple[_Box, float, float, bool, str]) -> None:
        device = self.device
        (device.clip, device.fill_alpha, device.stroke_alpha, device.plain_blend,
         device.blend) = state

    def do_gs(self, name: PDFStackT) -> None:
        """The fill opacity (/ca), blend mode (/BM) and soft mask (/SMask) of an ExtGState."""
        try:
            states = dict_value(resolve1(self.resources.get("ExtGState")))
            state = dict_value(resolve1(states.get(literal_name(name))))
            alpha = resolve1(state.get("ca"))
            stroke_alpha = resolve1(state.get("CA"))
            blend = resolve1(state.get("BM"))
            mask = resolve1(state.get("SMask"))
        except Exception:  # a damaged ExtGState changes nothing, as pdfminer ignores it
            return
        if isinstance(alpha, (int, float)):
            self.device.fill_alpha = float(alpha)
        if isinstance(stroke_alpha, (int, float)):
            self.device.stroke_alpha = float(stroke_alpha)
        if isinstance(blend, list):
            blend = blend[0] if blend else None
        if blend is not None:
            self.device.plain_blend = _name(blend) in ("Normal", "Compatible")
            self.device.blend = _name(blend)
        if mask is not None and _name(mask) != "None":
            self.device.plain_blend = False

    def do_sh(self, name: object) -> None:
        self.device.paint_shading()

    def do_cs(self, name: PDFStackT) -> None:
        super().do_cs(name)
        self.graphicstate.ncolor = _DEFAULT_COLOUR.get(self.graphicstate.ncs.name, 0.0)

    def do_CS(self, name: PDFStackT) -> None:
        super().do_CS(name)
        self.graphicstate.scolor = _DEFAULT_COLOUR.get(self.graphicstate.scs.name, 0.0)

    def do_W(self) -> None:
        self._pending_clip = self._path_box()

    def do_W_a(self) -> None:
        self._pending_clip = self._path_box()

    def _path_box(self) -> _Box:
        points = [apply_matrix_pt(self.ctm, (float(seg[i]), float(seg[i + 1])))
                  for seg in self.curpath for i in range(1, len(seg) - 1, 2)]
        if not points:
            return (0.0, 0.0, -1.0, -1.0)  # an empty clip: nothing after it shows
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        return (min(xs), min(ys), max(xs), max(ys))

    def _end_path(self) -> None:
        if self._pending_clip is not None:
            self.device.clip = _intersect(self.device.clip, self._pending_clip)
            self._pending_clip = None

    def do_n(self) -> None:
        super().do_n()
        self._end_path()

    def do_S(self) -> None:
        super().do_S()
        self._end_path()

    def do_f(self) -> None:
        super().do_f()
        self._end_path()

    def do_F(self) -> None:  # the obsolete fill, which pdfminer ignores
        self.do_f()

    def do_f_a(self) -> None:
        super().do_f_a()
        self._end_path()

    def do_B(self) -> None:
        super().do_B()
        self._end_path()

    def do_B_a(self) -> None:
        super().do_B_a()
        self._end_path()

    def do_Do(self, xobjid_arg: PDFStackT) -> None:
        saved = self._paint_state()
        try:
            xobj = stream_value(self.xobjmap[literal_name(xobjid_arg)])
            if literal_name(xobj.get("Subtype")) == "Form" and "BBox" in xobj:
                matrix = tuple(xobj.get("Matrix", (1, 0, 0, 1, 0, 0)))
                box = apply_matrix_rect(mult_matrix(matrix, self.ctm), tuple(xobj["BBox"]))
                self.device.clip = _intersect(self.device.clip, box)
        except Exception:  # pdfminer itself decides what an unusable XObject does
            pass
        try:
            super().do_Do(xobjid_arg)
        finally:
            self._restore(saved)


def _name(value: object) -> str:
    try:
        return literal_name(value)
    except Exception:  # not a name (a soft mask dictionary, say)
        return ""


def _interpret(page: Any) -> _Device:
    height, (mb_x0, mb_top) = page.height, page.mediabox[:2]
    x0, top, x1, bottom = page.cropbox
    crop = (x0 - mb_x0, height - bottom + mb_top, x1 - mb_x0, height - top + mb_top)
    device = _Device(page.pdf.rsrcmgr, page.page_number, crop)
    try:
        _Interpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
    except RecursionError as error:  # pdfminer interprets nested forms by recursion
        raise UnreadableDocument(
            f"damaged PDF: page {page.page_number} nests its objects too deeply to parse "
            "(forms within forms, hundreds deep: a PDF bomb?); not loaded"
        ) from error
    except UnreadableDocument:
        raise
    except Exception as error:  # as pdfplumber reports it, so quarantine reasons do not change
        raise PdfminerException(error) from error
    return device


class _Judge:
    """Decides whether each character shows, with shapes bucketed by position."""

    def __init__(self, device: _Device) -> None:
        self.page_box: _Box = device.page_box
        self.paints = device.paints
        self.grid: dict[tuple[int, int], list[int]] = {}
        for index, paint in enumerate(device.paints):
            box = paint.box
            if paint.opaque and paint.solid and min(box[2] - box[0], box[3] - box[1]) >= 0.5:
                for cell in _cells(box):
                    self.grid.setdefault(cell, []).append(index)

    def why_hidden(self, item: _Glyph, text: str) -> str | None:
        ink = item.ink
        if ink.invisible is not None:
            return ink.invisible
        x0, y0, x1, y1 = item.x0, item.y0, item.x1, item.y1
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        clip = ink.clip
        if not (clip[0] <= cx <= clip[2] and clip[1] <= cy <= clip[3]):
            page = self.page_box
            if not (page[0] <= cx <= page[2] and page[1] <= cy <= page[3]):
                return "outside the page"
            return "outside the clip path"
        if text.isspace():
            return None
        if item.size < MIN_LEGIBLE_SIZE:
            return f"too small to read ({item.size:.1f} pt)"
        if 0 < x1 - x0 < _NARROWEST * item.size and item.upright:
            return f"too narrow to read ({x1 - x0:.2f} pt wide)"
        background: RGB | None = _WHITE
        if self.grid:
            box: _Box = (x0, y0, x1, y1)
            area = (x1 - x0) * (y1 - y0)
            column, row = int(x0 // _CELL), int(y0 // _CELL)
            if column == int(x1 // _CELL) and row == int(y1 // _CELL):  # the common case
                candidates = self.grid.get((column, row), [])
            else:
                candidates = sorted({i for cell in _cells(box) for i in self.grid.get(cell, ())})
            for index in candidates:
                paint = self.paints[index]
                if not _mostly_covers(paint.box, box, area, cx, cy):
                    continue
                if index >= ink.painted_before:
                    return f"covered by {paint.kind} drawn later"
                background = paint.colour  # None over an image: contrast cannot be judged
        if background is None:
            return None
        return _same_colour(ink.fill, ink.stroke, background)


def _mostly_covers(cover: _Box, box: _Box, area: float, cx: float, cy: float) -> bool:
    """Whether `cover` holds the centre of `box` and at least half its area."""
    if not (cover[0] <= cx <= cover[2] and cover[1] <= cy <= cover[3]):
        return False
    if area <= 0:
        return True
    overlap = _intersect(cover, box)
    return (overlap[2] - overlap[0]) * (overlap[3] - overlap[1]) >= _COVERED_SHARE * area


@functools.lru_cache(maxsize=1024)
def _same_colour(fill: RGB | None, stroke: RGB | None, background: RGB) -> str | None:
    """The reason text painted in `fill` (and/or `stroke`) cannot be seen on `background`."""
    painted = [c for c in (fill, stroke) if c is not None]
    if not painted or any(not _indistinct(c, background) for c in painted):
        return None
    if min(painted[0]) >= _NEAR_WHITE and _luminance(background) >= 0.6:
        return "white on white"
    return f"same colour as the background under it ({_hex(painted[0])} on {_hex(background)})"


def _indistinct(colour: RGB, background: RGB) -> bool:
    if max(abs(a - b) for a, b in zip(colour, background, strict=True)) >= _SAME_HUE:
        return False
    light, dark = sorted((_luminance(colour), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05) < _FAINT_CONTRAST


def _luminance(colour: RGB) -> float:
    """WCAG relative luminance of an sRGB colour."""
    r, g, b = ((c / 12.92) if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hex(colour: RGB) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in colour)


def _union_area(boxes: list[_Box], page: _Box) -> float:
    """Area of the union of `boxes` within `page` (few boxes: sweep over x slabs)."""
    clipped = [b for b in (_intersect(box, page) for box in boxes) if not _empty(b)]
    xs = sorted({x for b in clipped for x in (b[0], b[2])})
    area = 0.0
    for left, right in itertools.pairwise(xs):
        spans = sorted((b[1], b[3]) for b in clipped if b[0] <= left and b[2] >= right)
        covered, end = 0.0, float("-inf")
        for low, high in spans:
            low = max(low, end)
            if high > low:
                covered += high - low
                end = high
        area += covered * (right - left)
    return area


def read_page(page: Any) -> PageContent:
    """A pdfplumber page's visible characters (content-stream order, with pdfplumber's
    coordinates and the keys text, x0, x1, top, bottom, doctop, upright, fontname, size and
    color, an RGB tuple or None), its visible shapes, its hidden text and its image area."""
    device = _interpret(page)
    judge = _Judge(device)
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    doctop = page.initial_doctop
    chars: list[Char] = []
    hidden: list[tuple[Char, str]] = []
    why_hidden = judge.why_hidden
    for obj in device.chars:
        text = obj.text
        fontname = obj.fontname
        if isinstance(fontname, bytes):  # pragma: no cover - rare byte-encoded names
            fontname = fontname.decode("utf-8", "replace")
        top = (height - obj.y1) + mb_top
        char = {
            "text": text,
            "x0": obj.x0 + mb_x0,
            "x1": obj.x1 + mb_x0,
            "top": top,
            "bottom": (height - obj.y0) + mb_top,
            "doctop": doctop + top,
            "upright": obj.upright,
            "fontname": fontname,
            "size": obj.size,
            "color": obj.ink.colour,
            "render": obj.ink.render,
            "alpha": obj.ink.alpha,
            "angle": obj.angle,
        }
        why = why_hidden(obj, text)
        if why is None:
            chars.append(char)
        elif not text.isspace():
            hidden.append((char, why))
    page_area = (judge.page_box[2] - judge.page_box[0]) * (judge.page_box[3] - judge.page_box[1])
    shapes = [_flip(shape, height, mb_x0, mb_top) for shape, box in device.shapes
              if not _is_page_background(shape, box, page_area)]
    image_area = _union_area(device.images, judge.page_box) / page_area if page_area else 0.0
    trim = None
    if "TrimBox" in page.page_obj.attrs:
        x0, top, x1, bottom = (float(v) for v in page.trimbox)
        trim = (x0, top, x1, bottom)
    return PageContent(chars, shapes, _runs(hidden), image_area, trim)


def _is_page_background(shape: Shape, box: _Box, page_area: float) -> bool:
    return (shape.fill and not shape.stroke and shape.fill_color is not None
            and min(shape.fill_color) >= _NEAR_WHITE
            and (box[2] - box[0]) * (box[3] - box[1]) >= 0.9 * page_area)


def _flip(shape: Shape, height: float, mb_x0: float, mb_top: float) -> Shape:
    return Shape(
        x0=shape.x0 + mb_x0, top=(height - shape.bottom) + mb_top, x1=shape.x1 + mb_x0,
        bottom=(height - shape.top) + mb_top, kind=shape.kind, fill=shape.fill,
        stroke=shape.stroke, fill_color=shape.fill_color, stroke_color=shape.stroke_color,
        linewidth=shape.linewidth,
        points=tuple((x + mb_x0, (height - y) + mb_top) for x, y in shape.points),
    )


def _runs(hidden: list[tuple[Char, str]]) -> list[HiddenText]:
    """Hidden characters in runs: consecutive in the content stream, one reason, one line."""
    runs: list[list[tuple[Char, str]]] = []
    for char, why in hidden:
        if runs:
            last, last_why = runs[-1][-1]
            size = max(last["bottom"] - last["top"], 1.0)
            if (why == last_why and abs(char["bottom"] - last["bottom"]) < size / 2
                    and -size / 2 <= char["x0"] - last["x1"] <= 2 * size):
                runs[-1].append((char, why))
                continue
        runs.append([(char, why)])
    result = []
    for run in runs:
        text = run[0][0]["text"]
        for (previous, _), (char, _) in itertools.pairwise(run):
            gap = char["x0"] - previous["x1"]
            text += (" " if gap > 0.25 * (char["bottom"] - char["top"]) else "") + char["text"]
        result.append(HiddenText(
            text=text, x0=min(c["x0"] for c, _ in run), top=min(c["top"] for c, _ in run),
            x1=max(c["x1"] for c, _ in run), bottom=max(c["bottom"] for c, _ in run),
            why=run[0][1],
        ))
    return result


def _unmapped_text(content: PageContent) -> bool:
    """Whether most of the page's visible glyphs have no Unicode."""
    visible = sum(1 for c in content.chars if not c["text"].isspace())
    unmapped = sum(1 for c in content.chars if UNMAPPED_GLYPH.fullmatch(c["text"]))
    return bool(visible) and unmapped > visible / 2


def drawn_text_page(content: PageContent) -> bool:
    """Whether the page's text is drawn from vectors but most of its glyphs have no Unicode (a
    re-distilled copy whose fonts lost their text maps) and no image covers most of it: read
    from its pixels like a scan (`picture_page`), but rendered, not scanned, so never
    skewed."""
    return _unmapped_text(content) and content.image_area < _PICTURE_SHARE


def picture_page(content: PageContent) -> str | None:
    """What the page is when it is a picture to be read from its pixels, else None: images
    cover most of it and it shows no text of its own (a scan), or its text is an invisible
    layer over the images (a scan that was run through OCR), or most of its characters are
    glyphs its fonts give no Unicode for (a re-distilled copy whose fonts lost their text maps:
    which letter each glyph is, only its drawing says, so the page is read like a scan)."""
    if _unmapped_text(content):
        return ("its fonts carry no text mapping (glyphs with no Unicode, a copy re-distilled "
                "without ToUnicode maps): the page can only be read from its pixels (OCR)")
    if content.image_area < _PICTURE_SHARE:
        return None
    visible = sum(1 for c in content.chars if not c["text"].isspace())
    invisible = sum(len(run.text.replace(" ", "")) for run in content.hidden
                    if run.why.startswith("invisible"))
    if visible == 0 and invisible == 0:
        return "no text layer: the page is an image (a scan)"
    if invisible > visible:
        return "its text is an invisible layer over page images (OCR)"
    return None


def hidden_text_problem(content: PageContent, page_number: int) -> str | None:
    """Why a page cannot be trusted because of text a reader cannot see, or None.

    A page is refused when its text is an invisible layer over page images (OCR), when hidden
    text touches a visible word (it would join it: a hidden "1" before "73" reads "173"), or
    when hidden text holds digits or signs anywhere (it would add figures the page does not
    show). Other hidden text (words touching nothing visible, or the very words it lies over
    drawn again in place, as a halo or a stroke is, or printers' marks beyond the trim box of
    a print-ready file) is harmless and simply not read.
    """
    if not content.hidden:
        return None
    visible = sum(1 for c in content.chars if not c["text"].isspace())
    invisible = sum(len(run.text.replace(" ", "")) for run in content.hidden
                    if run.why.startswith("invisible"))
    if content.image_area >= _PICTURE_SHARE and invisible > visible:
        return (f"page {page_number}: its text is an invisible layer over page images (OCR); "
                "the figures cannot be checked against what the page shows; not loaded")
    words = extract_words(content.chars, x_tolerance=1.5, y_tolerance=2) if visible else []
    for run in content.hidden:
        if _printers_mark(run, content.trim_box):
            continue
        before = [w for w in words if _abuts(run, w, run_first=True)]
        after = [w for w in words if _abuts(run, w, run_first=False)]
        over = [w for w in words if _overlaps(run, w)]
        what = f'page {page_number} has text a reader cannot see ({run.why}): "{run.text}"'
        if over and _duplicate(run, over):
            continue  # the same words drawn again in place (a halo, a stroke, a shadow)
        if over:
            return (f'{what} over the visible "{over[0]["text"]}", which it would alter; '
                    "not loaded")
        if before or after:
            left = after[-1]["text"] if after else ""
            right = before[0]["text"] if before else ""
            where = (f'between the visible "{left}" and "{right}"' if before and after
                     else f'just before the visible "{right}"' if before
                     else f'just after the visible "{left}"')
            return (f'{what} {where}, so its text would read "{left}{run.text}{right}" where '
                    "the page shows "
                    f'"{" ".join(t for t in (left, right) if t)}"; not loaded')
        if _SIGNS.search(run.text):
            return (f"{what}, at x={run.x0:.0f}, top={run.top:.0f}: figures the page does not "
                    "show; not loaded")
    return None


def _same_line(run: HiddenText, word: dict[str, Any]) -> bool:
    overlap = min(run.bottom, float(word["bottom"])) - max(run.top, float(word["top"]))
    return overlap >= 0.5 * min(run.bottom - run.top, float(word["bottom"]) - float(word["top"]))


def _abuts(run: HiddenText, word: dict[str, Any], *, run_first: bool) -> bool:
    """Whether `word` begins just after `run` (run_first) or ends just before it."""
    if not _same_line(run, word):
        return False
    reach = max(run.bottom - run.top, 1.0)  # about a wide space
    gap = word["x0"] - run.x1 if run_first else run.x0 - word["x1"]
    return bool(-0.5 <= gap <= reach)


def _printers_mark(run: HiddenText, trim: tuple[float, float, float, float] | None) -> bool:
    """Whether `run` is outside the page of a print-ready file, wholly beyond its trim box:
    a printer's mark or slug line ('LPS_barnet.indd 1 12/05/2010 14:32'), cut off with the
    margin and never part of the page."""
    if trim is None or run.why != "outside the page":
        return False
    x0, top, x1, bottom = trim
    return run.x1 <= x0 or run.x0 >= x1 or run.bottom <= top or run.top >= bottom


#: A hidden run and the visible words it covers are one drawing when their ends are this close.
_SAME_PLACE = 1.5


def _duplicate(run: HiddenText, over: Sequence[dict[str, Any]]) -> bool:
    """Whether `run` is the very words it lies over, drawn again at the same place: it changes
    nothing a reader of the text would read."""
    text = "".join(str(w["text"]) for w in over)
    return (run.text.replace(" ", "") == text
            and abs(run.x0 - float(over[0]["x0"])) <= _SAME_PLACE
            and abs(run.x1 - float(over[-1]["x1"])) <= _SAME_PLACE)


def _overlaps(run: HiddenText, word: dict[str, Any]) -> bool:
    return (_same_line(run, word)
            and min(run.x1, float(word["x1"])) - max(run.x0, float(word["x0"])) > 0.5)
