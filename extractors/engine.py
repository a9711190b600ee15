"""One engine for every leaflet template: a template is a declaration, this is its `parse`.

Every edition is read the same way: split the leaflet into sections at the headings it
declares (in any column, on any page), name the borough from the headings that carry it (and
check the title agrees), read the performance table with the reader it declares, read its
priorities with its priority grammar, and the force-wide results where it has them. A section
the template expects and cannot find, or a record it cannot read whole, refuses the document
with the reason; nothing is loaded half-read.

An edition module declares only what is its own (`Template`): headings, what recognises it,
the table reader with its vocabulary, figure grammar and marks, the priority grammar.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from extractors.errors import InconsistentDocument, MissingSection
from extractors.force_results import FORCE_FORMS, read_force_results
from extractors.grid import CellBox
from extractors.layout import Leaflet, Line
from extractors.priorities import PriorityGrammar, read_priority_cells
from extractors.sections import FoundSection, claim_region, split_sections, text_of
from pdfpage.roles import Role
from pdfpage.settings import PageSettings
from schemas.areas import Area, area_by_name, areas_named_in
from schemas.records import (
    DocumentInfo,
    Extraction,
    FigureCell,
    PerformanceResult,
    Section,
    WardPriority,
)

__all__ = ["PerformanceReader", "Template", "WardReader", "parse"]


class PerformanceReader(Protocol):
    """Reads a performance table section into records (`extractors.performance.ChangeTable`,
    `extractors.grid.GridReader`)."""

    def read(self, section: FoundSection, leaflet: Leaflet, message: str,
             template: str) -> list[PerformanceResult]: ...

    def read_cells(self, section: FoundSection, leaflet: Leaflet, message: str,
                   template: str) -> tuple[list[PerformanceResult], list[FigureCell]]: ...

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]: ...


class WardReader(Protocol):
    """Reads a ward priorities section into records."""

    def read(self, section: FoundSection, period: str, template: str, settings: PageSettings
             ) -> list[WardPriority]: ...

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]: ...


@dataclass(frozen=True)
class Template:
    """What one edition of the leaflet is: its own words and grammar, nothing else."""

    name: str
    publisher: str
    edition: str
    periods: tuple[str, str]  # performance year reported, target year set
    headings: Mapping[str, str]  # section name -> heading pattern (fullmatch)
    #: Patterns that must all be found in the text of the first `recognise_pages` pages.
    recognise: tuple[str, ...]
    recognise_pages: int
    table: PerformanceReader
    table_heading: str  # the performance heading as a reader would describe it
    priorities_section: str
    priorities: PriorityGrammar
    prose: tuple[str, ...]
    #: Headings with an `area` group that must name the same borough as the table's.
    area_sections: tuple[str, ...] = ("local_information",)
    force_results_section: str | None = None
    wards_section: str | None = None
    wards: WardReader | None = None
    #: A table figure as printed: found under another heading, the table was not read whole.
    stray_figure: re.Pattern[str] | None = None
    patterns: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "patterns", {
            name: re.compile(pattern) for name, pattern in self.headings.items()})

    @property
    def period(self) -> str:
        return self.periods[0]

    @property
    def target_period(self) -> str:
        return self.periods[1]

    @property
    def required(self) -> tuple[str, ...]:
        """Sections whose records the template expects: missing, they refuse the document."""
        optional = (self.force_results_section, self.wards_section)
        return ("performance", self.priorities_section,
                *(name for name in optional if name is not None))

    def detect(self, leaflet: Leaflet) -> bool:
        """Whether the leaflet is this edition: a Local Policing Summary with its markers."""
        if "Local Policing Summary" not in leaflet.text(1, 1):
            return False
        text = leaflet.text(1, self.recognise_pages)
        return all(re.search(pattern, text) for pattern in self.recognise)

    def parse(self, leaflet: Leaflet) -> Extraction:
        return parse(self, leaflet)


def sections_by_name(found: Sequence[FoundSection], template: str) -> dict[str, FoundSection]:
    """Sections keyed by name; a heading printed twice makes the document ambiguous."""
    by_name: dict[str, FoundSection] = {}
    for section in found:
        if section.name in by_name:
            raise InconsistentDocument(
                f"the heading '{section.heading}' appears twice", page=section.page,
                template=template,
            )
        by_name[section.name] = section
    return by_name


def _require(template: Template, sections: Mapping[str, FoundSection]) -> None:
    missing = [name for name in template.required if name not in sections]
    if "performance" in missing:
        raise MissingSection(
            f"performance table missing: no heading '{template.table_heading}' was found, so "
            "this leaflet has nothing to load", template=template.name)
    if missing:
        wanted = ", ".join(f"'{template.headings[name]}'" for name in missing)
        raise MissingSection(
            f"section missing: no heading matching {wanted} was found, so the records it holds "
            "cannot be loaded", template=template.name)


def check_period(section: FoundSection, expected: str, template: str) -> None:
    """A section heading's `period` group, when it has one, must be the edition's year."""
    period = section.match.groupdict().get("period")
    if period is not None and period != expected:
        raise InconsistentDocument(
            f"'{section.heading}' reports on {period}, not {expected}",
            page=section.page, template=template,
        )


def area_of(sections: Mapping[str, FoundSection], preamble: Sequence[Line],
            others: Iterable[str], template: str) -> Area:
    """The borough the table heading names, checked against the other headings and the title.

    Names are compared as boroughs, not as strings: 'City of Westminster' and 'Westminster'
    agree; a name that is no borough, or two different boroughs, refuse the document."""
    table = sections["performance"]
    printed = table.match.group("area")
    area = area_by_name(printed)
    if area is None:
        raise InconsistentDocument(
            f"'{printed}' in '{table.heading}' is not one of the 32 London boroughs (nor a "
            "common short form of one)", page=table.page, template=template,
        )
    for name in others:
        section = sections.get(name)
        if section is not None and area_by_name(section.match.group("area")) != area:
            raise InconsistentDocument(
                f"the leaflet names two boroughs: '{section.heading}' and '{table.heading}'",
                page=section.page, template=template,
            )
    title = sections.get("title")
    title_text = text_of(preamble) + (f" {title.heading} {text_of(title.lines)}" if title else "")
    named = areas_named_in(title_text) - {area}
    if named:
        raise InconsistentDocument(
            f"the title names {', '.join(sorted(a.name for a in named))} but the table is for "
            f"{area.name}", template=template,
        )
    return area


def prose_sections(sections: Mapping[str, FoundSection], names: Iterable[str]) -> list[Section]:
    """The prose of the named sections that are present, in the order of `names`."""
    return [
        Section(name=name, heading=section.heading, text=text_of(section.lines),
                page=section.page)
        for name in names
        if (section := sections.get(name)) is not None
    ]


def _check_nothing_stray(template: Template, sections: Mapping[str, FoundSection],
                         preamble: Sequence[Line]) -> None:
    """Refuse a document where a figure the template reads stands outside the section that
    reads it: a priority, a force-wide result or a table figure that reading order put under
    another heading would be lost without a word, and a loaded document must hold them all."""
    readers: list[tuple[str, str | None, re.Pattern[str]]] = [
        ("a priority", template.priorities_section, template.priorities.item)]
    if template.force_results_section is not None:
        readers += [("a force-wide result", template.force_results_section, form)
                    for form in FORCE_FORMS]
    if template.stray_figure is not None:
        readers.append(("a table figure", "performance", template.stray_figure))
    places = [("the title", text_of(preamble))] + [
        (f"'{section.heading}'", text_of(section.lines)) for section in sections.values()]
    for what, home, pattern in readers:
        home_heading = f"'{sections[home].heading}'" if home is not None and home in sections \
            else None
        for place, text in places:
            match = pattern.search(text)
            if place != home_heading and match is not None:
                raise InconsistentDocument(
                    f"{what} ('{match.group(0)}') stands under {place}, outside the section "
                    "that reads it, so the document was not read whole; not loaded",
                    template=template.name)


#: Text that would change a row if it were read: a number, a sign, or a word or symbol of a mark.
_ROW_TEXT = re.compile(r"[0-9%\u2212\u2013+]|^(?:yes|no|achieved|target|not)$|[\u2713\u2714\u2717"
                       r"\u2718\u00d7\u25cf\u25cb]", re.IGNORECASE)


def _check_set_aside(leaflet: Leaflet, cells: Sequence[FigureCell], template: str) -> None:
    """Refuse a table across which furniture or a stamp carries a number or a mark: the page
    model set that text aside, but level with the rows it may be part of a row."""
    for page in sorted({cell.page for cell in cells}):
        own = [cell for cell in cells if cell.page == page]
        x0, x1 = min(c.x0 for c in own), max(c.x1 for c in own)
        top, bottom = min(c.top for c in own), max(c.bottom for c in own)
        found = [roled for roled in leaflet.roles(page) if roled.role is not Role.hidden
                 and x0 <= roled.word.centre_x <= x1 and top <= roled.word.middle <= bottom
                 and _ROW_TEXT.search(roled.word.text.strip(".,:;!?"))]
        if found:
            words = ", ".join(f"'{r.word.text}' ({r.role}: {r.why})" for r in found)
            raise InconsistentDocument(
                f"the performance table's rows are crossed by text set aside as no part of them "
                f"that carries a number or a mark: {words}; whether it belongs to a row cannot be "
                "told, so nothing is loaded", page=page, template=template)


def parse(template: Template, leaflet: Leaflet) -> Extraction:
    """Every record of a leaflet of `template`'s edition; raise when it cannot be trusted."""
    name = template.name
    preamble, found = split_sections(leaflet.lines(), template.patterns, leaflet.settings)
    sections = sections_by_name(
        claim_region(found, "performance", leaflet.page, leaflet.settings), name)
    _require(template, sections)
    for section in sections.values():
        expected = (template.target_period if section.name == template.priorities_section
                    else template.period)
        check_period(section, expected, name)
    area = area_of(sections, preamble, template.area_sections, name)
    commander = sections.get("commander_message")
    message = text_of(commander.lines) if commander else ""
    performance, cells = template.table.read_cells(sections["performance"], leaflet, message,
                                                   name)
    _check_set_aside(leaflet, cells, name)
    priorities, priority_cells = read_priority_cells(
        sections[template.priorities_section].lines, template.priorities,
        template.target_period, template=name)
    force_results = []
    if template.force_results_section is not None:
        force_results = read_force_results(
            sections[template.force_results_section].lines, template.period, template=name)
    _check_nothing_stray(template, sections, preamble)
    wards: list[WardPriority] = []
    if template.wards is not None and template.wards_section is not None:
        wards = template.wards.read(sections[template.wards_section], template.target_period,
                                    name, leaflet.settings)
    return Extraction(
        document=DocumentInfo(
            publisher=template.publisher, area=area.name, area_code=area.code,
            period=template.period, template=name, page_count=leaflet.page_count,
            commander=commander.match.group("name").strip() if commander else None,
        ),
        performance=performance,
        priorities=priorities,
        force_results=force_results,
        sections=prose_sections(sections, template.prose),
        review=[],
        ward_priorities=wards,
        cells=[*cells, *priority_cells],
    )
