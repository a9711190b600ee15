"""The figure parsers: counts, percentages, signs, change cells, periods and labels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.crosscheck import find_mentions, percent_agrees
from extractors.figures import (
    FigureError,
    direction_sign,
    parse_change_cell,
    parse_count,
    parse_percent,
)
from extractors.priorities import priority_from_text, split_priorities
from schemas.measures import MINUS_SIGNS, Measure, measure_for_label, normalise_label
from schemas.records import check_period, next_period


@pytest.mark.parametrize(
    ("cell", "count", "pct", "sign"),
    [
        ("432 offences or +16.6%", 432, 16.6, 1),
        ("427 offences or 12.5%", 427, 12.5, None),
        ("427 offences or \u221212.5%", 427, 12.5, -1),
        ("\u22121,204 offences or \u22126.3%", 1204, 6.3, -1),
        ("\u20131,204 offences or \u20136.3%", 1204, 6.3, -1),
        ("-58 offences or -6.1 %", 58, 6.1, -1),
        ("0 offences or 0.0%", 0, 0.0, None),
    ],
)
def test_change_cells_as_printed(cell: str, count: int, pct: float, sign: int | None) -> None:
    parsed = parse_change_cell(cell)
    assert (parsed.count, parsed.pct, parsed.sign) == (count, pct, sign)


def test_unsigned_cell_is_not_signed_and_zero_is() -> None:
    assert not parse_change_cell("427 offences or 12.5%").signed
    assert parse_change_cell("0 offences or 0.0%").signed


@pytest.mark.parametrize(
    "cell",
    [
        "+432 offences or \u221216.6%",  # signs disagree
        "1,20 offences or 3.0%",  # misplaced separator
        "offences or 3%",
        "432 crimes or 16.6%",
        "0 offences or 4.0%",
    ],
)
def test_bad_change_cells_are_refused(cell: str) -> None:
    with pytest.raises(FigureError):
        parse_change_cell(cell)


@given(
    count=st.integers(min_value=1, max_value=99_999),
    tenths=st.integers(min_value=1, max_value=9_999),
    minus=st.sampled_from(list(MINUS_SIGNS)),
    on_count=st.booleans(),
)
def test_any_printed_fall_reads_back(count: int, tenths: int, minus: str, on_count: bool) -> None:
    printed = f"{minus if on_count else ''}{count:,} offences or {minus}{tenths / 10:.1f}%"
    parsed = parse_change_cell(printed)
    assert parsed.with_sign(parsed.sign or 0) == (-count, -round(tenths / 10, 1))


@given(st.integers(min_value=0, max_value=10**9))
def test_counts_round_trip_with_separators(value: int) -> None:
    assert parse_count(f"{value:,}") == value
    assert parse_count(str(value)) == value


@given(st.text(max_size=12))
def test_parse_count_never_returns_garbage(text: str) -> None:
    try:
        value = parse_count(text)
    except FigureError:
        return
    assert f"{value:,}" == text or str(value) == text.lstrip("0") or text == "0" * len(text)


def test_percent_and_direction_words() -> None:
    assert parse_percent("51.4 %") == 51.4
    assert direction_sign("fewer") == -1 and direction_sign("Increase") == 1
    with pytest.raises(FigureError):
        direction_sign("sideways")


@pytest.mark.parametrize("period", ["2009/10", "1999/00", "2010/11"])
def test_periods_accepted(period: str) -> None:
    assert check_period(period) == period


@pytest.mark.parametrize("period", ["2009/11", "2009-10", "09/10", "2009/1"])
def test_periods_refused(period: str) -> None:
    with pytest.raises(ValueError, match="period"):
        check_period(period)


@given(st.integers(min_value=1990, max_value=2098))
def test_next_period_is_a_period(start: int) -> None:
    period = f"{start}/{(start + 1) % 100:02d}"
    assert check_period(next_period(period)) == next_period(period)
    assert next_period(period)[:4] == str(start + 1)


@pytest.mark.parametrize(
    ("label", "measure"),
    [
        ("Theft or taking of vehicles", Measure.theft_of_vehicles),
        ("  Total   ROBBERY ", Measure.robbery),
        ("Theft from vehicles", Measure.theft_from_vehicles),
        ("Sanction detection rates", Measure.sanction_detections),
        ("Criminal damage", None),
    ],
)
def test_labels_map_once(label: str, measure: Measure | None) -> None:
    assert measure_for_label(label) == measure


@given(st.text(max_size=40))
def test_normalise_label_is_idempotent(text: str) -> None:
    assert normalise_label(normalise_label(text)) == normalise_label(text)


def test_priorities_split_and_sign() -> None:
    parts = split_priorities("1.0% reduction in most serious violence, 3.0% reduction in serious "
                             "youth violence")
    assert parts == ["1.0% reduction in most serious violence",
                     "3.0% reduction in serious youth violence"]
    first = priority_from_text(parts[0], "2010/11", 3)
    assert (first.measure, first.target_change_pct) == (Measure.most_serious_violence, -1.0)
    none = priority_from_text("challenging targets for sanction detection rates across specific "
                              "crime types", "2010/11", 3)
    assert (none.measure, none.target_change_pct) == (Measure.sanction_detections, None)


def test_message_mentions_the_seed_figures() -> None:
    text = ("Our efforts to tackle car crime were rewarded with 172 fewer cars stolen (17% "
            "reduction) and 427 fewer car break ins (12.5% reduction).")
    mentions = {m.measure: m for m in find_mentions(text)}
    assert mentions[Measure.theft_of_vehicles].count == 172
    assert mentions[Measure.theft_of_vehicles].sign == -1
    assert mentions[Measure.theft_from_vehicles].pct == "12.5"
    assert percent_agrees("17", 17.1) and not percent_agrees("12.5", 12.7)
