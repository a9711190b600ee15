"""`lps coverage`, `reprocess`, `debug` and `backfill`'s argument checks (`evaluate`: in
test_evaluate.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import cast

import pdfplumber
import pytest
from click.testing import CliRunner
from conftest import PDFS, load_golden, needs_fixtures
from PIL import Image, ImageChops

from extractors import EXTRACTOR_VERSION
from extractors.grid import CellBox
from extractors.layout import Leaflet
from extractors.reader import open_pdf
from extractors.regions import TableRegion, table_regions
from extractors.registry import select_template
from extractors.sections import split_sections
from lps.cli import main
from pipeline.sources import document_id_for
from warehouse import load_extraction, open_warehouse, record_quarantine
from warehouse.archive import record_expectation

GOLDEN = PDFS.parent / "golden"
pytestmark = needs_fixtures


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


ORANGE, GREEN, BLUE, PURPLE = (240, 130, 0), (20, 160, 60), (30, 90, 220), (140, 40, 180)
SCALE = 110 / 72  # the debug images' resolution over PDF points


def _like(found: object, colour: tuple[int, int, int]) -> bool:
    """The PNG is saved with a palette, which may move a colour by a step or two."""
    return isinstance(found, tuple) and all(abs(a - b) <= 3 for a, b in zip(found, colour,
                                                                             strict=True))


def _colours(image: Image.Image) -> list[tuple[int, tuple[int, int, int]]]:
    """(count, colour) for each colour of an RGB image (Pillow's own type is looser)."""
    return cast(list[tuple[int, tuple[int, int, int]]], image.getcolors(1 << 20) or [])


def _near(image: Image.Image, x: float, y: float, colour: tuple[int, int, int]) -> bool:
    """Whether `colour` is within 2 px of the PDF point (x, y) on `image`."""
    return any(_like(image.getpixel((round(x * SCALE) + dx, round(y * SCALE))), colour)
               for dx in range(-2, 3))


def test_debug_boxes_each_figure_where_the_page_prints_it(runner: CliRunner,
                                                          tmp_path: Path) -> None:
    pdf = PDFS / "2009-10/barnet.pdf"
    result = runner.invoke(main, ["debug", str(pdf), "--page", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmp_path / 'barnet-3.png'}\n"
    with Image.open(tmp_path / "barnet-3.png") as drawn, pdfplumber.open(pdf) as document:
        image = drawn.convert("RGB")
        page = document.pages[2]
        plain = page.to_image(resolution=110).original.convert("RGB")
        words = page.extract_words()
    changed = ImageChops.difference(plain, image).convert("L").point(lambda v: v > 30 and 255)
    assert changed.histogram()[255] > 10_000  # much drawn over the plain page
    # The golden figures of "Residential burglary" and "Theft from vehicles" (432, 16.6;
    # -427, -12.5, printed unsigned) are these words on the label's line: each has an orange
    # box at both ends, and the line a green one.
    for label_text, texts in (("Residential", ("432", "+16.6%")), ("Theft", ("427", "12.5%"))):
        label = next(w for w in words if w["text"] == label_text)
        middle = (label["top"] + label["bottom"]) / 2
        assert _near(image, label["x0"], middle, GREEN), label_text
        for text in texts:
            [word] = [w for w in words if w["text"] == text and abs(w["top"] - label["top"]) < 2]
            assert _near(image, word["x0"], middle, ORANGE), text
            assert _near(image, word["x1"], middle, ORANGE), text
    heading = next(w for w in words if w["text"] == "Message")
    assert not _near(image, heading["x0"], heading["top"], ORANGE)  # prose is not a figure
    top = _colours(image.crop((0, 0, image.width, 30)))
    assert not any(r > 150 and g < 80 and b < 80 for _, (r, g, b) in top)  # nothing refused
    assert sum(n for n, colour in _colours(image) if _like(colour, BLUE)) > 1000


def _tables(pdf: Path) -> tuple[list[TableRegion], int]:
    """The tables the leaflet's template reads, and how many performance records it parses."""
    with open_pdf(pdf.read_bytes()) as document:
        leaflet = Leaflet(document)
        template = select_template(leaflet)
        _, sections = split_sections(leaflet.lines(), template.HEADINGS, leaflet.settings)
        return table_regions(template, sections, leaflet), len(template.parse(leaflet).performance)


def _inside(word: dict[str, float], cell: CellBox) -> bool:
    middle = (word["top"] + word["bottom"]) / 2
    return cell.x0 <= word["x0"] < cell.x1 and cell.top <= middle <= cell.bottom


@pytest.mark.parametrize(("leaflet", "header"), [
    ("2007-08/hackney.pdf", ["Crime", "2006/07", "2007/08", "Change", "%"]),
    ("2008-09/lambeth.pdf", ["Measure", "Target", "Result", "Achieved?"]),
    ("2010-11/brent.pdf", ["Measure", "2010/11", "Result", "Achieved"]),
])
def test_table_cells_frame_the_header_and_every_row(leaflet: str, header: list[str]) -> None:
    """Each header cell holds its header's first word and no other; every word of the table
    falls in exactly one cell; one body row per performance record."""
    [performance, *_], records = _tables(PDFS / leaflet)
    cells = performance.cells
    [page] = {cell.page for cell in cells}
    with pdfplumber.open(PDFS / leaflet) as document:
        words = document.pages[page - 1].extract_words()
    head = [cell for cell in cells if cell.row == 0]
    assert [cell.column for cell in head] == list(range(len(header)))
    for cell, text in zip(head, header, strict=True):
        [word] = [w for w in words if w["text"] == text and _inside(w, cell)]
        assert [c.column for c in head if _inside(word, c)] == [cell.column]
    x0, top, x1, bottom = performance.box(page) or (0, 0, 0, 0)
    within = [w for w in words if x0 <= w["x0"] and w["x1"] <= x1 + 0.5
              and top <= (w["top"] + w["bottom"]) / 2 <= bottom]
    assert len(within) > 4 * len(header)
    assert all(sum(_inside(w, c) for c in cells) == 1 for w in within)
    assert max(cell.row for cell in cells) == records


def test_change_table_cells_hold_label_figures_and_mark() -> None:
    [performance], records = _tables(PDFS / "2009-10/barnet.pdf")
    with pdfplumber.open(PDFS / "2009-10/barnet.pdf") as document:
        words = document.pages[2].extract_words()
    label = next(w for w in words if w["text"] == "Residential")
    figure = next(w for w in words if w["text"] == "432")
    [(row, column)] = [(c.row, c.column) for c in performance.cells if _inside(label, c)]
    assert column == 0
    assert [(c.row, c.column) for c in performance.cells if _inside(figure, c)] == [(row, 1)]
    assert len({cell.row for cell in performance.cells}) == records


def test_debug_draws_the_table_and_its_cells(runner: CliRunner, tmp_path: Path) -> None:
    pdf = PDFS / "2010-11/brent.pdf"
    result = runner.invoke(main, ["debug", str(pdf), "--page", "2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [performance, wards], _ = _tables(pdf)
    with Image.open(tmp_path / "brent-2.png") as drawn:
        image = drawn.convert("RGB")
    for cell in (*performance.cells, *wards.cells):
        middle = (cell.top + cell.bottom) / 2
        assert _near(image, cell.x0, middle, PURPLE), cell  # every cell's left boundary
    _, top, x1, bottom = performance.box(2) or (0, 0, 0, 0)
    assert _near(image, x1, (top + bottom) / 2, PURPLE)  # the table's right edge
    assert not _near(image, x1 + 12, (top + bottom) / 2, PURPLE)


def test_debug_writes_why_a_leaflet_was_refused(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["debug", str(PDFS / "bad/unknown-edition-2012.pdf"),
                                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 3  # every page
    with Image.open(tmp_path / "unknown-edition-2012-1.png") as drawn:
        image = drawn.convert("RGB")
    top = _colours(image.crop((0, 0, image.width, 30)))
    reddish = sum(n for n, (r, g, b) in top if r > 150 and g < 80 and b < 80)
    assert reddish > 200  # the refusal, written in red across the top
    colours = {colour for _, colour in _colours(image)}
    assert not any(_like(c, ORANGE) or _like(c, GREEN) for c in colours)  # no figure was read
    beyond = runner.invoke(main, ["debug", str(PDFS / "bad/unknown-edition-2012.pdf"),
                                  "--page", "4", "--out", str(tmp_path / "none")])
    assert (beyond.exit_code, beyond.stderr) == (
        1, f"Error: {PDFS / 'bad/unknown-edition-2012.pdf'}: no page 4: it has 3\n")
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())


def test_coverage_places_a_quarantined_document_by_its_manifest(runner: CliRunner,
                                                                tmp_path: Path) -> None:
    db_path = tmp_path / "lps.db"
    db = open_warehouse(db_path)
    load_extraction(db, "a" * 64, "barnet.pdf", load_golden(GOLDEN / "2009-10/barnet.json"),
                    EXTRACTOR_VERSION, 1)
    record_quarantine(db, "b" * 64, "x.pdf", "unknown template", EXTRACTOR_VERSION, 1)
    record_expectation(db, {"document_id": "b" * 64, "source": "http://x/camden.pdf",
                            "expected_area": "Camden", "expected_period": "2010/11",
                            "verdict": "quarantined", "checked_at": "2024-01-01"})
    db.close()
    result = runner.invoke(main, ["coverage", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    lines = {line.split("  ")[0]: line for line in result.output.splitlines()}
    assert lines["Barnet"].split()[-2:] == ["L", "."]
    assert lines["Camden"].split()[-2:] == [".", "Q"]
    assert result.output.splitlines()[-1] == "1 loaded, 1 quarantined, 62 missing"


def test_reprocess_reports_what_it_did(runner: CliRunner, tmp_path: Path) -> None:
    pdf = PDFS / "2010-11/brent.pdf"
    raw = tmp_path / "raw"
    raw.mkdir()
    document_id = document_id_for(pdf.read_bytes())
    shutil.copyfile(pdf, raw / f"{document_id}.pdf")
    db = open_warehouse(tmp_path / "lps.db")
    load_extraction(db, document_id, "gone.pdf", load_golden(GOLDEN / "2010-11/brent.json"),
                    "0.1.0", 1)
    db.close()
    result = runner.invoke(main, ["reprocess", "--db", str(tmp_path / "lps.db"),
                                  "--raw", str(raw)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"reprocessed with {re.escape(EXTRACTOR_VERSION)}: 1 loaded \(0 with "
                        r"changed figures\), 0 quarantined, 0 without raw bytes, in \d+\.\ds\n",
                        result.output)
    again = runner.invoke(main, ["reprocess", "--db", str(tmp_path / "lps.db"), "--raw", str(raw)])
    assert again.output.startswith(f"reprocessed with {EXTRACTOR_VERSION}: 0 loaded (0 with "
                                   "changed figures), 0 quarantined, 0 without raw bytes, in ")
    with open_warehouse(tmp_path / "lps.db") as db:
        assert db.table("extraction_history").count == 1


def test_backfill_refuses_a_bad_manifest(runner: CliRunner, tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,area,period\nhttp://x/a.pdf,Barnet,2009/11\n")
    result = runner.invoke(main, ["backfill", str(manifest), "--db", str(tmp_path / "lps.db")])
    assert result.exit_code == 2
    assert result.stderr == (f"Error: {manifest} item 1: bad period '2009/11' "
                             "(expected e.g. 2009/10)\n")
    assert not (tmp_path / "lps.db").exists()


def test_coverage_lists_quarantined_documents_it_cannot_place(runner: CliRunner,
                                                              tmp_path: Path) -> None:
    db_path = tmp_path / "lps.db"
    db = open_warehouse(db_path)
    load_extraction(db, "a" * 64, "barnet.pdf", load_golden(GOLDEN / "2009-10/barnet.json"),
                    EXTRACTOR_VERSION, 1)
    record_quarantine(db, "c" * 64, "bad/empty.pdf", "empty file", EXTRACTOR_VERSION, 0)
    db.close()
    result = runner.invoke(main, ["coverage", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-3:] == [
        "1 loaded, 0 quarantined, 31 missing",
        "1 quarantined document is not in the matrix (see the coverage_unplaced view):",
        "  bad/empty.pdf: neither its borough nor its year could be read from its reason, its "
        "PDF title or its file name, and no manifest said what it should be",
    ]
