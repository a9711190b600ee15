"""Boxes and the grouping of words into cells by where they are, never by drawing order.

A table cell is a set of words that touch: side by side on one baseline with less than a cell
gap between them, or stacked (a wrapped label, 'Target' over 'achieved') with less than a
line's leading between them and overlapping or left-aligned. `cells_of` groups any words that
way; the table reader then decides what each group says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pdfpage.settings import PageSettings
from pdfpage.words import Word

__all__ = ["Box", "box_of", "cells_of", "lines_of", "vertical_overlap"]


@dataclass(frozen=True)
class Box:
    """A rectangle on one page, in points from the page's top left (as pdfplumber)."""

    page: int
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def union(self, other: Box) -> Box:
        return Box(self.page, min(self.x0, other.x0), min(self.top, other.top),
                   max(self.x1, other.x1), max(self.bottom, other.bottom))

    def contains_point(self, x: float, y: float, margin: float = 0.0) -> bool:
        return (self.x0 - margin <= x <= self.x1 + margin
                and self.top - margin <= y <= self.bottom + margin)


def box_of(words: Iterable[Word], page: int) -> Box:
    """The smallest box around some words."""
    items = list(words)
    return Box(page, min(w.x0 for w in items), min(w.top for w in items),
               max(w.x1 for w in items), max(w.bottom for w in items))


def vertical_overlap(a: Box, b: Box) -> float:
    """How much of the shorter box's height the two boxes share (0 to 1)."""
    shared = min(a.bottom, b.bottom) - max(a.top, b.top)
    shortest = min(a.height, b.height)
    return max(0.0, shared) / shortest if shortest > 0 else 0.0


def _touch(a: Word, b: Word, gap_em: float, settings: PageSettings) -> bool:
    size = max(a.size, b.size)
    if abs(a.bottom - b.bottom) <= settings.baseline_tolerance:
        gap = max(a.x0, b.x0) - min(a.x1, b.x1)
        return gap <= gap_em * size
    upper, lower = (a, b) if a.top < b.top else (b, a)
    gap = lower.top - upper.bottom
    if gap > settings.cell_leading_em * size or gap < -0.5 * size:
        return False
    overlaps = upper.x0 < lower.x1 and lower.x0 < upper.x1
    return overlaps or abs(upper.x0 - lower.x0) <= 3.0


def cells_of(words: Sequence[Word], settings: PageSettings, *, figures: bool = False
             ) -> list[list[Word]]:
    """Words grouped into cells: the connected groups of words that touch (union-find).

    The words of a figure cell (`figures=True`) touch across a wider gap
    (`settings.figure_gap_em`): a gap where a glyph was lost ('or  12.5%', a minus sign
    missing from the text layer) still joins them."""
    gap_em = settings.figure_gap_em if figures else settings.cell_gap_em
    parent = list(range(len(words)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(words)), key=lambda i: words[i].top)
    for position, i in enumerate(order):
        for j in order[position + 1:]:
            if words[j].top - words[i].bottom > 2 * max(words[i].size, words[j].size):
                break
            if _touch(words[i], words[j], gap_em, settings):
                parent[root(i)] = root(j)
    groups: dict[int, list[Word]] = {}
    for i, word in enumerate(words):
        groups.setdefault(root(i), []).append(word)
    return list(groups.values())


def lines_of(words: Iterable[Word], settings: PageSettings) -> list[list[Word]]:
    """Words of one cell as lines: by baseline top to bottom, each left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if lines and word.bottom - lines[-1][-1].bottom <= settings.baseline_tolerance:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in lines]
