"""The roles of a page's words drawn on its picture, with a legend (`lps debug`).

Each word is filled in its role's colour (`extractors.page_roles.ROLE_COLOURS`): furniture,
heading, column heading, row label, figure, mark, note, stamp, prose, hidden. A legend in the
page's top right corner names the colours, and a refusal is written in red on the page it
concerns, so one look says why a leaflet was refused.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from PIL import ImageDraw

from extractors.page_roles import ROLE_COLOURS
from pdfpage.roles import RoledWord

__all__ = ["draw_refusal", "draw_roles"]

_SWATCH = 9  # pixels


def draw_roles(image: Any, roled: Sequence[RoledWord], resolution: float) -> None:
    """Fill each word's box in its role's colour and draw the legend (pdfplumber PageImage)."""
    for role, colour in ROLE_COLOURS.items():
        boxes = [(r.word.x0, r.word.top, r.word.x1, r.word.bottom) for r in roled
                 if r.role is role]
        if boxes:
            image.draw_rects(boxes, stroke=colour, fill=(*colour, 70), stroke_width=1)
    draw = ImageDraw.Draw(image.annotated)
    width = image.annotated.width
    left = width - 110
    draw.rectangle((left - 4, 0, width, 8 + len(ROLE_COLOURS) * (_SWATCH + 3)),
                   fill=(255, 255, 255))
    for index, (role, colour) in enumerate(ROLE_COLOURS.items()):
        top = 4 + index * (_SWATCH + 3)
        draw.rectangle((left, top, left + _SWATCH, top + _SWATCH), fill=colour)
        draw.text((left + _SWATCH + 4, top - 1), str(role), fill=(0, 0, 0))
    del resolution  # boxes are in points; PageImage scales them


def draw_refusal(image: Any, reason: str) -> None:
    """Write a refusal's reason in red along the foot of the page it concerns."""
    draw = ImageDraw.Draw(image.annotated)
    chars = max(40, image.annotated.width // 6)  # PIL's default font: ~6 px a char
    rows = textwrap.wrap(f"REFUSED here: {reason}", chars)
    bottom = image.annotated.height - 4 - 12 * len(rows)
    for index, row in enumerate(rows):
        draw.text((4, bottom + 12 * index), row, fill=(200, 0, 0))
