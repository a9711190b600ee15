"""Re-extraction from the raw store: only stale documents, atomically, with their history."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import PDFS, load_golden, needs_fixtures
from sqlite_utils import Database

from extractors import EXTRACTOR_VERSION
from pipeline.reprocess import FIGURE_TABLES, reprocess_all, reprocess_one
from pipeline.settings import Settings
from pipeline.sources import document_id_for
from warehouse import load_extraction, open_warehouse, record_quarantine

BARNET = PDFS / "2009-10" / "barnet.pdf"
CAMDEN = PDFS / "2009-10" / "camden.pdf"
GOLDEN = PDFS.parent / "golden" / "2009-10"


def _store(raw: Path, pdf: Path) -> str:
    document_id = document_id_for(pdf.read_bytes())
    raw.mkdir(exist_ok=True)
    shutil.copyfile(pdf, raw / f"{document_id}.pdf")
    return document_id


def _other_rows(db: Database, document_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every figure row except `document_id`'s performance, and camden's document row."""
    rows = {t: list(db.table(t).rows_where("document_id = ?", [document_id]))
            for t in FIGURE_TABLES if t != "performance"}
    rows["others"] = list(db.table("documents").rows_where("document_id != ?", [document_id]))
    rows["other_performance"] = list(db.table("performance").rows_where(
        "document_id != ?", [document_id]))
    return rows


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
    others_before = _other_rows(db, barnet)

    outcomes = list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings()))

    assert [(o.document_id, o.status, o.rows_changed) for o in outcomes] == [
        (barnet, "loaded", 1)]  # camden is current: untouched
    after = {row["row_number"]: row for row in db.table("performance").rows_where(
        "document_id = ?", [barnet])}
    differing = [n for n in before if before[n] != after[n]]
    assert differing == [3]  # row_number is 1-based
    assert _other_rows(db, barnet) == others_before  # and nothing else moved
    assert after[3]["change_count"] == wrong_row.change_count
    [history] = list(db.table("extraction_history").rows)
    assert (history["previous_version"], history["extractor_version"], history["status"],
            history["rows_changed"], history["figures_changed"]) == (
        "0.9.0", EXTRACTOR_VERSION, "loaded", 1, 1)
    assert json.loads(history["rows_before"]) == json.loads(history["rows_after"])
    assert db.table("documents").get(barnet)["extractor_version"] == EXTRACTOR_VERSION
    assert db.table("documents").get(barnet)["source"] == "old/barnet.pdf"  # provenance kept
    assert list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings())) == []  # none stale


@needs_fixtures
def test_a_document_without_its_bytes_is_reported_not_changed(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "lps.db")
    truth = load_golden(GOLDEN / "camden.json")
    load_extraction(db, "0" * 64, str(tmp_path / "gone.pdf"), truth, "0.9.0", 1)
    [outcome] = list(reprocess_all(db, tmp_path / "raw", EXTRACTOR_VERSION, Settings()))
    assert (outcome.status, outcome.reason) == (
        "missing", "no copy of its bytes in the raw store or at its sources")
    assert db.table("documents").get("0" * 64)["extractor_version"] == "0.9.0"


@needs_fixtures
def test_a_reprocess_that_fails_midway_leaves_the_old_rows(tmp_path: Path) -> None:
    """The history row is written last; when SQLite refuses it, nothing of the new extraction
    may remain: the same rows, the same version, no history."""
    raw = tmp_path / "raw"
    db = open_warehouse(tmp_path / "lps.db")
    barnet = _store(raw, BARNET)
    truth = load_golden(GOLDEN / "barnet.json")
    doctored = truth.model_copy(update={"performance": truth.performance[:-1]})
    load_extraction(db, barnet, "old/barnet.pdf", doctored, "0.9.0", 1)
    snapshot = {t: list(db.table(t).rows) for t in ("documents", "performance", "priorities")}
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON extraction_history "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END")

    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        reprocess_one(db, db.table("documents").get(barnet), raw, EXTRACTOR_VERSION,
                      Settings())

    assert {t: list(db.table(t).rows) for t in snapshot} == snapshot
    assert db.table("extraction_history").count == 0
    db.execute("DROP TRIGGER refuse")
    [outcome] = list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings()))  # run it again
    assert (outcome.status, outcome.rows_changed) == ("loaded", 1)  # the missing last row
    assert db.table("performance").count_where("document_id = ?", [barnet]) == len(
        truth.performance)


@needs_fixtures
def test_a_leaflet_quarantined_by_an_older_extractor_is_loaded_by_a_newer_one(
        tmp_path: Path) -> None:
    """The archivist's case: no template knew the edition; one was added and the version bumped."""
    raw = tmp_path / "raw"
    db = open_warehouse(tmp_path / "lps.db")
    camden = _store(raw, CAMDEN)
    record_quarantine(db, camden, "http://archive/camden.pdf", "unknown template", "0.9.0", 1)

    [outcome] = list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings()))

    truth = load_golden(GOLDEN / "camden.json")
    figure_rows = sum(len(getattr(truth, t)) for t in FIGURE_TABLES)
    assert (outcome.status, outcome.rows_changed) == ("loaded", figure_rows)
    document = db.table("documents").get(camden)
    assert (document["status"], document["area"], document["period"]) == (
        "loaded", "Camden", "2009/10")
    [history] = list(db.table("extraction_history").rows)
    assert (history["previous_version"], history["status"], history["figures_changed"]) == (
        "0.9.0", "loaded", 1)
    assert json.loads(history["rows_before"])["performance"] == 0
    assert json.loads(history["rows_after"])["performance"] == len(truth.performance)
