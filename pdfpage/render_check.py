"""A figure is what the rendered page shows: each claimed figure checked against PDFium's pixels.

The text layer is a claim. For every figure (its page, its box, the text read there), the box is
rendered with and without text (`pdfpage.ink`) and the figure is refused unless:

1. every figure character is one this edition prints (ASCII digits, the minus forms, '+', ',',
   '.', '%'): an Arabic-Indic zero drawn like a middle dot, a superscript or a fullwidth digit is
   named, never read as a digit;
2. the characters that left ink in the box, in reading order, are exactly the text read there:
   a character drawn nowhere (hidden by any means) or drawn but not read makes them differ;
3. no two drawn characters are painted over each other (a "1" overstruck on a "7");
4. all the ink text put in the box lies in the glyph boxes of the characters read, and nothing
   but text is drawn in it (a digit painted as a path or an image);
5. each character looks like itself (`pdfpage.glyph_shapes`): like every other instance of that
   character in its font on the checked pages, unlike the other characters of its font, and not
   plainly another character of the reference fonts (a ToUnicode map that lies).

The first failure is the reason, naming the figure, what the text says and what the page shows.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pypdfium2

from pdfpage.digits import describe, strange_character
from pdfpage.glyph_shapes import SHAPED, GlyphSample, shape_problem
from pdfpage.ink import PageInk, TextChar, page_ink
from pdfpage.render import DEFAULT_SCALE, Box
from pdfpage.settings import SETTINGS, PageSettings
from pdfpage.sign_glyphs import MINUS, drawn_sign
from pdfpage.words import unshifted

__all__ = ["Claim", "check_claims"]

#: The ligatures of Unicode's Alphabetic Presentation Forms ("\ufb00" "ff" ... "\ufb06" "st") as
#: their letters.
_LIGATURES = {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
#: Characters that would join a figure they touch.
_JOINING = frozenset("0123456789+-\u2212\u2013\u2014.%")


@dataclass(frozen=True)
class Claim:
    """A figure as the text layer reads it: page (1-based), box (pdfplumber points), its text,
    and how a person finds it ("'Robbery' change_count")."""

    page: int
    box: Box
    text: str
    name: str
    figure: bool = True  # a figure (digits, signs); False for a mark or a word


def _reason(claim: Claim, shows: str) -> str:
    return (f"page {claim.page}, {claim.name}: the text layer says '{claim.text}' but the "
            f"rendered page shows {shows}; not loaded")


def _reading_order(chars: Iterable[TextChar]) -> list[TextChar]:
    """Lines top to bottom, left to right. A character is on the line of the one before when
    their centres are within half the taller one's height: a ligature PDFium splits into its
    letters gives each a slice of the glyph as its box (the first "f" of "ff" on a turned page
    the upper half, a third of a digit's height), which is on the digits' line though its
    centre is not within half its own height of theirs."""
    lines: list[list[TextChar]] = []
    for char in sorted(chars, key=lambda c: (c.loose[1] + c.loose[3]) / 2):
        centre = (char.loose[1] + char.loose[3]) / 2
        if lines:
            last = lines[-1][-1]
            if abs(centre - (last.loose[1] + last.loose[3]) / 2) < max(
                    last.loose[3] - last.loose[1], char.loose[3] - char.loose[1]) / 2:
                lines[-1].append(char)
                continue
        lines.append([char])
    return [char for line in lines for char in sorted(line, key=lambda c: c.loose[0])]


def _spelled(chars: Sequence[TextChar]) -> list[str]:
    """Each character's text as the words layer spells it (`pdfpage.words`): a ligature's
    letters ("\ufb00" is "ff") and letters a re-distiller shifted into CJK code points
    ("o\u6600\u6600ences" is "offences"). Only letters change: a digit or sign is compared as
    PDFium reads it."""
    shifted = unshifted("".join(c.text for c in chars))  # one character for one
    return [_LIGATURES.get(text, text) for text in shifted]


def _stands_alone(said: str, drawn: Sequence[TextChar], spelled: Sequence[str]) -> bool:
    """Whether `said` is drawn once among other words of its box (a priority's figure inside
    its sentence), with no digit, sign or point drawn against either end to join it (a
    character a quarter of an em or more away stands apart). `spelled`: each drawn
    character's text (`_spelled`)."""
    shown = "".join(spelled)
    if not said or shown.count(said) != 1:
        return False
    offsets = [0]
    for text in spelled:
        offsets.append(offsets[-1] + len(text))
    at, end = shown.index(said), shown.index(said) + len(said)
    if at not in offsets or end not in offsets:
        return False  # it begins or ends inside a ligature's letters
    start, stop = offsets.index(at), offsets.index(end)
    first, last = drawn[start], drawn[stop - 1]
    if start and drawn[start - 1].text in _JOINING and _touch(drawn[start - 1], first):
        return False
    return not (stop < len(drawn) and drawn[stop].text in _JOINING
                and _touch(last, drawn[stop]))


def _touch(left: TextChar, right: TextChar) -> bool:
    """Whether two glyphs on a line are closer than a quarter of an em (no space between)."""
    em = max(left.loose[3] - left.loose[1], right.loose[3] - right.loose[1], 1.0)
    return right.glyph[0] - left.glyph[2] < 0.25 * em


def _signs_read(ink: PageInk, drawn: Sequence[TextChar], spelled: list[str],
                settings: PageSettings) -> tuple[list[str], str | None]:
    """`spelled` with each glyph that has no Unicode, drawn right before a digit (a figure's
    sign place), read as a minus when the page draws it as one lone bar
    (`pdfpage.sign_glyphs.drawn_sign`, as the page model reads it); else what it draws. Only a
    glyph PDFium reads as its bare code (a control character, as pdfminer's '(cid:N)') is
    judged so: one it reads as a character by its glyph's name ('one') is compared as read."""
    if ink.page is None or ink.frame is None or not any(c.unmapped for c in drawn):
        return spelled, None
    read = list(spelled)
    for index, (char, after) in enumerate(itertools.pairwise(drawn)):
        if not (char.unmapped and not char.text.isprintable() and after.text.isascii()
                and after.text.isdigit() and _touch(char, after)):
            continue
        top = min(char.loose[1], after.loose[1])
        bottom = max(char.loose[3], after.loose[3])
        drawn_as, _ = drawn_sign(ink.page, ink.frame,
                                 (char.loose[0], top, min(char.loose[2], after.glyph[0]), bottom),
                                 (after.glyph[0], top, after.glyph[2], bottom), settings)
        if drawn_as is not None:
            return read, (f"a glyph its font gives no Unicode for before '{after.text}', "
                          f"drawn as {drawn_as}")
        read[index] = MINUS
    return read, None


def _drawn(ink: PageInk, char: TextChar) -> bool:
    if char.text.isspace():
        return False
    inked, pixels = ink.ink_count(char.glyph)
    return pixels > 0 and inked >= max(2, ink.settings.drawn_share * pixels)


def _letters(*texts: str) -> bool:
    """Whether every character of `texts` is a letter (no digit, sign or figure character)."""
    joined = "".join(texts)
    return bool(joined) and all(character.isalpha() for character in joined)


def _overstruck(drawn: Sequence[TextChar], settings: PageSettings
                ) -> tuple[TextChar, TextChar] | None:
    for index, first in enumerate(drawn):  # in reading order: overlapping glyphs are close
        for second in drawn[index + 1 : index + 4]:
            if _letters(first.text, second.text):  # a ligature's letters share one glyph
                continue
            across = min(first.glyph[2], second.glyph[2]) - max(first.glyph[0], second.glyph[0])
            down = min(first.glyph[3], second.glyph[3]) - max(first.glyph[1], second.glyph[1])
            narrower = min(first.glyph[2] - first.glyph[0], second.glyph[2] - second.glyph[0])
            if down > 0 and narrower > 0 and across > settings.overstruck_share * narrower:
                return first, second
    return None


def _stamp_letters(candidates: Iterable[TextChar], chars: Sequence[TextChar], height: float,
                   settings: PageSettings) -> list[TextChar]:
    """Glyphs of a stamp reaching into a figure's box (`height` tall, holding `chars`): letters
    at twice its height, or turned from the line of its other characters, wherever their
    centres lie (a stamp's letter centred in the next row's box reaches into this one). Their
    ink is not the figure's; a digit or sign among them is not excused (it could be read with
    the figure)."""
    angles = sorted(c.angle for c in chars if c.loose[3] - c.loose[1] < 2 * height)
    angle = angles[len(angles) // 2] if angles else None
    return [c for c in candidates
            if c.text not in _JOINING and strange_character(c.text) is None
            and (c.loose[3] - c.loose[1] >= 2 * height
                 or (angle is not None and _turned(c.angle - angle) > settings.slant_radians))]


def _neighbours(ink: PageInk, reach: Box, found: Sequence[TextChar]) -> list[TextChar]:
    """Letters and symbols of the words beside a figure (or on the lines above and below it)
    whose centres lie outside its reach but whose ink reaches into it (the "n" of "in" after
    "2.5% reduction", a bullet before it, a descender): their ink is theirs. A digit, sign
    or point is not excused: drawn that close, it could be read with the figure."""
    height = ink.settings.neighbour_lines * (reach[3] - reach[1])
    wider = (reach[0] - height, reach[1] - height, reach[2] + height, reach[3] + height)
    own = set(found)
    return [c for c in [*ink.chars_in(wider), *ink.chars_beside(wider)]
            if c not in own and c.text not in _JOINING and not c.text.isdigit()
            and strange_character(c.text) is None]


def _crossing_words(ink: PageInk, box: Box) -> list[TextChar]:
    """The letters of words crossing the edge of a mark's or a word's `box` (a sentence
    running past an empty mark cell): their words are read where they stand, not as the
    cell's mark, and their ink in it is theirs. A mark is a glyph or words of its own, inside
    its cell."""
    height = box[3] - box[1]
    wider = (box[0] - height, box[1], box[2] + height, box[3])
    line = _reading_order([*ink.chars_in(wider), *ink.chars_beside(wider)])
    crossing: list[TextChar] = []
    word: list[TextChar] = []
    for char in [*line, None]:
        if char is not None and not char.text.isspace() and (
                not word or (word[-1].loose[1] < (char.loose[1] + char.loose[3]) / 2
                             < word[-1].loose[3] and _touch(word[-1], char))):
            word.append(char)
            continue
        if word and all(c.text.isalpha() for c in word) and any(
                not box[0] - 0.5 <= (c.loose[0] + c.loose[2]) / 2 <= box[2] + 0.5
                for c in word):
            crossing.extend(word)
        word = [char] if char is not None and not char.text.isspace() else []
    return crossing


def _overlap(first: Box, second: Box) -> bool:
    return (first[0] < second[2] and second[0] < first[2] and first[1] < second[3]
            and second[1] < first[3])


def _turned(angle: float) -> float:
    """How far (radians, 0 to pi) an angle is from upright, either way round."""
    return abs(math.remainder(angle, math.tau))


def _stray_ink(ink: PageInk, box: Box, drawn: Sequence[TextChar]) -> int:
    """Pixels of text ink in `box` outside every drawn glyph box (widened by two pixels: the
    glyph boxes PDFium gives can fall short of the ink by a pixel)."""
    return ink.stray_ink(box, [char.glyph for char in drawn])


def _reach(claim: Claim, settings: PageSettings) -> Box:
    """A figure's box widened on both sides by half its height: a glyph drawn just before or
    after a figure would be read with it. A mark or a word (`Claim.figure` False) is joined
    by nothing: its box is its reach (a mark cell's box is the whole cell, so half its
    height would take in the figure in the next column)."""
    box = claim.box
    if not claim.figure:
        return box
    pad = settings.figure_reach * (box[3] - box[1])
    return box[0] - pad, box[1], box[2] + pad, box[3]


def _marks(ink: PageInk, box: Box, reach: Box, settings: PageSettings) -> int:
    """Pixels of non-text marks inside `box` (a pixel in from its edge) and in the reach on
    either side of it, each judged against its own background. When there are some, those of
    graphics crossing the line (`PageInk.graphics`: a stamp's letter, a rule, a border) are
    not counted: only a mark that could be read on the figure's line is."""
    scale = ink.shown.scale
    top, bottom = box[1] + 1.5 / scale, box[3] - 1.5 / scale
    parts = [(box[0] + 1.5 / scale, top, box[2] - 1.5 / scale, bottom),
             (reach[0], top, box[0] - 1.5 / scale, bottom),
             (box[2] + 1.5 / scale, top, reach[2], bottom)]
    parts = [part for part in parts if part[2] > part[0]]
    count = sum(ink.marks(part) for part in parts)
    if count < settings.mark_pixels:
        return count
    graphics = ink.graphics(reach, settings.graphic_min_lines)
    return sum(ink.marks(part, graphics) for part in parts)


def _inner(box: Box, scale: float) -> Box:
    """`box` less a pixel all round, so a rule or cell edge on its border is not in it."""
    margin = 1.5 / scale
    return box[0] + margin, box[1] + margin, box[2] - margin, box[3] - margin


def _check_claim(claim: Claim, ink: PageInk, samples: list[GlyphSample],
                 settings: PageSettings) -> str | None:
    if claim.figure:
        strange = strange_character(claim.text)
        if strange is not None:
            return (f"page {claim.page}, {claim.name}: the figure '{claim.text}' holds "
                    f"{describe(strange)}, which is not a digit or sign this edition prints; "
                    "not loaded")
    reach = _reach(claim, settings)
    ink.focus((reach[0] - 2, reach[1] - 4, reach[2] + 2, reach[3] + 4))
    found = ink.chars_in(reach)
    stamps = _stamp_letters(dict.fromkeys([*found, *ink.reaching]), found,
                            claim.box[3] - claim.box[1], settings)
    chars = _reading_order(c for c in found if c not in stamps)
    crossing = [] if claim.figure else _crossing_words(ink, claim.box)
    chars = [c for c in chars if c not in crossing]
    if claim.figure:
        for char in chars:
            if strange_character(char.text) is not None:
                return (f"page {claim.page}, {claim.name}: its box holds {describe(char.text)}, "
                        "which is not a digit or sign this edition prints; not loaded")
    # A ligature's ActualText ("ff" for the glyph of "ﬀ" in "offences") or two letters drawn
    # as one glyph change no figure: only replacements and overstrikes that touch a digit or a
    # sign are at risk (a letter-only word is still compared with what the page shows, below).
    replaced = next((c.actual_text for c in chars
                     if c.actual_text is not None and not _letters(c.actual_text, c.text)), None)
    if replaced is not None:
        return _reason(claim, f"glyphs whose text is replaced by ActualText '{replaced}'")
    drawn = [c for c in chars if _drawn(ink, c)]
    said = "".join(_LIGATURES.get(text, text) for text in "".join(claim.text.split()))
    spelled, unsigned = _signs_read(ink, drawn, _spelled(drawn), settings)
    if unsigned is not None:
        return _reason(claim, unsigned)
    if "".join(spelled) != said and not _stands_alone(said, drawn, spelled):
        # the text layer's box can stand a few points off PDFium's glyphs (a bullet whose
        # width the font does not give moves the words after it): the figure is found among
        # the glyphs a line's height either side, drawn once and joined to nothing
        height = claim.box[3] - claim.box[1]
        wider = (reach[0] - height, reach[1], reach[2] + height, reach[3])
        near = _reading_order(c for c in [*ink.chars_in(wider), *ink.chars_beside(wider)]
                              if c not in stamps and c not in crossing)
        near_drawn = [c for c in near if _drawn(ink, c)]
        near_spelled, unsigned = _signs_read(ink, near_drawn, _spelled(near_drawn), settings)
        if unsigned is not None:
            return _reason(claim, unsigned)
        if not _stands_alone(said, near_drawn, near_spelled):
            seen = " ".join("".join(c.text if c in drawn else " " for c in chars).split())
            return _reason(claim, f"'{seen}'" if seen else "nothing there")
        drawn = [c for c in near_drawn if c in drawn or _overlap(c.glyph, reach)]
    pair = _overstruck(drawn, settings)
    if pair is not None:
        return _reason(claim, f"'{pair[0].text}' and '{pair[1].text}' drawn over each other")
    if _stray_ink(ink, _inner(reach, ink.shown.scale), [*drawn, *stamps, *crossing,
                                                          *_neighbours(ink, reach, found)]
                  ) >= settings.stray_pixels:
        return _reason(claim, "more text in its box than those characters draw")
    if claim.figure and _marks(ink, claim.box, reach, settings) >= settings.mark_pixels:
        return _reason(claim, "marks in its box that are not text (a path or picture)")
    for char in drawn:
        if char.text not in SHAPED:
            continue
        samples.append(GlyphSample(claim, char.text, char.font, char.size,
                                   ink.glyph_shape(char, drawn, stamps)))
    return None


def _check_page(page: pypdfium2.PdfPage, claims: Sequence[Claim], scale: float,
                samples: list[GlyphSample], settings: PageSettings) -> str | None:
    ink = page_ink(page, [_reach(claim, settings) for claim in claims], scale, SHAPED,
                   settings=settings)
    for claim in claims:
        reason = _check_claim(claim, ink, samples, settings)
        if reason is not None:
            return reason
    return None


def check_claims(data: bytes, claims: Sequence[Claim], scale: float = DEFAULT_SCALE,
                 settings: PageSettings = SETTINGS) -> str | None:
    """Why the rendered page does not show every claimed figure as read, or None when it does.

    Pages are taken in turn, each rendered once (twice: with and without text) over the region
    of its figures; the shapes of all drawn characters are compared at the end."""
    samples: list[GlyphSample] = []
    by_page: dict[int, list[Claim]] = {}
    for claim in claims:
        by_page.setdefault(claim.page, []).append(claim)
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        return ("its figures cannot be checked against the rendered page: PDFium cannot open "
                f"the file ({error}); re-save it from the original or find another copy; not "
                "loaded")
    try:
        for number in sorted(by_page):
            page = document[number - 1]
            try:
                reason = _check_page(page, by_page[number], scale, samples, settings)
            finally:
                page.close()
            if reason is not None:
                return reason
    finally:
        document.close()
    problem = shape_problem(samples, settings)
    if problem is None:
        return None
    sample, shows = problem
    return _reason(sample.claim, shows)
