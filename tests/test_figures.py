"""The figure parsers: counts, percentages, signs, change cells, periods and labels."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.crosscheck import MESSAGE_PHRASES, find_mentions, percent_agrees
from extractors.errors import InconsistentDocument
from extractors.figures import (
    FigureError,
    direction_sign,
    parse_change_cell,
    parse_count,
    parse_percent,
    parse_signed,
)
from extractors.force_results import read_force_results
from extractors.layout import Line, Word
from extractors.ligatures import repaired_label
from extractors.mpa_2010 import TEMPLATE as MPA_2010
from extractors.priorities import split_priorities
from extractors.stream import stream_of
from schemas.measures import (
    MEASURE_BY_LABEL,
    MINUS_SIGNS,
    Measure,
    measure_for_label,
    normalise_label,
)
from schemas.records import ForceResult, Priority, check_period


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


@pytest.mark.parametrize(
    ("label", "measure"),
    [
        ("Theft or taking of vehicles", Measure.theft_of_vehicles),
        ("  Total   ROBBERY ", Measure.robbery),
        ("Theft from vehicles", Measure.theft_from_vehicles),
        ("Sanction detection rates", Measure.sanction_detections),
        ("Criminal damage", Measure.criminal_damage),
        ("Dog fouling", None),
    ],
)
def test_labels_map_once(label: str, measure: Measure | None) -> None:
    assert measure_for_label(label) == measure


@given(st.text(max_size=40))
def test_normalise_label_is_idempotent(text: str) -> None:
    assert normalise_label(normalise_label(text)) == normalise_label(text)


def _line(text: str, top: float = 100.0) -> Line:
    words, x = [], 40.0
    for token in text.split():
        words.append(Word(token, x, x + 5 * len(token), top, top + 9, 9.0, False))
        x += 5 * len(token) + 2.5
    return Line(3, "c", tuple(words))


def _priorities(*texts: str) -> list[Priority]:
    stream = stream_of([_line(text, 100 + 11 * n) for n, text in enumerate(texts)])
    return split_priorities(stream, MPA_2010.priorities, "2010/11")


def _force(text: str) -> list[ForceResult]:
    return read_force_results([_line(text)], "2009/10", template="mpa-2010")


def test_priorities_split_and_sign() -> None:
    first, second, none = _priorities(
        "1.0% reduction in most serious violence, 3.0% reduction in serious youth violence",
        "challenging targets for sanction detection rates across specific crime types")
    assert [first.label, second.label] == ["1.0% reduction in most serious violence",
                                           "3.0% reduction in serious youth violence"]
    assert (first.measure, first.target_change_pct) == (Measure.most_serious_violence, -1.0)
    assert (none.measure, none.target_change_pct) == (Measure.sanction_detections, None)


def test_message_mentions_the_seed_figures() -> None:
    text = ("Our efforts to tackle car crime were rewarded with 172 fewer cars stolen (17% "
            "reduction) and 427 fewer car break ins (12.5% reduction).")
    mentions = {m.measure: m for m in find_mentions(text)}
    assert mentions[Measure.theft_of_vehicles].count == 172
    assert mentions[Measure.theft_of_vehicles].sign == -1
    assert mentions[Measure.theft_from_vehicles].pct == "12.5"
    assert percent_agrees("17", 17.1) and not percent_agrees("12.5", 12.7)


# --- properties over every printed form ----------------------------------------------------------
# Each strategy writes a figure the way some leaflet prints it (any minus glyph, '+', or no sign;
# thousands separators; a space before '%' or not; odd spacing) and the parser must read back
# exactly the value written, or refuse it; never a different number.

SIGN_GLYPHS = st.sampled_from([*MINUS_SIGNS, "+", ""])
SPACE = st.sampled_from([" ", "  ", "\n", " \t"])


def _sign_value(glyph: str) -> int | None:
    return None if not glyph else (1 if glyph == "+" else -1)


@given(count=st.integers(0, 999_999), tenths=st.integers(0, 9_999), count_sign=SIGN_GLYPHS,
       pct_sign=SIGN_GLYPHS, gap=SPACE, pct_space=st.sampled_from(["", " "]),
       separators=st.booleans())
def test_any_change_cell_reads_back_or_is_refused(
    count: int, tenths: int, count_sign: str, pct_sign: str, gap: str, pct_space: str,
    separators: bool,
) -> None:
    shown = f"{count:,}" if separators else str(count)
    cell = f"{count_sign}{shown}{gap}offences{gap}or {pct_sign}{tenths / 10:.1f}{pct_space}%"
    signs = {_sign_value(count_sign), _sign_value(pct_sign)} - {None}
    try:
        parsed = parse_change_cell(cell)
    except FigureError:
        assert len(signs) == 2 or (count == 0) != (tenths == 0)  # opposite signs, or 0 vs non-0
        return
    assert (parsed.count, parsed.pct) == (count, tenths / 10)
    assert parsed.sign == (signs.pop() if signs else None)


@given(value=st.integers(0, 10**7), glyph=SIGN_GLYPHS, space=st.sampled_from(["", " "]))
def test_signed_counts_read_back(value: int, glyph: str, space: str) -> None:
    parsed = parse_signed(f"{glyph}{space if glyph else ''}{value:,}", percent=False)
    assert (parsed.magnitude, parsed.sign) == (value, _sign_value(glyph))
    with pytest.raises(FigureError):
        parse_signed(f"{glyph}{value:,}", percent=True)  # a count is not a percentage


@given(hundredths=st.integers(0, 99_999), glyph=SIGN_GLYPHS, space=st.sampled_from(["", " "]))
def test_signed_percentages_read_back(hundredths: int, glyph: str, space: str) -> None:
    text = f"{hundredths / 100:.2f}"
    parsed = parse_signed(f"{glyph}{text}{space}%", percent=True)
    assert (parsed.magnitude, parsed.sign) == (float(text), _sign_value(glyph))
    assert parse_percent(f"{text}{space}%") == float(text)
    if _sign_value(glyph) is None and hundredths:
        with pytest.raises(FigureError, match="without a sign"):
            parsed.value()


@given(st.from_regex(r"[0-9]{1,3}(,[0-9]{1,4}){1,3}", fullmatch=True))
def test_misplaced_thousands_separators_are_refused(text: str) -> None:
    # ASCII digits: another script's digits are refused whatever their grouping (issue 20)
    groups = text.split(",")[1:]
    if all(len(group) == 3 for group in groups):
        assert parse_count(text) == int(text.replace(",", ""))
    else:
        with pytest.raises(FigureError):
            parse_count(text)


@given(st.sampled_from(["fewer", "reduction", "reduce", "down", "decrease", "less", "lower",
                        "more", "increase", "up", "rise", "higher"]), st.randoms())
def test_direction_words_ignore_case(word: str, rnd: Any) -> None:
    shuffled = "".join(c.upper() if rnd.random() < 0.5 else c for c in word)
    assert direction_sign(shuffled) == direction_sign(word)
    assert direction_sign(word) == (1 if word in {"more", "increase", "up", "rise", "higher"}
                                    else -1)


@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\d{4}/\d{2}\s?\Z")))
def test_only_real_financial_years_are_periods(text: str) -> None:
    """Found by this test: '2009/10\n' and full-width '２００９/１０' were accepted."""
    try:
        check_period(text)
    except ValueError:
        return
    assert len(text) == 7 and text[4] == "/" and text.isascii()
    assert int(text[5:]) == (int(text[:4]) + 1) % 100


@given(st.integers(1000, 9998), st.integers(0, 99))
def test_periods_with_consecutive_years_and_only_those(start: int, end: int) -> None:
    period = f"{start}/{end:02d}"
    if (start + 1) % 100 == end:
        assert check_period(period) == period
    else:
        with pytest.raises(ValueError, match="consecutive"):
            check_period(period)


@given(label=st.sampled_from(sorted(MEASURE_BY_LABEL)), rnd=st.randoms(),
       dash=st.sampled_from([*MINUS_SIGNS, "\u2010", "\u2011"]), pad=SPACE)
def test_every_known_label_maps_whatever_its_case_spacing_and_dashes(
    label: str, rnd: Any, dash: str, pad: str,
) -> None:
    words = label.split()
    joined = "".join(
        word + (rnd.choice([" ", pad, f" {dash} ", dash]) if i < len(words) - 1 else "")
        for i, word in enumerate(words)
    )
    printed = pad + "".join(c.upper() if rnd.random() < 0.3 else c for c in joined) + pad
    assert measure_for_label(printed) == MEASURE_BY_LABEL[label]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_an_unknown_label_maps_to_none_never_to_a_guess(text: str) -> None:
    measure = measure_for_label(text)
    assert measure is None or normalise_label(text) in MEASURE_BY_LABEL


PHRASES = [(measure, phrase) for measure, phrases in MESSAGE_PHRASES.items()
           for phrase in phrases]


@given(pair=st.sampled_from(PHRASES), count=st.integers(1, 99_999), fall=st.booleans(),
       tenths=st.integers(1, 999), with_pct=st.booleans(),
       before=st.sampled_from(["", "Over the year there were ", "We saw "]),
       after=st.sampled_from(["", ".", " this year."]))
def test_a_message_figure_is_found_with_its_sign(
    pair: tuple[Measure, str], count: int, fall: bool, tenths: int, with_pct: bool,
    before: str, after: str,
) -> None:
    measure, phrase = pair
    pct = f" ({tenths / 10:.1f}% {'reduction' if fall else 'increase'})" if with_pct else ""
    text = f"{before}{count:,} {'fewer' if fall else 'more'} {phrase}{pct}{after}"
    mentions = [m for m in find_mentions(text) if m.measure == measure]
    assert [(m.count, m.sign, m.pct) for m in mentions] == [
        (count, -1 if fall else 1, f"{tenths / 10:.1f}" if with_pct else None)
    ]


@given(st.integers(0, 99_999), st.integers(0, 2))
def test_a_rounded_message_percentage_agrees_with_its_table(hundredths: int, places: int) -> None:
    table = hundredths / 100
    stated = f"{table:.{places}f}"
    if abs(float(stated) - table) < 10.0 ** (-places):
        assert percent_agrees(stated, table) and percent_agrees(stated, -table)


@given(st.lists(st.tuples(st.integers(1, 999), st.booleans(),
                          st.sampled_from(sorted(MEASURE_BY_LABEL))), min_size=1, max_size=3))
def test_priorities_split_and_read_back(targets: list[tuple[int, bool, str]]) -> None:
    printed = [f"{tenths / 10:.1f}% {'reduction' if fall else 'increase'} in {label}"
               for tenths, fall, label in targets]
    found = _priorities(", ".join(printed))
    assert [priority.label for priority in found] == printed
    for priority, (tenths, fall, label) in zip(found, targets, strict=True):
        assert priority.target_change_pct == (-1 if fall else 1) * tenths / 10
        assert priority.measure == MEASURE_BY_LABEL[label]


@given(pct=st.integers(1, 999), count=st.integers(1, 99_999), target=st.integers(1, 999),
       fall=st.booleans(), agree=st.booleans())
def test_force_results_read_back_and_refuse_a_sentence_that_contradicts_itself(
    pct: int, count: int, target: int, fall: bool, agree: bool,
) -> None:
    direction = "reduction" if fall else "increase"
    crimes = "fewer" if fall == agree else "more"
    met = fall and pct >= target
    sentence = (f"a {direction} in serious acquisitive crime of {pct / 10:.1f}% or {count} "
                f"{crimes} crimes, {{}} the {target / 10:.1f}% reduction target")
    if not agree:
        with pytest.raises(InconsistentDocument, match="disagree in sign"):
            _force(sentence.format("exceeding" if met else "missing"))
        return
    with pytest.raises(InconsistentDocument, match="but its own figures say otherwise"):
        _force(sentence.format("missing" if met else "exceeding"))
    [result] = _force(sentence.format("exceeding" if met else "missing"))
    sign = -1 if fall else 1
    assert (result.measure, result.change_pct, result.change_count, result.target_change_pct,
            result.target_achieved) == (
        Measure.serious_acquisitive_crime, sign * pct / 10, sign * count, -target / 10, met)


def test_a_force_result_listed_with_the_misses_must_say_missed() -> None:
    met = ("a reduction in theft from motor vehicle crime of 7.9% or 6195 fewer crimes, "
           "exceeding the 2.5% reduction target")
    with pytest.raises(InconsistentDocument, match="listed under targets not met"):
        _force(f"However, some targets were not met, most notably: {met}")
    assert _force(met)[0].target_achieved is True


def test_a_force_label_with_a_ligature_a_re_distiller_lost_is_read_when_one_reading_fits(
) -> None:
    """Ghostscript writes the 'fi' ligature (U+FB01) as 'û': the measure's label is read when
    exactly one ligature makes it a known label, and the record's label is spelt as printed
    before the loss (issue 16, clean-room 0076/0099)."""
    [result] = _force("public conûdence across the MPS was 53.1% against a 51.4 % target")
    assert (result.measure, result.value_pct, result.target_value_pct, result.label) == (
        Measure.public_confidence, 53.1, 51.4,
        "public confidence across the MPS was 53.1% against a 51.4 % target")
    assert repaired_label("public conûdence") == "public confidence"
    assert repaired_label("robbery") == "robbery"
    assert repaired_label("pûblic confidence") is None  # no ligature draws 'u'
    with pytest.raises(InconsistentDocument, match=r"a figure \(53.1%\)"):
        _force("public conûdûnce across the MPS was 53.1% against a 51.4 % target")


def test_a_force_figure_in_no_known_sentence_refuses_the_section() -> None:
    with pytest.raises(InconsistentDocument, match=r"a figure \(9.9%\)"):
        _force("a reduction in dog fouling of 9.9% or 12 fewer crimes, exceeding the 2.5% "
               "reduction target")


@given(st.sampled_from(["Target achieved", "achieved", "yes", "Target not achieved", "no"]),
       st.randoms())
def test_achieved_marks_ignore_case_and_spacing(mark: str, rnd: Any) -> None:
    printed = " " + "".join(c.upper() if rnd.random() < 0.5 else c for c in mark) + " \n"
    vocabulary = MPA_2010.table.vocabulary  # type: ignore[attr-defined]
    assert vocabulary.marks.meaning(printed) is ("not" not in mark and mark != "no")
    assert vocabulary.marks.meaning("Target missed?") is None


def test_a_word_broken_over_two_lines_is_joined_again() -> None:
    stream = stream_of([_line("there were 105 more crimes, a 1.6% in\u2010"),
                        _line("crease; the gap", 111), _line("an anti-", 122),
                        _line("social act", 133)])
    assert stream.text == ("there were 105 more crimes, a 1.6% increase; the gap an anti- "
                           "social act")
    assert stream.page_at(stream.text.index("increase")) == 3


def test_a_break_hyphen_set_as_a_word_of_its_own_joins_too() -> None:
    stream = stream_of([_line("exceeding the 2.5% re \u2010"), _line("duction target", 111)])
    assert stream.text == "exceeding the 2.5% reduction target"


def test_a_message_that_names_the_measure_by_its_table_label_is_a_mention() -> None:
    """'59 fewer offences of robbery (15.9% reduction)': the commander's message quoting the
    table by its own labels is checked against the table like the real leaflet's phrases, so
    a table reading '215.9%' (a minus a re-distilled font's text map gives as '2') is named
    against the message (issue 16, clean-room 0012), not refused as merely unsigned."""
    mentions = find_mentions(
        "rewarded with 59 fewer offences of robbery (15.9% reduction) and 415 fewer offences "
        "of theft or taking of vehicles (31.3% reduction); 33 more offences of knife crime.")
    assert [(m.measure, m.count, m.sign, m.pct) for m in mentions] == [
        (Measure.robbery, 59, -1, "15.9"), (Measure.theft_of_vehicles, 415, -1, "31.3"),
        (Measure.knife_crime, 33, 1, None)]
    assert find_mentions("59 fewer offences of dog fouling (15.9% reduction)") == []
