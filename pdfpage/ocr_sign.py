"""A figure's minus sign that the engine's line reading left out, found in the page's ink.

Class: on a page straightened from a slight skew (the generated 2010/11 Hackney leaflet, page 2,
scanned turned by 0.34 degrees), the engine read a table row's '−4.3%' as '4.3%' in its line:
the minus and the 4 became one glyph '4', twice a digit's width, at 0.83. Read by itself
(`ocr_doubts.figures_checked`), the same box gave '—4.3%', every glyph at 0.93 or more. The
readings differ by the sign alone, so the figure was doubted and its row refused as unsigned.

The reading alone is believed about the sign only where the page's ink says the same and
nothing else: the place it read the dash holds one lone bar (`sign_glyphs.bar_problem`: solid,
flat, level with the middle of the digits), set close before the figure's first digit
(`ocr_sign_gap`), with clear paper before it and above and below the digits' rows
(`ocr_sign_clear`), in ink no other word of the page claims. A list bullet (round), a rule
(running on past the clear paper), an underscore or an overline, a dash with other ink beside
it or under another word's box: none is a minus here, and the figure stays doubted.

Pure: a mask of the page's ink and boxes in, a box or None out (pixels, top-left origin).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from pdfpage.ocr_doubts import Box, overlap
from pdfpage.scan_image import Mask
from pdfpage.settings import PageSettings
from pdfpage.sign_glyphs import bar_problem

__all__ = ["minus_bar"]


def _column_runs(inked: Mask) -> list[tuple[int, int]]:
    """The runs of consecutive True entries of `inked`, as (start, end) with end exclusive."""
    edges = np.diff(np.concatenate([[0], inked.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(),
                    strict=True))


def _image(mask: Mask) -> Image.Image:
    """A mask as `bar_problem` takes ink: 255 where inked, 0 elsewhere."""
    return Image.fromarray(np.where(mask, 255, 0).astype(np.uint8), mode="L")


def minus_bar(ink: Mask, word: Box, digits: tuple[int, int], sign: Box,
              others: Sequence[Box], scale: float, settings: PageSettings) -> Box | None:
    """The box of the minus sign before the figure at `word` when the page's `ink` holds one
    where the figure's reading alone put its dash (`sign`), else None (see the module
    docstring). `digits`: the top and bottom of the figure's glyphs; `others`: the boxes of
    every other word of the page; `scale`: pixels a point (to name a mark's size)."""
    top, bottom = digits
    height = bottom - top
    if height <= 0:
        return None
    clear = max(1, round(settings.ocr_sign_clear * height))
    left = max(0, min(word[0], sign[0]) - clear)
    upper, lower = max(0, top - clear), min(ink.shape[0], bottom + clear)
    strip = ink[upper:lower, left:word[2]]
    runs = _column_runs(np.asarray(strip.any(axis=0), dtype=np.bool_))
    centre = (sign[0] + sign[2]) // 2 - left
    at = next((i for i, (a, b) in enumerate(runs) if a <= centre < b), None)
    # the bar is the first ink of the strip, and a digit follows it closely
    if at != 0 or len(runs) < 2:
        return None
    (bar_left, bar_right), (digit_left, digit_right) = runs[0], runs[1]
    if bar_left == 0 or digit_left - bar_right > settings.ocr_sign_gap * height:
        return None  # ink runs on into the clear paper before it, or the digit stands apart
    digit = np.zeros((lower - upper, digit_right - digit_left), dtype=np.bool_)
    digit[top - upper:bottom - upper] = strip[top - upper:bottom - upper,
                                              digit_left:digit_right]
    bar = strip[:, bar_left:bar_right]
    if bar[0].any() or bar[-1].any():
        return None  # ink runs on above or below the clear rows: part of a taller mark
    if bar_problem(_image(bar), _image(digit), settings, scale) is not None:
        return None
    rows = np.nonzero(bar.any(axis=1))[0]
    found = (left + bar_left, upper + int(rows.min()), left + bar_right,
             upper + int(rows.max()) + 1)
    if any(overlap(found, other) > 0 for other in others):
        return None  # another word's ink
    return found
