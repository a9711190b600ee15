"""Find sections by their headings, then hand each section's lines to its parser.

A heading is a run of bold lines in one column (a long heading wraps). A run whose text matches
one of the template's heading patterns starts a section; any other bold run (a sub-heading) is
part of the section it stands in. Lines before the first known heading form the preamble.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from extractors.layout import Line

__all__ = ["BULLETS", "FoundSection", "is_bullet", "list_items", "split_sections", "text_of"]

BULLETS = {"•", "·", "▪", "●", "*", "-", "–"}


@dataclass(frozen=True)
class FoundSection:
    """A section located by its heading: the heading's match and the lines under it."""

    name: str
    heading: str
    match: re.Match[str]
    page: int
    lines: tuple[Line, ...] = field(default=())


def _heading_runs(lines: Sequence[Line]) -> list[tuple[int, int]]:
    """Index ranges [start, end) of consecutive bold lines that read as one heading."""
    runs: list[tuple[int, int]] = []
    index = 0
    while index < len(lines):
        if not lines[index].bold:
            index += 1
            continue
        end = index + 1
        while end < len(lines):
            previous, line = lines[end - 1], lines[end]
            same_place = line.page == previous.page and line.column == previous.column
            close = 0 <= line.top - previous.bottom < 0.8 * previous.size
            same_size = abs(line.size - previous.size) < 0.5
            if not (line.bold and same_place and close and same_size):
                break
            end += 1
        runs.append((index, end))
        index = end
    return runs


def _match_heading(
    lines: Sequence[Line], start: int, end: int, patterns: Mapping[str, re.Pattern[str]]
) -> tuple[int, str, re.Match[str]] | None:
    """The longest run lines[start:stop] (stop <= end) whose text matches a pattern."""
    for stop in range(end, start, -1):
        heading = " ".join(" ".join(line.text for line in lines[start:stop]).split())
        for name, pattern in patterns.items():
            match = pattern.fullmatch(heading)
            if match:
                return stop, name, match
    return None


def split_sections(
    lines: Sequence[Line], patterns: Mapping[str, re.Pattern[str]]
) -> tuple[tuple[Line, ...], list[FoundSection]]:
    """Split lines into (preamble, sections) at headings that match `patterns` (fullmatch).

    Two headings may stand one above the other ('Barnet: local information' over 'Message from
    Borough Commander ...'), so a bold run is cut into the longest pieces that match.
    """
    starts: list[tuple[int, int, str, re.Match[str]]] = []
    for run_start, run_end in _heading_runs(lines):
        position = run_start
        while position < run_end:
            found = _match_heading(lines, position, run_end, patterns)
            if found is None:
                position += 1  # a sub-heading: it stays in the text of its section
                continue
            stop, name, match = found
            starts.append((position, stop, name, match))
            position = stop
    if not starts:
        return tuple(lines), []
    sections = []
    for index, (start, end, name, match) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        sections.append(
            FoundSection(
                name=name,
                heading=match.group(0),
                match=match,
                page=lines[start].page,
                lines=tuple(lines[end:stop]),
            )
        )
    return tuple(lines[: starts[0][0]]), sections


_ENDS = (".", ";", ":", "!", "?")
#: A glyph with no Unicode mapping, as pdfminer reports it: fonts often draw bullets this way.
_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


def _bullet_length(line: Line) -> int:
    """How many leading characters of the line's first word are a bullet (0 when none)."""
    if not line.words:
        return 0
    first = line.words[0].text
    unmapped = _UNMAPPED_GLYPH.match(first)
    if unmapped:
        return unmapped.end()
    if first == "•" or (len(first) == 1 and first in BULLETS):
        return 1
    return 1 if first.startswith("•") else 0


def is_bullet(line: Line) -> bool:
    return _bullet_length(line) > 0


def _without_bullet(line: Line) -> str:
    words = [word.text for word in line.words]
    if words:
        words[0] = words[0][_bullet_length(line):]
    return " ".join(word for word in words if word)


def text_of(lines: Sequence[Line]) -> str:
    """The prose of some lines: words in reading order, single spaces, no bullet glyphs."""
    return " ".join(" ".join(_without_bullet(line) for line in lines).split())


def list_items(lines: Sequence[Line]) -> list[tuple[str, int]]:
    """Bulleted items as (text, page).

    A bullet starts an item; a line indented like the item's text continues it, and so does a
    line back at the margin when the item has not ended its sentence; anything else (a paragraph)
    ends the list until the next bullet.
    """
    items: list[tuple[str, int]] = []
    indent: float | None = None
    for line in lines:
        if is_bullet(line):
            items.append((_without_bullet(line), line.page))
            bullet_alone = _bullet_length(line) == len(line.words[0].text)
            text_words = line.words[1:] if bullet_alone else line.words
            indent = text_words[0].x0 if text_words else None
        elif items and indent is not None and (
            line.words[0].x0 >= indent - 1.5 or not items[-1][0].rstrip().endswith(_ENDS)
        ):
            text, page = items[-1]
            items[-1] = (f"{text} {line.text}", page)
        else:
            indent = None
    return [(" ".join(text.split()).rstrip(";,. "), page) for text, page in items]
