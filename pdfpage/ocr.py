"""The OCR engine: the words a page image shows, each with its box in PDF points and the engine's
confidence (0 to 1), and the ink no word explains.

The engine is Tesseract 5 (its LSTM recogniser, Debian's `tesseract-ocr` and
`tesseract-ocr-eng`) through `pytesseract`, chosen by measurement against RapidOCR 1.4.4 on ONNX
Runtime (whose models do ship inside its wheel) on the same 300 dpi leaflet page, one thread
each: Tesseract 2.0 s of CPU and 73 MB resident, every word with its own box and confidence, about
21 MB installed; RapidOCR 14 s of CPU and 690 MB resident, one box per text line with the spaces
between words often lost ("reduce themostseriousviolentcrimes"), about 180 MB installed
(onnxruntime and OpenCV). A figure must be tied to its own box and its own confidence, so
RapidOCR's lines would not do even if it were faster.

Each page is read as hOCR (`image_to_pdf_or_hocr`), which gives per line the baseline and the
engine's estimate of the font size (`x_size`) as well as each word's box and confidence. Words
are given the box a PDF's text layer would give them (from the baseline, a font size and its
descent), so words printed on one line share a bottom, as the layout engine expects. The size is
the engine's, evened out over the page (sizes within 15% are one size: `_even_sizes`); a word is
bold when its strokes are much heavier than the page's usual (`scan_image.stroke_width`).

An engine line is cut where a gap is as wide as a column gutter (`PageSettings.
ocr_column_gap_em`): the engine joins the lines of two columns that stand level and gives them
the first column's baseline and size, and each piece takes its own. Where the first reading is
in doubt (a stretch read twice, a lone word misread) the page image is read again there
(`pdfpage.ocr_doubts`).

Tesseract runs as a child process of the caller, with the caller's memory cap, one thread
(`OMP_THREAD_LIMIT=1`: pages are read in parallel by the pipeline's workers, not by the engine)
and a timeout. Nothing is fetched at run time: the language data is Debian's package.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from pdfpage.ocr_apostrophe import APOSTROPHES, apostrophes_read
from pdfpage.ocr_doubts import (
    LEADING_DASHES,
    AloneReading,
    Box,
    figures_checked,
    settled,
    unread_read,
)
from pdfpage.ocr_marks import mark_ink
from pdfpage.ocr_sign import minus_bar
from pdfpage.scan_image import InkBlob, Mask, ink_of, prepare, stroke_width, unread_ink
from pdfpage.settings import SETTINGS, PageSettings

__all__ = [
    "ENABLE_OCR",
    "ENGINE_NAME",
    "OcrEngine",
    "OcrPage",
    "OcrUnavailable",
    "OcrWord",
    "normalised",
    "ocr_engine",
    "read_image",
]

ENGINE_NAME = "tesseract"

#: What a person does to enable OCR where it is missing (quoted in quarantine reasons).
ENABLE_OCR = ("install the OCR extra (pip install -e '.[ocr]', and the Debian packages "
              "tesseract-ocr and tesseract-ocr-eng: scripts/install-system-deps.sh) and ingest "
              "it again")

#: A word's descent below its baseline, in font sizes (DejaVu Sans 0.236, Helvetica 0.207).
_DESCENT = 0.22
#: A word's strokes this many times heavier than the page's median make it bold (measured:
#: regular body text 0.13 of the font size, bold headings 0.22).
_BOLD_RATIO = 1.35
#: Line classes of Tesseract's hOCR (a caption or heading is a line like any other).
_LINE_CLASSES = frozenset({"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"})
_XHTML = "{http://www.w3.org/1999/xhtml}"
_BBOX = re.compile(r"bbox (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_BASELINE = re.compile(r"baseline (-?[\d.]+) (-?[\d.]+)")
_X_SIZE = re.compile(r"x_size ([\d.]+)")
_CONFIDENCE = re.compile(r"x_wconf (\d+)")
_CHAR_CONFIDENCE = re.compile(r"x_conf ([\d.]+)")
_CHAR_BOX = re.compile(r"x_bboxes (-?\d+) (-?\d+) (-?\d+) (-?\d+)")


class OcrUnavailable(RuntimeError):
    """The OCR engine is not installed or does not run here; the text says what to install."""


@dataclass(frozen=True)
class OcrEngine:
    """Which engine read a page: stored with every document read by OCR."""

    name: str
    version: str


@dataclass(frozen=True)
class OcrWord:
    """One word the engine read: its text, its box in points from the page's top left (as
    pdfplumber gives a text layer's words), the engine's confidence (0-1), the font size and
    weight judged from the pixels, and the engine's line (words of one line share it)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float
    size: float
    bold: bool
    line: int
    #: Why the word's text is in doubt where its confidence does not say so ('' when it is
    #: not): the form of an apostrophe its ink does not show (`pdfpage.ocr_apostrophe`).
    doubt: str = ""
    #: The shape of its ink when it may be a mark read as a letter (`pdfpage.ocr_marks`).
    ink: bytes = b""


@dataclass(frozen=True)
class OcrPage:
    """What the engine read on one image: its words, the ink no word explains (boxes in points,
    x0, top, x1, bottom), the skew taken out (degrees) and the engine."""

    words: tuple[OcrWord, ...]
    unread: tuple[tuple[float, float, float, float], ...]
    skew: float
    engine: OcrEngine


def _pytesseract() -> Any:
    try:
        import pytesseract
    except ImportError as error:
        raise OcrUnavailable(f"the OCR engine is not installed: {ENABLE_OCR}") from error
    return pytesseract


@lru_cache(maxsize=1)
def ocr_engine() -> OcrEngine:
    """The engine and its version; `OcrUnavailable` saying what to install when it is missing."""
    pytesseract = _pytesseract()
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except (OSError, RuntimeError, pytesseract.TesseractNotFoundError) as error:
        raise OcrUnavailable(f"the tesseract program is not installed: {ENABLE_OCR}") from error
    if "eng" not in languages:
        raise OcrUnavailable(f"tesseract has no English language data: {ENABLE_OCR}")
    return OcrEngine(ENGINE_NAME, version)


@dataclass
class _RawWord:
    text: str
    box: tuple[int, int, int, int]  # pixels
    confidence: float
    line: int
    line_size: float  # pixels
    baseline: float  # pixels, at the word's left edge
    ink: tuple[int, int]  # top and bottom of its glyphs (pixels)


#: Glyphs further apart than this many font sizes are two words: the engine sometimes joins a
#: short word to the next ("areduction" for "a reduction", the gap 0.46 of the size; letters
#: of one word stand at most 0.1 apart, a space is about 0.3).
_SPACE = 0.25


def _pieces(word: ElementTree.Element, size: float
            ) -> list[tuple[str, int, int, float, tuple[int, int]]]:
    """The word's text, left and right edges and confidence, split where two glyphs stand a
    space apart: at least `_SPACE` of the font size and three times the word's usual gap
    between glyphs (a large title's letters stand wide apart all along). The confidence is
    that of the least sure glyph (the engine's word confidence is 0 for words it split itself,
    whatever its glyphs'). Last, the top and bottom of the piece's glyphs."""
    glyphs = [(text, box[0], box[2], sure, box[1], box[3]) for text, box, sure in _glyphs(word)]
    if not glyphs:
        text = "".join(word.itertext()).strip()
        box = _BBOX.search(word.get("title", ""))
        confidence = _CONFIDENCE.search(word.get("title", ""))
        sure_word = int(confidence[1]) / 100 if confidence else 0.0
        return [(text, int(box[1]), int(box[3]), sure_word, (int(box[2]), int(box[4])))
                ] if text and box else []
    gaps = [b[1] - a[2] for a, b in itertools.pairwise(glyphs)]
    usual = statistics.median(gaps) if gaps else 0
    pieces = [[glyphs[0]]]
    for gap, glyph in zip(gaps, glyphs[1:], strict=True):
        if gap >= _SPACE * size and gap >= 3 * max(usual, 1):
            pieces.append([])
        pieces[-1].append(glyph)
    result = []
    for piece in pieces:
        text = "".join(g[0] for g in piece).strip()
        if text:
            result.append((text, min(g[1] for g in piece), max(g[2] for g in piece),
                           min(g[3] for g in piece),
                           (min(g[4] for g in piece), max(g[5] for g in piece))))
    return result


#: Letters whose height is the font's x-height, and that height in font sizes (DejaVu Sans
#: 0.55; the engine's glyph boxes, with their anti-aliased edge, measure 0.59).
_X_LETTERS = frozenset("acemnorsuvwxz")
_X_HEIGHT = 0.59


def _size_of(words: list[ElementTree.Element], x_size: float) -> float:
    """The font size of a line's `words` (pixels), from the height of their x-height letters
    when they have at least three (steady from line to line: the two lines of a wrapped heading
    measure the same), else the engine's own estimate (`x_size`, which wanders by 10% or
    more)."""
    heights = []
    for word in words:
        for span in word.iter(f"{_XHTML}span"):
            found = _CHAR_BOX.search(span.get("title", ""))
            if span.get("class") == "ocrx_cinfo" and found and span.text in _X_LETTERS:
                heights.append(int(found[4]) - int(found[2]))
    if len(heights) < 3:
        return x_size
    return statistics.median(heights) / _X_HEIGHT


#: Letters that reach below the baseline (a word's box bottom is its baseline without them).
_DESCENDERS = frozenset("gjpqyQ,;()[]{}|/")


def _columns(words: list[tuple[ElementTree.Element, tuple[int, int, int, int]]], size: float,
             settings: PageSettings
             ) -> list[list[tuple[ElementTree.Element, tuple[int, int, int, int]]]]:
    """An engine line's words cut where a gap is wider than a column gutter: the engine joins
    the lines of two columns that stand level (a message and a table's ward column), and gives
    the whole its first column's baseline and size."""
    pieces: list[list[tuple[ElementTree.Element, tuple[int, int, int, int]]]] = []
    right = None
    for word, box in sorted(words, key=lambda item: item[1][0]):
        if right is None or box[0] - right > settings.ocr_column_gap_em * size:
            pieces.append([])
        pieces[-1].append((word, box))
        right = box[2] if right is None else max(right, box[2])
    return pieces


def _own_baseline(words: list[tuple[ElementTree.Element, tuple[int, int, int, int]]]
                  ) -> float | None:
    """The baseline of a piece of an engine line cut at a gutter: where its glyphs without
    descenders stand, the median of their bottoms (None when every glyph has one). Glyph by
    glyph, not word by word: the engine at times gives one glyph a box far taller than its ink
    (the 'i' of 'Colville' in the generated 2010/11 Kensington and Chelsea leaflet's ward
    table, boxed two lines deep), and its word's box with it; the word's bottom then stands a
    line low, and the ward's row ran into the next. A word without glyph boxes counts by its
    box."""
    bottoms: list[int] = []
    for word, box in words:
        glyphs = _glyphs(word)
        if glyphs:
            bottoms += [glyph_box[3] for text, glyph_box, _sure in glyphs
                        if text not in _DESCENDERS]
        elif not set("".join(word.itertext())) & _DESCENDERS:
            bottoms.append(box[3])
    return float(statistics.median(bottoms)) if bottoms else None


def _parse_hocr(hocr: bytes, settings: PageSettings) -> list[_RawWord]:
    root = ElementTree.fromstring(hocr)
    words: list[_RawWord] = []
    number = 0
    for line in (span for span in root.iter(f"{_XHTML}span")
                 if span.get("class") in _LINE_CLASSES):
        title = line.get("title", "")
        line_box = _BBOX.search(title)
        size = _X_SIZE.search(title)
        if line_box is None or size is None:
            continue
        lx0, _ltop, _lx1, lbottom = (int(v) for v in line_box.groups())
        baseline = _BASELINE.search(title)
        slope, offset = (float(baseline[1]), float(baseline[2])) if baseline else (0.0, 0.0)
        boxed = []
        for word in line.iter(f"{_XHTML}span"):
            wbox = _BBOX.search(word.get("title", "")) if word.get("class") == "ocrx_word" \
                else None
            if wbox is not None:
                boxed.append((word, (int(wbox[1]), int(wbox[2]), int(wbox[3]), int(wbox[4]))))
        pieces = _columns(boxed, float(size.group(1)), settings)
        for piece in pieces:
            line_size = _size_of([word for word, _box in piece], float(size.group(1)))
            own = _own_baseline(piece) if len(pieces) > 1 else None
            for word, (x0, top, _x1, bottom) in piece:
                baseline_at = own if own is not None else lbottom + offset + slope * (x0 - lx0)
                for text, left, right, sure, ink in _pieces(word, line_size):
                    words.append(_RawWord(text, (left, top, right, bottom), sure, number,
                                          line_size, baseline_at, ink))
            number += 1
    return words


def _even_sizes(sizes: list[float]) -> dict[float, float]:
    """Each size mapped to the median of its group: sizes within 15% of a group's smallest are
    one size (the engine's estimate of one font size wanders from line to line)."""
    groups: list[list[float]] = []
    for size in sorted(sizes):
        if groups and size <= groups[-1][0] * 1.15:
            groups[-1].append(size)
        else:
            groups.append([size])
    return {size: statistics.median(group) for group in groups for size in group}


def _bold_flags(words: list[_RawWord], widths: list[float]) -> list[bool]:
    """Bold by stroke weight against the page's median; a word of one or two characters (too
    few strokes to judge) takes the weight of the nearest word of its line."""
    ratios = [w / max(word.line_size, 1.0) for w, word in zip(widths, words, strict=True)]
    judged = [r for r, word in zip(ratios, words, strict=True) if len(word.text) >= 3]
    if not judged:
        return [False] * len(words)
    usual = statistics.median(judged)
    flags = [r > _BOLD_RATIO * usual for r in ratios]
    for index, word in enumerate(words):
        if len(word.text) >= 3:
            continue
        neighbours = [other for other in range(len(words)) if other != index
                      and words[other].line == word.line and len(words[other].text) >= 3]
        if neighbours:
            nearest = min(neighbours, key=lambda o: abs(words[o].box[0] - word.box[0]))
            flags[index] = flags[nearest]
    return flags


_BULLET = "\u2022"
#: What the engine makes of a list bullet (a small filled disc) besides the bullet itself.
_BULLET_READINGS = frozenset("\u2022\u00b7\u00a2\u00a9\u00b0\u00ab\u00bb*@eoO0°¢©«»")


#: Dashes before a figure: the engine reads a minus sign as '—', '—-' or '--' at times. Every
#: form the editions print ('−', '–', '-') means minus, so a run of them is one minus sign.


def normalised(text: str) -> str:
    """The engine's text with a run of dashes before a figure read as one minus sign, and a
    lone '|' as the pronoun 'I' (in DejaVu Sans, the leaflets' font, a capital I is a bare
    stroke; the engine reads it as a bar, which no leaflet prints as a word)."""
    if text == "|":
        return "I"
    return LEADING_DASHES.sub("\u2212", text)


def _is_bullet(word: _RawWord, size: float) -> bool:
    """Whether `word` is a list bullet: one glyph read as a bullet or something round ('¢',
    'e«', ...), a small
    disc of about a third of the font size, as wide as it is high (a '0' or an 'o' is as high as
    a digit or an x-height, well over a third of the size)."""
    if len(word.text) > 2 or not set(word.text) <= _BULLET_READINGS:
        return False
    width, height = word.box[2] - word.box[0], word.ink[1] - word.ink[0]
    return 0 < height <= 0.42 * size and 0.6 <= width / height <= 1.6


#: What the engine makes of a filled disc (●) or a ring (○), marks some editions print: one
#: or two of these characters ('@', '©', 'O', 'Oo', 'e)', ...).
_DISC_READINGS = frozenset("@©®Oo0eQ()\u25cf\u25cb")


#: A word read at a confidence under this is a glyph the engine could not read: a ring read
#: as '12)' at 0.00 on a page straightened from a skew is judged by its shape.
_UNREAD_GLYPH = 0.3


def _disc(word: _RawWord, size: float, ink: Mask) -> str | None:
    """'●' or '○' when `word` is one round glyph at about the height of a capital: filled
    (ink over most of its box) or a ring (no ink at its centre). A digit 0 is much narrower
    than high; a bullet is much smaller (`_is_bullet`). Read as up to three characters of which
    one is a disc's usual reading ('fe)' at 0.96 for a ring on a speckled scan), or of which
    none is at a confidence under `_UNREAD_GLYPH` (the engine did not know it): the shape
    decides, and a word of print is no filled disc nor a ring empty at its centre."""
    if len(word.text) > 3 or not (set(word.text) & _DISC_READINGS
                                  or word.confidence < _UNREAD_GLYPH):
        return None
    return _disc_at(word.box[0], word.ink[0], word.box[2], word.ink[1], size, ink)


#: The confidence given to a mark known by its shape alone (the engine read nothing there):
#: the shape test is strict (a disc filled over 60%, or a ring empty at its centre).
_SHAPE_CONFIDENCE = 0.95


#: Why a word is in doubt when its apostrophe's form cannot be told from its ink.
APOSTROPHE_DOUBT = "the form of its apostrophe (' or \u2019) cannot be told from its ink"


def _apostrophes_read(text: str, word: _RawWord, grey: NDArray[np.uint8],
                      settings: PageSettings) -> tuple[str, str]:
    """`text` with each apostrophe in the form its ink shows (`pdfpage.ocr_apostrophe`), and
    ''; or `text` as the engine read it and `APOSTROPHE_DOUBT` when the ink does not show the
    forms."""
    if not set(text) & APOSTROPHES:
        return text, ""
    read = apostrophes_read(text, grey, word.box, word.baseline, word.line_size, settings)
    return (text, APOSTROPHE_DOUBT) if read is None else (read, "")


def _disc_at(x0: int, top: int, x1: int, bottom: int, size: float, ink: Mask) -> str | None:
    """'●', '○' or None for the ink in the box (pixels), by its shape alone."""
    width, height = x1 - x0, bottom - top
    if not (0.42 * size < height <= 0.9 * size and 0.8 <= width / max(height, 1) <= 1.25):
        return None
    glyph = ink[top:bottom, x0:x1]
    if glyph.size == 0:
        return None
    fill = float(glyph.mean())
    h, w = glyph.shape
    centre = glyph[int(h * 0.35):int(h * 0.65) + 1, int(w * 0.35):int(w * 0.65) + 1]
    if fill >= 0.6:
        return "\u25cf"
    if fill < 0.5 and centre.size and not centre.any():
        return "\u25cb"
    return None


#: Halves of a ring the engine read as two glyphs ('C' and ')'): joined when together they
#: make a disc's shape (`_joined_discs`).
_RING_HALVES = frozenset("Cc()[]{}")


#: Punctuation only: what the engine makes of a speck of dust or toner.
_SPECK_READINGS = frozenset(".,:;'`\"()[]{}\u2018\u2019\u201c\u201d")
#: A speck is lower than this many font sizes (a full stop is about 0.1, a list bullet, which
#: the engine may read as punctuation too, 0.3 and more, a bracket 0.9).
_SPECK_HEIGHT = 0.2


def _speck(word: _RawWord) -> bool:
    """Whether `word` is a speck read as punctuation standing alone ('.' at 0.87 between a
    row's label and its first figure on a photocopy, which joined the label): dropped, its
    ink then counts as unread (and refuses a figure it stands beside). A sign is never one."""
    return (set(word.text) <= _SPECK_READINGS
            and word.ink[1] - word.ink[0] < _SPECK_HEIGHT * word.line_size)


def _joined_discs(words: list[_RawWord], ink: Mask) -> list[_RawWord]:
    """`words` with two short neighbours of one engine line that are the halves of one round
    mark ('C' and ')' for a ring, in a JPEG of quality 30) made one word, '●' or '○' by the
    shape of their ink together; anything else is left as read."""
    result: list[_RawWord] = []
    for word in sorted(words, key=lambda w: (w.line, w.box[0])):
        last = result[-1] if result else None
        if (last is not None and last.line == word.line and len(last.text) <= 2
                and len(word.text) <= 2
                and set(last.text + word.text) <= _DISC_READINGS | _RING_HALVES
                and 0 <= word.box[0] - last.box[2] <= 0.5 * word.line_size):
            box = _tight(InkBlob(last.box[0], min(last.box[1], word.box[1]), word.box[2],
                                 max(last.box[3], word.box[3]), 0), ink)
            shape = _disc_at(*box, word.line_size, ink) if box is not None else None
            if box is not None and shape is not None:
                result[-1] = _RawWord(shape, (box[0], min(last.box[1], word.box[1]), box[2],
                                              max(last.box[3], word.box[3])),
                                      min(last.confidence, word.confidence), word.line,
                                      word.line_size, last.baseline, (box[1], box[3]))
                continue
        result.append(word)
    return result


def _offset(word: _RawWord, left: int, top: int, line: int) -> _RawWord:
    """A word read from a crop, placed on the page (the crop's top-left at `left`, `top`)."""
    x0, y0, x1, y1 = word.box
    return _RawWord(word.text, (x0 + left, y0 + top, x1 + left, y1 + top), word.confidence,
                    word.line + line, word.line_size, word.baseline + top,
                    (word.ink[0] + top, word.ink[1] + top))


def _crop_reader(image: Image.Image, timeout: float, lines: list[int], settings: PageSettings
                 ) -> Callable[[Box], list[_RawWord]]:
    """A reader of a box of the prepared page image as one line (`ocr_doubts.settled`): the
    crop on a white border (the engine reads a word at the very edge of an image badly), its
    words placed back on the page, in engine lines numbered after the page's (`lines` holds the
    next free number)."""
    pytesseract = _pytesseract()

    def read_again(box: Box) -> list[_RawWord]:
        x0, top = max(0, box[0]), max(0, box[1])
        x1, bottom = min(image.width, box[2]), min(image.height, box[3])
        if x1 - x0 < 4 or bottom - top < 4:
            return []
        border = max(8, (bottom - top) // 2)
        crop = ImageOps.expand(image.crop((x0, top, x1, bottom)), border=border, fill=255)
        hocr = pytesseract.image_to_pdf_or_hocr(
            crop, extension="hocr", config="--oem 1 --psm 7 -c hocr_char_boxes=1",
            timeout=timeout)
        words = [_offset(word, x0 - border, top - border, lines[0]) for word in
                 _parse_hocr(hocr, settings)]
        lines[0] += 1 + max((word.line - lines[0] for word in words), default=0)
        return words

    return read_again


def _glyphs(element: ElementTree.Element) -> list[tuple[str, Box, float]]:
    """Every glyph in an element of an hOCR reading (with `hocr_char_boxes`: a word, or the
    whole reading), in reading order: its text, its box (pixels of the image read) and its
    confidence (0-1)."""
    glyphs = []
    for span in element.iter(f"{_XHTML}span"):
        found = _CHAR_BOX.search(span.get("title", ""))
        sure = _CHAR_CONFIDENCE.search(span.get("title", ""))
        if span.get("class") == "ocrx_cinfo" and found and sure and span.text:
            glyphs.append((span.text, (int(found[1]), int(found[2]), int(found[3]),
                                       int(found[4])), float(sure[1]) / 100))
    return glyphs


def _alone_reading(glyphs: list[tuple[str, Box, float]], left: int, top: int) -> AloneReading:
    """What a box read alone says: its glyphs' text, the confidence of the least sure, and the
    box of the dashes it begins with, placed on the page (the image read had its top-left
    corner at `left`, `top`)."""
    text = "".join(glyph[0] for glyph in glyphs).strip()
    dashes = list(itertools.takewhile(lambda glyph: LEADING_DASHES.match(glyph[0] + "0")
                                      is not None, glyphs))
    sign = None
    if dashes:
        sign = (min(g[1][0] for g in dashes) + left, min(g[1][1] for g in dashes) + top,
                max(g[1][2] for g in dashes) + left, max(g[1][3] for g in dashes) + top)
    return AloneReading(text, min((g[2] for g in glyphs), default=0.0), sign)


def _alone_reader(image: Image.Image, timeout: float
                  ) -> Callable[[list[Box]], list[AloneReading]]:
    """A reader of small boxes of the prepared page image, each by itself on a white border
    (`ocr_doubts.figures_checked`). One run of the engine each (about 0.12 s): read together,
    stacked on one sheet, the engine repeated its slip ('-1.8%' for '-7.8%'), read alone it
    did not."""
    pytesseract = _pytesseract()

    def read_alone(boxes: list[Box]) -> list[AloneReading]:
        readings = []
        for box in boxes:
            x0, top = max(0, box[0]), max(0, box[1])
            crop = image.crop((x0, top, min(image.width, box[2]), min(image.height, box[3])))
            border = max(8, crop.height // 2)
            hocr = pytesseract.image_to_pdf_or_hocr(
                ImageOps.expand(crop, border=border, fill=255), extension="hocr",
                config="--oem 1 --psm 7 -c hocr_char_boxes=1", timeout=timeout)
            readings.append(_alone_reading(_glyphs(ElementTree.fromstring(hocr)),
                                           x0 - border, top - border))
        return readings

    return read_alone


def _tight(blob: InkBlob, ink: Mask) -> Box | None:
    """The box of the ink inside `blob`'s cells (pixels), None when it holds none."""
    rows, columns = np.nonzero(ink[blob.top:blob.bottom, blob.x0:blob.x1])
    if not len(rows):
        return None
    return (blob.x0 + int(columns.min()), blob.top + int(rows.min()),
            blob.x0 + int(columns.max()) + 1, blob.top + int(rows.max()) + 1)


def _ink_read(words: list[_RawWord], ink: Mask, cell: int,
              read_again: Callable[[Box], list[_RawWord]], settings: PageSettings
              ) -> list[_RawWord]:
    """Words read from the ink the page's reading left out (`ocr_doubts.unread_read`); a
    round mark is left to be judged by its shape."""
    if not words:
        return []
    body = statistics.median(word.line_size for word in words)
    blobs = unread_ink(ink, [word.box for word in words], cell, min_pixels=max(4, cell * cell))
    boxes = [box for box in (_tight(blob, ink) for blob in blobs)
             if box is not None and _disc_at(*box, body, ink) is None]
    return unread_read(boxes, body, read_again, settings)


def read_image(image: Image.Image, dpi: float, *, origin: tuple[float, float] = (0.0, 0.0),
               single_line: bool = False, timeout: float = 60.0, drawn: bool = False,
               settings: PageSettings = SETTINGS) -> OcrPage:
    """The words `image` shows (rendered at `dpi`), boxes in points offset by `origin` (the
    image's top-left corner on the page, in points). `single_line` reads a crop holding one line
    (a figure's cell). Raises `OcrUnavailable` when the engine is missing, `RuntimeError` when
    it overruns `timeout` seconds. `drawn`: the image was rendered from the page's vector
    content, not scanned (`scan_image.prepare` does not straighten it). `settings`: the
    tolerances of the readings again (`pdfpage.ocr_doubts`), passed into each."""
    engine = ocr_engine()
    pytesseract = _pytesseract()
    prepared = prepare(image, dpi, drawn=drawn)
    os.environ["OMP_THREAD_LIMIT"] = "1"  # the pipeline reads pages in parallel, not the engine
    config = f"--oem 1 --psm {7 if single_line else 3} -c hocr_char_boxes=1"
    hocr = pytesseract.image_to_pdf_or_hocr(prepared.image, extension="hocr", config=config,
                                            timeout=timeout)
    first = _parse_hocr(hocr, settings)
    lines = [1 + max((word.line for word in first), default=0)]
    read_again = _crop_reader(prepared.image, timeout, lines, settings)
    ink = ink_of(prepared.image)
    cell = max(1, round(dpi / 72))
    once = [word for word in settled(first, read_again, _DISC_READINGS | _BULLET_READINGS,
                                     settings) if not _speck(word)]
    found = once + _ink_read(once, ink, cell, read_again, settings)

    def minus_at(word: _RawWord, sign: Box) -> Box | None:
        others = [other.box for other in found if other is not word]
        return minus_bar(ink, word.box, word.ink, sign, others, dpi / 72, settings)

    raw = _joined_discs(figures_checked(found, _alone_reader(prepared.image, timeout), settings,
                                        minus_at), ink)
    widths = [stroke_width(ink, word.box) for word in raw]
    grey = np.asarray(prepared.image.convert("L"))
    bold = _bold_flags(raw, widths)
    sizes = _even_sizes([word.line_size for word in raw])
    points = 72.0 / dpi
    left, top = origin
    words = []
    for word, heavy in zip(raw, bold, strict=True):
        size = sizes[word.line_size]
        bottom = word.baseline + _DESCENT * size
        disc = _disc(word, size, ink)
        bullet = _is_bullet(word, size)
        text = _BULLET if bullet else disc or normalised(word.text)
        # a disc is known by its shape, as sure as a mark the engine left unread
        sure = max(word.confidence, _SHAPE_CONFIDENCE) if disc and not bullet \
            else word.confidence
        text, doubt = _apostrophes_read(text, word, grey, settings)
        # the engine's glyph box can be narrower than a mark's ink: a little paper either side
        spare = round(settings.ocr_mark_spare_em * word.line_size)
        glyph = mark_ink(prepared.image, (word.box[0] - spare, word.ink[0],
                                          word.box[2] + spare, word.ink[1]), text)
        words.append(OcrWord(
            text=text,
            x0=left + word.box[0] * points, top=top + (bottom - size) * points,
            x1=left + word.box[2] * points, bottom=top + bottom * points,
            confidence=sure, size=size * points, bold=heavy, line=word.line, doubt=doubt,
            ink=glyph))
    blobs = unread_ink(ink, [word.box for word in raw], cell, min_pixels=max(4, cell * cell))
    body = statistics.median(sizes.values()) if sizes else 0.0
    marks = []
    for blob in blobs:  # a mark the engine left unread, known by its shape
        box = _tight(blob, ink)
        if box is None:
            continue
        shape = _disc_at(*box, body, ink) if body else None
        if shape is not None:
            marks.append(blob)
            words.append(OcrWord(
                text=shape, x0=left + box[0] * points, top=top + (box[3] + 0.1 * body) * points
                - body * points, x1=left + box[2] * points, bottom=top + (box[3] + 0.1 * body)
                * points, confidence=_SHAPE_CONFIDENCE, size=body * points, bold=False,
                line=-1))
    blobs = [blob for blob in blobs if blob not in marks]
    unread = tuple((left + float(b.x0) * points, top + float(b.top) * points,
                    left + float(b.x1) * points, top + float(b.bottom) * points) for b in blobs)
    return OcrPage(tuple(words), unread, prepared.skew, engine)
