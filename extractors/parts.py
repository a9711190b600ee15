"""Steps every edition's template shares: sections by name, the borough, signed figures.

A template module keeps what is particular to its edition (headings, table columns, cell
formats); what every leaflet has in common (one heading per section, one borough named
consistently, figures printed with one of several minus glyphs) is checked the same way here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from extractors.errors import InconsistentDocument, MissingSection
from extractors.figures import FigureError, parse_count, parse_percent, sign_of
from extractors.layout import Line
from extractors.sections import FoundSection, text_of
from schemas.areas import Area, area_by_name, london_boroughs
from schemas.measures import MINUS_SIGNS
from schemas.records import PerformanceResult, Section

__all__ = [
    "SignedFigure",
    "area_of",
    "check_period",
    "parse_signed",
    "prose_sections",
    "require",
    "sections_by_name",
    "valid_result",
]

_SIGNED = re.compile(
    rf"(?P<sign>[{MINUS_SIGNS}+])?\s?(?P<magnitude>\d[\d,]*(?:\.\d+)?)(?P<pct>\s?%)?"
)


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


def require(sections: dict[str, FoundSection], name: str, wanted: str,
            template: str) -> FoundSection:
    """The section `name`, or MissingSection naming the heading that was looked for."""
    if name not in sections:
        raise MissingSection(
            f"performance table missing: no heading '{wanted}' was found, so this leaflet has "
            "nothing to load" if name == "performance" else f"no heading '{wanted}' was found",
            template=template,
        )
    return sections[name]


def check_period(section: FoundSection, expected: str, template: str) -> None:
    """The section heading's `period` group must be the edition's year."""
    if section.match.group("period") != expected:
        raise InconsistentDocument(
            f"'{section.heading}' reports on {section.match.group('period')}, not {expected}",
            page=section.page, template=template,
        )


def _area_named(text: str) -> Area | None:
    """The borough whose name appears in `text` (the longest name wins)."""
    folded = " ".join(text.lower().split())
    found = [area for area in london_boroughs() if area.name.lower() in folded]
    return max(found, key=lambda area: len(area.name), default=None)


def area_of(sections: dict[str, FoundSection], preamble: Sequence[Line], anchor: str,
            others: Iterable[str], template: str) -> Area:
    """The borough the `anchor` heading names, checked against the other headings and title."""
    table = sections[anchor]
    area = area_by_name(table.match.group("area"))
    if area is None:
        raise InconsistentDocument(
            f"'{table.match.group('area')}' in '{table.heading}' is not one of the 32 London "
            "boroughs", page=table.page, template=template,
        )
    for name in others:
        if name in sections and area_by_name(sections[name].match.group("area")) != area:
            raise InconsistentDocument(
                f"the leaflet names two boroughs: '{sections[name].heading}' and "
                f"'{table.heading}'", page=sections[name].page, template=template,
            )
    title = sections.get("title")
    title_text = text_of(preamble) + (f" {title.heading} {text_of(title.lines)}" if title else "")
    named = _area_named(title_text)
    if named is not None and named != area:
        raise InconsistentDocument(
            f"the title names {named.name} but the table is for {area.name}", template=template
        )
    return area


def prose_sections(sections: dict[str, FoundSection], names: Iterable[str]) -> list[Section]:
    """The prose of the named sections that are present, in the order of `names`."""
    return [
        Section(name=name, heading=section.heading, text=text_of(section.lines),
                page=section.page)
        for name in names
        if (section := sections.get(name)) is not None
    ]


class SignedFigure:
    """A figure as printed: its magnitude, its sign (None when unsigned) and whether it was a %."""

    __slots__ = ("magnitude", "percent", "sign")

    def __init__(self, magnitude: float, sign: int | None, percent: bool) -> None:
        self.magnitude = magnitude
        self.sign = sign
        self.percent = percent

    def value(self, default_sign: int | None = None) -> float:
        """The signed value; FigureError when the figure has no sign and no default is given."""
        sign = self.sign if self.sign is not None else default_sign
        if sign is None and self.magnitude != 0:
            raise FigureError(f"{self.magnitude} is printed without a sign")
        return (sign or 1) * self.magnitude


def parse_signed(text: str, *, percent: bool) -> SignedFigure:
    """'−1,204' or '+3.2%' (any minus glyph); `percent` says whether a '%' must follow."""
    match = _SIGNED.fullmatch(" ".join(text.split()))
    if not match or bool(match.group("pct")) != percent:
        kind = "a percentage" if percent else "a count"
        raise FigureError(f"{text!r} is not {kind}")
    raw = match.group("magnitude")
    magnitude = parse_percent(raw) if percent else float(parse_count(raw))
    return SignedFigure(magnitude, sign_of(match.group("sign")), percent)


def valid_result(template: str, fields: dict[str, object]) -> PerformanceResult:
    """A PerformanceResult of `fields`, or InconsistentDocument naming the rule the row breaks."""
    page = fields.get("page")
    try:
        return PerformanceResult.model_validate(fields)
    except ValidationError as error:
        raise InconsistentDocument(
            f"performance table row '{fields.get('label')}' is not valid: "
            f"{error.errors()[0]['msg']}", page=page if isinstance(page, int) else None,
            template=template,
        ) from error
