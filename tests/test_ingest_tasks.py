"""The flow's tasks, called as plain functions through `.fn()` (no Prefect API involved)."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import document_id_of
from leaflets import copy_leaflet, golden_rows
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from flows.extraction import Extracted
from flows.ingest import (
    discover,
    extract,
    extraction_runner,
    finish_run,
    hash_and_skip_known,
    load,
    prepare_warehouse,
)
from flows.sources import Candidate
from warehouse import WarehouseUnavailable, open_warehouse, record_quarantine

VERSION = "1.0.0"


def test_prepare_warehouse_creates_it(tmp_path: Path) -> None:
    prepare_warehouse.fn(str(tmp_path / "lps.db"))
    assert "documents" in open_warehouse(tmp_path / "lps.db").table_names()


def test_prepare_warehouse_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(WarehouseUnavailable, match="it is a folder"):
        prepare_warehouse.fn(str(tmp_path))


def test_discover_returns_absolute_paths(tmp_path: Path) -> None:
    barnet = copy_leaflet(tmp_path / "in" / "barnet.pdf", "Barnet")
    assert discover.fn([str(tmp_path / "in")]) == [str(barnet)]


def test_hash_and_skip_known(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    copy = copy_leaflet(tmp_path / "copy.pdf", "Barnet")
    brent = copy_leaflet(tmp_path / "brent.pdf", "Brent")
    old_bad = copy_leaflet(tmp_path / "old.pdf", "Bexley")
    new_bad = copy_leaflet(tmp_path / "new.pdf", "Bromley")
    files = [str(p) for p in (barnet, copy, brent, old_bad, new_bad)]
    with open_warehouse(db_path) as db:
        record_quarantine(db, document_id_of(old_bad.read_bytes()), str(old_bad), "x", "0.9", 1)
        record_quarantine(db, document_id_of(new_bad.read_bytes()), str(new_bad), "x", VERSION, 1)
    plan = hash_and_skip_known.fn(files, db_path, VERSION)
    assert [c.source for c in plan.candidates] == [str(barnet), str(brent), str(old_bad)]
    assert [c.source for c in plan.skipped] == [str(copy), str(new_bad)]
    assert plan.unreadable == []


def test_extract_then_load(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    plan = hash_and_skip_known.fn([str(barnet), str(empty)], db_path, VERSION)
    extracted = extract.fn(plan.candidates)
    assert [item.reason for item in extracted] == [
        None, "empty file (0 bytes): nothing to read; fetch the leaflet again"
    ]
    written = load.fn(extracted, db_path, VERSION)
    assert [(w.outcome.status, w.reason is None) for w in written] == [
        ("loaded", True), ("quarantined", False)
    ]
    assert written[0].outcome.rows["performance"] == golden_rows("Barnet")["performance"]
    assert load.fn(extracted, db_path, VERSION)[0].outcome.status == "unchanged"


def test_load_quarantines_records_the_warehouse_refuses(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    [candidate] = hash_and_skip_known.fn([str(barnet)], db_path, VERSION).candidates
    [item] = extract.fn([candidate])
    assert item.extraction is not None
    bad_section = item.extraction.sections[0].model_copy(update={"text": None})
    broken = Extracted(
        candidate, extraction=item.extraction.model_copy(update={"sections": [bad_section]})
    )
    [written] = load.fn([broken], db_path, VERSION)
    assert written.reason == (
        "the warehouse refused its records: NOT NULL constraint failed: sections.text"
    )
    with open_warehouse(db_path) as db:
        assert db.table("documents").get(candidate.document_id)["status"] == "quarantined"
        assert db.table("performance").count == 0


def test_finish_run_records_sources_and_the_run(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    plan = hash_and_skip_known.fn([str(barnet)], db_path, VERSION)
    load.fn(extract.fn(plan.candidates), db_path, VERSION)
    again = Candidate(str(tmp_path / "again.pdf"), plan.candidates[0].document_id, 1)
    run = {"run_id": "r1", "started_at": "s", "finished_at": "f", "seen": 2, "loaded": 1,
           "skipped": 1, "quarantined": 0, "unreadable": 0, "seconds": 1.5,
           "flow_run_id": None}
    added, totals = finish_run.fn(db_path, run, [again, again])
    assert added == 1
    assert (totals["document_sources"], totals["runs"]) == (2, 1)


def test_extraction_runner_uses_processes_only_for_several_workers() -> None:
    assert isinstance(extraction_runner(1), ThreadPoolTaskRunner)
    assert isinstance(extraction_runner(2), ProcessPoolTaskRunner)
