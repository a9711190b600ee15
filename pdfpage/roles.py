"""The role of every piece of text on a page, by geometry and by repetition, never by one font.

What the page layer can tell without knowing any edition:

- *page furniture*: what a reader's eye skips as the frame of the page. Text in the top or
  bottom band of the page (`furniture_band_share`) that repeats at the same place on other pages
  (digits aside: '3 of 4' and '4 of 4' are one footer), page numbers ('2', 'Page 2', '2 of 4',
  '2/4', '- 2 -') that agree with the page they stand on, and what a browser prints round a page
  (the date and time, a URL with its scheme);
- *stamps and overlays*: text on a slant, see-through text (`pdfpage.words.split_overlay`), and
  upright text at least twice the body's size drawn across other words;
- *hidden*: what the content interpreter found no reader can see (`pdfpage.content`).

Headings, column headings, row labels, figures, marks and notes are given their roles by the
readers that know an edition's words (`extractors`); everything left is prose. A role is
recorded, and drawn by `lps debug`; it never drops a figure silently: a reader that finds a
number or a mark in text of no role refuses the document and names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pdfpage.lines import baselines, pieces
from pdfpage.settings import PageSettings
from pdfpage.words import Word

__all__ = ["PageFrame", "Role", "RoledWord", "crossing_words", "furniture"]


class Role(StrEnum):
    """What a piece of text is on its page."""

    furniture = "furniture"
    heading = "heading"
    column_heading = "column heading"
    label = "label"
    figure = "figure"
    mark = "mark"
    note = "note"
    stamp = "stamp"
    prose = "prose"
    hidden = "hidden"


@dataclass(frozen=True)
class RoledWord:
    """A word, the page it is on, its role, and why it was given that role."""

    word: Word
    page: int
    role: Role
    why: str


@dataclass(frozen=True)
class PageFrame:
    """One page's words and its height, as the furniture finder needs them."""

    number: int
    height: float
    words: Sequence[Word]


_PAGE_NUMBER = re.compile(
    r"(?:(?:page|p\.)\s*)?[-\u2013\u2014]?\s*(?P<n>\d{1,3})\s*[-\u2013\u2014]?"
    r"(?:\s*(?:of|/)\s*(?P<of>\d{1,3}))?", re.IGNORECASE)
_DATE = re.compile(
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})(?:,?\s*\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*[AP]M)?)?|\d{1,2}:\d{2}(?:\s*[AP]M)?", re.IGNORECASE)
_URL = re.compile(r"(?:https?|file)://\S+|about:blank", re.IGNORECASE)


@dataclass(frozen=True)
class _Piece:
    page: int
    words: tuple[Word, ...]
    alone: bool  # the only piece on its baseline

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def key(self) -> str:
        return re.sub(r"\d+", "#", self.text.lower())

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)


def _in_band(line: Sequence[Word], height: float, settings: PageSettings, *, top: bool) -> bool:
    band = settings.furniture_band_share * height
    if top:
        return max(w.bottom for w in line) <= band
    return min(w.top for w in line) >= height - band


def _same_place(a: _Piece, b: _Piece, tolerance: float) -> bool:
    level = abs(a.top - b.top) <= tolerance
    aligned = (abs(a.x0 - b.x0) <= tolerance or abs(a.x1 - b.x1) <= tolerance
               or abs((a.x0 + a.x1) - (b.x0 + b.x1)) / 2 <= tolerance)
    return level and aligned


def _page_number(piece: _Piece, page_count: int, settings: PageSettings) -> bool:
    match = _PAGE_NUMBER.fullmatch(piece.text)
    if match is None:
        return False
    number = int(match.group("n"))
    if abs(number - piece.page) > settings.page_number_offset:
        return False
    of = match.group("of")
    return of is None or int(of) == page_count


def _margins(frame: PageFrame, settings: PageSettings) -> list[list[Word]]:
    """The baselines of the page's margins: from each edge inward, the lines wholly in the band,
    up to the first gap of at least `furniture_gap_em` of their size that sets them apart from
    the page's own text (none when no such gap is found in the band)."""
    lines = baselines(frame.words, settings)
    found: list[list[Word]] = []
    for top, ordered in ((True, lines), (False, lines[::-1])):
        zone: list[list[Word]] = []
        inners: list[list[Word] | None] = [*ordered[1:], None]
        for line, inner in zip(ordered, inners, strict=False):
            if not _in_band(line, frame.height, settings, top=top):
                zone = []
                break
            zone.append(line)
            size = max(w.size for w in line)
            gap = (float("inf") if inner is None else
                   max(min(w.top for w in inner) - max(w.bottom for w in line),
                       min(w.top for w in line) - max(w.bottom for w in inner)))
            if gap >= settings.furniture_gap_em * size:
                break
        found.extend(zone)
    return found


def furniture(frames: Sequence[PageFrame], settings: PageSettings) -> dict[int, RoledWord]:
    """The page furniture of a document, keyed by `id(word)`: see the module's docstring."""
    candidates: list[_Piece] = []
    siblings: dict[int, list[_Piece]] = {}
    for frame in frames:
        for line in _margins(frame, settings):
            cut = list(pieces(line, settings.piece_gap_em, settings))
            row = [_Piece(frame.number, tuple(p), len(cut) == 1) for p in cut]
            for piece in row:
                siblings[id(piece)] = row
            candidates.extend(row)
    found: dict[int, tuple[_Piece, str]] = {}
    for piece in candidates:
        repeats = sorted({other.page for other in candidates if other.page != piece.page
                          and other.key == piece.key and _same_place(
                              piece, other, settings.furniture_place_tolerance)})
        if repeats:
            found[id(piece)] = (piece, f"repeated on page {', '.join(map(str, repeats))}")
        elif _DATE.fullmatch(piece.text) or _URL.fullmatch(piece.text):
            found[id(piece)] = (piece, "what a browser prints in the margin")
    for piece in candidates:
        if id(piece) in found or not _page_number(piece, len(frames), settings):
            continue
        others = [p for p in siblings[id(piece)] if p is not piece]
        if piece.alone or all(id(p) in found for p in others) or "/" in piece.text \
                or " of " in piece.text.lower():
            found[id(piece)] = (piece, "a page number")
    return {id(word): RoledWord(word, piece.page, Role.furniture, why)
            for piece, why in found.values() for word in piece.words}


def crossing_words(words: Sequence[Word], page: int) -> dict[int, RoledWord]:
    """Upright words at least twice the page's usual size drawn across smaller words (a stamp
    set level), keyed by `id(word)`."""
    if not words:
        return {}
    sizes = sorted(w.size for w in words)
    usual = sizes[len(sizes) // 2]
    found = {}
    for big in (w for w in words if w.size >= 2 * usual):
        under = [w for w in words if w.size < big.size / 2 and w.x0 < big.x1 and big.x0 < w.x1
                 and w.top < big.bottom and big.top < w.bottom]
        if under:
            found[id(big)] = RoledWord(big, page, Role.stamp,
                                       f"drawn across '{' '.join(w.text for w in under[:4])}'")
    return found


def word_roles(found: Mapping[int, RoledWord], words: Sequence[Word]) -> list[RoledWord]:
    """The roled words among `words`, in their order."""
    return [found[id(w)] for w in words if id(w) in found]
