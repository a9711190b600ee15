"""'Target achieved' marks: printed words, symbols, or shapes drawn beside a row.

Leaflets mark a row that met its target in several ways: the words 'Target achieved' (in some
print runs white on a filled rounded badge), 'Yes' / 'No', a tick glyph, or a tick drawn as a
stroked path with no text at all. A template declares which words and symbols it accepts
(`MarkVocabulary`); the shapes are classified here. A shape that is small and sits in the mark
area but is neither a badge around mark words nor a tick is an unknown mark: the row it is
beside cannot be read, and that is said, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pdfpage.content import Shape
from pdfpage.geometry import Box
from pdfpage.settings import PageSettings
from schemas.measures import normalise_label

__all__ = ["DrawnMark", "MarkVocabulary", "ShapeKind", "classify_shape", "is_tick"]


@dataclass(frozen=True)
class MarkVocabulary:
    """The printed marks a template accepts, by their normalised text, with their meaning."""

    phrases: dict[str, bool]
    #: Shapes count as marks (a drawn tick means achieved; a badge carries mark words).
    drawn: bool = True

    def meaning(self, text: str) -> bool | None:
        """True or False for a known mark, None for text that is not a mark."""
        return self.phrases.get(_fold(text))

    @property
    def words(self) -> frozenset[str]:
        """Every word a mark phrase is made of (to pick mark words out of a table)."""
        return frozenset(word for phrase in self.phrases for word in phrase.split())


def _fold(text: str) -> str:
    symbols = {"\u2713", "\u2714", "\u2717", "\u2718", "\u00d7", "\u25cf", "\u25cb"}
    stripped = text.strip()
    if stripped in symbols:
        return stripped
    return normalise_label(stripped)


class ShapeKind(StrEnum):
    """What a painted path in a table's mark area is."""

    ignored = "ignored"  # a rule, a border, a tinted cell or row: not a mark
    badge = "badge"  # a small filled shape: a mark only with mark words inside it
    tick = "tick"  # a stroked tick: achieved
    unknown = "unknown"  # small and drawn, but neither: the row's mark cannot be read


@dataclass(frozen=True)
class DrawnMark:
    """A shape that may be a mark, with where it is."""

    kind: ShapeKind
    box: Box


def _is_white(color: tuple[float, ...] | None) -> bool:
    return color is not None and len(color) >= 3 and min(color[:3]) > 0.95


def _is_light(color: tuple[float, ...] | None) -> bool:
    """Too light to carry white words: a cell's tint, not a badge."""
    if color is None or len(color) < 3:
        return False
    red, green, blue = color[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.75


def is_tick(shape: Shape) -> bool:
    """A stroked path shaped like a tick: down to a lowest point, then up higher than it began.

    Coordinates are top-down, so 'lowest' is the largest `top`."""
    points = shape.points
    if len(points) < 3 or not shape.stroke:
        return False
    lowest = max(range(len(points)), key=lambda i: points[i][1])
    if lowest in (0, len(points) - 1):
        return False
    first, low, last = points[0], points[lowest], points[-1]
    return first[0] < low[0] < last[0] and last[1] < first[1] < low[1]


def classify_shape(shape: Shape, page: int, line_height: float, settings: PageSettings
                   ) -> DrawnMark:
    """What `shape` is, judged by its size, fill and outline."""
    box = Box(page, shape.x0, shape.top, shape.x1, shape.bottom)
    width, height = shape.x1 - shape.x0, shape.bottom - shape.top
    if min(width, height) < 1.5 or height > max(settings.mark_max_size, 3 * line_height):
        return DrawnMark(ShapeKind.ignored, box)  # a rule, a border, a background
    if shape.fill and _is_light(shape.fill_color):
        return DrawnMark(ShapeKind.ignored, box)  # a tinted cell or row behind the text
    if shape.fill:
        return DrawnMark(ShapeKind.badge, box)
    if width > settings.mark_max_size:
        return DrawnMark(ShapeKind.ignored, box)
    if is_tick(shape):
        return DrawnMark(ShapeKind.tick, box)
    if shape.kind == "rect" and shape.stroke and not shape.fill:
        return DrawnMark(ShapeKind.ignored, box)  # a cell's outline
    return DrawnMark(ShapeKind.unknown, box)
