"""Every answer `lps` gives when it cannot do what was asked: the exact message and exit code,
and nothing created or written on the way (issue 11: "a CLI that never says fine when it isn't").

Exit codes: 1 when something was found wrong or the command could not finish, 2 when the input
cannot be used (`lps.errors`). The parsing commands are also shown to apply the guard's limits:
a slow PDF bomb is stopped by `lps extract`, `lps evaluate` and `lps reprocess` alike.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, ROOT, needs_fixtures
from leaflets import copy_leaflet
from prefect.settings import temporary_settings

from extractors import EXTRACTOR_VERSION
from fixtures.generator import hostile
from lps.cli import main
from pipeline.guard import GuardedExtractor
from pipeline.settings import Settings
from pipeline.sources import document_id_for
from warehouse import open_warehouse, record_quarantine

SLOW_REASON = ("took longer than 1 s to parse (LPS_PARSE_SECONDS): stopped, so one file cannot "
               "hold up the run (a limit of this run, not a verdict on the file); tried again by "
               "the next run")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _missing(path: Path) -> str:
    return f"Error: no warehouse at {path}: run `lps ingest` first, or pass --db\n"


@pytest.mark.parametrize("command", [["coverage"], ["reprocess"], ["verify"]])
def test_a_command_on_a_warehouse_that_does_not_exist_refuses_and_creates_nothing(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "lsp.db"
    result = runner.invoke(main, [*command, "--db", str(typo)])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", _missing(typo))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["coverage"], ["reprocess"], ["verify"], ["serve"]])
def test_a_warehouse_in_a_folder_that_does_not_exist_is_named_as_such(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "no-such-folder" / "lps.db"
    result = runner.invoke(main, [*command, "--db", str(path)])
    assert result.exit_code == 2
    expected = (f"Error: no warehouse at {path}: folder {path.parent} does not exist\n"
                if command != ["serve"] else _missing(path))
    assert result.stderr == expected


def test_ingest_into_a_folder_that_does_not_exist_says_so(runner: CliRunner,
                                                          tmp_path: Path) -> None:
    leaflet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    path = tmp_path / "no-such-folder" / "lps.db"
    result = runner.invoke(main, ["ingest", str(leaflet), "--db", str(path)])
    assert (result.exit_code, result.stderr) == (
        2, f"Error: cannot create warehouse {path}: folder {path.parent} does not exist\n")


def test_ingest_of_paths_without_a_pdf_fails_unless_allowed(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "readme.txt").write_text("not a leaflet")
    db_path = tmp_path / "lps.db"
    result = runner.invoke(main, ["ingest", str(drop), "--db", str(db_path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: no PDF files in {drop}: nothing to ingest (folders are searched for *.pdf; "
        "give --allow-empty when an empty drop folder is expected)\n")
    assert not db_path.exists()

    allowed = runner.invoke(main, ["ingest", str(drop), "--db", str(db_path), "--allow-empty"])
    assert allowed.exit_code == 0, allowed.output
    assert re.match(rf"Ingested into {re.escape(str(db_path))} in \d+\.\ds \(start to exit\)\n"
                    r"  documents seen:        0\n", allowed.stdout)
    with open_warehouse(db_path, writable=False) as db:
        assert db.table("runs").count == 1  # the scheduled run is on record


def test_an_unreachable_prefect_api_is_reported_before_anything_is_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    leaflet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    db_path = tmp_path / "lps.db"
    with temporary_settings(updates={"api.url": "http://127.0.0.1:9/api"}):
        result = runner.invoke(main, ["ingest", str(leaflet), "--db", str(db_path)])
    assert result.exit_code == 2  # an API that does not answer is a setting to fix
    assert result.stderr.startswith(
        "Error: cannot reach the Prefect API at http://127.0.0.1:9/api (PREFECT_API_URL): ")
    assert result.stderr.endswith(
        "; start it with `prefect server start`, or unset PREFECT_API_URL to use `lps server "
        "start` or a temporary server\n")
    assert not db_path.exists()


def test_a_backfill_checks_the_prefect_api_before_anything_is_written(
    runner: CliRunner, tmp_path: Path
) -> None:
    leaflet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"path\n{leaflet}\n")
    db_path, raw = tmp_path / "lps.db", tmp_path / "raw"
    with temporary_settings(updates={"api.url": "http://127.0.0.1:9/api"}):
        result = runner.invoke(main, ["backfill", str(manifest), "--db", str(db_path),
                                      "--raw", str(raw)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot reach the Prefect API at ")
    assert not db_path.exists() and not raw.exists()


@pytest.mark.parametrize(("arguments", "message"), [
    ([], "give a MANIFEST file or --url-template (with --periods)"),
    (["m.csv", "--url-template", "http://h/{borough}.pdf", "--periods", "2009/10"],
     "give a MANIFEST file or --url-template, not both"),
    (["--url-template", "http://h/{borough}.pdf"], "--url-template needs --periods"),
    (["m.csv", "--periods", "2009/10"], "--periods and --boroughs go with --url-template"),
])
def test_backfill_says_which_arguments_are_wrong(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    arguments: list[str], message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.csv").write_text("url\nhttp://h/barnet.pdf\n")
    result = runner.invoke(main, ["backfill", *arguments, "--db", str(tmp_path / "lps.db")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert not (tmp_path / "lps.db").exists()


def test_an_invalid_setting_is_named(runner: CliRunner, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_PARSE_SECONDS", "soon")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    result = runner.invoke(main, ["extract", str(pdf)])
    assert (result.exit_code, result.stderr) == (
        2, "Error: invalid setting LPS_PARSE_SECONDS='soon': Input should be a valid number, "
           "unable to parse string as a number\n")


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(main.commands))])
def test_exit_codes_are_documented_in_every_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert ("Exit codes (every command): 0 done 1 something was found wrong (a problem, a wrong "
            "figure, a document refused), or the command could not finish") in text
    assert "2 unusable input: an unknown option, a missing path, folder or warehouse" in text


# --- the guard applies to every command that parses -----------------------------------------


@pytest.fixture
def slow_bomb(tmp_path: Path) -> Path:
    """~30 s of interpretation (idle; more under load) in a few KB: under every byte, page and
    content cap, so only the time limit stops it."""
    path = tmp_path / "pdfs" / "bomb.pdf"
    path.parent.mkdir()
    path.write_bytes(hostile.slow_content(2_500_000))
    return path


def test_extract_applies_the_guards_time_limit(runner: CliRunner, slow_bomb: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_PARSE_SECONDS", "1")
    started = time.monotonic()
    result = runner.invoke(main, ["extract", str(slow_bomb)])
    assert time.monotonic() - started < 3.5
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", f"{slow_bomb}: {SLOW_REASON}\n")


def test_extract_applies_the_byte_cap_without_reading(runner: CliRunner, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_MAX_BYTES", "100")
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(b"%PDF-1.4" + b" " * 200)
    result = runner.invoke(main, ["extract", str(pdf)])
    assert (result.exit_code, result.stderr) == (
        1, f"{pdf}: too large for a leaflet (208 bytes; at most 100): not parsed\n")


@needs_fixtures
def test_evaluate_applies_the_guards_time_limit(runner: CliRunner, slow_bomb: Path,
                                                tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_PARSE_SECONDS", "1")
    truth = tmp_path / "truth"
    truth.mkdir()
    shutil.copyfile(ROOT / "fixtures" / "golden" / "2009-10" / "barnet.json",
                    truth / "bomb.json")
    result = runner.invoke(main, ["evaluate", str(slow_bomb.parent), "--truth", str(truth)])
    assert result.exit_code == 0, result.output  # nothing wrong: refused, not misread
    lines = result.stdout.splitlines()
    assert lines[1] == "leaflets: 0 fully loaded (0.0%), 1 quarantined (100.0%)"
    assert lines[-2].startswith(f"refused bomb.pdf: {SLOW_REASON} (its ")


def test_reprocess_applies_the_guards_time_limit(runner: CliRunner, slow_bomb: Path,
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "lps.db"
    data = slow_bomb.read_bytes()
    with open_warehouse(db_path) as db:  # quarantined by an older extractor
        record_quarantine(db, document_id_for(data), str(slow_bomb), "old", "0.1", len(data))
    monkeypatch.setenv("LPS_PARSE_SECONDS", "1")
    result = runner.invoke(main, ["reprocess", "--db", str(db_path)])
    assert result.exit_code == 1, result.output  # not finished: run it again
    first, last = result.stdout.splitlines()
    assert first == f"{document_id_for(data)[:12]} failed, kept as it was: {SLOW_REASON}"
    assert last.startswith(
        f"reprocessed with {EXTRACTOR_VERSION}: 0 loaded (0 with changed figures), 0 "
        "quarantined, 1 failed for time or memory (kept as they were; run again, perhaps with "
        "a larger LPS_PARSE_SECONDS or LPS_PARSE_MEMORY_MB), 0 without raw bytes, in ")
    with open_warehouse(db_path, writable=False) as db:
        [row] = db.table("documents").rows
        [attempt] = db.table("extraction_history").rows
    # Out of time says nothing about the file: its old verdict and version stay, still stale.
    assert (row["reason"], row["extractor_version"]) == ("old", "0.1")
    assert (attempt["status"], attempt["reason"], attempt["previous_version"],
            attempt["extractor_version"]) == ("failed", SLOW_REASON, "0.1", EXTRACTOR_VERSION)


# --- honest figures ------------------------------------------------------------------------


@needs_fixtures
def test_the_reported_wall_time_runs_from_process_start_to_exit(tmp_path: Path) -> None:
    """A re-run with nothing new, in a process of its own: the time it reports covers the
    interpreter's start and its imports (within the clock's 10 ms) up to the moment it prints,
    and `-v` breaks it down, phase by phase, to the same total."""
    leaflet = PDFS / "2009-10" / "barnet.pdf"
    db_path = tmp_path / "lps.db"
    with open_warehouse(db_path) as db:
        record_quarantine(db, document_id_for(leaflet.read_bytes()), str(leaflet), "x",
                          EXTRACTOR_VERSION, 1)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lps.cli", "ingest", str(leaflet), "--db",
                             str(db_path), "-v"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    measured = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    reported = float(re.findall(r" in (\d+\.\d)s \(start to exit\)", result.stdout)[0])
    assert measured - 1.0 < reported <= measured + 0.05
    assert "  plan (find, hash, skip what is settled)" in result.stderr
    total = float(re.findall(r"  total \(start to exit\) +(\d+\.\d\d) s", result.stderr)[0])
    assert abs(total - reported) <= 0.06
    assert "import Prefect" not in result.stderr


def test_a_font_without_a_bounding_box_reads_without_a_warning() -> None:
    """pdfminer warns of a font descriptor with no FontBBox (a font Chromium (Skia) wrote in this
    clean-room leaflet): a quirk of the file, not of the run, so `lps extract` prints its JSON
    and the time it took, nothing else, from the guard's child as from itself."""
    leaflet = ROOT / "fixtures" / "cleanroom" / "corpus" / "pdfs" / "cleanroom-0030.pdf"
    done = subprocess.run([sys.executable, "-m", "lps.cli", "extract", str(leaflet)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"in \d+\.\ds \(start to exit\)\n", done.stderr), done.stderr


def test_a_run_that_fails_leaves_this_process_able_to_extract(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A run that ends in an error (not a signal) ends its read-ahead, but a later run in the
    same process (a scheduler's, a notebook's) still starts extraction children: only a
    signal, which ends the process, stops them for good."""
    leaflet = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    with temporary_settings(updates={"api.url": "http://127.0.0.1:9/api"}):
        failed = runner.invoke(main, ["ingest", str(leaflet), "--db", str(tmp_path / "a.db")])
    assert failed.exit_code == 2
    with GuardedExtractor(Settings()) as guard:
        assert guard.extract(b"") == (
            "empty file (0 bytes): nothing to read; fetch the leaflet again")
