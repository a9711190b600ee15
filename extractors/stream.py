"""A section's words as one text, with list markers turned into item breaks, words a typesetter
broke over two lines ('in‐' 'crease') joined again, and every character traceable to the page
and line it came from.

Priorities and force-wide results are lists, printed with bullets, numbers, commas, one to three
items to a line, in one column or three. Their readers do not walk lines: they match their
grammar against this text, where a bullet or a number ('1.') has become a break (`|`), and ask
`page_at` where a match began and `starts_line` whether a span began a printed line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from extractors.layout import Line, Word
from pdfpage.geometry import Box

__all__ = ["BREAK", "BREAK_HYPHEN", "TextStream", "stream_of"]

#: What a list marker becomes in the text.
BREAK = "|"
_BULLETS = "•·▪●◦‣∙*-–"
_MARKER = re.compile(rf"^(?:[{re.escape(_BULLETS)}]|\(cid:\d+\)|\(?\d{{1,2}}[.)])$")
_GLUED = re.compile(rf"^(?:[{re.escape(_BULLETS)}]|\(cid:\d+\))(?=\S)")


@dataclass(frozen=True)
class TextStream:
    """Words joined by single spaces; `BREAK` where a marker stood."""

    text: str
    _offsets: tuple[int, ...]  # start offset of each word
    _pages: tuple[int, ...]
    _line_starts: frozenset[int]  # offsets of words that begin a printed line
    _boxes: tuple[Box, ...] = ()  # where each word stands (a marker: its word's box)

    def page_at(self, offset: int) -> int:
        """The page of the word at (or just before) `offset`."""
        index = max(0, bisect.bisect_right(self._offsets, offset) - 1)
        return self._pages[index] if self._pages else 1

    def box_of(self, start: int, stop: int) -> Box:
        """Where the words of text[start:stop] stand: the box around those on the page of the
        first one."""
        first = max(0, bisect.bisect_right(self._offsets, start) - 1)
        last = max(first, bisect.bisect_left(self._offsets, stop) - 1)
        boxes = [box for box in self._boxes[first:last + 1]
                 if box.page == self._boxes[first].page]
        union = boxes[0]
        for box in boxes[1:]:
            union = union.union(box)
        return union

    def starts_line(self, offset: int) -> bool:
        """Whether the word at `offset` begins a printed line (after any marker)."""
        return offset in self._line_starts


#: The hyphen (U+2010) a typesetter adds where it breaks a word over two lines; a hyphen-minus
#: ('-') is left as printed, since it is as often a compound's ('anti-social').
BREAK_HYPHEN = "\u2010"


def _broken(text: str, following: Sequence[Line]) -> bool:
    """Whether `text`, last on its line, is the first part of a word the next line ends."""
    return (len(text) > 1 and text.endswith(BREAK_HYPHEN) and text[-2].isalpha()
            and bool(following) and bool(following[0].words)
            and following[0].words[0].text[:1].islower())


def stream_of(lines: Sequence[Line]) -> TextStream:
    """The words of `lines` in order, list markers replaced by `BREAK`."""
    parts: list[str] = []
    offsets: list[int] = []
    pages: list[int] = []
    starts: set[int] = set()
    boxes: list[Box] = []
    length = 0

    def add(text: str, page: int, word: Word, line_start: bool) -> None:
        nonlocal length
        if parts:
            length += 1
        offsets.append(length)
        pages.append(page)
        boxes.append(Box(page, word.x0, word.top, word.x1, word.bottom))
        if line_start:
            starts.add(length)
        parts.append(text)
        length += len(text)

    pending = ""  # the first part of a word broken over a line with a hyphen ('in‐')
    for number, line in enumerate(lines):
        first = True
        words = list(line.words)
        if len(words) > 1 and words[-1].text == BREAK_HYPHEN and words[-2].text[-1:].isalpha():
            words[-2:] = [replace(words[-2], text=words[-2].text + BREAK_HYPHEN)]  # 're' '‐'
        for index, word in enumerate(words):
            text, pending = pending + word.text, ""
            if index == len(words) - 1 and _broken(text, lines[number + 1:number + 2]):
                pending = text[:-1]
                continue
            if _MARKER.match(text):
                add(BREAK, line.page, word, False)
                continue  # the item's first word still begins the line
            glued = _GLUED.match(text)
            if glued:
                add(BREAK, line.page, word, False)
                text = text[glued.end():]
            add(text, line.page, word, first)
            first = False
    return TextStream(" ".join(parts), tuple(offsets), tuple(pages), frozenset(starts),
                      tuple(boxes))
