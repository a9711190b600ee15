"""A page image made ready for OCR, and what its pixels say beyond the words OCR found.

Scans come skewed, speckled and ruled: a table's cell borders run into the digits beside them
(Tesseract read "| 172" at half its usual confidence), a 1-degree skew puts the two ends of a line
10 points apart, and salt noise breaks glyphs. `prepare` straightens the page (the skew that
makes the rows of ink line up best, found on a reduced copy), removes isolated specks (a 3x3
median) and lifts long straight rules off the page (runs of ink much longer than any glyph).

After OCR, the pixels are asked two more things the engine does not answer: how heavy each
word's strokes are (`stroke_width`: bold headings are what the edition readers split sections
at, and Tesseract's neural engine reports no font weight) and which ink no word explains
(`unread_ink`: a minus sign, a drawn tick or a digit the engine dropped is ink outside every
word's box, which must refuse a figure beside it rather than let it load without its sign).

Pure: images in, numbers and boxes out (pixels, top-left origin). numpy and Pillow only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

__all__ = ["InkBlob", "Prepared", "estimate_skew", "prepare", "stroke_width", "touching",
           "unread_ink"]

Mask = NDArray[np.bool_]

#: Darker than this (0-255 grey) is ink.
INK_LEVEL = 140
#: Lighter than this is paper (a tinted band, a photocopy's grey cast, noise on white).
PAPER_LEVEL = 200
#: The skews tried, in degrees (a scanner feeder rarely skews more than 3 degrees).
_MAX_SKEW = 3.0
#: The steps of the skew search (degrees), and the longest side (pixels) it is judged at.
_SKEW_COARSE = 0.1
_SKEW_FINE = 0.005
_SKEW_SIDE = 3600
#: At most this many ink pixels are projected (a page's bands and photos hold millions).
_SKEW_POINTS = 150_000
#: Long straight rules: horizontal runs of ink at least this many inches, vertical ones at
#: least `_VERTICAL_RULE` (a table's borders run on across its rows; a glyph's stem is at most
#: a quarter inch even in a 24-point title).
_HORIZONTAL_RULE = 0.5
_VERTICAL_RULE = 0.4
#: A rule is thinner than this (inches); thicker runs are a filled band, with text on it.
_RULE_THICKNESS = 0.04


@dataclass(frozen=True)
class Prepared:
    """A page image straightened and cleaned for the engine, and what was done to it."""

    image: Image.Image  # greyscale ("L"), the same size as the original
    skew: float  # degrees the original was turned by (counter-clockwise positive)
    rules: Mask  # the ink lifted off as rules (True where a rule was)


@dataclass(frozen=True)
class InkBlob:
    """Ink outside every word's box: a connected group of `cell`-sized squares, in pixels."""

    x0: int
    top: int
    x1: int
    bottom: int
    pixels: int


def ink_of(image: Image.Image) -> Mask:
    """Where the greyscale `image` is ink."""
    return np.asarray(image.convert("L")) < INK_LEVEL


def estimate_skew(image: Image.Image) -> float:
    """The angle (degrees) that, applied with `Image.rotate`, makes the text lines level: the
    one whose row profile of ink is most peaked (lines of text and gaps between them).

    Judged at the page's own resolution (up to `_SKEW_SIDE` pixels): on a copy reduced to 900
    pixels the angle came out up to 0.25 degrees wrong (a two-column page whose columns' lines
    fall out of step), and a page left turned by even 0.05 degrees puts the two ends of a
    table's row two pixels apart, which split a header row and dropped a column of 'Yes'. A
    coarse search (`_SKEW_COARSE` steps) finds the neighbourhood, a fine one (`_SKEW_FINE`)
    the angle: within 0.01 degrees of the turn a scan was given."""
    grey = image.convert("L")
    scale = min(1.0, _SKEW_SIDE / max(grey.size))
    if scale < 1.0:
        grey = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))),
                           Image.Resampling.BOX)
    rows, columns = np.nonzero(np.asarray(grey) < INK_LEVEL)
    if len(columns) < 50:
        return 0.0
    step = -(-len(columns) // _SKEW_POINTS)  # every step-th ink pixel: the profile's shape
    rows, columns = rows[::step], columns[::step]
    xs = columns.astype(np.float64) - grey.width / 2
    ys = rows.astype(np.float64) - grey.height / 2

    def score(angle: float) -> float:
        theta = np.deg2rad(angle)
        rows = np.round(ys * np.cos(theta) + xs * np.sin(theta)).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = np.arange(-_MAX_SKEW, _MAX_SKEW + 1e-9, _SKEW_COARSE)
    best = max(coarse, key=score)
    fine = np.arange(best - _SKEW_COARSE, best + _SKEW_COARSE + 1e-9, _SKEW_FINE)
    scores = np.array([score(angle) for angle in fine])
    # angles too close to move any ink a whole row score alike: the middle of the best ones
    # (the first of them was the edge of that plateau, 0.045 degrees off on a level page)
    top = fine[scores == scores.max()]
    return -round(float(top.min() + top.max()) / 2, 3) + 0.0


def _long_runs(ink: Mask, length: int) -> Mask:
    """The pixels of horizontal runs of ink at least `length` long."""
    height, width = ink.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = ink
    change = np.diff(padded, axis=1)
    rows_start, cols_start = np.nonzero(change == 1)
    _rows_end, cols_end = np.nonzero(change == -1)
    keep = (cols_end - cols_start) >= length
    marks = np.zeros((height, width + 1), dtype=np.int32)
    np.add.at(marks, (rows_start[keep], cols_start[keep]), 1)
    np.add.at(marks, (rows_start[keep], cols_end[keep]), -1)
    return np.cumsum(marks, axis=1)[:, :width] > 0


def _box_mean(mask: Mask, radius: int) -> NDArray[np.float64]:
    """The share of `mask` set in the square of side 2 * `radius` + 1 around each pixel."""
    result = mask.astype(np.float64)
    for axis in (0, 1):
        size = result.shape[axis]
        total = np.concatenate([np.zeros_like(np.take(result, [0], axis=axis)),
                                np.cumsum(result, axis=axis)], axis=axis)
        index = np.arange(size)
        low, high = np.clip(index - radius, 0, size), np.clip(index + radius + 1, 0, size)
        shape = [1, 1]
        shape[axis] = size
        result = (np.take(total, high, axis=axis) - np.take(total, low, axis=axis)) / (
            high - low).reshape(shape)
    return result


def _filled(ink: Mask, radius: int) -> Mask:
    """Where ink is dense (a filled band or box), grown by `radius`: judged on a copy reduced
    four times, which is plenty for areas many pixels wide."""
    step = 4
    small = ink[::step, ::step]
    reach = max(1, radius // step)
    dense = _box_mean(_box_mean(small, reach) > 0.6, reach) > 0
    full = np.repeat(np.repeat(dense, step, axis=0), step, axis=1)
    result: Mask = full[:ink.shape[0], :ink.shape[1]]
    return result


def prepare(image: Image.Image, dpi: float, *, drawn: bool = False) -> Prepared:
    """`image` straightened, despeckled and without its long rules (see the module docstring).

    `drawn`: the image is a page rendered from its vector content (a PDF whose text has no
    Unicode, read like a scan), not scanned: it is as straight as its PDF, so it is not turned.
    The skew estimate of such a page can still come out at its smallest step (0.05 degrees, a
    table's rules against its text), and turning a clean render by that much smears its glyphs
    enough for the engine to read a Roboto '40' as 'AO' (clean-room 0063)."""
    grey = image.convert("L")
    skew = 0.0 if drawn else estimate_skew(grey)
    if abs(skew) >= 0.05:
        grey = grey.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    grey = grey.filter(ImageFilter.MedianFilter(3))
    # paper: grey noise and a photocopy's cast left the engine reading a mottled header band
    # as 'wos PSOE aa'; nothing lighter than `PAPER_LEVEL` is print
    grey = grey.point([v if v <= PAPER_LEVEL else 255 for v in range(256)])
    ink = ink_of(grey)
    thick = max(2, int(_RULE_THICKNESS * dpi))
    rules = _long_runs(ink, int(_HORIZONTAL_RULE * dpi)) | _long_runs(
        ink.T, int(_VERTICAL_RULE * dpi)).T
    # a filled band (white text on a dark bar) is no rule: where ink is dense, nothing goes
    if rules.any():
        rules &= ~_filled(ink, 3 * thick)
    if rules.any():
        # the rule's anti-aliased edge goes with it: one pixel either side
        grown = rules.copy()
        grown[1:, :] |= rules[:-1, :]
        grown[:-1, :] |= rules[1:, :]
        grown[:, 1:] |= rules[:, :-1]
        grown[:, :-1] |= rules[:, 1:]
        pixels = np.asarray(grey).copy()
        pixels[grown] = 255
        grey = Image.fromarray(pixels, mode="L")
        rules = grown
    return Prepared(grey, skew, rules)


def stroke_width(ink: Mask, box: tuple[int, int, int, int]) -> float:
    """The mean width (pixels) of the horizontal runs of ink in `box` (x0, top, x1, bottom):
    about the stem width of the glyphs, which bold nearly doubles."""
    x0, top, x1, bottom = box
    part = ink[max(0, top):max(0, bottom), max(0, x0):max(0, x1)]
    if part.size == 0:
        return 0.0
    starts = int(part[:, 0].sum()) + int((np.diff(part.astype(np.int8), axis=1) == 1).sum())
    return float(part.sum()) / starts if starts else 0.0


def touching(marked: Mask) -> list[list[tuple[int, int]]]:
    """The groups of marked cells that touch (side or corner), each as its (row, column)s."""
    rows, cols = marked.shape
    seen = np.zeros_like(marked)
    groups = []
    for start in zip(*np.nonzero(marked), strict=True):
        if seen[start]:
            continue
        stack, group = [(int(start[0]), int(start[1]))], []
        seen[start] = True
        while stack:
            r, c = stack.pop()
            group.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < rows and 0 <= nc < cols and marked[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        groups.append(group)
    return groups


def unread_ink(ink: Mask, boxes: list[tuple[int, int, int, int]], cell: int,
               min_pixels: int) -> list[InkBlob]:
    """Groups of ink outside every box in `boxes` (each grown by a pixel), in squares of `cell`
    pixels joined when they touch; groups of fewer than `min_pixels` ink pixels (specks) are
    left out."""
    rest = ink.copy()
    height, width = rest.shape
    for x0, top, x1, bottom in boxes:
        rest[max(0, top - 1):min(height, bottom + 2), max(0, x0 - 1):min(width, x1 + 2)] = False
    rows, cols = -(-height // cell), -(-width // cell)
    padded = np.zeros((rows * cell, cols * cell), dtype=np.int32)
    padded[:height, :width] = rest
    counts = padded.reshape(rows, cell, cols, cell).sum(axis=(1, 3))
    blobs: list[InkBlob] = []
    for group in touching(counts > 0):
        pixels = int(sum(counts[r, c] for r, c in group))
        if pixels < min_pixels:
            continue
        rs = [r for r, _ in group]
        cs = [c for _, c in group]
        blobs.append(InkBlob(min(cs) * cell, min(rs) * cell, (max(cs) + 1) * cell,
                             (max(rs) + 1) * cell, pixels))
    return blobs
