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

__all__ = ["FoundSection", "split_sections", "text_of", "list_items", "BULLETS"]

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
            if not (line.bold and same_place and close and line.size == previous.size):
                break
            end += 1
        runs.append((index, end))
        index = end
    return runs


def split_sections(
    lines: Sequence[Line], patterns: Mapping[str, re.Pattern[str]]
) -> tuple[tuple[Line, ...], list[FoundSection]]:
    """Split lines into (preamble, sections) at headings that match `patterns` (fullmatch)."""
    starts: list[tuple[int, int, str, re.Match[str]]] = []
    for start, end in _heading_runs(lines):
        heading = " ".join(" ".join(line.text for line in lines[start:end]).split())
        for name, pattern in patterns.items():
            match = pattern.fullmatch(heading)
            if match:
                starts.append((start, end, name, match))
                break
    if not starts:
        return tuple(lines), []
    sections = []
    for position, (start, end, name, match) in enumerate(starts):
        stop = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
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


def _is_bullet(line: Line) -> bool:
    return bool(line.words) and line.words[0].text[:1] in BULLETS and (
        len(line.words[0].text) == 1 or line.words[0].text[0] == "•"
    )


def _without_bullet(line: Line) -> str:
    words = [word.text for word in line.words]
    if _is_bullet(line):
        words[0] = words[0][1:]
    return " ".join(word for word in words if word)


def text_of(lines: Sequence[Line]) -> str:
    """The prose of some lines: words in reading order, single spaces, no bullet glyphs."""
    return " ".join(" ".join(_without_bullet(line) for line in lines).split())


def list_items(lines: Sequence[Line]) -> list[tuple[str, int]]:
    """Bulleted items as (text, page).

    A bullet starts an item; a line indented like the item's text continues it; anything else
    (a paragraph back at the margin) ends the list until the next bullet.
    """
    items: list[tuple[str, int]] = []
    indent: float | None = None
    for line in lines:
        if _is_bullet(line):
            items.append((_without_bullet(line), line.page))
            text_words = line.words[1:] if len(line.words[0].text) == 1 else line.words
            indent = text_words[0].x0 if text_words else None
        elif items and indent is not None and line.words[0].x0 >= indent - 1.5:
            text, page = items[-1]
            items[-1] = (f"{text} {line.text}", page)
        else:
            indent = None
    return [(" ".join(text.split()).rstrip(";,. "), page) for text, page in items]
