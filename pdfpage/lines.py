"""Words on one baseline, and a baseline cut into pieces at gaps wider than a space.

The reading order (`extractors.layout`) and the roles (`pdfpage.roles`) both start from these:
a piece is a run of words a reader takes in one go (a cell, a column's line, a page number in
the margin).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence

from pdfpage.settings import SETTINGS, PageSettings
from pdfpage.words import Word

__all__ = ["MARKERS", "baselines", "pieces"]

#: List markers set apart from their item's text by a hanging indent: never a gutter.
MARKERS = frozenset("•·▪●◦‣∙*-–") | {f"{n}{end}" for n in range(1, 21) for end in ".)"}


def baselines(words: Iterable[Word], settings: PageSettings = SETTINGS) -> list[list[Word]]:
    """Group words whose bottoms are within the tolerance, top to bottom, left to right."""
    groups: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if groups and word.bottom - groups[-1][-1].bottom <= settings.baseline_tolerance:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [sorted(group, key=lambda w: w.x0) for group in groups]


def pieces(words: Sequence[Word], gap_em: float) -> Iterator[list[Word]]:
    """Split one baseline where the gap between words is wider than `gap_em` font sizes (but
    not after a list marker: a bullet and its item are one piece)."""
    piece: list[Word] = [words[0]]
    for previous, word in itertools.pairwise(words):
        marker = len(piece) == 1 and previous.text in MARKERS
        if word.x0 - previous.x1 > gap_em * max(previous.size, word.size) and not marker:
            yield piece
            piece = []
        piece.append(word)
    yield piece
