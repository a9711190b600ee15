"""Real fixture leaflets copied under new names, and the rows their golden files say they make.

Orchestration tests use these rather than a stand-in extractor: the real extractor runs on the
real bytes, so a test of the flow is also a test of what the flow loads.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Literal

from conftest import PDFS, ROOT, load_golden

from schemas import area_by_name
from warehouse import extraction_to_rows

__all__ = ["copy_leaflet", "golden_rows", "render_barnet"]

_PERIOD = "2009-10"


def _slug(borough: str) -> str:
    return borough.lower().replace(" ", "-")


def copy_leaflet(path: Path, borough: str) -> Path:
    """Copy the 2009/10 fixture leaflet of `borough` to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PDFS / _PERIOD / f"{_slug(borough)}.pdf", path)
    return path


def golden_rows(*boroughs: str) -> dict[str, int]:
    """Child-table row counts that loading these boroughs' leaflets must write."""
    totals: dict[str, int] = {}
    for borough in boroughs:
        golden = load_golden(ROOT / "fixtures" / "golden" / _PERIOD / f"{_slug(borough)}.json")
        for table, rows in extraction_to_rows("id", golden).items():
            totals[table] = totals.get(table, 0) + len(rows)
    return totals


def render_barnet(path: Path, *, robbery: int | None = None,
                  producer: Literal["reportlab", "weasyprint"] = "reportlab") -> Path:
    """Write the 2009/10 Barnet leaflet to `path` with the fixture generator: the bundled one
    (reportlab) unless `robbery` gives the table another robbery count (another edition of the
    leaflet that disagrees with it) or `producer` another PDF producer (different bytes, the
    same figures)."""
    from fixtures.generate import render_leaflet
    from fixtures.generator.boroughs import barnet
    from fixtures.generator.model import Row

    area = area_by_name("Barnet")
    assert area is not None
    leaflet = barnet(area, producer)
    if robbery is not None:
        rows = tuple(Row(row.label, robbery, row.pct, row.achieved)
                     if row.label == "Total robbery" else row for row in leaflet.rows)
        leaflet = dataclasses.replace(leaflet, rows=rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_leaflet(leaflet)[1])
    return path
