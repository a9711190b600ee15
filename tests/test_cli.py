"""The `lps` command: help, friendly errors, exit codes, and one real run in a subprocess."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, manifest, needs_fixtures
from leaflets import copy_leaflet

from lps.cli import main

EMPTY_REASON = "empty file (0 bytes): nothing to read; fetch the leaflet again"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_help_explains_the_tool_with_examples(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "Turn Local Policing Summary PDF leaflets into a SQLite warehouse." in result.output
    assert "lps ingest leaflets/" in result.output
    assert "ingest " in result.output and "extract " in result.output


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented_with_examples(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"lps {command} " in result.output


def test_extract_prints_the_reason_for_a_bad_file_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    result = runner.invoke(main, ["extract", str(empty)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"{empty}: {EMPTY_REASON}\n"


def test_extract_refuses_a_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["extract", str(tmp_path / "nope.pdf")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@needs_fixtures
def test_extract_prints_the_golden_records_as_json(runner: CliRunner) -> None:
    [entry] = [e for e in manifest() if e.path == PDFS / "2009-10" / "barking-and-dagenham.pdf"]
    result = runner.invoke(main, ["extract", str(entry.path)])
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed.pop("cells")  # where each figure was read, which golden files leave out
    assert printed.pop("pdf")["creator"] == "policing-summaries fixtures"  # the file's metadata
    assert printed == entry.expected().model_dump(mode="json", exclude={"cells", "pdf"})


def test_ingest_refuses_an_unusable_warehouse_before_starting(
    runner: CliRunner, tmp_path: Path
) -> None:
    leaflet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    result = runner.invoke(main, ["ingest", str(leaflet), "--db", str(tmp_path)])
    assert result.exit_code == 2  # a usage error, as for every command
    assert result.stderr.endswith(
        f"Error: Invalid value for '--db' (env var: 'LPS_DB'): File '{tmp_path}' is a "
        "directory.\n")


def test_ingest_refuses_a_missing_path(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["ingest", str(tmp_path / "nowhere"), "--db",
                                  str(tmp_path / "lps.db")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


@pytest.mark.usefixtures("prefect_api")
def test_ingest_prints_the_summary_and_exits_0_despite_quarantines(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    leaflet = copy_leaflet(tmp_path / "in" / "barnet.pdf", "Barnet")
    (tmp_path / "in" / "empty.pdf").write_bytes(b"")
    db_path = tmp_path / "from-env.db"
    monkeypatch.setenv("LPS_DB", str(db_path))

    result = runner.invoke(main, ["ingest", str(leaflet.parent), "--workers", "1"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Ingested into {db_path} in ")
    assert "  loaded:                1\n" in result.stdout
    assert "  quarantined:           1\n" in result.stdout
    assert f"  {tmp_path / 'in' / 'empty.pdf'}: {EMPTY_REASON}\n" in result.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from documents").fetchone() == (2,)


def lps(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the installed `lps` console script (beside this interpreter) in a new process."""
    script = Path(sys.executable).with_name("lps")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "lps.cli"]
    return subprocess.run([*command, *args], env=env, capture_output=True, text=True,
                          timeout=600)


ALARMING = re.compile(r"Traceback|locked|\| (ERROR|WARNING|CRITICAL) ", re.IGNORECASE)


@needs_fixtures
def test_a_real_run_in_a_subprocess_is_quiet(tmp_path: Path) -> None:
    """`lps ingest` on the 2009/10 leaflets and the bad files, with no Prefect server configured
    (so on the temporary one).

    The run log must hold no traceback, no 'database is locked' and no ERROR/WARNING line.
    (Re-runs are checked in test_ingest_flow; each process here costs a server start.)
    """
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    db_path = tmp_path / "lps.db"

    folders = [PDFS / "2009-10", PDFS / "bad"]
    result = lps("ingest", *map(str, folders), "--db", str(db_path), "--workers", "2", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert ALARMING.findall(output) == [], output
    assert "documents extracted" in result.stderr  # progress lines
    entries = [entry for entry in manifest() if entry.path.parent in folders]
    assert f"  documents seen:        {len(entries)}\n" in result.stdout
    with sqlite3.connect(db_path) as conn:
        statuses = dict(conn.execute("select source, status from documents").fetchall())
    # sources are stored as given: relative to the working directory the run started in
    assert {Path(os.path.abspath(source)).relative_to(PDFS.parent): status
            for source, status in statuses.items()} == {
        entry.path.relative_to(PDFS.parent): entry.expected_status for entry in entries
    }


@needs_fixtures
def test_a_file_name_that_is_not_utf8_is_ingested_and_shown_with_escapes(tmp_path: Path) -> None:
    """Issue 12, item 6: such a name used to stop every ingest with a UnicodeEncodeError."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = os.fsdecode(b"bar\xffnet.pdf")
    (inbox / name).write_bytes((PDFS / "2009-10" / "barnet.pdf").read_bytes())
    db_path = tmp_path / "lps.db"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    first = lps("ingest", str(inbox), "--db", str(db_path), env=env)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert "  loaded:                1\n" in first.stdout
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select source, status from documents").fetchall() == [
            ("bar\\xffnet.pdf", "loaded")]
    again = lps("ingest", str(inbox), "--db", str(db_path), env=env)
    assert again.returncode == 0, again.stderr
    assert "  skipped (known/dupe):  1\n" in again.stdout
