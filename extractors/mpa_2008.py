"""Template: Metropolitan Police Authority, 2008 edition (performance year 2007/08).

Three A4 pages in two columns: the foreword by the MPA Chair and 'About this summary'; the borough
section (commander's message, the table 'Crime in <Borough> 2007/08', 'Targets for 2008/09'); the
community page and contacts. The table prints recorded offences for both years with the change,
`Crime type | 2006/07 | 2007/08 | Change | % change`, for the Critical Performance Areas and total
notifiable offences; no targets are marked. So the document is checked against itself: the
change must equal the difference of the two counts and the percentage must follow from them,
and a fall printed without a sign takes its sign from the counts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.crosscheck import find_mentions
from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, parse_count
from extractors.grid import GridError, GridRow, read_grid
from extractors.layout import Leaflet, Line
from extractors.parts import (
    area_of,
    check_period,
    parse_signed,
    prose_sections,
    require,
    sections_by_name,
    valid_result,
)
from extractors.priorities import measure_named_in
from extractors.sections import FoundSection, list_items, split_sections, text_of
from schemas.measures import measure_for_label
from schemas.records import DocumentInfo, Extraction, PerformanceResult, Priority, ReviewItem

__all__ = ["EDITION", "NAME", "PERIODS", "PUBLISHER", "detect", "parse", "priority_from_text"]

NAME = "mpa-2008"
PUBLISHER = "Metropolitan Police Authority"
EDITION = "2008"
PERIODS = ("2007/08", "2008/09")  # performance year reported, target year set
PERIOD, TARGET_PERIOD = PERIODS
PREVIOUS = "2006/07"
HEADER = ("Crime type", PREVIOUS, PERIOD, "Change", "% change")

HEADINGS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"Foreword by (?P<chair>.+)",
        "about": r"About this summary",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": r"Crime in (?P<area>.+) (?P<period>\d{4}/\d{2})",
        "targets": r"Targets for (?P<period>\d{4}/\d{2})",
        "community": r"Working with your community",
        "contacts": r"Contact us",
    }.items()
}
PROSE_SECTIONS = ("chair_message", "about", "commander_message", "targets", "community",
                  "contacts")
_TARGET = re.compile(
    r"(?P<dir>Reduce|Increase) (?P<what>.+?) by (?P<pct>\d+(?:\.\d+)?)\s?%", re.IGNORECASE
)


def detect(leaflet: Leaflet) -> bool:
    """A Local Policing Summary whose borough table reports on 2007/08."""
    if "Local Policing Summary" not in leaflet.text(1, 1):
        return False
    text = leaflet.text(1, 3)
    return bool(re.search(rf"Crime in [^.]{{1,40}} {PERIOD}\b", text)) and (
        f"Targets for {TARGET_PERIOD}" in text
    )


def _row_to_result(row: GridRow, review: list[ReviewItem]) -> PerformanceResult:
    label, before_text, after_text, change_text, pct_text = row.cells
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
    measure = measure_for_label(label)
    if measure is None:
        review.append(ReviewItem(item="unknown_label", detail=label, page=row.page))
    return valid_result(NAME, {
        "measure": measure, "label": label, "change_count": difference,
        "change_pct": sign * pct.magnitude, "target_achieved": None, "page": row.page,
        "count_previous": before, "count_current": after,
    })


def _performance(table: FoundSection, message: str,
                 review: list[ReviewItem]) -> list[PerformanceResult]:
    try:
        rows = read_grid(table.lines, HEADER)
    except GridError as error:
        raise InconsistentDocument(f"'{table.heading}': {error}", page=table.page,
                                   template=NAME) from error
    results = []
    for row in rows:
        try:
            results.append(_row_to_result(row, review))
        except FigureError as error:
            raise InconsistentDocument(f"performance table row '{row.cells[0]}': {error}",
                                       page=row.page, template=NAME) from error
    by_measure = {result.measure: result for result in results if result.measure}
    for mention in find_mentions(message):
        result = by_measure.get(mention.measure)
        if result is not None and mention.sign * mention.count != result.change_count:
            raise InconsistentDocument(
                f"the commander's message says '{mention.text}' but the table gives "
                f"{result.change_count:+,} offences for '{result.label}'", page=result.page,
                template=NAME,
            )
    return results


def priority_from_text(text: str, page: int) -> Priority:
    """'Reduce residential burglary by 5.0%' -> a -5.0% target for residential burglary."""
    match = _TARGET.fullmatch(text)
    if match:
        sign = -1 if match.group("dir").lower() == "reduce" else 1
        what = match.group("what")
        measure = measure_for_label(what) or measure_named_in(what)
        target: float | None = sign * float(match.group("pct"))
    else:
        measure, target = measure_named_in(text), None
    return Priority(measure=measure, label=text, period=TARGET_PERIOD,
                    target_change_pct=target, page=page)


def _targets(lines: Sequence[Line], review: list[ReviewItem]) -> list[Priority]:
    priorities = []
    for text, page in list_items(lines):
        priority = priority_from_text(text, page)
        if priority.measure is None:
            review.append(ReviewItem(item="unknown_label", detail=text, page=page))
        priorities.append(priority)
    return priorities


def parse(leaflet: Leaflet) -> Extraction:
    """Extract every record of a 2008-edition leaflet; raise when it cannot be trusted."""
    preamble, found = split_sections(leaflet.lines(), HEADINGS)
    sections = sections_by_name(found, NAME)
    table = require(sections, "performance", f"Crime in <borough> {PERIOD}", NAME)
    check_period(table, PERIOD, NAME)
    area = area_of(sections, preamble, "performance", ("local_information",), NAME)
    review: list[ReviewItem] = []
    commander = sections.get("commander_message")
    message = text_of(commander.lines) if commander else ""
    performance = _performance(table, message, review)
    if not performance:
        raise InconsistentDocument(f"'{table.heading}' has no rows", page=table.page,
                                   template=NAME)
    priorities: list[Priority] = []
    if "targets" in sections:
        check_period(sections["targets"], TARGET_PERIOD, NAME)
        priorities = _targets(sections["targets"].lines, review)
    else:
        review.append(ReviewItem(item="missing_section", detail=f"Targets for {TARGET_PERIOD}"))
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
