"""The warehouse library: schema contract, migrations, and all-or-nothing, idempotent loads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from builders import document_id_of, make_extraction
from sqlite_utils import Database

from schemas import Section
from warehouse import (
    BUSY_TIMEOUT_MS,
    TABLES,
    WarehouseMissing,
    WarehouseUnavailable,
    known_document_ids,
    load_extraction,
    migrations,
    open_warehouse,
    record_quarantine,
    table_counts,
)

DOC = document_id_of(b"barnet leaflet bytes")
OTHER = document_id_of(b"brent leaflet bytes")
WHEN = "2024-05-01T12:00:00+00:00"

#: The columns researchers' SQL relies on, table by table, in order.
CONTRACT = {
    "documents": [
        "document_id", "source", "publisher", "area", "area_code", "period", "template",
        "page_count", "commander", "status", "reason", "needs_review", "extractor_version",
        "size_bytes", "ingested_at", "figures_sha256", "pdf_producer", "pdf_creator",
        "pdf_title", "pdf_subject", "pdf_created", "pdf_modified", "synthetic", "source_name",
        "read_by", "ocr_engine", "ocr_engine_version", "ocr_min_confidence",
    ],
    "performance": [
        "document_id", "row_number", "area", "period", "measure", "label", "change_count",
        "change_pct", "target_achieved", "page", "count_previous", "count_current", "value_pct",
        "target_change_pct", "target_value_pct",
    ],
    "priorities": [
        "document_id", "row_number", "area", "period", "measure", "label",
        "target_change_pct", "page",
    ],
    "force_results": [
        "document_id", "row_number", "period", "measure", "label", "change_count",
        "change_pct", "value_pct", "target_change_pct", "target_value_pct", "target_achieved",
        "page",
    ],
    "sections": ["document_id", "row_number", "name", "heading", "text", "page"],
    "review_items": ["document_id", "row_number", "item", "detail", "page"],
    "ward_priorities": [
        "document_id", "row_number", "area", "period", "ward", "rank", "label", "page",
    ],
    "document_sources": ["document_id", "source", "first_seen_at"],
    "runs": [
        "run_id", "started_at", "finished_at", "seen", "loaded", "skipped", "quarantined",
        "unreadable", "seconds", "flow_run_id",
    ],
}


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_warehouse(tmp_path / "lps.db")


def load(db: Database, document_id: str = DOC, source: str = "a/barnet.pdf", **kw: object) -> str:
    extraction = kw.pop("extraction", None) or make_extraction()
    version = str(kw.pop("version", "1.0.0"))
    outcome = load_extraction(
        db, document_id, source, extraction, version, 1234, ingested_at=WHEN, **kw  # type: ignore[arg-type]
    )
    return outcome.status


def test_tables_and_columns_are_the_contract(db: Database) -> None:
    assert set(TABLES) == set(CONTRACT)
    for table, columns in CONTRACT.items():
        assert [c.name for c in db.table(table).columns] == columns, table
    for table in ("performance", "priorities", "force_results", "sections", "review_items"):
        assert db.table(table).pks == ["document_id", "row_number"]
        [fk] = db.table(table).foreign_keys
        assert (fk.other_table, fk.other_column) == ("documents", "document_id")
    assert db.table("sections").detect_fts() == "sections_fts"


#: The archive tables' columns (warehouse.archive), also a contract.
ARCHIVE_CONTRACT = {
    "fetches": [
        "url", "status", "document_id", "size_bytes", "content_type", "reason", "transient",
        "attempts", "fetched_at",
    ],
    "document_expectations": [
        "document_id", "source", "expected_area", "expected_period", "found_area",
        "found_period", "verdict", "detail", "checked_at",
    ],
    "extraction_history": [
        "id", "document_id", "previous_version", "extractor_version", "status", "reason",
        "rows_before", "rows_after", "rows_changed", "figures_changed", "replaced_at",
    ],
}


def test_archive_tables_and_columns_are_the_contract(db: Database) -> None:
    from warehouse.archive import ARCHIVE_TABLES

    assert set(ARCHIVE_TABLES) == set(ARCHIVE_CONTRACT)
    for table, columns in ARCHIVE_CONTRACT.items():
        assert [c.name for c in db.table(table).columns] == columns, table


def test_connection_uses_wal_busy_timeout_and_foreign_keys(db: Database) -> None:
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "lps.db"
    first = open_warehouse(path)
    schema = first.schema
    first.close()
    again = open_warehouse(path)
    assert again.schema == schema
    assert [m.name for m in migrations.applied(again)] == [
        "m001_initial", "m002_editions", "m003_views", "m004_archive", "m005_research",
        "m006_criminal_damage", "m007_conflicts", "m008_digests", "m009_research2",
        "m010_schema_seal", "m011_sources", "m012_ocr", "m013_ocr_cells", "m014_provenance_seal",
    ]
    assert migrations.pending(again) == []


def test_a_folder_is_not_a_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseUnavailable) as error:
        open_warehouse(tmp_path)
    assert str(error.value) == f"cannot open warehouse {tmp_path}: it is a folder"


def test_a_missing_folder_is_reported_as_a_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "no-such-folder" / "lps.db"
    with pytest.raises(WarehouseMissing) as error:
        open_warehouse(path)
    assert str(error.value) == (
        f"cannot create warehouse {path}: folder {path.parent} does not exist")
    with pytest.raises(WarehouseMissing) as error:
        open_warehouse(path, writable=False)
    assert str(error.value) == f"no warehouse at {path}: folder {path.parent} does not exist"
    assert not path.parent.exists()


def test_a_warehouse_that_must_exist_is_never_created(tmp_path: Path) -> None:
    for writable in (True, False):
        with pytest.raises(WarehouseMissing) as error:
            open_warehouse(tmp_path / "lsp.db", writable=writable, must_exist=True)
        assert str(error.value) == (
            f"no warehouse at {tmp_path / 'lsp.db'}: run `lps ingest` first, or pass --db")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not a database, " * 100)
    with pytest.raises(WarehouseUnavailable) as error:
        open_warehouse(path)
    assert str(error.value) == f"cannot open warehouse {path}: file is not a database"


def test_load_writes_every_table(db: Database) -> None:
    assert load(db, extraction=make_extraction(review=True)) == "loaded"
    counts = table_counts(db)
    assert counts == {
        "documents": 1, "performance": 2, "priorities": 1, "force_results": 1, "sections": 2,
        "review_items": 1, "ward_priorities": 0, "document_sources": 1, "runs": 0,
    }
    doc = db.table("documents").get(DOC)
    assert doc["status"] == "loaded"
    assert doc["reason"] is None
    assert doc["needs_review"] == 1
    assert (doc["area"], doc["area_code"], doc["period"]) == ("Barnet", "E09000003", "2009/10")
    assert (doc["commander"], doc["size_bytes"], doc["ingested_at"]) == ("Neil Basu", 1234, WHEN)
    burglary = db.table("performance").get((DOC, 1))
    assert burglary["measure"] == "residential_burglary"
    assert (burglary["change_count"], burglary["change_pct"]) == (-427, -16.2)
    assert burglary["target_achieved"] == 1
    assert db.table("performance").get((DOC, 2))["target_achieved"] == 0
    priority = db.table("priorities").get((DOC, 1))
    assert (priority["area"], priority["period"], priority["target_change_pct"]) == (
        "Barnet", "2010/11", -2.6)


def test_sections_are_searchable(db: Database) -> None:
    load(db)
    hits = list(db.table("sections").search("burglaries"))
    assert [(hit["document_id"], hit["name"]) for hit in hits] == [(DOC, "commander_message")]


def test_loading_the_same_bytes_again_changes_nothing(db: Database) -> None:
    load(db)
    before = list(db.iterdump())
    assert load(db) == "unchanged"
    assert list(db.iterdump()) == before


def test_same_bytes_under_two_names_is_one_document_with_two_sources(db: Database) -> None:
    load(db, source="a/barnet.pdf")
    assert load(db, source="b/copy of barnet.pdf") == "unchanged"
    assert db.table("documents").count == 1
    assert db.table("performance").count == 2
    sources = db.execute(
        "select source from document_sources where document_id = ? order by source", [DOC]
    ).fetchall()
    assert sources == [("a/barnet.pdf",), ("b/copy of barnet.pdf",)]


def broken_extraction() -> object:
    """Valid up to its sections, whose text breaks the NOT NULL constraint mid-load."""
    bad = Section.model_construct(
        name="contacts", heading="Useful contacts", text=None, page=4  # type: ignore[arg-type]
    )
    return make_extraction().model_copy(update={"sections": [bad]})


def test_a_failing_load_leaves_no_rows(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match=r"NOT NULL constraint failed: sections\.text"):
        load(db, extraction=broken_extraction())
    assert set(table_counts(db).values()) == {0}


def test_a_failing_reload_keeps_the_previous_rows(db: Database) -> None:
    load(db, version="0.9.0")
    before = list(db.iterdump())
    with pytest.raises(sqlite3.IntegrityError):
        load(db, version="1.0.0", extraction=broken_extraction())
    assert list(db.iterdump()) == before


def test_a_new_extractor_version_replaces_all_rows(db: Database) -> None:
    load(db, version="0.9.0")
    fewer = make_extraction(performance=make_extraction().performance[:1])
    assert load(db, version="1.0.0", extraction=fewer) == "loaded"
    assert db.table("performance").count == 1
    assert db.table("documents").get(DOC)["extractor_version"] == "1.0.0"
    assert db.table("document_sources").count == 1


def test_quarantine_records_the_reason_and_no_rows(db: Database) -> None:
    reason = "not a PDF: the file is plain text"
    outcome = record_quarantine(db, OTHER, "x/notes.pdf", reason, "1.0.0", 17, ingested_at=WHEN)
    assert outcome.status == "quarantined"
    doc = db.table("documents").get(OTHER)
    assert (doc["status"], doc["reason"], doc["area"], doc["size_bytes"]) == (
        "quarantined", reason, None, 17)
    counts = table_counts(db)
    assert (counts["documents"], counts["performance"], counts["document_sources"]) == (1, 0, 1)
    again = record_quarantine(db, OTHER, "x/notes.pdf", reason, "1.0.0", 17)
    assert again.status == "unchanged"
    assert db.table("documents").get(OTHER)["ingested_at"] == WHEN


def test_a_quarantined_document_that_now_loads_becomes_loaded(db: Database) -> None:
    record_quarantine(db, DOC, "a/barnet.pdf", "unknown template", "0.9.0", 1234)
    assert known_document_ids(db) == frozenset()
    assert load(db) == "loaded"
    doc = db.table("documents").get(DOC)
    assert (doc["status"], doc["reason"], doc["area"]) == ("loaded", None, "Barnet")
    assert known_document_ids(db) == {DOC}


def test_quarantining_a_loaded_document_removes_its_rows(db: Database) -> None:
    load(db, version="0.9.0")
    record_quarantine(db, DOC, "a/barnet.pdf", "inconsistent", "1.0.0", 1234)
    counts = table_counts(db)
    assert (counts["documents"], counts["performance"], counts["sections"]) == (1, 0, 0)
    assert counts["document_sources"] == 1


def test_known_document_ids_by_status(db: Database) -> None:
    load(db)
    record_quarantine(db, OTHER, "x.pdf", "empty file", "1.0.0", 0)
    assert known_document_ids(db) == {DOC}
    assert known_document_ids(db, "quarantined") == {OTHER}
    assert known_document_ids(db, None) == {DOC, OTHER}
