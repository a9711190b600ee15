"""Where a quarantined document belongs, read from what is known of it: its reason, its PDF's
title and subject, its file name.

A quarantined document has no area or period of its own (its extractor vouches for nothing in
it), yet the coverage matrix must not call a borough and year "missing" when a leaflet for them
was ingested and refused. Most refused leaflets say who and when somewhere: the reason quotes a
heading ("How did Ealing perform during 2009/10?"), the PDF's title names the borough, the file
was saved as `2009-10/sutton.pdf`. Each of those is read in turn; the borough comes from the
first that names exactly one of the 32, the year from the first that names exactly one
financial year, and `read_from` says which. Nothing here is a figure, and nothing is loaded
from it: it only places the quarantine in the matrix, with its reason one click away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas import london_boroughs
from schemas.records import check_period

__all__ = ["Placement", "place_quarantined"]

#: A financial year as leaflets, titles and file names write it: 2009/10, 2009-10, 2009_10.
_PERIOD = re.compile(r"(?<!\d)(20\d\d)[/_-](\d\d)(?!\d)")
_BOROUGHS = {
    area.name: re.compile(r"(?<![a-z])" + r"[\s_-]+".join(area.name.lower().split()) + r"(?![a-z])")
    for area in london_boroughs()
}


@dataclass(frozen=True)
class Placement:
    """The borough and year a quarantined document is placed under, and where each was read."""

    area: str
    area_code: str
    period: str
    read_from: str  # e.g. "borough from its PDF title; year from its reason"


def _periods(text: str) -> set[str]:
    found = set()
    for start, end in _PERIOD.findall(text):
        try:
            found.add(check_period(f"{start}/{end}"))
        except ValueError:
            continue
    return found


def _boroughs(text: str) -> set[str]:
    folded = text.lower()
    return {name for name, pattern in _BOROUGHS.items() if pattern.search(folded)}


def place_quarantined(reason: str | None, title: str | None, source: str | None
                      ) -> Placement | None:
    """The placement of a quarantined document, or None unless both its borough and its year
    can be read (each from one place that names exactly one)."""
    evidence = (("its reason", reason), ("its PDF title", title), ("its file name", source))
    area = period = None
    area_from = period_from = ""
    for name, text in evidence:
        if not text:
            continue
        boroughs, periods = _boroughs(text), _periods(text)
        if area is None and len(boroughs) == 1:
            area, area_from = boroughs.pop(), name
        if period is None and len(periods) == 1:
            period, period_from = periods.pop(), name
    if area is None or period is None:
        return None
    code = next(a.code for a in london_boroughs() if a.name == area)
    read_from = (f"borough and year from {area_from}" if area_from == period_from
                 else f"borough from {area_from}; year from {period_from}")
    return Placement(area, code, period, read_from)
