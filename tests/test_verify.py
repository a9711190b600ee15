"""`lps verify`: a warehouse built from real leaflets passes, and each kind of damage, made by
direct SQL (or bytes) on a copy, is reported by the right check, naming table, document and row.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS
from sample_warehouse import build_fixture_warehouse, build_sample_warehouse

from lps.cli import main
from warehouse import open_warehouse
from warehouse.verify import Problem, VerifyReport, verify_warehouse

#: One leaflet of each template (2011 has ward priorities, 2010 force results and a review
#: item), a second 2009/10 leaflet, and a file that is quarantined.
LEAFLETS = [
    PDFS / "2007-08" / "barnet.pdf",
    PDFS / "2008-09" / "barnet.pdf",
    PDFS / "2009-10" / "barnet.pdf",
    PDFS / "2009-10" / "camden.pdf",
    PDFS / "2010-11" / "barnet.pdf",
    PDFS / "bad" / "truncated.pdf",
]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_warehouse(tmp_path_factory.mktemp("verify") / "lps.db", LEAFLETS)


@pytest.fixture
def damaged(clean: Path, tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A copy of the clean warehouse and a plain connection to damage it with."""
    path = Path(shutil.copyfile(clean, tmp_path / "damaged.db"))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield path, connection
    finally:
        connection.close()


def _verify(path: Path) -> VerifyReport:
    db = open_warehouse(path, writable=False)
    try:
        return verify_warehouse(db)
    finally:
        db.close()


def _one(connection: sqlite3.Connection, sql: str) -> str:
    return str(connection.execute(sql).fetchone()[0])


def _loaded(connection: sqlite3.Connection, template: str = "mpa-2010") -> str:
    return _one(connection, "select document_id from documents where status = 'loaded' and "
                f"template = '{template}' order by document_id limit 1")


def _quarantined(connection: sqlite3.Connection) -> str:
    return _one(connection, "select document_id from documents where status = 'quarantined'")


def _found(path: Path) -> list[tuple[str, str, str | None, int | None, str]]:
    """The problems found, but those of the digests check: every edit below changes a digest
    too (tests/test_verify_values.py); these tests are about the structural checks."""
    return [(p.check, p.table, p.document_id, p.row_number, p.what)
            for p in _verify(path).problems if p.check != "digests"]


def test_a_warehouse_of_real_leaflets_passes(clean: Path) -> None:
    report = _verify(clean)
    assert report.problems == []
    checked = {result.name: result.checked for result in report.results}
    assert list(checked) == ["integrity", "foreign_keys", "documents", "rows", "full_text",
                             "figures", "digests", "conflicts", "schema"]
    assert checked["documents"] == checked["digests"] == len(LEAFLETS)
    assert checked["conflicts"] == 0  # one leaflet per borough, year and template
    connection = sqlite3.connect(clean)
    assert checked["full_text"] == int(_one(connection, "select count(*) from sections"))
    assert checked["figures"] == checked["rows"] > 100
    connection.close()


def test_cli_reports_ok_and_exits_zero(clean: Path) -> None:
    result = CliRunner().invoke(main, ["verify", "--db", str(clean)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{clean}: ok"
    assert lines[3] == "  documents     ok             6 documents"


def test_cli_names_each_problem_and_exits_one(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    doc = _loaded(connection)
    connection.execute(f"delete from performance where document_id = '{doc}'")
    result = CliRunner().invoke(main, ["verify", "--db", str(path)], env={"LPS_DB": None})
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{path}: 2 problem(s)"  # and its digest
    assert (f"  [rows] performance, document {doc}: loaded document has no performance rows "
            "(partly written)\n      fix: delete the document (DELETE FROM documents WHERE "
            f"document_id = '{doc}' with PRAGMA foreign_keys=ON removes its rows too) and run "
            "`lps ingest` on its PDF again") in result.output


def test_cli_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["verify"], env={"LPS_DB": str(tmp_path / "none.db")})
    assert result.exit_code == 2
    assert result.output == (f"Error: no warehouse at {tmp_path / 'none.db'}: run `lps ingest` "
                             "first, or pass --db\n")
    assert not (tmp_path / "none.db").exists()


def test_a_gap_in_row_numbers(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    doc = _loaded(connection)
    connection.execute(f"delete from priorities where document_id = '{doc}' and row_number = 2")
    total = int(_one(connection, f"select count(*) from priorities where document_id = '{doc}'"))
    assert _found(path) == [("rows", "priorities", doc, None,
                             f"row numbers 1..{total + 1} for {total} rows: rows are missing "
                             "(numbers run 1..n with no gap)")]


def test_orphan_rows(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    ghost = "f" * 64
    connection.execute("pragma foreign_keys = off")
    connection.execute("insert into ward_priorities values (?, 1, 'Barnet', '2011/12', 'Hale', "
                       "1, 'Burglary', 4)", [ghost])
    connection.execute("insert into extraction_history (document_id, extractor_version, status, "
                       "replaced_at) values (?, 'v', 'loaded', 'now')", [ghost])
    found = _found(path)
    assert [(check, table, doc) for check, table, doc, _, _ in found] == [
        ("foreign_keys", "ward_priorities", ghost),
        ("foreign_keys", "extraction_history", ghost),
    ]
    assert found[0][4].endswith("points at a documents row that does not exist (orphan)")


def test_rows_of_a_quarantined_document(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    doc = _quarantined(connection)
    connection.execute("insert into sections values (?, 1, 'contacts', 'Useful contacts', "
                       "'Call 101', 4)", [doc])
    assert _found(path) == [("rows", "sections", doc, None, "quarantined document has 1 rows "
                             "(a quarantined document has none)")]


def test_inconsistent_documents_rows(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    loaded, quarantined = _loaded(connection), _quarantined(connection)
    other = _loaded(connection, "mpa-2011")
    connection.execute(f"update documents set reason = null where document_id = '{quarantined}'")
    connection.execute(f"update documents set status = 'loading' where document_id = '{other}'")
    connection.execute(f"update documents set period = null where document_id = '{loaded}'")
    connection.execute(f"delete from document_sources where document_id = '{loaded}'")
    problems = {(p.check, p.table, p.document_id, p.what) for p in _verify(path).problems}
    assert {
        ("documents", "documents", quarantined, "quarantined without a reason"),
        ("documents", "documents", other, "status is 'loading', not 'loaded' or 'quarantined'"),
        ("documents", "documents", loaded, "loaded but period is empty"),
        ("documents", "document_sources", loaded,
         "no document_sources row: the name it was ingested under is lost"),
    } <= problems


def test_needs_review_disagrees_with_review_items(
    damaged: tuple[Path, sqlite3.Connection],
) -> None:
    path, connection = damaged
    doc = _loaded(connection, "mpa-2011")
    connection.execute(f"update documents set needs_review = 1 where document_id = '{doc}'")
    assert _found(path) == [("rows", "documents", doc, None,
                             "needs_review is 1 but the document has 0 review_items")]


def test_full_text_index_out_of_step(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    # What a rebuild that renumbers rowids (the table's key is not its rowid) leaves behind.
    for trigger in ("sections_ai", "sections_ad", "sections_au"):
        connection.execute(f"drop trigger {trigger}")
    top = int(_one(connection, "select max(rowid) from sections"))
    doc = _one(connection, f"select document_id from sections where rowid = {top}")
    connection.execute(f"update sections set rowid = {top + 1} where rowid = {top}")
    problems = [p for p in _verify(path).problems if p.check == "full_text"]
    assert [(p.document_id, p.what) for p in problems][:2] == [
        (doc, f"section rowid {top + 1} is not indexed"),
        (None, f"indexes rowid {top}, which is no row of sections (stale entry)"),
    ]
    assert all(p.fix == "rebuild the index: `sqlite-utils rebuild-fts WAREHOUSE sections`"
               for p in problems)


def test_figures_that_break_the_schemas(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    doc = _loaded(connection)
    row = int(_one(connection, f"select min(row_number) from performance where document_id = "
                   f"'{doc}' and change_count > 0 and change_pct > 0"))
    connection.execute(f"update performance set change_pct = -change_pct where document_id = "
                       f"'{doc}' and row_number = {row}")
    connection.execute(f"update priorities set measure = 'burglery', period = '2010/12' "
                       f"where document_id = '{doc}' and row_number = 1")
    connection.execute(f"update performance set area = 'Camden' where document_id = '{doc}' "
                       "and row_number = 1")
    found = [(table, number, what) for check, table, _, number, what in _found(path)
             if check == "figures"]
    assert found[0] == ("performance", 1, "area is 'Camden' but the document's is 'Barnet'")
    assert ("performance", row) in [(table, number) for table, number, _ in found]
    assert [what.split(":")[0] for table, number, what in found if table == "priorities"] == [
        "measure", "period"]
    assert any("disagrees in sign" in what for _, _, what in found)
    assert len(found) == 4


def test_damaged_file_is_reported_not_raised(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    root = int(_one(connection, "select rootpage from sqlite_master where name = "
                    "'idx_documents_status'"))
    size = int(_one(connection, "pragma page_size"))
    connection.close()
    with path.open("r+b") as file:  # overwrite the index's page with garbage
        file.seek((root - 1) * size)
        file.write(b"\xff" * 16)
    problems: list[Problem] = _verify(path).problems
    assert (problems[0].check, problems[0].what) == (
        "integrity", "the check could not run: database disk image is malformed")
    assert problems[0].fix.startswith("restore the warehouse from a backup")


def test_an_index_out_of_step_with_its_table(damaged: tuple[Path, sqlite3.Connection]) -> None:
    path, connection = damaged
    # Declare the status index as one on `reason`: its entries no longer match the rows.
    connection.execute("pragma writable_schema = on")
    connection.execute("update sqlite_master set sql = 'CREATE INDEX idx_documents_status ON "
                       "documents(reason)' where name = 'idx_documents_status'")
    connection.execute("pragma writable_schema = off")
    integrity = [p.what for p in _verify(path).problems if p.check == "integrity"]
    assert integrity and all(what.startswith("SQLite integrity check: ") for what in integrity)
    assert any("idx_documents_status" in what for what in integrity)


def test_the_sample_warehouse_verifies_ok(tmp_path: Path) -> None:
    """The warehouse the serve and browser tests read is one `lps verify` passes: its one
    hand-set quarantine (Hackney 2010/11's borough and year) is sealed as it stands."""
    path = build_sample_warehouse(tmp_path / "sample.db")
    result = CliRunner().invoke(main, ["verify", "--db", str(path)])
    assert (result.exit_code, result.output.splitlines()[0]) == (0, f"{path}: ok"), result.output
