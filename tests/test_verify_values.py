"""`lps verify` sees values (issue 12, item 5), and works on a copy it may not write (item 16).

A warehouse of real leaflets, extracted by the real extractor, is copied and tampered with by
plain SQL in each of the ways the issue lists (a figure +1 or x10, two figures swapped, a mark
flipped, the last row of a table deleted, a whole document deleted by cascade, prose edited):
each must be reported by the digests check, naming the document, the table and the rows.
`--deep` reads the PDFs again and catches a change whose digest was rewritten too.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from builders import make_extraction
from click.testing import CliRunner
from conftest import PDFS, ROOT
from sample_warehouse import WHEN, build_fixture_warehouse
from sqlite_utils import Database

from lps.cli import main
from pipeline.parse import extraction_or_reason
from warehouse import load_extraction, open_warehouse
from warehouse.digests import digest_rows, figures_digest, seal_document, stored_rows
from warehouse.m008_digests import STATEMENTS as M008
from warehouse.migrations import migrations
from warehouse.schema_seal import schema_now, seal_schema
from warehouse.verify import verify_warehouse

#: The fingerprint of m008 as it shipped (see tests/test_research_views.py for why).
M008_FINGERPRINT = "0bfa078cb9d09e87beb3a4f854f39f522a1027389910b61f31225f6b1775c600"

BARNET = PDFS / "2009-10" / "barnet.pdf"
LEAFLETS = [BARNET, PDFS / "2009-10" / "camden.pdf", PDFS / "2010-11" / "barnet.pdf",
            PDFS / "bad" / "truncated.pdf"]
DOC = hashlib.sha256(BARNET.read_bytes()).hexdigest()
SOURCE = "fixtures/pdfs/2009-10/barnet.pdf"
SINCE = f"since it was loaded on {WHEN}"

Tamper = Callable[[sqlite3.Connection], None]


def _sql(*statements: str) -> Tamper:
    def tamper(connection: sqlite3.Connection) -> None:
        for statement in statements:
            connection.execute(statement.format(doc=DOC))
    return tamper


_ROW = "document_id = '{doc}' and row_number = "
PROVENANCE = "where the document came from or how it was read is not what was recorded"

#: Each kind of tampering, and the one problem (table, row, what) the digests check must report
#: for Barnet 2009/10.
TAMPERING: dict[str, tuple[Tamper, str, int | None, str]] = {
    "a figure +1": (
        _sql(f"update performance set change_count = change_count + 1 where {_ROW}2"),
        "performance", 2, f"row 2 changed {SINCE}"),
    "a figure x10": (
        _sql(f"update performance set change_count = change_count * 10 where {_ROW}5"),
        "performance", 5, f"row 5 changed {SINCE}"),
    "two figures swapped": (
        _sql("update performance set change_count = case row_number when 1 then 73 else 432 "
             "end where document_id = '{doc}' and row_number in (1, 2)"),
        "performance", None, f"rows 1 and 2 changed {SINCE}"),
    "target_achieved flipped": (
        _sql(f"update performance set target_achieved = 1 - target_achieved where {_ROW}6"),
        "performance", 6, f"row 6 changed {SINCE}"),
    "the last row of a table deleted": (
        _sql(f"delete from performance where {_ROW}7"),
        "performance", 7, f"row 7 gone {SINCE} (7 rows then, 6 now)"),
    "a priority's target changed": (
        _sql(f"update priorities set target_change_pct = -9.5 where {_ROW}1"),
        "priorities", 1, f"row 1 changed {SINCE}"),
    "prose edited": (
        _sql(f"update sections set text = replace(text, 'safer', 'more dangerous') "
             f"where {_ROW}1"),
        "sections", 1, f"row 1 changed {SINCE}"),
    "the commander renamed": (
        _sql("update documents set commander = 'Someone Else' where document_id = '{doc}'"),
        "documents", None, f"its documents row changed {SINCE}"),
    # Provenance (migration m014): where the document came from and how it was read.
    "a generated leaflet passed for a real one": (
        _sql("update documents set synthetic = 1 - synthetic where document_id = '{doc}'"),
        "documents", None, f"its provenance column(s) synthetic changed {SINCE}: " + PROVENANCE),
    "OCR's reading passed for the text layer's": (
        _sql("update documents set read_by = 'ocr', ocr_engine = 'tesseract' "
             "where document_id = '{doc}'"),
        "documents", None,
        f"its provenance column(s) ocr_engine and read_by changed {SINCE}: " + PROVENANCE),
    "a figure's box moved and its text edited": (
        _sql("update figure_cells set x0 = x0 + 100, text = '99 offences' where "
             "document_id = '{doc}' and table_name = 'performance' and row_number = 3 "
             "and field = 'change_count'"),
        "figure_cells", None,
        f"its figure_cells performance row 3 change_count changed {SINCE}: " + PROVENANCE),
    "the whole document deleted (cascade)": (
        _sql("pragma foreign_keys = on", "delete from documents where document_id = '{doc}'"),
        "documents", None,
        f"the document is gone: Barnet 2009/10 (mpa-2010), loaded from {SOURCE} on {WHEN}, "
        "has no documents row and none of its rows (deleting a document removes its rows by "
        "cascade)"),
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_warehouse(tmp_path_factory.mktemp("values") / "lps.db", LEAFLETS)


@pytest.fixture
def copy(clean: Path, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(clean, tmp_path / "lps.db"))


def _tamper(path: Path, tamper: Tamper) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        tamper(connection)
    finally:
        connection.close()


def _digest_problems(path: Path) -> list[tuple[str, str | None, int | None, str]]:
    with open_warehouse(path, writable=False) as db:
        report = verify_warehouse(db)
    assert not report.ok
    return [(p.table, p.document_id, p.row_number, p.what) for p in report.problems
            if p.check == "digests"]


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_each_kind_of_tampering_is_named(copy: Path, kind: str) -> None:
    tamper, table, row, what = TAMPERING[kind]
    _tamper(copy, tamper)
    assert _digest_problems(copy) == [(table, DOC, row, what)]


def test_the_clean_warehouse_passes(clean: Path) -> None:
    with open_warehouse(clean, writable=False) as db:
        report = verify_warehouse(db)
    assert report.ok, report.problems
    assert report.notes == []


def test_cli_names_the_document_table_and_row(copy: Path) -> None:
    _tamper(copy, TAMPERING["a figure +1"][0])
    result = CliRunner().invoke(main, ["verify", "--db", str(copy)], env={"LPS_DB": None})
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{copy}: 1 problem(s)"
    assert (f"  digests       1 problem(s)   {len(LEAFLETS)} documents\n" in result.output)
    assert result.output.endswith(
        f"  [digests] performance, document {DOC}, row 2: row 2 changed {SINCE}\n"
        "      fix: see what changed with `lps verify --deep` (it reads the PDF again), then "
        f"re-extract it: delete the document (DELETE FROM documents WHERE document_id = '{DOC}' "
        "with PRAGMA foreign_keys=ON removes its rows too) and run `lps ingest` on its PDF "
        "again\n")


def test_a_document_deleted_says_how_to_bring_it_back(copy: Path) -> None:
    _tamper(copy, TAMPERING["the whole document deleted (cascade)"][0])
    with open_warehouse(copy, writable=False) as db:
        [problem] = [p for p in verify_warehouse(db).problems if p.check == "digests"]
    assert problem.fix == (f"ingest its PDF again (`lps ingest {SOURCE}`); if it was removed on "
                           f"purpose, forget it: DELETE FROM document_digests WHERE document_id "
                           f"= '{DOC}'")


def test_a_document_without_a_digest_is_not_passed_silently(copy: Path) -> None:
    _tamper(copy, _sql("delete from document_digests where document_id = '{doc}'"))
    assert _digest_problems(copy) == [
        ("document_digests", DOC, None,
         "no digest was recorded for it, so its values cannot be checked")]


def test_the_digest_of_a_document_is_pinned(tmp_path: Path) -> None:
    # The canonical form is part of the schema: changing it needs a migration that recomputes
    # every stored digest (warehouse.digests). Records built in code: no extractor, no fixture.
    with open_warehouse(tmp_path / "lps.db") as db:
        load_extraction(db, "a" * 64, "a.pdf", make_extraction(review=True), "pinned", 1000,
                        ingested_at=WHEN)
        rows = stored_rows(db, "a" * 64)
    assert figures_digest(rows) == (
        "7770e7eb71f9b3cecd97fc2b1e46189926f1d17f8cd3899c52e82b054fa1ae1a")
    assert digest_rows(rows).records_sha256 == (
        "a0f27eaa48eb72cc05c60de34e3b00e1c802b4ee5e51467c82e07b5fed4b2920")


def test_m008_is_frozen() -> None:
    assert hashlib.sha256("\n".join(M008).encode()).hexdigest() == M008_FINGERPRINT


# --deep ------------------------------------------------------------------------------------


@pytest.fixture
def raw_store(tmp_path: Path) -> Path:
    """A raw store holding the two 2009/10 leaflets (not the 2010/11 one)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for pdf in LEAFLETS[:2]:
        data = pdf.read_bytes()
        (raw / f"{hashlib.sha256(data).hexdigest()}.pdf").write_bytes(data)
    return raw


def test_deep_catches_a_change_whose_digest_was_rewritten(copy: Path, raw_store: Path,
                                                          tmp_path: Path) -> None:
    _tamper(copy, _sql(f"update performance set change_count = 74 where {_ROW}2"))
    with open_warehouse(copy) as db:  # whoever changed it also sealed it again
        seal_document(db, DOC, WHEN)
    runner = CliRunner()
    shallow = runner.invoke(main, ["verify", "--db", str(copy)], env={"LPS_DB": None})
    assert shallow.exit_code == 0, shallow.output
    os.chdir(tmp_path)  # relative sources do not resolve here: only the raw store has bytes
    try:
        deep = runner.invoke(main, ["verify", "--db", str(copy), "--deep", "--raw",
                                    str(raw_store), "--workers", "1"], env={"LPS_DB": None})
    finally:
        os.chdir(ROOT)
    assert deep.exit_code == 1, deep.output
    lines = deep.output.splitlines()
    assert lines[0] == f"{copy}: 1 problem(s)"
    assert "  deep          1 problem(s)   2 documents compared with their PDFs" in lines
    assert (f"  [deep] performance, document {DOC}, row 2: row 2 (Total robbery) change_count: "
            "the warehouse holds 74, its PDF gives 73") in lines
    barnet_2010 = hashlib.sha256(LEAFLETS[2].read_bytes()).hexdigest()
    assert lines[-1] == (f"  note [deep]: {barnet_2010[:12]} not compared: no copy of its bytes "
                         "in the raw store or at its sources (fixtures/pdfs/2010-11/barnet.pdf)")


# Read-only --------------------------------------------------------------------------------

_SETPRIV = shutil.which("setpriv")


def _as_a_user_who_may_not_write(*args: str) -> subprocess.CompletedProcess[str]:
    """`lps ARGS` in a real process that file permissions bind: root without the capabilities
    that override them (a plain user as is)."""
    return _python_bound_by_permissions("-m", "lps.cli", *args)


def _python_bound_by_permissions(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *args]
    if os.geteuid() == 0:
        if _SETPRIV is None:
            pytest.skip("running as root without setpriv: permissions cannot be tested")
        command = [_SETPRIV, "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    env = {k: v for k, v in os.environ.items() if k != "LPS_DB"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder this user may not write; made writable again afterwards, to be removed."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def test_a_read_only_copy_verifies_ok(clean: Path, read_only: Path) -> None:
    path = Path(shutil.copyfile(clean, read_only / "lps.db"))
    path.chmod(0o444)
    read_only.chmod(0o555)
    result = _as_a_user_who_may_not_write("verify", "--db", str(path))
    assert result.returncode == 0
    assert re.fullmatch(r"in \d+\.\ds \(start to exit\)\n", result.stderr), result.stderr
    assert result.stdout.splitlines()[0] == f"{path}: ok"
    assert [p.name for p in read_only.iterdir()] == ["lps.db"]  # nothing written beside it


def test_an_unreadable_warehouse_says_why(clean: Path, read_only: Path) -> None:
    path = Path(shutil.copyfile(clean, read_only / "lps.db"))
    path.chmod(0o000)
    result = _as_a_user_who_may_not_write("verify", "--db", str(path))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith(f"Error: Invalid value for '--db' (env var: 'LPS_DB'): File "
                                  f"'{path}' is not readable.\n")
    opened = _python_bound_by_permissions(  # what the library says, to `lps coverage` too
        "-c", "import sys\nfrom warehouse import open_warehouse, WarehouseUnavailable\n"
        f"try:\n    open_warehouse({str(path)!r}, writable=False)\n"
        "except WarehouseUnavailable as error:\n    print(error)")
    assert opened.stdout == (f"cannot read warehouse {path}: permission denied (this user may "
                             "not read the file)\n")


def test_a_read_only_copy_with_changes_in_its_log_says_how_to_read_it(
    clean: Path, read_only: Path, tmp_path: Path,
) -> None:
    live = Path(shutil.copyfile(clean, tmp_path / "live.db"))
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        writer.execute("pragma wal_autocheckpoint = 0")
        writer.execute("insert into runs (run_id, started_at, finished_at, seen, loaded, "
                       "skipped, quarantined) values ('r', 'a', 'b', 0, 0, 0, 0)")
        path = Path(shutil.copyfile(live, read_only / "lps.db"))
        shutil.copyfile(f"{live}-wal", f"{path}-wal")  # the log, without its -shm index
    finally:
        writer.close()
    read_only.chmod(0o555)
    result = _as_a_user_who_may_not_write("verify", "--db", str(path))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: cannot read warehouse {path} read-only: its write-ahead log lps.db-wal holds "
        "changes not yet in the file, and this user may not create lps.db-shm in "
        f"{read_only}, which SQLite needs to read them; ask someone who can write there to run "
        f"`sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'`, or copy lps.db and lps.db-wal to "
        "a folder you can write\n")


def test_a_warehouse_loaded_before_m014_has_its_provenance_sealed_on_upgrade(
        tmp_path: Path) -> None:
    """Loaded when only the rows were sealed, then upgraded: the upgrade seals the provenance as
    it finds it, verify passes, and an edit made after it is named, since the upgrade."""
    old = Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m011_sources")  # the schema seal (m010) is there ...
    before = schema_now(old)
    migrations.apply(old, stop_before="m014_provenance_seal")
    seal_schema(old, before)  # ... and sealed what m011-m013 changed, as the release before did
    extraction = extraction_or_reason(BARNET.read_bytes())
    assert not isinstance(extraction, str), extraction
    load_extraction(old, DOC, SOURCE, extraction, "test-1", BARNET.stat().st_size,
                    ingested_at=WHEN)
    assert old.execute("SELECT count(*) FROM document_digests").fetchone() == (1,)
    old.close()
    with open_warehouse(tmp_path / "old.db") as upgraded:
        report = verify_warehouse(upgraded)
        (sealed,) = upgraded.execute("SELECT provenance FROM document_digests").fetchone()
    assert report.ok, report.problems
    assert '"basis":"upgrade"' in sealed and '"synthetic"' in sealed and '"figure_cells"' in sealed
    _tamper(tmp_path / "old.db", TAMPERING["a generated leaflet passed for a real one"][0])
    ((table, document, row, what),) = _digest_problems(tmp_path / "old.db")
    assert (table, document, row) == ("documents", DOC, None)
    assert what.startswith("its provenance column(s) synthetic changed since the warehouse was "
                           "upgraded on 20"), what
