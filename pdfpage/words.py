"""Words with their boxes and how they are set: size, weight, colour, stroke, slant.

pdfplumber groups visible characters into words by position, never by drawing order. What a
word looks like is kept with it, because designers set headings apart in many ways: a heavier
face (Bold, but also Heavy, Black, Semibold, Demi, Medium), a larger size, a colour, or glyphs
both filled and stroked (render mode 2, a 'faux bold'). A font name is one weak hint among these
(`weight_of`: a subset prefix such as 'ABCDEF+' says nothing); whether a weight is emphasis
depends on the weight of the page's body text (`pdfpage.style`).

Text drawn on a slant (a stamp across the page) and see-through text are not words of the page's
lines: `split_overlay` sets their characters apart, and `overlay_words` joins them into the
words of the stamp, for the roles (`pdfpage.roles`) and for `lps debug`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pdfplumber.utils.text import extract_words

from pdfpage.settings import PageSettings

__all__ = ["Word", "overlay_words", "split_overlay", "unshifted", "unshifted_letter", "weight_of",
           "words_of_chars"]

Char = dict[str, Any]

#: Weight names in font names, heaviest first, with their CSS weight. 'Book', 'Regular',
#: 'Roman' and no name at all are 400.
_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("extrablack", 950), ("ultrablack", 950), ("black", 900), ("heavy", 900),
    ("extrabold", 800), ("ultrabold", 800), ("semibold", 600), ("demibold", 600),
    ("bold", 700), ("demi", 600), ("medium", 500), ("light", 300), ("thin", 100),
)
_SUBSET = re.compile(r"^[A-Z]{6}\+")


def weight_of(fontname: str) -> int:
    """The weight a font's name says (400 when it says none): 'ABCDEF+Lato-Heavy' is 900,
    'Helvetica-Bold' 700, 'URWGothic-Demi' 600, 'DejaVuSans' 400."""
    name = _SUBSET.sub("", fontname).lower().replace(" ", "").replace("_", "")
    for word, weight in _WEIGHTS:
        if word in name:
            return weight
    return 400


@dataclass(frozen=True)
class Word:
    """One word as pdfplumber found it, and how it is set.

    `bold` says the word is set heavier than the page's body text (by its face's weight, or
    stroked as well as filled); `font`, `colour` and `weight` are kept for the roles."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    font: str = ""
    colour: tuple[float, ...] | None = None
    weight: int = 400
    stroked: bool = False
    #: How the word was read: 'text layer', 'ocr' (from the page image) or 'ocr checked
    #: against layer' (and the layer said the same); for OCR, the engine's confidence (0-1).
    read_by: str = "text layer"
    confidence: float | None = None
    #: Why OCR's text of the word is in doubt ('' when it is not): the form of an apostrophe
    #: its ink does not show (`pdfpage.ocr_apostrophe`), or a confidence under the gate's
    #: (`pipeline.ocr`).
    doubt: str = ""
    #: For a short word OCR read that may be a tick or a cross read as a letter, the shape of
    #: its ink (`pdfpage.ocr_marks`), to be judged against the key's; b'' otherwise.
    ink: bytes = b""

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2


#: A ligature's letters as some re-distillers map them: each letter's code in the high byte
#: of a CJK code point ('ff' as U+6600 U+6600, 'ti' as U+7400 U+6900).
_SHIFTED_LETTER = re.compile("[\u4100-\u5a00\u6100-\u7a00]")


def unshifted_letter(char: str) -> str:
    """A ligature's letter a re-distiller shifted into a CJK code point, as that letter ('昀'
    is 'f', '琀' is 't'); any other character as it is. The text layer PDFium reads carries the
    same shifted letters: a check of what a word says against what PDFium reads maps both."""
    if not _SHIFTED_LETTER.fullmatch(char):
        return char
    code = ord(char)
    return chr(code >> 8) if code & 0xFF == 0 and chr(code >> 8).isalpha() else char


def unshifted(text: str) -> str:
    """A Latin word with ligature letters mapped into CJK code points read as its letters
    ('o昀昀ences' is 'offences'); any other word as it is."""
    if not _SHIFTED_LETTER.search(text) or not re.search("[A-Za-z]", text):
        return text
    return _SHIFTED_LETTER.sub(lambda match: unshifted_letter(match.group(0)), text)


def without_overprint(chars: list[Char], settings: PageSettings) -> list[Char]:
    """The characters with those drawn twice at almost the same place left out once: a
    producer that fakes bold by printing each glyph twice, a little offset (wkhtmltopdf),
    would otherwise read 'LLooccaall'."""
    tolerance = settings.overprint_tolerance
    cell = 2 * tolerance  # a twin within the tolerance is in this cell or the nearer neighbour
    seen: dict[tuple[object, ...], list[Char]] = {}
    kept: list[Char] = []
    for char in chars:
        x0, top = char["x0"], char["top"]
        column, row = int(x0 // cell), int(top // cell)
        across = column + (1 if x0 - column * cell > tolerance else -1)
        down = row + (1 if top - row * cell > tolerance else -1)
        key = (char["text"], char.get("fontname"), int(char["size"]))
        twice = False
        if not char["text"].isspace():
            for bucket in ((column, row), (across, row), (column, down), (across, down)):
                for other in seen.get((*key, *bucket), ()):
                    if abs(other["x0"] - x0) <= tolerance and abs(other["top"] - top) <= tolerance:
                        twice = True
                        break
                if twice:
                    break
        if not twice:
            kept.append(char)
            seen.setdefault((*key, column, row), []).append(char)
    return kept


def split_overlay(chars: Sequence[Char], settings: PageSettings
                  ) -> tuple[list[Char], list[Char]]:
    """(the page's upright, opaque characters; those of a stamp or overlay): characters on a
    slant of more than `stamp_min_angle` degrees, or painted with a fill opacity under
    `see_through_alpha`, are not part of the page's lines."""
    page: list[Char] = []
    overlay: list[Char] = []
    for char in chars:
        slanted = abs(float(char.get("angle", 0.0))) > settings.stamp_min_angle
        faint = float(char.get("alpha", 1.0)) < settings.see_through_alpha
        (overlay if slanted or faint else page).append(char)
    return page, overlay


def overlay_words(chars: Sequence[Char], settings: PageSettings) -> list[Word]:
    """The words of slanted or see-through text: characters in drawing order, joined while each
    follows the last within `overlay_join_em` of its size, cut at spaces."""
    words: list[Word] = []
    run: list[Char] = []

    def close() -> None:
        if run:
            words.append(_word_of(run, bold=False))
            run.clear()

    for char in chars:
        if char["text"].isspace():
            close()
            continue
        if run:
            last = run[-1]
            reach = settings.overlay_join_em * max(float(last["size"]), float(char["size"]))
            near = (abs(_cx(char) - _cx(last)) <= reach and abs(_cy(char) - _cy(last)) <= reach)
            if not near:
                close()
        run.append(char)
    close()
    return words


def body_weight(chars: Sequence[Char]) -> int:
    """The weight of the face most of the page's letters are set in (400 for an empty page)."""
    fonts = Counter(str(c.get("fontname", "")) for c in chars if not c["text"].isspace())
    weights: Counter[int] = Counter()
    for font, count in fonts.items():
        weights[weight_of(font)] += count
    return weights.most_common(1)[0][0] if weights else 400


def _cx(char: Char) -> float:
    return (float(char["x0"]) + float(char["x1"])) / 2


def _cy(char: Char) -> float:
    return (float(char["top"]) + float(char["bottom"])) / 2


def _word_of(chars: Sequence[Char], *, bold: bool) -> Word:
    first = chars[0]
    return Word(
        text="".join(c["text"] for c in chars),
        x0=min(float(c["x0"]) for c in chars), x1=max(float(c["x1"]) for c in chars),
        top=min(float(c["top"]) for c in chars), bottom=max(float(c["bottom"]) for c in chars),
        size=float(first["size"]), bold=bold, font=str(first.get("fontname", "")),
        colour=first.get("color"), weight=weight_of(str(first.get("fontname", ""))),
        stroked=first.get("render") == 2,
    )


def words_of_chars(chars: list[Char], settings: PageSettings,
                   body_weight: int = 400) -> list[Word]:
    """Words from visible characters, as `page.extract_words` would give them (by position,
    never by drawing order), upright text only, ligatures a re-distiller mapped into CJK code
points read as their letters (`unshifted`). A word is `bold` when its face is heavier than
    `body_weight` (the body text's) or it is stroked and filled (render mode 2)."""
    sized = [c if c["size"] == round(c["size"], 3) else {**c, "size": round(c["size"], 3)}
             for c in chars]  # 23.1000001 is 23.1
    raw = extract_words(
        sized, x_tolerance=settings.word_x_tolerance, y_tolerance=settings.word_y_tolerance,
        keep_blank_chars=False, extra_attrs=["fontname", "size"], return_chars=True,
    )
    words = []
    for item in raw:
        if not item.get("upright", True):
            continue
        first = item["chars"][0]
        weight = weight_of(str(item["fontname"]))
        stroked = first.get("render") == 2
        words.append(Word(
            text=unshifted(item["text"]), x0=float(item["x0"]), x1=float(item["x1"]),
            top=float(item["top"]), bottom=float(item["bottom"]), size=float(item["size"]),
            bold=weight > body_weight or (stroked and weight >= body_weight),
            font=str(item["fontname"]), colour=first.get("color"), weight=weight,
            stroked=stroked,
        ))
    return words
