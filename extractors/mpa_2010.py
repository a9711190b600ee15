"""Template: Metropolitan Police Authority, 2010 edition (performance year 2009/10).

Four A4 pages in two columns: the Chair's message and Met Forward; the MPA's work and the
force-wide "Looking back on 2009/10"; the borough section (commander's message, initiatives, the
table "How did <Borough> perform during 2009/10?", "Looking forward" with next year's
priorities); contacts. Sections are found by their headings, never by coordinates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors import force_results as force
from extractors import performance
from extractors.errors import InconsistentDocument, MissingSection
from extractors.layout import Leaflet, Line
from extractors.priorities import read_priorities
from extractors.sections import FoundSection, split_sections, text_of
from schemas.areas import Area, area_by_name, london_boroughs
from schemas.records import DocumentInfo, Extraction, ReviewItem, Section

__all__ = ["EDITION", "NAME", "PERIODS", "PUBLISHER", "detect", "parse"]

NAME = "mpa-2010"
PUBLISHER = "Metropolitan Police Authority"
EDITION = "2010"
PERIODS = ("2009/10", "2010/11")  # performance year reported, target year set
PERIOD, TARGET_PERIOD = PERIODS

HEADINGS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)
    for name, pattern in {
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "met_forward": r"Met Forward: .+",
        "mpa_work": r"The MPA[’'`]?s work",
        "looking_back": r"Looking back on (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "local_initiatives": r"(?P<area>.+) local police initiatives",
        "performance": r"How did (?P<area>.+) perform during (?P<period>\d{4}/\d{2}) ?\?",
        "looking_forward": r"Looking forward",
        "have_your_say": r"Have your say on policing in London",
        "cpegs": r"Partnership working: CPEGs",
        "contacts": r"Useful contacts",
    }.items()
}

#: Sections whose prose is kept for search, in document order.
PROSE_SECTIONS = (
    "chair_message",
    "met_forward",
    "mpa_work",
    "looking_back",
    "commander_message",
    "local_initiatives",
    "looking_forward",
    "have_your_say",
    "cpegs",
    "contacts",
)


def detect(leaflet: Leaflet) -> bool:
    """A Local Policing Summary that reports on 2009/10."""
    if "Local Policing Summary" not in leaflet.text(1, 1):
        return False
    text = leaflet.text(1, 4)
    return f"perform during {PERIOD}" in text or f"Looking back on {PERIOD}" in text


def _area_named(text: str) -> Area | None:
    """The borough whose name appears in `text` (the longest name wins: 'Kingston upon Thames')."""
    folded = " ".join(text.lower().split())
    found = [area for area in london_boroughs() if area.name.lower() in folded]
    return max(found, key=lambda area: len(area.name), default=None)


def _sections_by_name(found: Sequence[FoundSection]) -> dict[str, FoundSection]:
    by_name: dict[str, FoundSection] = {}
    for section in found:
        if section.name in by_name:
            raise InconsistentDocument(
                f"the heading '{section.heading}' appears twice", page=section.page, template=NAME
            )
        by_name[section.name] = section
    return by_name


def _area(sections: dict[str, FoundSection], preamble: Sequence[Line]) -> Area:
    table = sections["performance"]
    area = area_by_name(table.match.group("area"))
    if area is None:
        raise InconsistentDocument(
            f"'{table.match.group('area')}' in the table heading is not one of the 32 London "
            "boroughs",
            page=table.page,
            template=NAME,
        )
    for name in ("local_information", "local_initiatives"):
        if name in sections and area_by_name(sections[name].match.group("area")) != area:
            raise InconsistentDocument(
                f"the leaflet names two boroughs: '{sections[name].heading}' and "
                f"'{table.heading}'",
                page=sections[name].page,
                template=NAME,
            )
    title = sections.get("title")
    title_text = text_of(preamble) + (f" {title.heading} {text_of(title.lines)}" if title else "")
    named = _area_named(title_text)
    if named is not None and named != area:
        raise InconsistentDocument(
            f"the title names {named.name} but the table is for {area.name}", template=NAME
        )
    return area


def parse(leaflet: Leaflet) -> Extraction:
    """Extract every record of a 2010-edition leaflet; raise when it cannot be trusted."""
    preamble, found = split_sections(leaflet.lines(), HEADINGS)
    sections = _sections_by_name(found)
    if "performance" not in sections:
        raise MissingSection(
            f"performance table missing: no heading 'How did <borough> perform during "
            f"{PERIOD}?' was found, so this leaflet has nothing to load",
            template=NAME,
        )
    table = sections["performance"]
    if table.match.group("period") != PERIOD:
        raise InconsistentDocument(
            f"the table reports on {table.match.group('period')}, not {PERIOD}",
            page=table.page,
            template=NAME,
        )
    area = _area(sections, preamble)
    review: list[ReviewItem] = []
    commander = sections.get("commander_message")
    message = text_of(commander.lines) if commander else ""
    rows = performance.read_performance(table.lines, message, review, template=NAME)
    if not rows:
        raise MissingSection(
            f"performance table '{table.heading}' has no rows with a readable change figure",
            page=table.page,
            template=NAME,
        )
    priorities = []
    if "looking_forward" in sections:
        priorities = read_priorities(sections["looking_forward"].lines, TARGET_PERIOD, review)
    else:
        review.append(ReviewItem(item="missing_section", detail="Looking forward (priorities)"))
    force_results = []
    if "looking_back" in sections:
        back = sections["looking_back"]
        if back.match.group("period") != PERIOD:
            raise InconsistentDocument(
                f"'{back.heading}' does not match the table's {PERIOD}", page=back.page,
                template=NAME,
            )
        force_results = force.read_force_results(back.lines, PERIOD, review)
    else:
        review.append(ReviewItem(item="missing_section", detail=f"Looking back on {PERIOD}"))
    return Extraction(
        document=DocumentInfo(
            publisher=PUBLISHER,
            area=area.name,
            area_code=area.code,
            period=PERIOD,
            template=NAME,
            page_count=leaflet.page_count,
            commander=commander.match.group("name").strip() if commander else None,
        ),
        performance=rows,
        priorities=priorities,
        force_results=force_results,
        sections=[
            Section(name=name, heading=section.heading, text=text_of(section.lines),
                    page=section.page)
            for name in PROSE_SECTIONS
            if (section := sections.get(name)) is not None
        ],
        review=review,
    )
