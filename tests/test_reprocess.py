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
from pipeline.failures import OUT_OF_MEMORY
from pipeline.reprocess import FIGURE_TABLES, reprocess_all, reprocess_one
from pipeline.settings import Settings
from pipeline.sources import document_id_for
from warehouse import CHILD_TABLES, load_extraction, open_warehouse, record_quarantine

BARNET = PDFS / "2009-10" / "barnet.pdf"
CAMDEN = PDFS / "2009-10" / "camden.pdf"
GOLDEN = PDFS.parent / "golden" / "2009-10"
TIMED_OUT = ("took longer than 0.01 s to parse (LPS_PARSE_SECONDS): stopped, so one file cannot "
             "hold up the run (a limit of this run, not a verdict on the file); tried again by "
             "the next run")
DIED = ("the extraction process died while parsing it (exit code 1): it crashed or was stopped; "
        "not a verdict on the file, tried again by the next run")


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


def _warehouse_rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every document and child table."""
    return {t: list(db.table(t).rows) for t in ("documents", *CHILD_TABLES, "document_sources")}


#: What a parse that hits each limit is told (one of two for memory: a cap tight enough to fail
#: a leaflet can fail it as the allocation of its bytes, which kills the child, 1 time in 36).
TIGHT_LIMITS = {
    "time": (Settings(parse_seconds=0.01), {TIMED_OUT}),
    "memory": (Settings(parse_memory_mb=30), {OUT_OF_MEMORY, DIED}),
}


@needs_fixtures
@pytest.mark.parametrize("limit", TIGHT_LIMITS)
def test_a_reprocess_out_of_time_or_memory_keeps_the_rows_and_the_next_one_loads(
        tmp_path: Path, limit: str) -> None:
    """Issue 12, item 2: a loaded leaflet re-extracted under a limit it cannot meet kept none of
    its rows. Now it keeps them all, its version too (so it is still stale), and the attempt is
    in its history; the next reprocess, without the limit, replaces them as usual."""
    settings, reasons = TIGHT_LIMITS[limit]
    raw = tmp_path / "raw"
    db = open_warehouse(tmp_path / "lps.db")
    barnet = _store(raw, BARNET)
    truth = load_golden(GOLDEN / "barnet.json")
    doctored = truth.model_copy(update={"performance": truth.performance[:-1]})
    load_extraction(db, barnet, "old/barnet.pdf", doctored, "0.9.0", 1)
    before = _warehouse_rows(db)

    [failed] = list(reprocess_all(db, raw, EXTRACTOR_VERSION, settings))

    assert (failed.status, failed.rows_changed) == ("failed", 0)
    assert failed.reason in reasons
    assert _warehouse_rows(db) == before  # not one row lost, nor the version
    [attempt] = list(db.table("extraction_history").rows)
    assert (attempt["status"], attempt["reason"], attempt["previous_version"],
            attempt["extractor_version"], attempt["rows_changed"],
            attempt["figures_changed"]) == ("failed", failed.reason, "0.9.0", EXTRACTOR_VERSION,
                                            0, 0)
    assert json.loads(attempt["rows_before"]) == json.loads(attempt["rows_after"])
    assert json.loads(attempt["rows_after"])["performance"] == len(truth.performance) - 1

    [retried] = list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings()))

    assert (retried.status, retried.rows_changed, retried.reason) == ("loaded", 1, None)
    assert db.table("performance").count_where("document_id = ?", [barnet]) == len(
        truth.performance)
    assert db.table("documents").get(barnet)["extractor_version"] == EXTRACTOR_VERSION
    assert [row["status"] for row in db.table("extraction_history").rows] == ["failed", "loaded"]
    assert list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings())) == []  # done


@needs_fixtures
def test_a_quarantine_for_time_by_this_version_is_tried_again(tmp_path: Path) -> None:
    """A leaflet an ingest quarantined because it ran out of time (a busy machine) is due
    again, with this very extractor; one quarantined for its content is not."""
    raw = tmp_path / "raw"
    db = open_warehouse(tmp_path / "lps.db")
    camden, barnet = _store(raw, CAMDEN), _store(raw, BARNET)
    record_quarantine(db, camden, "camden.pdf", TIMED_OUT, EXTRACTOR_VERSION, 1)
    record_quarantine(db, barnet, "barnet.pdf", "unknown template: nothing matched",
                      EXTRACTOR_VERSION, 1)

    outcomes = list(reprocess_all(db, raw, EXTRACTOR_VERSION, Settings()))

    assert [(o.document_id, o.status) for o in outcomes] == [(camden, "loaded")]
    assert db.table("documents").get(barnet)["reason"] == "unknown template: nothing matched"
