"""Template: Metropolitan Police Authority, 2011 edition (performance year 2010/11).

Three A4 pages in two columns: the message from Kit Malthouse (Deputy Mayor for Policing) and
'Policing London in 2010/11'; the borough section (commander's message, the KPI table 'How did
<Borough> perform in 2010/11?' with its key, the Safer Neighbourhoods ward priorities); 'Looking
forward' with the priorities for 2011/12 and contacts. The KPI table is
`Measure | 2010/11 target | Result | Achieved`: crime rows print a target change and the result as
'−4.1% (212 fewer)', rate rows a target and a result in percent. The achieved column holds a
symbol whose meaning the key under the table gives ('Key: ✓ target achieved ✗ target not
achieved'); the symbols differ between print runs, so they are read from the key, never assumed.
"""

from __future__ import annotations

import re

from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, direction_sign, parse_count
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
from schemas.measures import RATE_MEASURES, measure_for_label
from schemas.records import (
    DocumentInfo,
    Extraction,
    PerformanceResult,
    Priority,
    ReviewItem,
    WardPriority,
)

__all__ = ["EDITION", "NAME", "PERIODS", "PUBLISHER", "detect", "parse", "read_key"]

NAME = "mpa-2011"
PUBLISHER = "Metropolitan Police Authority"
EDITION = "2011"
PERIODS = ("2010/11", "2011/12")  # performance year reported, target year set
PERIOD, TARGET_PERIOD = PERIODS
HEADER = ("Measure", f"{PERIOD} target", "Result", "Achieved")
WARD_HEADER = ("Ward", "Priorities")

HEADINGS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "about": r"Policing London in (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": r"How did (?P<area>.+) perform in (?P<period>\d{4}/\d{2}) ?\?",
        "ward_priorities": r"Safer Neighbourhoods ward priorities",
        "looking_forward": r"Looking forward",
        "contacts": r"Useful contacts",
    }.items()
}
PROSE_SECTIONS = ("chair_message", "about", "commander_message", "looking_forward", "contacts")
KEY = re.compile(r"Key: (?P<yes>\S+) target achieved (?P<no>\S+) target not achieved")
_COUNT_RESULT = re.compile(r"(?P<pct>\S+) \((?P<count>[\d,]+) (?P<dir>fewer|more)\)")


def detect(leaflet: Leaflet) -> bool:
    """A Local Policing Summary whose KPI table reports on 2010/11."""
    if "Local Policing Summary" not in leaflet.text(1, 1):
        return False
    return bool(re.search(rf"perform in {PERIOD} ?\?", leaflet.text(1, 3)))


def read_key(table: FoundSection) -> dict[str, bool]:
    """The achieved symbols the key under the KPI table defines: {'✓': True, '✗': False}."""
    for line in table.lines:
        match = KEY.search(line.text)
        if match:
            if match.group("yes") == match.group("no"):
                raise InconsistentDocument(f"the key '{line.text}' uses one symbol for both",
                                           page=line.page, template=NAME)
            return {match.group("yes"): True, match.group("no"): False}
    raise InconsistentDocument(
        f"'{table.heading}' has no key ('Key: <symbol> target achieved <symbol> target not "
        "achieved'), so its achieved marks cannot be read", page=table.page, template=NAME,
    )


def _row_to_result(row: GridRow, key: dict[str, bool],
                   review: list[ReviewItem]) -> PerformanceResult:
    label, target_text, result_text, mark = row.cells
    measure = measure_for_label(label)
    if measure is None:
        review.append(ReviewItem(item="unknown_label", detail=label, page=row.page))
    achieved = key.get(mark.strip())
    if achieved is None:
        review.append(ReviewItem(item="unknown_mark", detail=f"{label}: {mark}", page=row.page))
    fields: dict[str, object] = {"measure": measure, "label": label, "page": row.page,
                                 "target_achieved": achieved}
    counted = _COUNT_RESULT.fullmatch(" ".join(result_text.split()))
    if counted is None:
        if measure is not None and measure not in RATE_MEASURES:
            raise FigureError(f"{result_text!r} is not a result like '−4.1% (212 fewer)'")
        fields.update(change_count=None, change_pct=None,
                      value_pct=parse_signed(result_text, percent=True).value(1),
                      target_value_pct=parse_signed(target_text, percent=True).value(1))
    else:
        if measure in RATE_MEASURES:
            raise FigureError(f"{result_text!r} is a count, but '{label}' is a rate")
        sign = direction_sign(counted.group("dir"))
        pct = parse_signed(counted.group("pct"), percent=True)
        if pct.sign is not None and pct.magnitude and pct.sign != sign:
            raise FigureError(f"{result_text!r}: the percentage and the words disagree in sign")
        fields.update(change_count=sign * parse_count(counted.group("count")),
                      change_pct=pct.value(sign),
                      target_change_pct=parse_signed(target_text, percent=True).value())
    return valid_result(NAME, fields)


def _grid(section: FoundSection, header: tuple[str, ...],
          end: re.Pattern[str] | None = None) -> list[GridRow]:
    try:
        rows = read_grid(section.lines, header, end=end)
    except GridError as error:
        raise InconsistentDocument(f"'{section.heading}': {error}", page=section.page,
                                   template=NAME) from error
    if not rows:
        raise InconsistentDocument(f"'{section.heading}' has no rows", page=section.page,
                                   template=NAME)
    return rows


def _performance(table: FoundSection, review: list[ReviewItem]) -> list[PerformanceResult]:
    key = read_key(table)
    results = []
    for row in _grid(table, HEADER, KEY):
        try:
            results.append(_row_to_result(row, key, review))
        except FigureError as error:
            raise InconsistentDocument(f"performance table row '{row.cells[0]}': {error}",
                                       page=row.page, template=NAME) from error
    return results


def _ward_priorities(section: FoundSection) -> list[WardPriority]:
    """One record per priority: 'Drug dealing; Anti-social behaviour' ranks 1 and 2."""
    return [
        WardPriority(ward=row.cells[0], rank=rank, label=label, period=TARGET_PERIOD,
                     page=row.page)
        for row in _grid(section, WARD_HEADER)
        for rank, label in enumerate(
            (part.strip() for part in row.cells[1].split(";") if part.strip()), start=1
        )
    ]


def parse(leaflet: Leaflet) -> Extraction:
    """Extract every record of a 2011-edition leaflet; raise when it cannot be trusted."""
    preamble, found = split_sections(leaflet.lines(), HEADINGS)
    sections = sections_by_name(found, NAME)
    table = require(sections, "performance", f"How did <borough> perform in {PERIOD}?", NAME)
    check_period(table, PERIOD, NAME)
    area = area_of(sections, preamble, "performance", ("local_information",), NAME)
    review: list[ReviewItem] = []
    performance = _performance(table, review)
    wards: list[WardPriority] = []
    if "ward_priorities" in sections:
        wards = _ward_priorities(sections["ward_priorities"])
    else:
        review.append(ReviewItem(item="missing_section",
                                 detail="Safer Neighbourhoods ward priorities"))
    priorities: list[Priority] = []
    if "looking_forward" in sections:
        priorities = read_priorities(sections["looking_forward"].lines, TARGET_PERIOD, review)
    else:
        review.append(ReviewItem(item="missing_section", detail="Looking forward (priorities)"))
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
        ward_priorities=wards,
    )
