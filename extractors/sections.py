"""Find sections by their headings, then hand each section's lines to its parser.

A heading is a run of bold lines in one column (a long heading wraps); bold is any face heavier
than the body's (`pdfpage.words`). A run whose text matches one of the template's heading
patterns starts a section; any other bold run (a sub-heading) is part of the section it stands
in. A heading the bold runs do not give is then looked for by its words among lines set apart
from the body text in another way: a larger size, another colour, or space above. Lines before
the first known heading form the preamble.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from extractors.layout import Line, Word, page_gutters
from extractors.stream import BREAK_HYPHEN
from pdfpage.content import UNMAPPED_GLYPH
from pdfpage.settings import PageSettings

__all__ = ["BULLETS", "FoundSection", "claim_region", "split_sections", "text_of"]

BULLETS = {"•", "·", "▪", "●", "*", "-", "–"}


@dataclass(frozen=True)
class FoundSection:
    """A section located by its heading: the heading's match and the lines under it."""

    name: str
    heading: str
    match: re.Match[str]
    page: int
    lines: tuple[Line, ...] = field(default=())
    heading_lines: tuple[Line, ...] = field(default=())


def _heading_runs(lines: Sequence[Line], settings: PageSettings) -> list[tuple[int, int]]:
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
            same_place = (line.page == previous.page and line.x0 < previous.x1
                          and previous.x0 < line.x1)  # a wrapped heading may cross strips
            close = 0 <= line.top - previous.bottom < settings.heading_leading_em * previous.size
            same_size = abs(line.size - previous.size) < 0.5
            if not (line.bold and same_place and close and same_size):
                break
            end += 1
        runs.append((index, end))
        index = end
    return runs


def _body_style(lines: Sequence[Line]) -> tuple[float, tuple[float, ...] | None]:
    """The size and colour most of the words are set in."""
    sizes = Counter(round(w.size, 1) for line in lines for w in line.words)
    colours = Counter(w.colour for line in lines for w in line.words)
    return (sizes.most_common(1)[0][0] if sizes else 0.0,
            colours.most_common(1)[0][0] if colours else None)


def _colour(line: Line) -> tuple[float, ...] | None:
    colours = {w.colour for w in line.words}
    return colours.pop() if len(colours) == 1 else None


def _styled_runs(lines: Sequence[Line], settings: PageSettings
                 ) -> list[tuple[int, int]]:
    """Index ranges of runs of lines that are not bold but set apart from the body text: a run
    starts at a line larger than the body (`heading_size_ratio`), in another colour, or with
    space above (`heading_space_em`), and goes on through lines of its size and colour."""
    size, colour = _body_style(lines)
    runs: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        if line.bold or line.size < size * 0.95:
            continue
        previous = lines[index - 1] if index else None
        spaced = (previous is not None and previous.page == line.page
                  and line.top - previous.bottom >= settings.heading_space_em * line.size)
        coloured = _colour(line) is not None and _colour(line) != colour
        if not (line.size >= settings.heading_size_ratio * size or coloured or spaced):
            continue
        end = index + 1
        while end < len(lines):
            before, after = lines[end - 1], lines[end]
            if (after.bold or after.page != before.page or abs(after.size - before.size) >= 0.5
                    or _colour(after) != _colour(before)
                    or not 0 <= after.top - before.bottom < settings.heading_leading_em
                    * before.size):
                break
            end += 1
        runs.append((index, end))
    return runs


def _longest_heading(
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


def _match_heading(
    lines: Sequence[Line], start: int, end: int, patterns: Mapping[str, re.Pattern[str]]
) -> tuple[int, str, re.Match[str]] | None:
    """The longest run lines[start:stop] (stop <= end) whose text matches a pattern, cut
    before a line that begins another heading when the lines above it are a heading too: a
    pattern open at its end ('Local Policing Summary <borough>') must not swallow the heading
    set under it in the same face ('A message from ...')."""
    found = _longest_heading(lines, start, end, patterns)
    if found is None:
        return None
    for cut in range(start + 1, found[0]):
        if _longest_heading(lines, cut, found[0], patterns) is not None:
            above = _longest_heading(lines, start, cut, patterns)
            if above is not None and above[0] == cut:
                return above
    return found


def split_sections(
    lines: Sequence[Line], patterns: Mapping[str, re.Pattern[str]], settings: PageSettings
) -> tuple[tuple[Line, ...], list[FoundSection]]:
    """Split lines into (preamble, sections) at headings that match `patterns` (fullmatch).

    Two headings may stand one above the other ('Barnet: local information' over 'Message from
    Borough Commander ...'), so a bold run is cut into the longest pieces that match.
    """
    starts: list[tuple[int, int, str, re.Match[str]]] = []
    for run_start, run_end in _heading_runs(lines, settings):
        position = run_start
        while position < run_end:
            found = _match_heading(lines, position, run_end, patterns)
            if found is None:
                position += 1  # a sub-heading: it stays in the text of its section
                continue
            stop, name, match = found
            starts.append((position, stop, name, match))
            position = stop
    found_names = {name for _, _, name, _ in starts}
    missing = {name: pattern for name, pattern in patterns.items() if name not in found_names}
    for run_start, run_end in _styled_runs(lines, settings) if missing else ():
        styled = _match_heading(lines, run_start, run_end, missing)
        if styled is not None and not any(a < styled[0] and run_start < b for a, b, _, _ in starts):
            stop, name, match = styled
            starts.append((run_start, stop, name, match))
            missing.pop(name)
    starts.sort(key=lambda start: start[0])
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
                heading_lines=tuple(lines[start:end]),
            )
        )
    return tuple(lines[: starts[0][0]]), sections


def _bullet_length(line: Line) -> int:
    """How many leading characters of the line's first word are a bullet (0 when none)."""
    if not line.words:
        return 0
    first = line.words[0].text
    unmapped = UNMAPPED_GLYPH.match(first)  # fonts often draw bullets so
    if unmapped:
        return unmapped.end()
    if first == "•" or (len(first) == 1 and first in BULLETS):
        return 1
    return 1 if first.startswith("•") else 0


def _without_bullet(line: Line) -> str:
    words = [word.text for word in line.words]
    if words:
        words[0] = words[0][_bullet_length(line):]
    return " ".join(word for word in words if word)


#: A line that ends inside a web address or an e-mail address ("…/publications/", "…have-")
#: or inside a range of years ("2010-"), where a layout broke it without a space.
_BROKEN_AT_END = re.compile(r"(?:\S*(?:/|www\.|@)\S*[/\-._=?&#]|\d{4}[-–])\Z")
_CONTINUES = re.compile(r"\A[a-z0-9]")


#: A line that ends with a word broken by the typesetter's hyphen ('togeth‐', or 'togeth' '‐').
_HYPHENATED_AT_END = re.compile(rf"[^\W\d_] ?{BREAK_HYPHEN}\Z")
_CONTINUES_WORD = re.compile(r"\A[^\W\d_A-Z]")


def text_of(lines: Sequence[Line]) -> str:
    """The prose of some lines: words in reading order, single spaces, no bullet glyphs. A line
    that ends inside a web address or a range of years is joined to the next without a space,
    as it was written before the layout broke it; a word the typesetter broke over two lines
    with its hyphen (U+2010, never the hyphen-minus a compound is written with) is joined whole
    when the next line goes on in lower case ('togeth‐ er' is 'together')."""
    parts: list[str] = []
    # The text's last word: a match of _BROKEN_AT_END holds no white space and ends the text,
    # so it lies within it (searching the whole text at each line was quadratic). A hyphen at
    # the end lies within the last line's words (parts[-1]).
    last_word = ""
    for line in lines:
        words = " ".join(_without_bullet(line).split())
        if not words:
            continue
        hyphenated = bool(parts) and bool(_HYPHENATED_AT_END.search(parts[-1])) and bool(
            _CONTINUES_WORD.match(words))
        joined = hyphenated or (bool(parts) and bool(_BROKEN_AT_END.search(last_word))
                                and bool(_CONTINUES.match(words)))
        if hyphenated:
            parts[-1] = parts[-1][:-1].rstrip()
            last_word = last_word[:-1].rstrip()
        elif parts and not joined:
            parts.append(" ")
        parts.append(words)
        tail = words.rsplit(" ", 1)
        last_word = last_word + words if joined and len(tail) == 1 else tail[-1]
    return "".join(parts)


Region = tuple[float, float, float, float]  # x0, top, x1, bottom


def _region(anchor: Sequence[Line], page: int, others: Sequence[FoundSection],
            lines: Sequence[Line], settings: PageSettings, *, below_anchor: bool,
            prose_words: int) -> Region:
    """The area a section holds on one page: under its heading (`below_anchor`), or where its
    own lines are on a page it continues on. It runs down to the next heading or bold
    sub-heading that overlaps it, and right to the next gutter between the page's columns or the
    first text right of the anchor that has at least `prose_words` words (another column), or
    the page's edge. The area only adds to what reading order gave the section, so it errs on
    the narrow side."""
    x0 = min(line.x0 for line in anchor) - 3.0
    top = max(line.bottom for line in anchor) if below_anchor else min(
        line.top for line in anchor) - 2.0
    anchor_x1 = max(line.x1 for line in anchor)
    headings = [line for other in others if other.page == page for line in other.heading_lines]
    subheadings = [line for line in lines if line.bold and not any(  # not a bold cell in a row
        not other.bold and abs(other.bottom - line.bottom) <= 3.0 and other.x0 < anchor_x1
        and other.x1 > x0 for other in lines)]
    below = [line.top for line in (*headings, *subheadings)
             if line.top > top + 1.0 and line.x0 < anchor_x1 and line.x1 > x0
             and not any(line is own for own in anchor)]
    bottom = min(below, default=float("inf"))
    to_right = [piece[0].x0 for line in lines for piece in _pieces(line, settings)
                if piece[0].x0 > anchor_x1 + 6 and top < line.middle < bottom
                and len(piece) >= prose_words]
    to_right += [a for a, _ in page_gutters(lines, settings) if a >= anchor_x1 - 2.0]
    return x0, top, min(to_right, default=float("inf")), bottom


def _pieces(line: Line, settings: PageSettings) -> list[list[Word]]:
    """The line cut where a gap is wider than a space: cells, or columns' text."""
    pieces: list[list[Word]] = [[line.words[0]]] if line.words else []
    for previous, word in zip(line.words, line.words[1:], strict=False):
        if word.x0 - previous.x1 > settings.piece_gap_em * max(word.size, previous.size):
            pieces.append([])
        pieces[-1].append(word)
    return pieces


def claim_region(sections: Sequence[FoundSection], name: str,
                 page_lines: Callable[[int], Sequence[Line]], settings: PageSettings
                 ) -> list[FoundSection]:
    """Give section `name` every word that stands in the area it holds on each of its pages,
    whatever the reading order made of it, and take those words from the sections that had
    them.

    A table's columns may read as columns of the page (a narrow mark column beside a short
    table, say), which puts part of the table after the next heading in reading order. Where a
    word is on the page decides which section it belongs to, not the order of reading."""
    section = next((s for s in sections if s.name == name), None)
    if section is None or not section.heading_lines:
        return list(sections)
    heading_ids = {id(w) for s in sections for line in s.heading_lines for w in line.words}
    claimed: dict[int, Word] = {}
    region_lines: list[Line] = []
    pages = sorted({section.page} | {line.page for line in section.lines})
    for page in pages:
        lines = page_lines(page)
        own = [line for line in section.lines if line.page == page]
        if not own:
            continue
        if page == section.page:
            region = _region(section.heading_lines, page, sections, lines, settings,
                             below_anchor=True, prose_words=5)
        else:
            region = _region(own, page, sections, lines, settings, below_anchor=False,
                             prose_words=5)
        x0, top, x1, bottom = region
        reach = max(line.bottom - line.top for line in own) / 2  # no lower than its own text
        top = max(top, min(line.top for line in own) - reach)
        bottom = min(bottom, max(line.bottom for line in own) + reach)
        found: dict[int, Word] = {}
        page_region: list[Line] = []
        for line in lines:
            inside = tuple(w for w in line.words
                           if x0 <= (w.x0 + w.x1) / 2 <= x1 and top <= w.middle <= bottom)
            if inside:
                page_region.append(Line(line.page, line.column, inside))
                found.update((id(w), w) for w in inside)
        if any(key in heading_ids for key in found):
            continue  # the area reaches another heading: leave this page's reading order be
        claimed.update(found)
        region_lines.extend(page_region)
    result = []
    for other in sections:
        kept = []
        for line in other.lines:
            words = tuple(w for w in line.words if id(w) not in claimed)
            if words:
                kept.append(line if len(words) == len(line.words)
                            else Line(line.page, line.column, words))
        if other is section:
            kept = sorted(region_lines + kept, key=lambda line: line.page)
        result.append(replace(other, lines=tuple(kept)))
    return result
