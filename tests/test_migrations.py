"""Shipped migrations are frozen: each runs the SQL it shipped with, whatever the code that
once produced it (`warehouse.views`, `warehouse.archive`) becomes."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from warehouse import migrations, open_warehouse
from warehouse.m005_research import VIEWS as RESEARCH_VIEWS
from warehouse.m007_conflicts import VIEWS as CONFLICT_VIEWS
from warehouse.m009_research2 import VIEWS as RESEARCH2_VIEWS
from warehouse.m013_ocr_cells import COVERAGE as OCR_CELLS_COVERAGE
from warehouse.migrations import FROZEN, frozen_statements
from warehouse.views import VIEWS

#: sha256 of each frozen file as shipped. A changed file is a changed migration: add a new one.
SHIPPED = {
    "m003_views.sql": "af7689f68fa70e1b22b143e63a3e23500413335bd1dad3d3ac38eb7dd24d4d29",
    "m004_archive.sql": "1c4d95543b241f339abd146acb619fb25941fe624c67b602f03c0fbdc6b24cf5",
}


def _schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("select type, name, sql from sqlite_master").fetchall()
    return sorted(rows, key=repr)


def test_the_frozen_files_are_as_shipped() -> None:
    assert {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(FROZEN.glob("*.sql"))} == SHIPPED


def test_each_frozen_file_splits_into_whole_statements() -> None:
    statements = frozen_statements("m004_archive")
    assert statements[0].startswith('CREATE TABLE "document_expectations"')
    assert sum(s.startswith("CREATE VIEW") for s in statements) == len(VIEWS)
    assert not any(s.endswith(";") or s.startswith("--") for s in statements)


def test_a_new_warehouse_has_the_views_the_code_declares(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "lps.db") as db:
        stored = dict(db.execute("select name, sql from sqlite_master where type = 'view'")
                      .fetchall())
    # m005 redefines the views it gave honest targets; m007 those that show current documents;
    # m009 every view, typed; m013 adds `read_by` to coverage
    latest = {**VIEWS, **RESEARCH_VIEWS, **CONFLICT_VIEWS, **RESEARCH2_VIEWS,
              "coverage": OCR_CELLS_COVERAGE}
    assert stored == {name: f"CREATE VIEW [{name}] AS {sql.strip()}"
                      for name, sql in latest.items()}


def test_a_warehouse_made_before_m003_is_brought_to_the_same_schema(tmp_path: Path) -> None:
    old = Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m003_views")  # as the release before the views left it
    old.close()
    with open_warehouse(tmp_path / "old.db") as upgraded:
        applied = [row[0] for row in upgraded.execute(
            "select name from _sqlite_migrations order by id")]
        assert upgraded.table("areas").count == 32
    assert applied == ["m001_initial", "m002_editions", "m003_views", "m004_archive",
                       "m005_research", "m006_criminal_damage", "m007_conflicts",
                       "m008_digests", "m009_research2", "m010_schema_seal", "m011_sources",
                       "m012_ocr", "m013_ocr_cells", "m014_provenance_seal"]
    open_warehouse(tmp_path / "new.db").close()
    assert _schema(tmp_path / "old.db") == _schema(tmp_path / "new.db")
