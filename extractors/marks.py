"""'Target achieved' marks: printed words, symbols, or shapes drawn beside a row.

Leaflets mark a row that met its target in several ways: the words 'Target achieved' (in some
print runs white on a filled rounded badge), 'Yes' / 'No', a tick glyph, or a tick drawn as a
stroked path with no text at all. A template declares which words and symbols it accepts
(`MarkVocabulary`); the shapes are classified here. A shape that is small and sits in the mark
area but is neither a badge around mark words nor a tick is an unknown mark: the row it is
beside cannot be read, and that is said, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from extractors.figures import FigureError
from pdfpage.content import Shape
from pdfpage.geometry import Box
from pdfpage.ocr_marks import ink_distance
from pdfpage.settings import PageSettings
from pdfpage.words import Word
from schemas.measures import normalise_label

__all__ = ["DrawnMark", "MarkVocabulary", "ShapeKind", "SymbolKey", "classify_shape", "is_tick",
           "keyed_mark"]


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


@dataclass(frozen=True)
class SymbolKey(Mapping[str, bool]):
    """A table's key ('Key: ✓ target achieved ✗ target not achieved'): each symbol as printed
    with its meaning and, where OCR read the key, each symbol's ink by its meaning
    (`pdfpage.ocr_marks`): the engine reads a tick or a cross as a letter, not alike from place
    to place, so a row's mark is then known by its ink against the key's own (`keyed_mark`)."""

    meanings: Mapping[str, bool]
    inks: Mapping[bool, bytes] = field(default_factory=dict)

    def __getitem__(self, text: str) -> bool:
        return self.meanings[text]

    def __iter__(self) -> Iterator[str]:
        return iter(self.meanings)

    def __len__(self) -> int:
        return len(self.meanings)


def keyed_mark(key: Mapping[str, bool], words: Sequence[Word], text: str,
               settings: PageSettings) -> bool:
    """What a row's mark (its cell's `words`, reading `text`) means by `key`; FigureError when
    it cannot be told surely.

    Where OCR read the key's two symbols as letters and the mark as one (each with its ink),
    the mark means what the key's symbol nearer in ink means, and only when that one is at
    most `ocr_mark_near` from it and the other at least `ocr_mark_margin` further; its text
    must then not name the other symbol. Otherwise the mark's text must be one of the key's."""
    mark = text.strip()
    inks = key.inks if isinstance(key, SymbolKey) else {}
    symbols = {meaning: symbol for symbol, meaning in key.items()}
    if len(inks) == 2 and len(words) == 1 and words[0].ink:
        distances = {meaning: ink_distance(words[0].ink, ink) for meaning, ink in inks.items()}
        meaning = min(distances, key=lambda m: distances[m])
        nearest, other = distances[meaning], distances[not meaning]
        if nearest > settings.ocr_mark_near or other < nearest + settings.ocr_mark_margin:
            raise FigureError(
                f"the mark {mark!r}, read by OCR as a letter, is by its ink not clearly the "
                f"key's {symbols.get(True)!r} or {symbols.get(False)!r} ({distances[True]:.2f} "
                f"and {distances[False]:.2f} from them)")
        if mark in key and key[mark] != meaning:
            raise FigureError(
                f"the mark {mark!r} reads as the key's {mark!r} but its ink is the key's "
                f"{symbols.get(meaning)!r}")
        return meaning
    if mark not in key:
        raise FigureError(f"the mark {mark!r} is none of {', '.join(map(repr, key))}")
    return key[mark]
