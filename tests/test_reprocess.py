"""Re-extraction from the raw store: only stale documents, atomically, with their history."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import PDFS, load_golden, needs_fixtures

from extractors import EXTRACTOR_VERSION
from flows.reprocess import reprocess_all
from flows.sources import document_id_for
from warehouse import load_extraction, open_warehouse

BARNET = PDFS / "2009-10" / "barnet.pdf"
CAMDEN = PDFS / "2009-10" / "camden.pdf"
GOLDEN = PDFS.parent / "golden" / "2009-10"


def _store(raw: Path, pdf: Path) -> str:
    document_id = document_id_for(pdf.read_bytes())
    raw.mkdir(exist_ok=True)
    shutil.copyfile(pdf, raw / f"{document_id}.pdf")
    return document_id


@needs_fixtures
def test_reprocess_replaces_exactly_the_rows_that_differ(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    db = open_warehouse(tmp_path / "lps.db")
    barnet, camden = _store(raw, BARNET), _store(raw, CAMDEN)
    truth = load_golden(GOLDEN / "barnet.json")
    wrong_row = truth.performance[2]
    doctored = truth.model_copy(update={"performance": [
        row if row is not wrong_row else row.model_copy(
            update={"change_count": (row.change_count or 0) + 1})
        for row in truth.performance
    ]})
    load_extraction(db, barnet, "old/barnet.pdf", doctored, "0.9.0", 1)
    load_extraction(db, camden, "old/camden.pdf", load_golden(GOLDEN / "camden.json"),
                    EXTRACTOR_VERSION, 1)
    before = {row["row_number"]: row for row in db.table("performance").rows_where(
        "document_id = ?", [barnet])}

    outcomes = list(reprocess_all(db, raw, EXTRACTOR_VERSION))

    assert [(o.document_id, o.status, o.rows_changed) for o in outcomes] == [
        (barnet, "loaded", 1)]  # camden is current: untouched
    after = {row["row_number"]: row for row in db.table("performance").rows_where(
        "document_id = ?", [barnet])}
    differing = [n for n in before if before[n] != after[n]]
    assert differing == [3]  # row_number is 1-based
    assert after[3]["change_count"] == wrong_row.change_count
    [history] = list(db.table("extraction_history").rows)
    assert (history["previous_version"], history["extractor_version"], history["status"],
            history["rows_changed"], history["figures_changed"]) == (
        "0.9.0", EXTRACTOR_VERSION, "loaded", 1, 1)
    assert json.loads(history["rows_before"]) == json.loads(history["rows_after"])
    assert db.table("documents").get(barnet)["extractor_version"] == EXTRACTOR_VERSION
    assert list(reprocess_all(db, raw, EXTRACTOR_VERSION)) == []  # nothing stale is left


@needs_fixtures
def test_a_document_without_its_bytes_is_reported_not_changed(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "lps.db")
    truth = load_golden(GOLDEN / "camden.json")
    load_extraction(db, "0" * 64, str(tmp_path / "gone.pdf"), truth, "0.9.0", 1)
    [outcome] = list(reprocess_all(db, tmp_path / "raw", EXTRACTOR_VERSION))
    assert (outcome.status, outcome.reason) == (
        "missing", "no copy of its bytes in the raw store or at its sources")
    assert db.table("documents").get("0" * 64)["extractor_version"] == "0.9.0"
