"""Words on one baseline, and a baseline cut into pieces at gaps wider than a space.

The reading order (`extractors.layout`) and the roles (`pdfpage.roles`) both start from these:
a piece is a run of words a reader takes in one go (a cell, a column's line, a page number in
the margin).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

from pdfpage.settings import PageSettings
from pdfpage.words import Word

__all__ = ["MARKERS", "baselines", "pieces"]

#: List markers set apart from their item's text by a hanging indent: never a gutter.
MARKERS = frozenset("•·▪●◦‣∙*-–") | {f"{n}{end}" for n in range(1, 21) for end in ".)"}


def baselines(words: Iterable[Word], settings: PageSettings) -> list[list[Word]]:
    """Group words whose bottoms are within the tolerance, top to bottom, left to right."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if groups and word.bottom - groups[-1][-1].bottom <= settings.baseline_tolerance:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(group, key=lambda w: w.x0) for group in groups]


def _justified_heading(words: Sequence[Word], settings: PageSettings) -> bool:
    """Whether a baseline is one justified heading line ('How did Kingston  upon  Thames
    perform  during' spread to the column's width): bold words of one size, three gaps or more,
    all about equal and under `justified_max_gap_em`. A table row's gaps are as wide as its
    cells make them, and within a cell a space is narrower than between cells."""
    if len(words) < 4 or not all(word.bold for word in words):
        return False
    size = words[0].size
    if any(abs(word.size - size) > 0.1 for word in words):
        return False
    gaps = [right.x0 - left.x1 for left, right in itertools.pairwise(words)]
    return (max(gaps) - min(gaps) <= settings.justified_gap_spread_em * size
            and max(gaps) <= settings.justified_max_gap_em * size)


def pieces(words: Sequence[Word], gap_em: float, settings: PageSettings) -> Iterator[list[Word]]:
    """Split one baseline where the gap between words is wider than `gap_em` font sizes (but
    not after a list marker: a bullet and its item are one piece, and never inside a justified
    heading line: `_justified_heading`)."""
    if _justified_heading(words, settings):
        yield list(words)
        return
    piece: list[Word] = [words[0]]
    for previous, word in itertools.pairwise(words):
        marker = len(piece) == 1 and previous.text in MARKERS
        if word.x0 - previous.x1 > gap_em * max(previous.size, word.size) and not marker:
            yield piece
            piece = []
        piece.append(word)
    yield piece
