"""The flow's tasks, called as plain functions through `.fn()` (no Prefect API involved)."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import document_id_of
from leaflets import copy_leaflet, golden_rows
from prefect.task_runners import ThreadPoolTaskRunner

from extractors import EXTRACTOR_VERSION as VERSION
from flows.ingest import (
    extract,
    extraction_runner,
    finish_run,
    load,
    plan,
    prepare_warehouse,
)
from pipeline.extract import Extracted
from pipeline.failures import OUT_OF_MEMORY
from pipeline.report import Tally
from pipeline.settings import Settings
from warehouse import WarehouseUnavailable, open_warehouse, record_quarantine

SETTINGS = Settings()


def test_prepare_warehouse_creates_it(tmp_path: Path) -> None:
    prepare_warehouse.fn(str(tmp_path / "lps.db"))
    assert "documents" in open_warehouse(tmp_path / "lps.db").table_names()


def test_prepare_warehouse_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(WarehouseUnavailable, match="it is a folder"):
        prepare_warehouse.fn(str(tmp_path))


def test_plan_finds_absolute_paths_without_creating_the_warehouse(tmp_path: Path) -> None:
    barnet = copy_leaflet(tmp_path / "in" / "barnet.pdf", "Barnet")
    made = plan.fn([str(tmp_path / "in")], str(tmp_path / "lps.db"), False)
    assert [c.source for c in made.candidates] == [str(barnet)]
    assert not (tmp_path / "lps.db").exists()


def test_plan_skips_what_is_settled(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    copy = copy_leaflet(tmp_path / "copy.pdf", "Barnet")
    brent = copy_leaflet(tmp_path / "brent.pdf", "Brent")
    old_bad = copy_leaflet(tmp_path / "old.pdf", "Bexley")
    new_bad = copy_leaflet(tmp_path / "new.pdf", "Bromley")
    starved = copy_leaflet(tmp_path / "starved.pdf", "Camden")  # out of memory: not settled
    files = [str(p) for p in (barnet, copy, brent, old_bad, new_bad, starved)]
    with open_warehouse(db_path) as db:
        record_quarantine(db, document_id_of(old_bad.read_bytes()), str(old_bad), "x", "0.9", 1)
        record_quarantine(db, document_id_of(new_bad.read_bytes()), str(new_bad), "x", VERSION, 1)
        record_quarantine(db, document_id_of(starved.read_bytes()), str(starved), OUT_OF_MEMORY,
                          VERSION, 1)
    made = plan.fn(files, db_path, False)
    assert [c.source for c in made.candidates] == [
        str(barnet), str(brent), str(old_bad), str(starved)]
    assert [c.source for c in made.skipped] == [str(copy), str(new_bad)]
    assert made.unreadable == []


def test_extract_then_load(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    made = plan.fn([str(barnet), str(empty)], db_path, False)
    extracted = extract.fn(made.candidates, SETTINGS)
    assert [item.reason for item in extracted] == [
        None, "empty file (0 bytes): nothing to read; fetch the leaflet again"
    ]
    written = load.fn(extracted, db_path)
    assert [(w.outcome.status, w.reason is None) for w in written] == [
        ("loaded", True), ("quarantined", False)
    ]
    assert written[0].outcome.rows["performance"] == golden_rows("Barnet")["performance"]
    assert load.fn(extracted, db_path)[0].outcome.status == "unchanged"


def test_load_quarantines_records_the_warehouse_refuses(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    [candidate] = plan.fn([str(barnet)], db_path, False).candidates
    [item] = extract.fn([candidate], SETTINGS)
    assert item.extraction is not None
    bad_section = item.extraction.sections[0].model_copy(update={"text": None})
    broken = Extracted(
        candidate, extraction=item.extraction.model_copy(update={"sections": [bad_section]})
    )
    [written] = load.fn([broken], db_path)
    assert written.reason == (
        "the warehouse refused its records: NOT NULL constraint failed: sections.text"
    )
    with open_warehouse(db_path) as db:
        assert db.table("documents").get(candidate.document_id)["status"] == "quarantined"
        assert db.table("performance").count == 0


def test_a_document_another_run_loaded_meanwhile_is_counted_as_known(tmp_path: Path) -> None:
    """Two runs planned the same leaflet; the other loaded it first. This run's load changes
    nothing, and even its failure (out of time, on a busy machine) may not replace the rows:
    both count as skipped, not loaded or quarantined (issue 12, item 16)."""
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    made = plan.fn([str(barnet)], db_path, False)
    [item] = extract.fn(made.candidates, SETTINGS)
    load.fn([item], db_path)  # the other run
    with open_warehouse(db_path) as db:
        rows_before = {t: list(db.table(t).rows) for t in ("documents", "performance")}
    timed_out = Extracted(item.candidate, reason=(
        "took longer than 60 s to parse: stopped, so one file cannot hold up the run (a PDF "
        "bomb or a badly damaged file?)"))

    written = load.fn([item, timed_out], db_path)

    assert [(w.outcome.status, w.reason) for w in written] == [
        ("unchanged", None), ("unchanged", None)]
    tally = Tally.for_plan(made)
    assert tally.land([item, timed_out], written) == (
        "2 documents extracted: 0 loaded, 0 quarantined")
    assert (tally.loaded, tally.skipped, tally.quarantined) == (0, 2, 0)
    with open_warehouse(db_path) as db:
        assert {t: list(db.table(t).rows) for t in rows_before} == rows_before


def test_finish_run_records_sources_and_the_run(tmp_path: Path) -> None:
    db_path = str(tmp_path / "lps.db")
    barnet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    first = plan.fn([str(barnet)], db_path, False)
    tally = Tally.for_plan(first)
    extracted = extract.fn(first.candidates, SETTINGS)
    tally.land(extracted, load.fn(extracted, db_path))
    again = copy_leaflet(tmp_path / "again.pdf", "Barnet")
    second = plan.fn([str(again), str(again)], db_path, False)
    assert (second.seen, len(second.skipped)) == (1, 1)  # one file, settled
    summary = finish_run.fn(db_path, second, Tally.for_plan(second), "flow-run-1")
    assert (summary.skipped, summary.rows_written["document_sources"]) == (1, 1)
    assert (summary.rows_in_warehouse["document_sources"], summary.rows_in_warehouse["runs"]
            ) == (2, 1)
    with open_warehouse(db_path) as db:
        [run] = db.table("runs").rows
    assert (run["run_id"], run["flow_run_id"], run["seen"]) == (summary.run_id, "flow-run-1", 1)


def test_extraction_runs_on_threads_that_drive_guarded_children() -> None:
    """No worker process imports Prefect: the parallel parsing is the guard's children's."""
    runner = extraction_runner(2)
    assert isinstance(runner, ThreadPoolTaskRunner)
    assert runner._max_workers == 2
