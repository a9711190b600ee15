"""The layout-randomised leaflet generator (fixtures/randomised) and its named fixtures.

The generator's truth is what extraction is scored against, so it is checked here against the
PDFs themselves, read with pdfplumber (the generator locates pages with pypdfium2): every figure
appears as the leaflet's print style prints it, on the page the truth says, and every record's
page is right. Figures are re-formatted here from the truth and the recorded parameters, not by
the generator's own formatting code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from fixtures.randomised.chromium import ChromiumPrinter
from fixtures.randomised.generate import generate, parse_seeds, render_leaflet
from fixtures.randomised.named import FIXTURES as NAMED
from fixtures.randomised.params import PRODUCERS, draw_params, value_space
from schemas import Extraction

REPO = Path(__file__).resolve().parents[1]
LAYOUTS = REPO / "fixtures" / "layouts"
_MINUS = {"U+2212": "\u2212", "U+2013": "\u2013", "-": "-", "unsigned": ""}
_PHRASES = {"residential_burglary": "burglaries", "robbery": "robberies",
            "theft_from_vehicles": "car break ins", "theft_of_vehicles": "cars stolen",
            "serious_youth_violence": "victims of serious youth violence",
            "knife_crime": "knife crimes", "gun_crime": "gun crimes"}


def _squash(text: str) -> str:
    return "".join(text.split())


def _sample_seeds() -> list[int]:
    """Two seeds per producer, plus one unsigned, one split and one page-top table."""
    chosen: list[int] = []
    for producer in PRODUCERS:
        chosen += [s for s in range(500) if draw_params(s).producer == producer][:2]
    for want in ({"minus": "unsigned"}, {"table_place": "split"}, {"table_place": "page-top"},
                 {"columns": "3"}, {"font": "helvetica"}):
        chosen.append(next(s for s in range(500) if s not in chosen
                           and want.items() <= draw_params(s).record().items()))
    return sorted(chosen)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("randomised")
    generate(_sample_seeds(), out, jobs=1, log=lambda _message: None)
    return out


Leaflet = tuple[str, dict[str, str], Extraction, list[str], int]


@pytest.fixture(scope="module")
def leaflets(sample: Path) -> list[Leaflet]:
    """Each leaflet's name, parameters, truth, its pages' text in content-stream order, and the
    number of curves (drawn paths) on the pages of its table."""
    params: dict[str, dict[str, str]] = json.loads((sample / "params.json").read_text("utf-8"))
    out = []
    for name, record in sorted(params.items()):
        truth = Extraction.model_validate_json(
            (sample / "truth" / f"{name}.json").read_text("utf-8"))
        with pdfplumber.open(sample / "pdfs" / f"{name}.pdf") as pdf:
            pages = [_squash("".join(char["text"] for char in page.chars)) for page in pdf.pages]
            curves = sum(len(pdf.pages[n - 1].curves) for n in {r.page for r in truth.performance})
        out.append((name, record, truth, pages, curves))
    return out


def _printed_cell(count: int, pct: float, record: dict[str, str]) -> str:
    number = f"{abs(count):,}" if record["thousands"] == "comma" else str(abs(count))
    if count > 0:
        return f"{number} offences or +{pct:.1f}%"
    minus = _MINUS[record["minus"]]
    return f"{minus if record['count_sign'] == 'signed' else ''}{number} offences or " \
           f"{minus}{abs(pct):.1f}%"


# --- parameters ---------------------------------------------------------------------------------


def test_parameters_are_a_pure_function_of_the_seed() -> None:
    assert [draw_params(s) for s in range(50)] == [draw_params(s) for s in range(50)]
    assert draw_params(7) != draw_params(8)


def test_every_parameter_value_is_drawn_within_two_hundred_seeds() -> None:
    seen: dict[str, set[str]] = {}
    for seed in range(200):
        for key, value in draw_params(seed).record().items():
            seen.setdefault(key, set()).add(value)
    missing = {key: sorted(set(values) - seen[key]) for key, values in value_space().items()
               if set(values) - seen[key]}
    assert missing == {}


def test_html_producers_never_draw_an_unembedded_font() -> None:
    drawn = [draw_params(s) for s in range(300)]
    assert {p.font for p in drawn if p.producer in ("weasyprint", "chromium")} == {
        "dejavu", "dejavu-condensed"}
    assert "helvetica" in {p.font for p in drawn if p.producer in ("canvas", "platypus")}


def test_seed_lists_and_ranges_are_parsed() -> None:
    assert parse_seeds("1000-1003,7, 9") == [7, 9, 1000, 1001, 1002, 1003]
    with pytest.raises(ValueError, match="runs backwards"):
        parse_seeds("5-3")


# --- rendered leaflets --------------------------------------------------------------------------


def test_params_json_names_every_file(sample: Path) -> None:
    names = set(json.loads((sample / "params.json").read_text("utf-8")))
    assert names == {p.stem for p in (sample / "pdfs").glob("*.pdf")}
    assert names == {p.stem for p in (sample / "truth").glob("*.json")}
    assert len(names) == len(_sample_seeds())


def test_every_producer_is_in_the_sample(sample: Path) -> None:
    params = json.loads((sample / "params.json").read_text("utf-8"))
    assert {record["producer"] for record in params.values()} == set(PRODUCERS)


def test_truth_is_a_valid_extraction_of_the_borough(leaflets: list[Leaflet]) -> None:
    for name, record, truth, pages, _curves in leaflets:
        assert truth.document.area == record["area"], name
        assert truth.document.page_count == len(pages), name
        assert truth.document.template == "mpa-2010"
        assert len(truth.performance) == 7 and all(r.measure for r in truth.performance), name
        assert _squash(f"{record['printed_name']}: local information") in "".join(pages), name


def test_every_table_figure_is_printed_on_its_rows_page(leaflets: list[Leaflet]) -> None:
    for name, record, truth, pages, _curves in leaflets:
        for row in truth.performance:
            assert row.change_count is not None and row.change_pct is not None, (name, row.label)
            page = pages[row.page - 1]
            cell = _squash(_printed_cell(row.change_count, row.change_pct, record))
            assert re.search(r"(?<![\d,.])" + re.escape(cell), page), (name, row.label, cell)
            assert _squash(row.label) in page, (name, row.label, row.page)


def test_an_unsigned_fall_is_stated_by_the_commander(leaflets: list[Leaflet]) -> None:
    checked = 0
    for name, record, truth, pages, _curves in leaflets:
        if record["minus"] != "unsigned":
            continue
        message = next(s.text for s in truth.sections if s.name == "commander_message")
        for row in truth.performance:
            assert row.change_count is not None and row.change_pct is not None
            if row.change_count < 0:
                number = (f"{-row.change_count:,}" if record["thousands"] == "comma"
                          else str(-row.change_count))
                phrase = (f"{number} fewer {_PHRASES[str(row.measure)]} "
                          f"({-row.change_pct:.1f}% reduction)")
                assert phrase in message, (name, phrase)
                assert _squash(phrase) in "".join(pages), (name, phrase)
                checked += 1
    assert checked


def test_marks_match_the_truth(leaflets: list[Leaflet]) -> None:
    """Mark text where the mark is text; a tick is a drawn path (one per achieved row), never
    text; a badge or tick table has at least one achieved row."""
    for name, record, truth, pages, curves in leaflets:
        text = "".join(pages)
        achieved = sum(bool(row.target_achieved) for row in truth.performance)
        missed = len(truth.performance) - achieved
        found = {
            "badge": (text.count("Targetachieved"), achieved),
            "text": ((text.count("Targetachieved"), text.count("Targetnotachieved")),
                     (achieved, missed)),
            "yesno": (len(re.findall(r"%(?:Yes|No)", text)) if record["draw_order"] == "rows"
                      else None, len(truth.performance) if record["draw_order"] == "rows"
                      else None),
            "tick": (("Targetachieved" in text, curves), (False, achieved)),
        }[record["mark"]]
        assert found[0] == found[1], (name, record["mark"], found)
        if record["mark"] in ("badge", "tick"):
            assert achieved >= 1, name


def test_priorities_force_results_and_sections_are_on_their_pages(leaflets: list[Leaflet]) -> None:
    for name, _record, truth, pages, _curves in leaflets:
        for priority in truth.priorities:
            assert _squash(priority.label) in "".join(pages[priority.page - 1:]), name
            assert _squash(priority.label)[:12] in pages[priority.page - 1], (name, priority)
        for result in truth.force_results:
            assert _squash(result.label)[:24] in pages[result.page - 1], (name, result.label)
        for section in truth.sections:
            assert _squash(section.heading) in pages[section.page - 1], (name, section.heading)
            earlier = "".join(pages[:section.page - 1])
            assert _squash(section.heading) not in earlier, (name, section.heading)


def test_a_seed_renders_to_the_same_bytes_every_time() -> None:
    seeds = {draw_params(s).producer: s for s in range(40)}
    with ChromiumPrinter() as printer:
        for producer, seed in sorted(seeds.items()):
            first = render_leaflet(seed, printer=printer)
            second = render_leaflet(seed, printer=printer)
            assert first.pdf == second.pdf, producer
            assert first.truth == second.truth and first.params == second.params, producer


# --- named fixtures ------------------------------------------------------------------------------


def _expected() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((LAYOUTS / "expected.json").read_text("utf-8"))
    return data


def test_there_is_one_named_fixture_per_failure_class() -> None:
    expected = _expected()
    assert set(expected) == {fixture.name for fixture in NAMED}
    assert set(expected) == {p.stem for p in (LAYOUTS / "pdfs").glob("*.pdf")}
    assert set(expected) == {p.stem for p in (LAYOUTS / "truth").glob("*.json")}
    for name in ("column-order-badges", "word-by-word-ticks", "weasyprint-html-table-endash",
                 "chromium-two-column", "priorities-comma-separated",
                 "force-results-looking-back", "table-top-of-page-5-of-6", "borough-aliases",
                 "borough-ambiguous", "redistilled-missing-minus", "three-column-table-page"):
        assert name in expected


def test_named_fixtures_say_what_ingesting_them_must_give() -> None:
    expected = _expected()
    quarantined = {name for name, want in expected.items() if want["status"] == "quarantined"}
    assert quarantined == {"borough-ambiguous", "redistilled-missing-minus",
                           "badge-table-without-marks"}
    assert expected["borough-ambiguous"]["reason_contains"] == ["Hampton"]
    truth = Extraction.model_validate_json(
        (LAYOUTS / "truth" / "redistilled-missing-minus.json").read_text("utf-8"))
    unread = [row.label for row in truth.performance if row.change_count is None]
    assert expected["redistilled-missing-minus"]["reason_contains"] == unread
    assert 0 < len(unread) < sum(1 for r in truth.performance
                                 if r.change_count is None or r.change_count < 0)
    assert {item.detail.split(":")[0] for item in truth.review} == set(unread)


def test_the_badge_fixture_without_marks_has_no_mark_at_all() -> None:
    truth = Extraction.model_validate_json(
        (LAYOUTS / "truth" / "badge-table-without-marks.json").read_text("utf-8"))
    assert not any(row.target_achieved for row in truth.performance)
    with pdfplumber.open(LAYOUTS / "pdfs" / "badge-table-without-marks.pdf") as pdf:
        page = pdf.pages[truth.performance[0].page - 1]
        assert "Target" not in (page.extract_text() or "") and not page.curves


def test_the_table_of_the_page_5_fixture_opens_page_5_of_6() -> None:
    truth = Extraction.model_validate_json(
        (LAYOUTS / "truth" / "table-top-of-page-5-of-6.json").read_text("utf-8"))
    assert truth.document.page_count == 6
    assert {row.page for row in truth.performance} == {5}
    with pdfplumber.open(LAYOUTS / "pdfs" / "table-top-of-page-5-of-6.pdf") as pdf:
        words = pdf.pages[4].extract_words()
    assert " ".join(w["text"] for w in words[:4]).startswith("How did")


def test_the_redistilled_fixture_has_no_minus_in_its_text_layer() -> None:
    with pdfplumber.open(LAYOUTS / "pdfs" / "redistilled-missing-minus.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    table = text[text.index("perform during"):text.index("Looking forward")]
    assert not set("\u2212\u2013") & set(table) and "-" not in table.replace("2009/10?", "")


def test_a_named_fixture_is_reproduced_byte_for_byte() -> None:
    fixture = next(f for f in NAMED if f.name == "word-by-word-ticks")
    leaflet = render_leaflet(fixture.seed, params=fixture.params_for(fixture.seed),
                             overrides=fixture.overrides, name=fixture.name)
    assert leaflet.pdf == (LAYOUTS / "pdfs" / f"{fixture.name}.pdf").read_bytes()
