"""Template: Metropolitan Police Authority, 2008 edition (performance year 2007/08).

Modelled without a real copy (on the Home Office guidance of the time). Three A4 pages in two
columns: the foreword by the MPA Chair and 'About this summary'; the borough section
(commander's message, the table 'Crime in <Borough> 2007/08', 'Targets for 2008/09'); the
community page and contacts. The table prints recorded offences for both years with the change,
`Crime type | 2006/07 | 2007/08 | Change | % change`, for the Critical Performance Areas and total
notifiable offences; no targets are marked. So the document is checked against itself: the
change must equal the difference of the two counts and the percentage must follow from them,
and a fall printed without a sign takes its sign from the counts; where the commander's message
repeats a change it must agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.crosscheck import find_mentions
from extractors.engine import Template
from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, parse_count, parse_signed
from extractors.grid import CellBox, GridReader, GridRow
from extractors.layout import Leaflet
from extractors.priorities import LABEL_PATTERN, PriorityGrammar
from extractors.sections import FoundSection
from schemas.records import FigureCell, PerformanceResult, SignSource

__all__ = ["EDITION", "HEADINGS", "NAME", "PERIODS", "PUBLISHER", "TEMPLATE", "detect", "parse",
           "row_figures"]

PERIODS = ("2007/08", "2008/09")
PREVIOUS = "2006/07"
HEADER = ("Crime type", PREVIOUS, PERIODS[0], "Change", "% change")


def row_figures(row: GridRow) -> dict[str, object]:
    """A row's figures, checked against each other; FigureError when they disagree."""
    _label, before_text, after_text, change_text, pct_text = row.cells
    before, after = parse_count(before_text), parse_count(after_text)
    change = parse_signed(change_text, percent=False)
    pct = parse_signed(pct_text, percent=True)
    difference = after - before
    sign = (difference > 0) - (difference < 0)
    for figure, text in ((change, change_text), (pct, pct_text)):
        if figure.sign is not None and figure.magnitude and figure.sign != sign:
            raise FigureError(f"{text!r} disagrees in sign with {before:,} -> {after:,}")
    if change.magnitude != abs(difference):
        raise FigureError(f"a change of {change_text!r} but {before:,} -> {after:,}")
    return {"change_count": difference, "change_pct": sign * pct.magnitude,
            "count_previous": before, "count_current": after}


def row_signs(row: GridRow) -> dict[str, SignSource]:
    """How the signs of a row `row_figures` read were known: printed on the change, else from
    the two counts (none for no change)."""
    _label, before_text, after_text, change_text, pct_text = row.cells
    if parse_count(before_text) == parse_count(after_text):
        return {"change_count": "none", "change_pct": "none"}
    return {name: "printed" if parse_signed(text, percent=name == "change_pct").sign is not None
            else "counts" for name, text in (("change_count", change_text),
                                              ("change_pct", pct_text))}


@dataclass(frozen=True)
class CheckedGrid:
    """The grid, with the commander's message checked against it."""

    grid: GridReader

    def read(self, section: FoundSection, leaflet: Leaflet, message: str,
             template: str) -> list[PerformanceResult]:
        return self.read_cells(section, leaflet, message, template)[0]

    def read_cells(self, section: FoundSection, leaflet: Leaflet, message: str,
                   template: str) -> tuple[list[PerformanceResult], list[FigureCell]]:
        results, cells = self.grid.read_cells(section, leaflet, message, template)
        by_measure = {result.measure: result for result in results}
        for mention in find_mentions(message):
            result = by_measure.get(mention.measure)
            if result is not None and mention.sign * mention.count != result.change_count:
                raise InconsistentDocument(
                    f"the commander's message says '{mention.text}' but the table gives "
                    f"{result.change_count:+,} offences for '{result.label}'", page=result.page,
                    template=template,
                )
        return results, cells

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]:
        return self.grid.cells(section, leaflet)


TEMPLATE = Template(
    name="mpa-2008",
    publisher="Metropolitan Police Authority",
    edition="2008",
    periods=PERIODS,
    headings={
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"Foreword by (?P<chair>.+)",
        "about": r"About this summary",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": r"Crime in (?P<area>.+) (?P<period>\d{4}/\d{2})",
        "targets": r"Targets for (?P<period>\d{4}/\d{2})",
        "community": r"Working with your community",
        "contacts": r"Contact us",
    },
    recognise=(rf"Crime in [^.]{{1,40}} {PERIODS[0]}\b", rf"Targets for {PERIODS[1]}"),
    recognise_pages=3,
    table=CheckedGrid(GridReader(HEADER, row_figures, columns={
        "count_previous": 1, "count_current": 2, "change_count": 3, "change_pct": 4},
        signs=row_signs)),
    table_heading=f"Crime in <borough> {PERIODS[0]}",
    priorities_section="targets",
    priorities=PriorityGrammar(
        item=re.compile(rf"(?P<dir>Reduce|Increase) (?P<what>{LABEL_PATTERN}) by "
                        r"(?P<pct>\d+(?:\.\d+)?)\s?%", re.IGNORECASE),
        heading=re.compile(r"targets with the MPA for (?P<period>\d{4}/\d{2}):"),
    ),
    prose=("chair_message", "about", "commander_message", "targets", "community", "contacts"),
)

NAME, PUBLISHER, EDITION = TEMPLATE.name, TEMPLATE.publisher, TEMPLATE.edition
HEADINGS = TEMPLATE.patterns
detect, parse = TEMPLATE.detect, TEMPLATE.parse
