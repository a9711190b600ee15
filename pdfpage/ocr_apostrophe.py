"""An apostrophe's form read from its ink, not taken from the engine's guess.

Class: the 2010/11 edition prints its ward names as 'Earl’s Court' and 'Queen’s Gate' (U+2019),
and the warehouse keeps ward names as printed. At 300 dpi the apostrophe is a stroke some 4 by
8 pixels, and the engine's choice between ' and ’ is no reading of it: on the generated 2010/11
Kensington and Chelsea leaflet scanned skewed by up to 1 degree (the third drawing of the scan
corpus) it read 'Earl's' (the glyph at 0.88) where the page prints ’, and the ward would have
loaded under a name the page does not print.

The forms differ in a way any face keeps: a typewriter apostrophe (') is upright, a
typographic one (’) leans, its top right of its foot. So each stroke standing clear above the
word's letters is measured (the slope of its rows' centres of ink across its height), and its
form given only when it is clearly upright or clearly leaning (`PageSettings.ocr_apostrophe_*`;
measured on scans of DejaVu Sans at 7 to 9 points, 300 dpi: ' 0, ’ 0.3). An opening quote (‘)
leans as ’ does, and which of the two it is the ink does not show surely at this size (its
weight, at the top or the foot, was read the wrong way round on a skewed scan); a leaning
stroke is taken for ’ only after a letter, where an apostrophe stands. Otherwise, or where the
word's ink does not hold as many strokes above its letters as the engine read apostrophes, the
form is unknown (None), and the reader that needs it refuses.

Pure: a greyscale page and boxes in, a character out (pixels, top-left origin). numpy only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from pdfpage.scan_image import INK_LEVEL, PAPER_LEVEL, touching
from pdfpage.settings import PageSettings

__all__ = ["APOSTROPHES", "apostrophes_read"]

#: What the engine gives for an apostrophe: the typewriter and typographic forms, and the
#: accents it takes one for.
APOSTROPHES = frozenset("'\u2019\u2018`\u00b4")

Box = tuple[int, int, int, int]


def _strokes(ink: NDArray[np.bool_]) -> list[list[tuple[int, int]]]:
    """The groups of ink pixels (8-connected) that do not reach the crop's bottom row: marks
    standing clear above the letters (a letter's stroke runs on down to its baseline)."""
    return [group for group in touching(ink) if max(r for r, _ in group) < ink.shape[0] - 1]


def _leans(weights: NDArray[np.float64], settings: PageSettings) -> bool | None:
    """Whether one stroke's ink (weights, rows top-down) leans (True), stands upright
    (False), or is neither clearly (None)."""
    rows = [r for r in range(weights.shape[0]) if weights[r].sum() > 0]
    if len(rows) < 3:
        return None
    columns = np.arange(weights.shape[1], dtype=np.float64)
    centres = [float((weights[r] * columns).sum() / weights[r].sum()) for r in rows]
    slope = float(np.polyfit(np.array(rows, dtype=np.float64), np.array(centres), 1)[0])
    lean = -slope  # top right of foot: the centres move left going down
    if abs(lean) <= settings.ocr_apostrophe_upright:
        return False
    if lean >= settings.ocr_apostrophe_leaning:
        return True
    return None


def apostrophes_read(text: str, grey: NDArray[np.uint8], box: Box, baseline: float,
                     size: float, settings: PageSettings) -> str | None:
    """`text` (the engine's reading of the word in `box`, pixels of the greyscale prepared
    page `grey`) with each apostrophe in the form the word's ink shows: the strokes standing
    clear above its letters (`baseline` and `size` in pixels), left to right, one to each
    apostrophe read. None when the ink holds another number of such strokes, when one is
    neither clearly upright nor clearly leaning, or when a leaning one does not follow a
    letter (’ and ‘ lean alike; only ’ stands after a letter, as an apostrophe)."""
    places = [i for i, char in enumerate(text) if char in APOSTROPHES]
    height, width = grey.shape
    spare = round(settings.ocr_apostrophe_spare_em * size)
    x0, x1 = max(0, box[0] - spare), min(width, box[2] + spare)
    top = max(0, round(baseline - settings.ocr_apostrophe_top_em * size))
    bottom = min(height, round(baseline - settings.ocr_apostrophe_clear_em * size))
    if not places or x1 <= x0 or bottom <= top:
        return None
    crop = grey[top:bottom, x0:x1].astype(np.float64)
    strokes = [group for group in _strokes(crop < INK_LEVEL)
               if len(group) >= 3 and _tall(group, settings)]
    if len(strokes) != len(places):
        return None
    chars = list(text)
    for place, group in zip(places, sorted(strokes, key=lambda g: min(c for _, c in g)),
                            strict=True):
        r0, c0 = min(r for r, _ in group), min(c for _, c in group)
        part = np.zeros((max(r for r, _ in group) - r0 + 1, max(c for _, c in group) - c0 + 1))
        for r, c in group:  # the stroke's own pixels only: a letter beside it keeps its ink
            part[r - r0, c - c0] = PAPER_LEVEL - crop[r, c]
        leans = _leans(part, settings)
        if leans is None or (leans and not (place and text[place - 1].isalpha())):
            return None
        chars[place] = "\u2019" if leans else "'"
    return "".join(chars)


def _tall(group: list[tuple[int, int]], settings: PageSettings) -> bool:
    """A stroke taller than it is wide: an apostrophe, not the dot of an 'i' or a speck."""
    rows = max(r for r, _ in group) - min(r for r, _ in group) + 1
    columns = max(c for _, c in group) - min(c for _, c in group) + 1
    return rows >= settings.ocr_apostrophe_tall * columns
