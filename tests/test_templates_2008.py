"""Template mpa-2008: the counts of both years are checked against the printed change."""

from __future__ import annotations

import re

import pytest
from conftest import PDFS, needs_fixtures

from extractors import InconsistentDocument, extract_document
from extractors.figures import FigureError, valid_result
from extractors.grid import GridRow
from extractors.layout import Leaflet, Line, Word
from extractors.mpa_2008 import TEMPLATE, row_figures
from extractors.priorities import read_priorities
from extractors.sections import FoundSection
from schemas import Measure
from schemas.areas import recorded_offences


def test_an_unsigned_fall_takes_its_sign_from_the_counts() -> None:
    figures = row_figures(GridRow(("Robbery", "2,484", "2135", "349", "14.0%"), 2))
    assert figures == {"change_count": -349, "change_pct": -14.0, "count_previous": 2484,
                       "count_current": 2135}


@pytest.mark.parametrize("cells", [
    ("Robbery", "2484", "2135", "+349", "\u221214.0%"),  # sign contradicts the counts
    ("Robbery", "2484", "2135", "\u2212350", "\u221214.0%"),  # change is not the difference
])
def test_a_change_that_disagrees_with_the_counts_is_refused(cells: tuple[str, ...]) -> None:
    with pytest.raises(FigureError):
        row_figures(GridRow(cells, 2))


def test_a_percentage_that_disagrees_with_the_counts_is_refused() -> None:
    figures = row_figures(GridRow(("Robbery", "2484", "2135", "\u2013349", "\u201312.0%"), 2))
    with pytest.raises(InconsistentDocument, match=r"not -12\.0%"):
        valid_result("mpa-2008", {**figures, "measure": Measure.robbery, "label": "Robbery",
                                  "target_achieved": None, "page": 2})


def _line(text: str, top: float, xs: list[float] | None = None) -> Line:
    words, x = [], 40.0
    for index, token in enumerate(text.split("|") if xs else text.split()):
        x = xs[index] if xs else x
        words.append(Word(token.strip(), x, x + 5 * len(token.strip()), top, top + 9, 9.0,
                          False))
        x += 5 * len(token.strip()) + 2.5
    return Line(2, "c", tuple(words))


def test_an_unknown_crime_type_refuses_the_document() -> None:
    columns = [40.0, 140.0, 180.0, 220.0, 260.0]
    header = Line(2, "c", tuple(
        Word(text, x, x + 30, 100, 109, 9.0, True)
        for text, x in zip(("Crime", "type", "2006/07", "2007/08", "Change", "%", "change"),
                           [40.0, 72.0, 140.0, 180.0, 220.0, 260.0, 268.0], strict=True)))
    row = _line("Dog fouling|2000|1900|-100|-5.0%", 120, columns)
    heading = "Crime in Barnet 2007/08"
    section = FoundSection("performance", heading,
                           re.match(r"Crime in (?P<area>.+) (?P<period>.+)", heading),  # type: ignore[arg-type]
                           2, (header, row))
    with pytest.raises(InconsistentDocument, match="'Dog fouling' is no known measure"):
        TEMPLATE.table.read(section, Leaflet(None), "", "mpa-2008")  # no page: read by words


def test_targets_read_as_signed_percentages() -> None:
    lines = [_line("Barnet has agreed these targets with the MPA for 2008/09:", 100),
             _line("\u2022 Reduce motor vehicle crime by 5.9%", 111),
             _line("\u2022 Reduce residential burglary by 2.0%", 122)]
    found = read_priorities(lines, TEMPLATE.priorities, "2008/09", template="mpa-2008")
    assert [(p.measure, p.target_change_pct, p.period, p.label) for p in found] == [
        (Measure.motor_vehicle_crime, -5.9, "2008/09", "Reduce motor vehicle crime by 5.9%"),
        (Measure.residential_burglary, -2.0, "2008/09", "Reduce residential burglary by 2.0%"),
    ]


@needs_fixtures
def test_total_notifiable_offences_are_the_boroughs_real_totals() -> None:
    extraction = extract_document((PDFS / "2007-08" / "lambeth.pdf").read_bytes())
    [total] = [r for r in extraction.performance
               if r.measure is Measure.total_notifiable_offences]
    code = extraction.document.area_code
    assert total.count_previous == recorded_offences()[(code, "2006/07")]
    assert total.count_current == recorded_offences()[(code, "2007/08")]
    assert extraction.document.template == "mpa-2008"
