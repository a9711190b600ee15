"""`lps coverage`, `reprocess`, `debug`, `evaluate` and `backfill`'s argument checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, load_golden, needs_fixtures
from PIL import Image

from extractors import EXTRACTOR_VERSION
from flows.sources import document_id_for
from lps.cli import main
from warehouse import load_extraction, open_warehouse, record_quarantine
from warehouse.archive import record_expectation

GOLDEN = PDFS.parent / "golden"
pytestmark = needs_fixtures


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _truth(folder: Path, *relatives: str) -> Path:
    for relative in relatives:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOLDEN / relative, folder / relative)
    return folder


def test_evaluate_scores_every_figure_right_on_the_fixtures(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    truth = _truth(tmp_path, "2007-08/barnet.json", "2008-09/lambeth.json",
                   "2009-10/barnet.json", "2010-11/brent.json")
    result = runner.invoke(main, ["evaluate", str(PDFS), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("4 files, ") and ", 0 wrong, 0 missed (100.0%)" in first
    for template in ("mpa-2008", "mpa-2009", "mpa-2010", "mpa-2011"):
        assert f"  {template}: 100.0% of " in result.output


def test_evaluate_reports_a_wrong_figure_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    truth = _truth(tmp_path, "2009-10/barnet.json")
    data = json.loads((truth / "2009-10/barnet.json").read_text())
    row = data["performance"][0]
    expected = row["change_pct"]
    row["change_pct"] = expected + 1
    (truth / "2009-10/barnet.json").write_text(json.dumps(data))
    result = runner.invoke(main, ["evaluate", str(PDFS), "--truth", str(truth)])
    assert result.exit_code == 1
    assert (f"WRONG 2009-10/barnet.pdf: performance '{row['label']} ()' change_pct: "
            f"expected {expected + 1!r}, found {expected!r}") in result.output.splitlines()


def test_debug_draws_each_page(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["debug", str(PDFS / "2009-10/barnet.pdf"), "--page", "2",
                                  "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmp_path / 'barnet-2.png'}\n"
    with Image.open(tmp_path / "barnet-2.png") as image:
        colours = {colour for _, colour in image.convert("RGB").getcolors(1 << 20) or []}
    assert {(30, 90, 220), (240, 130, 0)} <= colours  # a section and a figure were drawn


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
    assert result.output == (f"reprocessed with {EXTRACTOR_VERSION}: 1 loaded (0 with changed "
                             "figures), 0 quarantined, 0 without raw bytes\n")


def test_backfill_needs_a_manifest_or_a_template(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["backfill", "--db", str(tmp_path / "lps.db")])
    assert result.exit_code == 2
    assert "give a MANIFEST or --url-template, not both" in result.stderr
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,area,period\nhttp://x/a.pdf,Barnet,2009/11\n")
    result = runner.invoke(main, ["backfill", str(manifest), "--db", str(tmp_path / "lps.db")])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {manifest} item 1: bad period '2009/11' "
                             "(expected e.g. 2009/10)\n")
