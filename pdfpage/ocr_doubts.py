"""The engine's first reading of a page, settled where it is in doubt by a second reading.

Tesseract reads a whole page at once, and two of its slips on the leaflets are classes, not
accidents of one scan:

- **A stretch read twice.** Where a page sets two columns side by side with different leading
  (a message beside a bulleted list of priorities), the engine's line finder puts a stretch of
  the list into two of its lines, and reads it twice, differently each time ('4.7% reduction in
  knife cri' over '.7% reduction in knife crime', the glyph boxes of both askew).
- **A lone word misread.** A bold header word on a grey band, alone on its engine line, read as
  'Ee' at 0.90 (it says 'Ward'; read alone it reads 'Ward' at 0.96).

Both are read again from the page image, as a line on its own (`read_again`): the stretch read
twice over the union of its two readings, cut at the column gutter so the other column is left
alone; a word without digits or signs read under `ocr_reread_below` on its own.

A second reading never settles a figure by itself: a figure of the stretch read again stands
only where one of the two first readings at its place says the same (two readings of three
agree); otherwise its confidence is 0, and the OCR gate refuses its line. A lone word is read
again only when neither reading has a digit, a sign or a mark word ('Yes', 'Target achieved')
and it is no glyph judged by its shape, so no figure or mark is ever changed by it.

Pure: words and a reader in, words out (pixels, top-left origin).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pdfpage.settings import PageSettings

__all__ = ["LEADING_DASHES", "MARK_WORDS", "AloneReading", "Box", "OcrReading", "figures_checked",
           "overlap", "settled", "unread_read"]

Box = tuple[int, int, int, int]  # x0, top, x1, bottom (pixels)

#: A word that says a figure, a sign or a percentage (a second reading never settles it alone).
_FIGURE = re.compile(r"[0-9%+\u2212\u2013\u2014-]")

#: Words of the marks editions print beside a row ('Target achieved', 'Yes', 'No'): a field's
#: value, so never settled by a second reading alone.
MARK_WORDS = frozenset({"target", "achieved", "met", "not", "yes", "no"})


def _settles_alone(text: str, shapes: frozenset[str]) -> bool:
    """Whether a second reading may change `text` by itself: not a figure, a sign, a mark
    word, or a glyph judged by its shape (a bullet, a disc)."""
    return not (_FIGURE.search(text) or text.lower().strip(".,;:") in MARK_WORDS
                or set(text) <= shapes)


class OcrReading(Protocol):
    """What this module needs of a word the engine read."""

    text: str
    box: Box
    confidence: float
    line: int
    line_size: float  # pixels


Read = TypeVar("Read", bound=OcrReading)


def overlap(a: Box, b: Box) -> float:
    """The share of the smaller box that the two boxes share."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / smaller if smaller > 0 else 0.0


def _shared(a: Box, b: Box) -> float:
    """The area the two boxes share over the area they cover together: one ink read twice
    shares most of it, whatever the engine's boxes (a word's box stretched over two lines
    touches the next line's words, and shares little)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    both = width * height
    return both / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - both)


def _read_twice(a: Box, b: Box, settings: PageSettings) -> bool:
    """Whether two words of different engine lines are one ink read twice: their boxes share
    most of what they cover, or one is a sliver inside the other (the engine read the tops of a
    line's letters as a line of their own: 'ar', '.', '.' in boxes 5 pixels high)."""
    if _shared(a, b) >= settings.ocr_doubled_overlap:
        return True
    low, high = sorted((a, b), key=lambda box: box[3] - box[1])
    return (overlap(a, b) >= settings.ocr_sliver_inside
            and low[3] - low[1] <= settings.ocr_sliver_height * (high[3] - high[1]))


def _sliver_of_line(box: Box, band: Box, settings: PageSettings) -> bool:
    """Whether `box` is a sliver of the line whose words span `band`: inside it, at most
    `ocr_sliver_height` of its height, and at its top or bottom edge (the engine read the
    tops of a line's letters as a line of its own, '——-' over 'reduction in', a box wider
    than any one word under it). A sign in the middle of a line is no sliver of it."""
    height, line_height = box[3] - box[1], band[3] - band[1]
    return (overlap(box, band) >= settings.ocr_sliver_inside
            and height <= settings.ocr_sliver_height * line_height
            and min(abs(box[1] - band[1]), abs(band[3] - box[3])) <= height)


def _segments(words: Sequence[OcrReading], settings: PageSettings) -> list[int]:
    """Each word's segment: its engine line, cut where a gap is wider than a column gutter."""
    segment = [0] * len(words)
    lines: dict[int, list[int]] = {}
    for index, word in enumerate(words):
        lines.setdefault(word.line, []).append(index)
    number = 0
    for members in lines.values():
        members.sort(key=lambda i: words[i].box[0])
        right = None
        for index in members:
            word = words[index]
            if right is not None and word.box[0] - right > (
                    settings.ocr_column_gap_em * max(word.line_size, 1.0)):
                number += 1
            segment[index] = number
            right = word.box[2] if right is None else max(right, word.box[2])
        number += 1
    return segment


def _doubled(words: Sequence[OcrReading], settings: PageSettings) -> list[list[int]]:
    """The stretches read twice: groups of word indices, each the segments of two (or more)
    engine lines whose words share their ink."""
    segment = _segments(words, settings)
    parent = list(range(max(segment, default=-1) + 1))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    ordered = sorted(range(len(words)), key=lambda i: words[i].box[1])
    joined = set()
    for position, i in enumerate(ordered):
        for j in ordered[position + 1:]:
            if words[j].box[1] >= words[i].box[3]:
                break
            if segment[i] != segment[j] and _read_twice(words[i].box, words[j].box, settings):
                parent[root(segment[i])] = root(segment[j])
                joined |= {segment[i], segment[j]}
    bands: dict[int, Box] = {}
    for index, word in enumerate(words):
        bands[segment[index]] = _union([bands.get(segment[index], word.box), word.box])
    for index, word in enumerate(words):
        for number, band in bands.items():
            if number != segment[index] and _sliver_of_line(word.box, band, settings):
                parent[root(segment[index])] = root(number)
                joined |= {segment[index], number}
    groups: dict[int, list[int]] = {}
    for index in range(len(words)):
        if segment[index] in joined:
            groups.setdefault(root(segment[index]), []).append(index)
    return list(groups.values())


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _agreed(again: list[Read], first: Sequence[Read], settings: PageSettings) -> list[Read]:
    """The second reading of a stretch, a figure in it kept sure only where a first reading at
    its place says the same."""
    for word in again:
        if not _FIGURE.search(word.text):
            continue
        there = [w.text for w in first if _FIGURE.search(w.text)
                 and overlap(w.box, word.box) >= settings.ocr_doubled_overlap]
        if word.text not in there:
            word.confidence = 0.0
    return again


def _once(first: Sequence[Read], settings: PageSettings) -> list[Read]:
    """A stretch read twice that could not be read again: the same word at one place kept once,
    different words there given confidence 0 (the gate refuses a figure's line holding one)."""
    kept = list(first)
    for position, a in enumerate(first):
        for b in first[position + 1:]:
            if a not in kept or b not in kept or overlap(a.box, b.box) < (
                    settings.ocr_doubled_overlap):
                continue
            if a.text == b.text:
                kept.remove(b if b.confidence <= a.confidence else a)
            else:
                a.confidence = b.confidence = 0.0
    return kept


def _one_line(box: Box, size: float, settings: PageSettings) -> bool:
    """Whether `box` is no taller than one line of type of `size` (a box over two lines is
    not read again as one)."""
    return box[3] - box[1] <= settings.ocr_line_height_em * size


def _margin(box: Box, size: float, settings: PageSettings) -> Box:
    pad = round(settings.ocr_reread_margin_em * size)
    return (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)


#: Dashes and rules as the engine spells them.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212_")


def _tall_dashes(word: OcrReading, settings: PageSettings) -> bool:
    """Whether `word` is read as dashes only in a box as tall as letters: no dash is (a bold
    'Ward' on a speckled band was read '——' at 0.85); it is read again, and only a reading
    without figures or signs replaces it."""
    return (bool(word.text) and set(word.text) <= _DASHES
            and word.box[3] - word.box[1] > settings.ocr_dash_height_em * word.line_size)


def settled(words: Sequence[Read], read_again: Callable[[Box], list[Read]],
            shapes: frozenset[str], settings: PageSettings) -> list[Read]:
    """`words` with each stretch read twice and each unsure word without figures read again
    (see the module docstring). `read_again(box)` reads the page image inside `box` as one
    line and gives its words with boxes on the page; [] when it reads nothing. A word made of
    `shapes` only is judged later by its shape (a bullet, a disc), never read again."""
    result = list(words)
    for first in [[result[i] for i in group] for group in _doubled(result, settings)]:
        size = max(w.line_size for w in first)
        band = _union([w.box for w in first])
        again = read_again(_margin(band, size, settings)) if _one_line(band, size, settings) \
            else []
        replacement = _agreed(again, first, settings) if again else _once(first, settings)
        for word in first:
            result.remove(word)
        result += replacement
    final: list[Read] = []
    for word in result:
        tall = _tall_dashes(word, settings)
        unsure = (word.confidence < settings.ocr_reread_below and len(word.text) >= 2
                  and _settles_alone(word.text, shapes))
        if not (tall or unsure) or not _one_line(word.box, word.line_size, settings):
            final.append(word)
            continue
        again = read_again(_margin(word.box, word.line_size, settings))
        better = (bool(again) and all(_settles_alone(w.text, shapes) for w in again)
                  and (tall or min(w.confidence for w in again) > word.confidence))
        final += again if better else [word]
    return sorted(final, key=lambda w: (w.line, w.box[0]))


#: A figure of one digit ('8' offences more): a word read from unread ink though one character.
_DIGITS = frozenset("0123456789")


def _glyphs_joined(blobs: Sequence[Box], size: float, settings: PageSettings) -> list[Box]:
    """The blobs with those of one line that stand at most `ocr_unread_join_em` of `size`
    apart (a glyph's gap, not a word space) joined: a word the page's reading left out falls
    into a blob a glyph ('+42' of the generated 2007/08 Hackney leaflet, three blobs, was read
    '4:' and '2', and its '+', too low for a word, stayed unread)."""
    joined: list[tuple[int, Box]] = []  # (where its first blob stood in `blobs`, box)
    for first, box in sorted(enumerate(blobs), key=lambda item: item[1]):
        for index, (at, other) in enumerate(joined):
            shared = min(box[3], other[3]) - max(box[1], other[1])
            if (shared >= 0.5 * min(box[3] - box[1], other[3] - other[1])
                    and -1 <= box[0] - other[2] <= settings.ocr_unread_join_em * size):
                joined[index] = (min(at, first), _union([other, box]))
                break
        else:
            joined.append((first, box))
    return [box for _at, box in sorted(joined)]


def unread_read(blobs: Sequence[Box], size: float, read_again: Callable[[Box], list[Read]],
                settings: PageSettings) -> list[Read]:
    """Words read from ink the page's reading left out: the engine's page layout drops a short
    word now and then (on a page straightened from a 0.6-degree skew, a table's column of
    'Yes' went unread, its ink all there). Each blob (pixels) of about a word's height for type
    of `size` (`ocr_unread_least_em` to `ocr_unread_most_em`) is read as a line on its own;
    its words are kept only when every one is read at `ocr_unread_min_confidence` or more and
    is a word of two characters or more with a letter or digit, or one digit (a table's lone
    '8' went unread on the generated 2007/08 Hackney leaflet, clean at 300 dpi; a photocopy's
    specks were read '.' and '()' at 0.9 and joined a row's label), else the ink stays unread
    (and refuses a figure beside it, as before). A digit kept is read alone again with every
    figure (`figures_checked`). Pages with more such blobs than `ocr_unread_max` (specks of
    noise) are left as they are."""
    def wordlike(boxes: Sequence[Box]) -> list[Box]:
        return [box for box in boxes if settings.ocr_unread_least_em * size <= box[3] - box[1]
                <= settings.ocr_unread_most_em * size]

    if len(wordlike(blobs)) > settings.ocr_unread_max:
        return []
    found: list[Read] = []
    for box in wordlike(_glyphs_joined(blobs, size, settings)):
        again = read_again(_margin(box, size, settings))
        if again and all(w.confidence >= settings.ocr_unread_min_confidence
                         and ((len(w.text) >= 2 and any(c.isalnum() for c in w.text))
                              or w.text in _DIGITS)
                         for w in again):
            if len(again) == 1:  # the engine's box of a lone glyph can be narrower than its
                again[0].box = _union([again[0].box, box])  # ink ('8': 9 pixels of 17)
            found += again
    return found


#: A run of dashes before a figure, at the start of a word or after its opening bracket: one
#: minus sign, however the engine spelt it (the 2008/09 edition prints a fall's percentage in
#: brackets, '(\u22126.6%)', which the engine read '(-\u20146.6%)').
LEADING_DASHES = re.compile(r"(?:^|(?<=^\())[\u2010-\u2015\u2212-]+(?=\d)")


#: A comma with one or two digits after it (then no digit): no thousands separator (those take
#: three), so only a decimal point can be meant; read alone, the engine gave '+4,9%' for the
#: '+4.9%' it read in its line, the same value.
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")


def _signed(text: str) -> str:
    return LEADING_DASHES.sub("-", text)


def _second_reading(text: str) -> str:
    """The reading of a figure alone, in the form of the first: one minus however spelt, a
    decimal comma as a point. Only the second reading is so read: a first reading with a comma
    is what would be loaded, and stays doubted unless read alike. Nothing that could be another
    value is made equal ('1,500' stays apart from '1.500')."""
    return _DECIMAL_COMMA.sub(".", _signed("".join(text.split())))


@dataclass(frozen=True)
class AloneReading:
    """A figure's box read by itself: its text, the confidence of its least sure glyph (0-1),
    and the box on the page (pixels) of the dashes it begins with, None when it begins with
    none."""

    text: str
    confidence: float = 0.0
    sign: Box | None = None


#: Where the page's ink holds a minus sign before a figure: given the figure's word and the box
#: where its reading alone read a dash, the box of the sign's ink, or None (`pdfpage.ocr_sign`).
SignInk = Callable[[Read, Box], Box | None]


def _borrowed_sign(word: Read, alone: AloneReading, minus_at: SignInk[Read] | None,
                   settings: PageSettings) -> Box | None:
    """The box of a minus the line reading left out of `word`, when the reading alone differs
    from it by that sign only (every digit, point and percent alike), read at
    `ocr_sign_min_confidence` or more, and the page's ink there is a minus (`minus_at`)."""
    if (minus_at is None or alone.sign is None or not word.text[:1].isdigit()
            or alone.confidence < settings.ocr_sign_min_confidence
            or _second_reading(alone.text) != "-" + word.text):
        return None
    return minus_at(word, alone.sign)


def figures_checked(words: Sequence[Read],
                    read_alone: Callable[[list[Box]], list[AloneReading]],
                    settings: PageSettings, minus_at: SignInk[Read] | None = None
                    ) -> list[Read]:
    """`words`, each figure read a second time on its own, out of its line's context, and given
    confidence 0 where the two readings differ: the engine read '-7.8%' as '-1.8%' at 0.92 in a
    JPEG of quality 30, and '-7.8%' when it read that box alone. `read_alone(boxes)` reads each
    box by itself ('' where it read nothing).

    One difference is settled: a minus sign the line reading left out (`pdfpage.ocr_sign`),
    where the reading alone is sure of it and `minus_at(word, dash box)` finds its ink (None:
    never). The figure then takes the sign, its box the sign's ink, and the lower of the two
    readings' confidences."""
    figures = [w for w in words if any(c.isdigit() for c in w.text)]
    if not figures:
        return list(words)
    boxes = [_margin(w.box, w.line_size, settings) for w in figures]
    for word, alone in zip(figures, read_alone(boxes), strict=True):
        if _second_reading(alone.text) == _signed(word.text):
            continue
        sign = _borrowed_sign(word, alone, minus_at, settings)
        if sign is None:
            word.confidence = 0.0
            continue
        word.text = "\u2212" + word.text
        word.box = _union([word.box, sign])
        word.confidence = min(word.confidence, alone.confidence)
    return list(words)
