"""One leaflet per class of failure seen on leaflets made by other producers (issue 9).

`fixtures/layouts/` holds them (written by `python -m fixtures.randomised.named`), each with its
truth and what must become of it: loaded with exactly its truth's figures, or quarantined with a
reason that names what could not be read. Figures are compared record by record, field by field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from test_golden import _differences

from extractors import ExtractionError, extract_document
from schemas import Extraction

LAYOUTS = FIXTURES / "layouts"
EXPECTED: dict[str, dict[str, Any]] = json.loads((LAYOUTS / "expected.json").read_text("utf-8"))
LOADED = sorted(name for name, want in EXPECTED.items() if want["status"] == "loaded")
REFUSED = sorted(name for name, want in EXPECTED.items() if want["status"] == "quarantined")
FIGURES = ("document", "performance", "priorities", "force_results")


def _truth(name: str) -> dict[str, Any]:
    truth = Extraction.model_validate_json((LAYOUTS / "truth" / f"{name}.json").read_text("utf-8"))
    return {key: value for key, value in truth.model_dump(mode="json").items() if key in FIGURES}


def _pdf(name: str) -> bytes:
    return (LAYOUTS / "pdfs" / f"{name}.pdf").read_bytes()


def test_every_class_of_the_issue_has_a_fixture() -> None:
    assert set(EXPECTED) >= {
        "column-order-badges", "word-by-word-ticks", "weasyprint-html-table-endash",
        "chromium-two-column", "priorities-comma-separated", "force-results-looking-back",
        "table-top-of-page-5-of-6", "borough-aliases", "borough-ambiguous",
        "redistilled-missing-minus", "three-column-table-page",
    }
    assert {path.stem for path in (LAYOUTS / "pdfs").glob("*.pdf")} == set(EXPECTED)


@pytest.mark.parametrize("name", LOADED)
def test_a_layout_loads_exactly_its_truth(name: str) -> None:
    got = extract_document(_pdf(name)).model_dump(mode="json")
    want = _truth(name)
    assert _differences(want, {key: got[key] for key in FIGURES}) == []


@pytest.mark.parametrize("name", REFUSED)
def test_a_layout_that_cannot_be_read_whole_is_quarantined_with_its_reason(name: str) -> None:
    with pytest.raises(ExtractionError) as refused:
        extract_document(_pdf(name))
    for words in EXPECTED[name].get("reason_contains", []):
        assert words in str(refused.value)


def test_a_table_missing_its_signs_names_the_rows_and_loads_none_of_them() -> None:
    with pytest.raises(ExtractionError) as refused:
        extract_document(_pdf("redistilled-missing-minus"))
    reason = str(refused.value)
    assert "print a change with no sign that the commander's message does not confirm" in reason
    assert "so nothing is loaded" in reason


def test_no_mark_column_is_never_read_as_not_achieved() -> None:
    with pytest.raises(ExtractionError, match="no mark column was found"):
        extract_document(_pdf("badge-table-without-marks"))


def test_aliases_name_the_borough_by_its_ons_name(tmp_path: Path) -> None:
    names = {name: extract_document(_pdf(name)).document for name in
             ("borough-aliases", "borough-aliases-richmond", "borough-aliases-ampersand")}
    assert {name: (info.area, info.area_code) for name, info in names.items()} == {
        "borough-aliases": ("Westminster", "E09000033"),
        "borough-aliases-richmond": ("Richmond upon Thames", "E09000027"),
        "borough-aliases-ampersand": ("Hammersmith and Fulham", "E09000013"),
    }
