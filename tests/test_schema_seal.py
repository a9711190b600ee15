"""The schema is sealed like the rows (issue 20, item 6), and a warehouse newer than the code is
not written (issue 20, item 11).

Before: redefining `performance_detail` as `change_count + 100` left `lps verify` at ok, and
`lps export` released the warehouse and called it valid; an older `lps` wrote into a warehouse
migrated by a newer one without a word. Real warehouses, real `lps verify`, `lps export` and
`lps ingest` commands.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_warehouse import build_sample_warehouse
from sqlite_utils import Database

from lps.cli import main
from warehouse import WarehouseUnavailable, open_warehouse
from warehouse.migrations import migrations
from warehouse.schema_seal import check_schema, schema_now

_SHOWN = "\n    change_count,\n"
_CHANGED = "\n    change_count + 100 AS change_count,\n"


def _tamper(db_path: Path) -> None:
    """Redefine performance_detail so every change_count it shows is 100 more."""
    with sqlite3.connect(db_path) as conn:
        (sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'performance_detail'").fetchone()
        assert sql.count(_SHOWN) == 1
        conn.execute("DROP VIEW performance_detail")
        conn.execute(sql.replace(_SHOWN, _CHANGED))


@pytest.fixture
def tampered(tmp_path: Path) -> Path:
    db_path = build_sample_warehouse(tmp_path / "lps.db")
    _tamper(db_path)
    return db_path


def test_verify_names_a_redefined_view(tampered: Path) -> None:
    result = CliRunner().invoke(main, ["verify", "--db", str(tampered)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{tampered}: 1 problem(s)"
    assert "  schema        1 problem(s)" in lines[9]
    problem = next(line for line in lines if line.startswith("  [schema]"))
    assert problem.startswith(
        "  [schema] performance_detail: view performance_detail: its definition is not the one "
        "sealed (changed by hand?); it now reads: CREATE VIEW [performance_detail] AS ")
    assert " change_count + 100 AS change_count, " in problem


def test_export_refuses_a_warehouse_that_fails_verify(tampered: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    result = CliRunner().invoke(main, ["export", str(out), "--db", str(tampered)])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: refused: {tampered} fails `lps verify`: [schema] performance_detail: view "
        "performance_detail: its definition is not the one sealed (changed by hand?);")
    assert result.output.rstrip().endswith(
        f"; run `lps verify --db {tampered}` for the report and fixes")
    assert not out.exists()


def test_an_edit_survives_later_migrations_and_their_own_changes_are_sealed(
        tampered: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migration added after m010 (as m011 and m012 are) needs nothing of its own: what it
    changes is sealed as it runs; what it does not touch keeps its seal."""

    def m099_later(db: Database) -> None:
        db.execute("DROP VIEW coverage_unplaced")
        db.execute("CREATE VIEW coverage_unplaced AS SELECT document_id, source FROM documents "
                   "WHERE area_code IS NULL")
        db.execute("CREATE INDEX performance_by_label ON performance(label)")

    later = migrations._Migration("m099_later", m099_later)
    monkeypatch.setattr(migrations, "_migrations", [*migrations._migrations, later])
    with open_warehouse(tampered) as db:
        result = check_schema(db)
        assert [problem.table for problem in result.problems] == ["performance_detail"]
        sealed = dict(((k, n), s) for k, n, s in db.execute(
            "SELECT type, name, sql FROM schema_seal").fetchall())
        now = schema_now(db)
        assert sealed[("index", "performance_by_label")] == now[("index", "performance_by_label")]
        assert "area_code IS NULL" in sealed[("view", "coverage_unplaced")]


def test_an_untouched_warehouse_verifies(tmp_path: Path) -> None:
    db_path = build_sample_warehouse(tmp_path / "lps.db")
    with open_warehouse(db_path, writable=False) as db:
        result = check_schema(db)
    assert result.problems == []
    assert result.checked == len(schema_now(Database(db_path)))


def test_a_trigger_added_by_hand_is_named(tmp_path: Path) -> None:
    db_path = build_sample_warehouse(tmp_path / "lps.db")
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER bump AFTER INSERT ON performance BEGIN "
                     "UPDATE performance SET change_count = 0; END")
    with open_warehouse(db_path, writable=False) as db:
        [problem] = check_schema(db).problems
    assert problem.what == (
        "trigger bump: not in the seal (created outside the migrations): CREATE TRIGGER bump "
        "AFTER INSERT ON performance BEGIN UPDATE performance SET change_count = 0; END")


def _from_the_future(tmp_path: Path) -> Path:
    db_path = build_sample_warehouse(tmp_path / "lps.db")
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                     "VALUES ('policing-summaries', 'm099_future', '2030-01-01')")
    return db_path


def test_a_newer_warehouse_is_refused_read_write(tmp_path: Path) -> None:
    db_path = _from_the_future(tmp_path)
    known = migrations._migrations[-1].name
    with pytest.raises(WarehouseUnavailable) as error:
        open_warehouse(db_path)
    assert str(error.value) == (
        f"cannot write warehouse {db_path}: its schema is newer than this lps: it has migration "
        f"m099_future, this lps knows up to {known}; use the newer lps that wrote it (it may "
        "be read, not written, by this one)")
    with open_warehouse(db_path, writable=False) as db:  # reading is fine
        assert db.table("documents").count == 6


def test_export_of_a_newer_warehouse_is_refused_without_a_traceback(tmp_path: Path) -> None:
    db_path = _from_the_future(tmp_path)
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db", str(db_path)])
    assert result.exit_code == 1
    assert "its schema is newer than this lps: it has migration m099_future" in result.output
    assert "Traceback" not in result.output
