"""Words to lines in reading order, for pages set in any number of columns.

pdfplumber gives words with positions; the order a producer drew them in says nothing (a table
may be drawn column by column, a page word by word). This module groups words into lines on the
same baseline, finds the page's column gutters from the words themselves (vertical strips that
almost no text crosses, with text on both sides), and returns lines in reading order: the page
is cut into zones at lines that span a gutter (a title band, a full-width table row), and each
zone is read column by column, top to bottom. Nothing here knows about any template, and
nothing assumes the page has two columns or that its gutter is in the middle.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from extractors.errors import NeedsOcr, UnreadableDocument
from pdfpage.content import PageContent, Shape, hidden_text_problem, picture_page, read_page
from pdfpage.lines import baselines as _baselines
from pdfpage.lines import pieces as _pieces
from pdfpage.roles import PageFrame, Role, RoledWord, crossing_words, furniture
from pdfpage.settings import SETTINGS, PageSettings
from pdfpage.sign_glyphs import SignGlyph, SignGlyphs
from pdfpage.words import (
    Word,
    body_weight,
    overlay_words,
    split_overlay,
    without_overprint,
    words_of_chars,
)

__all__ = ["ImagePage", "ImageReader", "Leaflet", "Line", "Word", "find_gutters",
           "page_gutters", "page_lines", "words_of_chars"]


@dataclass(frozen=True)
class Line:
    """Words on one baseline within one column of one page (`column` names zone and column)."""

    page: int
    column: str
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
    def x0(self) -> float:
        return min(word.x0 for word in self.words)

    @property
    def x1(self) -> float:
        return max(word.x1 for word in self.words)

    @property
    def size(self) -> float:
        return max(word.size for word in self.words)

    @property
    def bold(self) -> bool:
        return all(word.bold for word in self.words)


@dataclass(frozen=True)
class Gutter:
    """A vertical strip between columns, the pieces on each side, and the pieces crossing it."""

    x0: float
    x1: float
    left: int
    right: int
    crossing: tuple[int, ...]  # indexes of the pieces that span it (see gutter_span_margin)
    touching: tuple[int, ...] = ()  # ... and of those that only reach into it


def find_gutters(pieces: Sequence[Sequence[Word]], max_crossing: float, settings: PageSettings
                 ) -> list[Gutter]:
    """Candidate column gutters: strips at least `gutter_min_width` wide that fewer than
    `max_crossing` (a share) of the pieces cross, with `gutter_min_side_pieces` entirely on each
    side. A full-width band (a title, a wide table row) may cross a gutter; a table's cell gap
    inside a column is crossed by that column's prose, so it is not taken for a gutter.
    """
    if len(pieces) < 2 * settings.gutter_min_side_pieces:
        return []
    left = min(piece[0].x0 for piece in pieces)
    right = max(piece[-1].x1 for piece in pieces)
    width = int(right - left) + 2
    change = [0] * (width + 1)
    for piece in pieces:
        start, stop = int(piece[0].x0 - left) + 1, int(piece[-1].x1 - left)
        if stop > start:
            change[start] += 1
            change[stop] -= 1
    crossing = list(itertools.accumulate(change))
    allowed = max(1, int(max_crossing * len(pieces)))
    gutters: list[Gutter] = []
    for level in range(allowed):  # the strips nothing crosses first, then one piece, ...
        x = 0
        for low, group in itertools.groupby(crossing[:width], key=lambda c: c <= level):
            start, x = x, x + len(list(group))
            if not low or start == 0 or x >= width:
                continue  # text, or the margin outside all text
            a, b = left + start, left + x
            if b - a < settings.gutter_min_width or any(
                    g.x0 < b and a < g.x1 for g in gutters):
                continue
            on_left = sum(1 for piece in pieces if piece[-1].x1 <= a + 1.5)
            on_right = sum(1 for piece in pieces if piece[0].x0 >= b - 1.5)
            if min(on_left, on_right) >= settings.gutter_min_side_pieces:
                margin = settings.gutter_span_margin  # a URL that overflows is no band
                across = tuple(i for i, piece in enumerate(pieces)
                               if piece[0].x0 < a - margin and piece[-1].x1 > b + margin)
                touching = tuple(i for i, piece in enumerate(pieces) if i not in across
                                 and piece[0].x0 < a + 1 and piece[-1].x1 > b - 1)
                gutters.append(Gutter(a, b, on_left, on_right, across, touching))
    return gutters


def _leaf(pieces: Sequence[list[Word]], page: int, column: str, settings: PageSettings
          ) -> list[Line]:
    return [Line(page, column, tuple(group))
            for group in _baselines((word for piece in pieces for word in piece), settings)]


def _ordered(pieces: list[list[Word]], page: int, column: str, settings: PageSettings,
             depth: int = 0) -> list[Line]:
    """Lines in reading order by recursive cuts: at the best gutter, split the pieces into the
    columns left and right of it. Where pieces cross the best gutter (a title band, a full-width
    table), first cut the page into strips above, across and below them, and read each strip on
    its own. Inside a strip or column a gutter may be crossed by fewer pieces than on the whole
    page (a table's cell gaps are crossed by the prose around it). A column id is the path of
    cuts."""
    share = settings.gutter_max_crossing if depth == 0 else settings.gutter_max_crossing_inside
    gutters = find_gutters(pieces, share, settings) if depth < 12 else []
    if not gutters:
        return _leaf(pieces, page, column, settings)
    best = min(gutters, key=lambda g: (len(g.crossing), -min(g.left, g.right)))
    blocking_pieces = best.crossing
    if not best.crossing:
        spanned = _spanned_first(pieces, best, [g for g in gutters if g.crossing])
        blocking_pieces = spanned if spanned is not None else ()
    if not blocking_pieces:
        cut = _balanced_break(pieces, best)
        if cut is not None:
            above = [p for p in pieces if max(w.bottom for w in p) <= cut]
            below = [p for p in pieces if max(w.bottom for w in p) > cut]
            return (_ordered(above, page, f"{column}.0", settings, depth + 1)
                    + _ordered(below, page, f"{column}.1", settings, depth + 1))
    if not blocking_pieces:
        middle = (best.x0 + best.x1) / 2
        left = [p for p in pieces if (p[0].x0 + p[-1].x1) / 2 < middle]
        right = [p for p in pieces if (p[0].x0 + p[-1].x1) / 2 >= middle]
        return (_ordered(left, page, f"{column}.0", settings, depth + 1)
                + _ordered(right, page, f"{column}.1", settings, depth + 1))
    blocking = {id(pieces[i]) for i in blocking_pieces}
    rows: list[list[list[Word]]] = []
    for piece in sorted(pieces, key=lambda p: (max(w.bottom for w in p), p[0].x0)):
        bottom = max(w.bottom for w in piece)
        if rows and bottom - max(w.bottom for w in rows[-1][-1]) <= settings.baseline_tolerance:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    strips: list[tuple[bool, list[list[Word]]]] = []
    for row in rows:
        blocked = any(id(piece) in blocking for piece in row)
        if strips and strips[-1][0] == blocked:
            strips[-1][1].extend(row)
        else:
            strips.append((blocked, list(row)))
    if len(strips) == 1:
        return _leaf(pieces, page, column, settings)
    for (blocked, above), (blocked_next, below) in itertools.pairwise(strips):
        if not blocked and blocked_next:
            _move_headings_down(above, below)
    strips = [strip for strip in strips if strip[1]]
    return [line for number, (_, strip) in enumerate(strips)
            for line in _ordered(strip, page, f"{column}.{number}", settings, depth + 1)]


def _spanned_first(pieces: Sequence[list[Word]], pure: Gutter, blocked: Sequence[Gutter]
                   ) -> tuple[int, ...] | None:
    """Pieces to cut the page at before the clear gutter, as a column-spanning element demands.

    A heading or table that spans the columns on one side of a clear gutter (or only just
    reaches into it: a table a little wider than its column), with all the text on the gutter's
    other side above it, ends the columns above it (CSS `column-span`): the text beside and
    above it is read first, column by column, then it, then what is below. A long word that
    overflows into the gutter halfway down a column is no such element: the text of the other
    column goes on below it."""
    middle = (pure.x0 + pure.x1) / 2
    region_top = min(min(w.top for w in piece) for piece in pieces)
    candidates = [(g.crossing, g.x1 <= pure.x0) for g in sorted(blocked, key=lambda g:
                                                                 len(g.crossing))]
    touching = [i for i in pure.touching if len(pieces[i]) >= 2]  # not a long URL
    if len(touching) >= 2 or any(all(w.bold for w in pieces[i]) for i in touching):
        centres = [(pieces[i][0].x0 + pieces[i][-1].x1) / 2 for i in touching]
        candidates.append((tuple(touching), sum(centres) / len(centres) < middle))
    for spanning, left_side in candidates:
        tops = sorted(min(w.top for w in pieces[i]) for i in spanning)
        cut = next((y for y in tops if y > region_top + 1.0), None)
        if cut is None:
            continue
        other = [piece for piece in pieces
                 if (piece[0].x0 >= pure.x1 - 1.5 if left_side else piece[-1].x1 <= pure.x0 + 1.5)]
        if other and all(max(w.bottom for w in piece) <= cut + 1.0 for piece in other):
            return spanning
    return None


def _balanced_break(pieces: Sequence[list[Word]], gutter: Gutter) -> float | None:
    """Where balanced columns end above a heading that starts a block below them, if they do.

    A multi-column page balances the columns above a column-spanning block: the text runs on
    from the foot of one column to the top of the next (which so begins mid-paragraph), both end
    at about the same height, and the block (a heading and its table) follows; when the block
    is narrower than the page it stands in one column only. Read column by column, the second
    column's text would come after everything below the block; so when the text above the
    heading stops mid-sentence and the other column takes it up, the page is cut above the
    heading first."""
    middle = (gutter.x0 + gutter.x1) / 2
    sides = ([p for p in pieces if (p[0].x0 + p[-1].x1) / 2 < middle],
             [p for p in pieces if (p[0].x0 + p[-1].x1) / 2 >= middle])
    if not all(sides):
        return None
    bottoms = [max(max(w.bottom for w in p) for p in side) for side in sides]
    short, long = (0, 1) if bottoms[0] < bottoms[1] else (1, 0)
    first = min(sides[short], key=lambda p: min(w.top for w in p))
    if all(w.bold for w in first):
        return None  # the short column begins a section of its own: ordinary flow
    heights = sorted(w.bottom - w.top for p in pieces for w in p)
    line = heights[len(heights) // 2]
    ordered = sorted(sides[long], key=lambda p: min(w.top for w in p))
    for before, piece in itertools.pairwise(ordered):
        top, end = min(w.top for w in piece), max(w.bottom for w in before)
        if (top > bottoms[short] and all(w.bold for w in piece)
                and abs(end - bottoms[short]) <= 2 * line and top - end > 0.8 * line
                and not before[-1].text.endswith((".", "!", "?", ":"))):
            return (end + top) / 2  # the paragraph above goes on at the next column's top
        if top > bottoms[short] + 3 * line:
            return None
    return None


def _move_headings_down(above: list[list[Word]], below: list[list[Word]]) -> None:
    """A heading just above a full-width block (a table wider than its column) introduces the
    block: it goes into the block's strip, not into the columns above it."""
    while True:
        top = min(min(w.top for w in piece) for piece in below)
        heading = [piece for piece in above if all(w.bold for w in piece)
                   and 0 <= top - max(w.bottom for w in piece) <= 1.6 * piece[0].size]
        if not heading:
            return
        for piece in heading:
            above.remove(piece)
            below.append(piece)


def page_gutters(lines: Sequence[Line], settings: PageSettings, min_side: int = 10
                 ) -> list[tuple[float, float]]:
    """The page's column gutters with at least `min_side` pieces of text on each side: the
    gaps between the columns of the page, not between a table's cells."""
    pieces = [piece
              for baseline in _baselines((w for line in lines for w in line.words), settings)
              for piece in _pieces(baseline, settings.piece_gap_em, settings)]
    return [(g.x0, g.x1) for g in find_gutters(pieces, settings.gutter_max_crossing, settings)
            if min(g.left, g.right) >= min_side]


def page_lines(words: Sequence[Word], page_number: int, settings: PageSettings) -> list[Line]:
    """The lines of one page in reading order (see `_ordered`)."""
    if not words:
        return []
    pieces = [piece for baseline in _baselines(words, settings)
              for piece in _pieces(baseline, settings.piece_gap_em, settings)]
    return _ordered(pieces, page_number, "c", settings)


@dataclass(frozen=True)
class ImagePage:
    """A page read from its image (OCR) instead of its text layer: the words the image shows,
    and the ink no word explains as shapes (a drawn tick, a mark the engine could not read), so
    the edition readers judge them as they judge a text layer's words and drawn paths."""

    words: tuple[Word, ...]
    shapes: tuple[Shape, ...] = ()


class ImageReader(Protocol):
    """Reads a page that is a picture (a scan, or a scan under an OCR layer) from its pixels:
    given the pdfplumber page, its number and what its content holds (`read_page`). Raises
    `UnreadableDocument` when the page cannot be read well enough."""

    def __call__(self, page: Any, number: int, content: PageContent) -> ImagePage: ...


def _pdf_bytes(pdf: Any) -> Callable[[], bytes]:
    """What gives the bytes of a pdfplumber PDF, as opened (for PDFium, which renders what a
    glyph with no Unicode draws): its stream read whole, its position kept for pdfminer."""
    def read() -> bytes:
        stream = pdf.stream
        if isinstance(stream, io.BytesIO):
            return stream.getvalue()
        position = stream.tell()
        try:
            stream.seek(0)
            return bytes(stream.read())
        finally:
            stream.seek(position)
    return read


class Leaflet:
    """An open PDF with each page's visible words, lines, shapes and roles, read once.

    Text a reader cannot see (invisible render modes, white on white, clipped or covered) never
    becomes a word; where it could alter what the page shows, or the page's text is an
    invisible layer over images, the document is refused. Page furniture (running headers and
    footers, page numbers, a browser's margins) and stamps (slanted, see-through or drawn across
    other text) are given their role (`pdfpage.roles`) and kept out of the lines the editions
    read, since finding furniture needs every page, the pages are read together the first time
    any is asked for, releasing pdfplumber's per-page caches as they go.

    A page that is a picture (`picture_page`: a scan, with or without an OCR layer) is read by
    `image_reader` from its pixels, when one is given (its words then go through the same
    roles and lines); without one it refuses the document (`NeedsOcr`).
    """

    def __init__(self, pdf: Any, settings: PageSettings = SETTINGS,
                 image_reader: ImageReader | None = None) -> None:
        self.pdf = pdf
        self.settings = settings
        self.image_reader = image_reader
        self._lines: dict[int, list[Line]] = {}
        self._shapes: dict[int, list[Shape]] = {}
        self._has_chars: dict[int, bool] = {}
        self._roles: dict[int, list[RoledWord]] = {}
        self._signs: SignGlyphs | None = None
        self._sign_glyphs: list[SignGlyph] = []

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages)

    def _read_page(self, number: int) -> PageFrame:
        page = self.pdf.pages[number - 1]
        content: PageContent = read_page(page)
        picture = picture_page(content)
        if picture is not None:
            return self._read_picture(page, number, content, picture)
        problem = hidden_text_problem(content, number)
        if problem is not None:
            raise UnreadableDocument(problem, page=number)
        chars = content.chars if self._signs is None else self._signs.read_page(number,
                                                                                content.chars)
        level, slanted = split_overlay(without_overprint(chars, self.settings), self.settings)
        words = words_of_chars(level, self.settings, body_weight(level))
        roles = [RoledWord(word, number, Role.stamp, "set on a slant or see-through")
                 for word in overlay_words(slanted, self.settings)]
        crossing = crossing_words(words, number)
        roles += crossing.values()
        roles += [RoledWord(Word(run.text, run.x0, run.x1, run.top, run.bottom, 0.0, False),
                            number, Role.hidden, run.why) for run in content.hidden]
        self._roles[number] = roles
        self._has_chars[number] = bool(content.chars)
        self._shapes[number] = list(content.shapes)
        page.flush_cache()
        return PageFrame(number, float(page.height),
                         [word for word in words if id(word) not in crossing])

    def _read_picture(self, page: Any, number: int, content: PageContent,
                      picture: str) -> PageFrame:
        """A page that is a picture, read by the image reader (OCR); its text layer, if any,
        is an OCR layer (kept as hidden text: the reader compares it with what it reads)."""
        if self.image_reader is None:
            raise NeedsOcr(picture, page=number, layer=bool(content.hidden))
        image = self.image_reader(page, number, content)
        self._roles[number] = [
            RoledWord(Word(run.text, run.x0, run.x1, run.top, run.bottom, 0.0, False), number,
                      Role.hidden, run.why) for run in content.hidden]
        self._has_chars[number] = bool(image.words)
        self._shapes[number] = list(image.shapes)
        page.flush_cache()
        return PageFrame(number, float(page.height), list(image.words))

    def _read(self, number: int) -> None:
        with SignGlyphs.of(_pdf_bytes(self.pdf), self.settings) as signs:
            self._signs = signs
            try:
                frames = [self._read_page(n) for n in range(1, self.page_count + 1)]
            finally:
                self._signs = None
        contradicted = signs.contradicted()
        if contradicted is not None:
            raise UnreadableDocument(
                f"a glyph with no Unicode before figures, {contradicted.describe()}, is drawn "
                "as a minus at some places and otherwise at others: its figures' signs cannot "
                "be read; not loaded", page=contradicted.places[-1][0])
        self._sign_glyphs = signs.unread()
        frame_roles = furniture(frames, self.settings)
        for frame in frames:
            self._roles[frame.number] += [frame_roles[id(w)] for w in frame.words
                                          if id(w) in frame_roles]
            self._lines[frame.number] = page_lines(
                [w for w in frame.words if id(w) not in frame_roles], frame.number,
                self.settings)

    def unread_signs(self) -> list[SignGlyph]:
        """The glyphs with no Unicode standing before figures that the page does not draw as
        a minus (`pdfpage.sign_glyphs`), with what it draws: their figures are not read."""
        if not self._lines:
            self._read(1)
        return list(self._sign_glyphs)

    def page(self, number: int) -> list[Line]:
        """The lines of 1-based page `number` in reading order."""
        if number not in self._lines:
            self._read(number)
        return self._lines[number]

    def shapes(self, number: int) -> list[Shape]:
        """The painted paths (rectangles, curves, lines) of 1-based page `number`."""
        if number not in self._shapes:
            self._read(number)
        return self._shapes[number]

    def roles(self, number: int) -> list[RoledWord]:
        """The words of page `number` the page model gave a role and kept out of its lines:
        furniture, stamps, hidden text."""
        if number not in self._lines:
            self._read(number)
        return self._roles[number]

    def has_text(self, pages: int = 3) -> bool:
        """Whether any of the first `pages` pages carries visible characters (a scan has none)."""
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
