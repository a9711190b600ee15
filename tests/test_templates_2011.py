"""Template mpa-2011: achieved symbols read from the key, and the ward priorities table."""

from __future__ import annotations

from conftest import PDFS, needs_fixtures

from extractors import extract_document
from extractors.grid import GridRow
from extractors.mpa_2011 import row_figures
from schemas import Extraction, WardPriority


def test_a_count_row_takes_its_sign_from_fewer_or_more() -> None:
    row = GridRow(("Knife crime", "\u20132.6%", "4.1% (21 fewer)", "\u25cf"), 2)
    assert row_figures(row) == {"change_count": -21, "change_pct": -4.1,
                                "target_change_pct": -2.6}


@needs_fixtures
def test_ward_priorities_are_ranked_per_ward() -> None:
    extraction = extract_document((PDFS / "2010-11" / "tower-hamlets.pdf").read_bytes())
    wards = extraction.ward_priorities
    assert len({w.ward for w in wards}) == 5
    assert "Spitalfields and Banglatown" in {w.ward for w in wards}
    for ward in {w.ward for w in wards}:
        ranks = [w.rank for w in wards if w.ward == ward]
        assert ranks == list(range(1, len(ranks) + 1))
    assert {w.period for w in wards} == {"2011/12"}


def test_a_ward_rank_may_appear_once() -> None:
    golden = (PDFS.parent / "golden" / "2010-11" / "barnet.json").read_text("utf-8")
    extraction = Extraction.model_validate_json(golden)
    first = extraction.ward_priorities[0]
    duplicate = WardPriority(ward=first.ward, rank=first.rank, label="Graffiti",
                             period="2011/12", page=first.page)
    data = extraction.model_dump()
    data["ward_priorities"].append(duplicate.model_dump())
    try:
        Extraction.model_validate(data)
    except ValueError as error:
        assert "more than once" in str(error)
    else:  # pragma: no cover
        raise AssertionError("duplicate ward rank accepted")
