"""Template mpa-2009: count and rate rows against their targets, Yes/No checked against them."""

from __future__ import annotations

import pytest

from extractors import InconsistentDocument
from extractors.figures import FigureError, valid_result
from extractors.grid import GridRow
from extractors.mpa_2009 import row_figures
from schemas import Measure


def row_to_result(row: GridRow, achieved: bool | None) -> object:
    """The record the grid reader builds from a row whose mark reads `achieved`."""
    from schemas.measures import measure_for_label
    fields = row_figures(row)
    fields.update(measure=measure_for_label(row.cells[0]), label=row.cells[0], page=row.page,
                  target_achieved=achieved)
    return valid_result("mpa-2009", fields)


def test_a_count_row_reads_change_and_target() -> None:
    row = GridRow(("Residential burglary", "\u22125.0%", "87 offences (\u22123.2%)", "No"), 2)
    result = row_to_result(row, False)
    assert (result.change_count, result.change_pct, result.target_change_pct) == (
        -87, -3.2, -5.0)
    assert result.target_achieved is False and result.value_pct is None


def test_a_rate_row_reads_value_and_target_value() -> None:
    row = GridRow(("Sanction detection rate", "20.0%", "21.4%", "Yes"), 2)
    result = row_to_result(row, True)
    assert (result.measure, result.value_pct, result.target_value_pct) == (
        Measure.sanction_detections, 21.4, 20.0)
    assert result.change_count is None and result.target_achieved is True


def test_achieved_contradicting_the_figures_is_refused() -> None:
    row = GridRow(("Public confidence", "52.0%", "48.5%", "Yes"), 2)
    with pytest.raises(InconsistentDocument, match="says the target was met"):
        row_to_result(row, True)


@pytest.mark.parametrize("result", ["+87 offences (\u22123.2%)", "87 offences (3.2%)"])
def test_a_change_without_one_clear_sign_is_refused(result: str) -> None:
    with pytest.raises(FigureError):
        row_to_result(GridRow(("Robbery", "\u22125.0%", result, "No"), 2), False)
