"""Every figure an extraction loads says where it was read: its cell's box holds its words.

For each fixture leaflet, each `FigureCell` is checked against the page itself: the words
pdfplumber finds inside the box (cropped, as the render check does) contain the cell's text,
and every figure that is not None has exactly one cell.
"""

from __future__ import annotations

import io

import pdfplumber
import pytest
from conftest import Fixture, manifest, needs_fixtures

from extractors import extract_document
from schemas.records import Extraction, FigureCell

LEAFLETS = [f for f in manifest() if f.expected_status == "loaded"]

#: Figure fields of each table that must have a cell when not None.
FIGURES = {
    "performance": ("change_count", "change_pct", "target_achieved", "count_previous",
                    "count_current", "value_pct", "target_change_pct", "target_value_pct"),
    "priorities": ("target_change_pct",),
}


def _id(fixture: Fixture) -> str:
    return f"{fixture.path.parent.name}/{fixture.path.stem}"


def _words_in(pdf: pdfplumber.PDF, cell: FigureCell) -> str:
    page = pdf.pages[cell.page - 1]
    box = (max(0, cell.x0 - 0.5), max(0, cell.top - 0.5), min(page.width, cell.x1 + 0.5),
           min(page.height, cell.bottom + 0.5))
    return " ".join(w["text"] for w in page.within_bbox(box).extract_words())


def missing_cells(extraction: Extraction) -> list[str]:
    """Figures with no cell, or with more than one, as 'table[row].field'."""
    have = [(cell.table, cell.row, cell.field) for cell in extraction.cells]
    problems = [f"{t}[{r}].{f} has {have.count((t, r, f))} cells"
                for t, r, f in set(have) if have.count((t, r, f)) > 1]
    for table, fields in FIGURES.items():
        for row, record in enumerate(getattr(extraction, table)):
            problems += [f"{table}[{row}].{name} has no cell" for name in fields
                         if getattr(record, name) is not None
                         and (table, row, name) not in have]
    return sorted(problems)


@needs_fixtures
@pytest.mark.parametrize("fixture", LEAFLETS, ids=_id)
def test_each_cell_box_holds_its_words(fixture: Fixture) -> None:
    data = fixture.path.read_bytes()
    extraction = extract_document(data)
    assert missing_cells(extraction) == []
    wrong = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for cell in extraction.cells:
            found = _words_in(pdf, cell)
            text = " ".join(cell.text.split())
            if (text not in found) if text else found:
                wrong.append(f"{cell.table}[{cell.row}].{cell.field}: {text!r} not in {found!r}")
    assert wrong == []


def test_missing_cells_names_the_figure() -> None:
    fixture = next(f for f in LEAFLETS if "seed" in f.tags)
    extraction = fixture.expected()
    assert "performance[0].change_count has no cell" in missing_cells(extraction)
