"""Template mpa-2008: the counts of both years are checked against the printed change."""

from __future__ import annotations

import pytest
from conftest import PDFS, needs_fixtures

from extractors import InconsistentDocument, extract_document
from extractors.figures import FigureError
from extractors.grid import GridRow
from extractors.mpa_2008 import _row_to_result, priority_from_text
from schemas import Measure, ReviewItem
from schemas.areas import recorded_offences


def test_an_unsigned_fall_takes_its_sign_from_the_counts() -> None:
    review: list[ReviewItem] = []
    row = GridRow(("Robbery", "2,484", "2135", "349", "14.0%"), 2)
    result = _row_to_result(row, review)
    assert (result.measure, result.change_count, result.change_pct) == (
        Measure.robbery, -349, -14.0)
    assert (result.count_previous, result.count_current, result.target_achieved) == (
        2484, 2135, None)
    assert review == []


@pytest.mark.parametrize("cells", [
    ("Robbery", "2484", "2135", "+349", "\u221214.0%"),  # sign contradicts the counts
    ("Robbery", "2484", "2135", "\u2212350", "\u221214.0%"),  # change is not the difference
])
def test_a_change_that_disagrees_with_the_counts_is_refused(cells: tuple[str, ...]) -> None:
    with pytest.raises(FigureError):
        _row_to_result(GridRow(cells, 2), [])


def test_a_percentage_that_disagrees_with_the_counts_is_refused() -> None:
    with pytest.raises(InconsistentDocument, match=r"not -12\.0%"):
        _row_to_result(GridRow(("Robbery", "2484", "2135", "\u2013349", "\u201312.0%"), 2), [])


def test_an_unknown_crime_type_is_kept_for_review() -> None:
    review: list[ReviewItem] = []
    result = _row_to_result(GridRow(("Criminal damage", "2000", "1900", "-100", "-5.0%"), 2),
                            review)
    assert result.measure is None
    assert review == [ReviewItem(item="unknown_label", detail="Criminal damage", page=2)]


def test_targets_read_as_signed_percentages() -> None:
    target = priority_from_text("Reduce motor vehicle crime by 5.9%", 2)
    assert (target.measure, target.target_change_pct, target.period) == (
        Measure.motor_vehicle_crime, -5.9, "2008/09")
    assert priority_from_text("Increase public confidence", 2).target_change_pct is None


@needs_fixtures
def test_total_notifiable_offences_are_the_boroughs_real_totals() -> None:
    extraction = extract_document((PDFS / "2007-08" / "lambeth.pdf").read_bytes())
    [total] = [r for r in extraction.performance
               if r.measure is Measure.total_notifiable_offences]
    code = extraction.document.area_code
    assert total.count_previous == recorded_offences()[(code, "2006/07")]
    assert total.count_current == recorded_offences()[(code, "2007/08")]
    assert extraction.document.template == "mpa-2008"
