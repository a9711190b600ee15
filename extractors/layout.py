"""Words to lines in reading order, for two-column leaflets.

Leaflets are laid out in two columns with full-width bands (the title). pdfplumber gives words
with positions; this module groups them into lines on the same baseline, splits each line where a
gap is wider than a space (column gutter, table cell), assigns each piece to the left column, the
right column or the full width, and returns lines in reading order: full-width bands, then the
left column, then the right, page by page. Nothing here knows about any template.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pdfplumber.utils.text import extract_words

from extractors.chars import page_chars

__all__ = ["Leaflet", "Line", "Word", "page_lines", "words_of_chars", "words_of_page"]

#: A gap wider than this many font sizes separates cells or columns (a space is ~0.3 em).
_CELL_GAP_EM = 1.0
#: Words whose bottoms are this close (in points) share a baseline.
_BASELINE_TOLERANCE = 2.5


@dataclass(frozen=True)
class Word:
    """One word as pdfplumber found it."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Line:
    """Words on one baseline within one column of one page."""

    page: int
    column: str  # "full", "left" or "right"
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def size(self) -> float:
        return max(word.size for word in self.words)

    @property
    def bold(self) -> bool:
        return all(word.bold for word in self.words)


def words_of_page(page: Any) -> list[Word]:
    """The words of a pdfplumber page, split on font changes, upright text only."""
    return words_of_chars(page_chars(page))


def words_of_chars(chars: list[dict[str, Any]]) -> list[Word]:
    """Words from `extractors.chars.page_chars` (as `page.extract_words` would give them)."""
    raw = extract_words(
        chars, x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False,
        extra_attrs=["fontname", "size"],
    )
    return [
        Word(
            text=item["text"],
            x0=float(item["x0"]),
            x1=float(item["x1"]),
            top=float(item["top"]),
            bottom=float(item["bottom"]),
            size=float(item["size"]),
            bold="bold" in str(item["fontname"]).lower(),
        )
        for item in raw
        if item.get("upright", True)
    ]


def _baselines(words: Iterable[Word]) -> list[list[Word]]:
    """Group words whose bottoms are within the tolerance, top to bottom, left to right."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if groups and word.bottom - groups[-1][-1].bottom <= _BASELINE_TOLERANCE:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(group, key=lambda w: w.x0) for group in groups]


def _pieces(words: Sequence[Word]) -> Iterator[list[Word]]:
    """Split one baseline where the gap between words is wider than a space."""
    piece: list[Word] = [words[0]]
    for previous, word in itertools.pairwise(words):
        if word.x0 - previous.x1 > _CELL_GAP_EM * max(previous.size, word.size):
            yield piece
            piece = []
        piece.append(word)
    yield piece


def _column_of(piece: Sequence[Word], middle: float) -> str:
    if piece[-1].x1 <= middle + 2:
        return "left"
    if piece[0].x0 >= middle - 2:
        return "right"
    return "full"


def page_lines(words: Sequence[Word], page_number: int, page_width: float) -> list[Line]:
    """The lines of one page in reading order: full-width bands, left column, right column."""
    middle = page_width / 2
    by_column: dict[str, list[Line]] = {"full": [], "left": [], "right": []}
    for baseline in _baselines(words):
        columns: dict[str, list[Word]] = {}
        for piece in _pieces(baseline):
            columns.setdefault(_column_of(piece, middle), []).extend(piece)
        for column, column_words in columns.items():
            by_column[column].append(Line(page_number, column, tuple(column_words)))
    return by_column["full"] + by_column["left"] + by_column["right"]


class Leaflet:
    """An open PDF with its lines read lazily, page by page, and kept for reuse.

    Template detection and parsing both read lines; this reads each page once and releases
    pdfplumber's per-page caches as it goes.
    """

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self._lines: dict[int, list[Line]] = {}
        self._has_chars: dict[int, bool] = {}

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages)

    def page(self, number: int) -> list[Line]:
        """The lines of 1-based page `number` in reading order."""
        if number not in self._lines:
            page = self.pdf.pages[number - 1]
            chars = page_chars(page)
            self._has_chars[number] = bool(chars)
            self._lines[number] = page_lines(words_of_chars(chars), number, float(page.width))
            page.flush_cache()
        return self._lines[number]

    def has_text(self, pages: int = 3) -> bool:
        """Whether any of the first `pages` pages carries text characters (a scan has none);
        the pages read stay cached for detection and parsing."""
        for number in range(1, min(pages, self.page_count) + 1):
            self.page(number)
            if self._has_chars[number]:
                return True
        return False

    def lines(self, first: int = 1, last: int | None = None) -> list[Line]:
        """Lines of pages `first` to `last` (default: the end), in reading order."""
        stop = self.page_count if last is None else min(last, self.page_count)
        return [line for number in range(first, stop + 1) for line in self.page(number)]

    def text(self, first: int = 1, last: int | None = None) -> str:
        """The text of those pages in reading order, single-spaced."""
        return " ".join(" ".join(line.text for line in self.lines(first, last)).split())
