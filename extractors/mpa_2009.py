"""Template: Metropolitan Police Authority, 2009 edition (performance year 2008/09).

Three A4 pages in two columns: the Chair's message (Boris Johnson) and 'Policing London in
2008/09'; the borough section (commander's message, the table 'How did <Borough> do against its
targets in 2008/09?', 'Looking ahead' with the priorities for 2009/10); 'Have your say' and
contacts. The table is `Measure | Target | Result | Achieved?` and mixes two kinds of row:
crime counts (target '−5.0%', result '−87 offences (−3.2%)') and rates (sanction detection rate,
public confidence: target '20.0%', result '21.4%'). The printed 'Yes'/'No' must agree with the
row's own target and result.
"""

from __future__ import annotations

import re

from extractors.errors import InconsistentDocument
from extractors.figures import FigureError
from extractors.grid import GridError, GridRow, read_grid
from extractors.layout import Leaflet
from extractors.parts import (
    area_of,
    check_period,
    parse_signed,
    prose_sections,
    require,
    sections_by_name,
    valid_result,
)
from extractors.priorities import read_priorities
from extractors.sections import FoundSection, split_sections
from schemas.measures import RATE_MEASURES, measure_for_label, normalise_label
from schemas.records import DocumentInfo, Extraction, PerformanceResult, Priority, ReviewItem

__all__ = ["EDITION", "NAME", "PERIODS", "PUBLISHER", "detect", "parse", "row_to_result"]

NAME = "mpa-2009"
PUBLISHER = "Metropolitan Police Authority"
EDITION = "2009"
PERIODS = ("2008/09", "2009/10")  # performance year reported, target year set
PERIOD, TARGET_PERIOD = PERIODS
HEADER = ("Measure", "Target", "Result", "Achieved?")

HEADINGS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "about": r"Policing London in (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": (
            r"How did (?P<area>.+) do against its targets in (?P<period>\d{4}/\d{2}) ?\?"
        ),
        "looking_forward": r"Looking ahead",
        "have_your_say": r"Have your say",
        "contacts": r"Useful contacts",
    }.items()
}
PROSE_SECTIONS = ("chair_message", "about", "commander_message", "looking_forward",
                  "have_your_say", "contacts")
_COUNT_RESULT = re.compile(r"(?P<count>\S+) offences? \((?P<pct>[^)]+)\)")
_ACHIEVED = {"yes": True, "no": False}


def detect(leaflet: Leaflet) -> bool:
    """A Local Policing Summary whose borough table reports on targets for 2008/09."""
    if "Local Policing Summary" not in leaflet.text(1, 1):
        return False
    return f"do against its targets in {PERIOD}" in leaflet.text(1, 3)


def row_to_result(row: GridRow, review: list[ReviewItem]) -> PerformanceResult:
    """One table row as a record; FigureError when a cell cannot be read with certainty."""
    label, target_text, result_text, mark = row.cells
    measure = measure_for_label(label)
    if measure is None:
        review.append(ReviewItem(item="unknown_label", detail=label, page=row.page))
    achieved = _ACHIEVED.get(normalise_label(mark))
    if achieved is None:
        review.append(ReviewItem(item="unknown_mark", detail=f"{label}: {mark}", page=row.page))
    fields: dict[str, object] = {"measure": measure, "label": label, "page": row.page,
                                 "target_achieved": achieved}
    counted = _COUNT_RESULT.fullmatch(" ".join(result_text.split()))
    if counted is None:
        if measure is not None and measure not in RATE_MEASURES:
            raise FigureError(f"{result_text!r} is not a change like '−87 offences (−3.2%)'")
        fields.update(change_count=None, change_pct=None,
                      value_pct=parse_signed(result_text, percent=True).value(1),
                      target_value_pct=parse_signed(target_text, percent=True).value(1))
    else:
        if measure in RATE_MEASURES:
            raise FigureError(f"{result_text!r} is a count, but '{label}' is a rate")
        count = parse_signed(counted.group("count"), percent=False)
        pct = parse_signed(counted.group("pct"), percent=True)
        if count.sign is not None and pct.sign is not None and count.sign != pct.sign:
            raise FigureError(f"{result_text!r}: the count and the percentage disagree in sign")
        sign = count.sign if count.sign is not None else pct.sign
        fields.update(change_count=int(count.value(sign)), change_pct=pct.value(sign),
                      target_change_pct=parse_signed(target_text, percent=True).value())
    return valid_result(NAME, fields)


def _performance(table: FoundSection, review: list[ReviewItem]) -> list[PerformanceResult]:
    try:
        rows = read_grid(table.lines, HEADER)
    except GridError as error:
        raise InconsistentDocument(f"'{table.heading}': {error}", page=table.page,
                                   template=NAME) from error
    results = []
    for row in rows:
        try:
            results.append(row_to_result(row, review))
        except FigureError as error:
            raise InconsistentDocument(f"performance table row '{row.cells[0]}': {error}",
                                       page=row.page, template=NAME) from error
    if not results:
        raise InconsistentDocument(f"'{table.heading}' has no rows", page=table.page,
                                   template=NAME)
    return results


def parse(leaflet: Leaflet) -> Extraction:
    """Extract every record of a 2009-edition leaflet; raise when it cannot be trusted."""
    preamble, found = split_sections(leaflet.lines(), HEADINGS)
    sections = sections_by_name(found, NAME)
    table = require(sections, "performance",
                    f"How did <borough> do against its targets in {PERIOD}?", NAME)
    check_period(table, PERIOD, NAME)
    area = area_of(sections, preamble, "performance", ("local_information",), NAME)
    review: list[ReviewItem] = []
    performance = _performance(table, review)
    priorities: list[Priority] = []
    if "looking_forward" in sections:
        priorities = read_priorities(sections["looking_forward"].lines, TARGET_PERIOD, review)
    else:
        review.append(ReviewItem(item="missing_section", detail="Looking ahead (priorities)"))
    commander = sections.get("commander_message")
    return Extraction(
        document=DocumentInfo(
            publisher=PUBLISHER, area=area.name, area_code=area.code, period=PERIOD,
            template=NAME, page_count=leaflet.page_count,
            commander=commander.match.group("name").strip() if commander else None,
        ),
        performance=performance,
        priorities=priorities,
        force_results=[],
        sections=prose_sections(sections, PROSE_SECTIONS),
        review=review,
    )
