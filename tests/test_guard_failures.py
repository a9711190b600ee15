"""Every failure of the guard is reported as what it is, and no command that parses runs
outside it (issue 20, items 8, 9 and 11).

Before: `lps reprocess` under a tight memory cap exited 1 with no message and no summary,
leaving documents untried (the guard's broken pipe escaped, and click takes an EPIPE for a
closed stdout); `lps debug` parsed in its own process with no limit; a memory cap was reported
as "a PDF bomb?", and `lps verify --deep` counted it as a problem of the warehouse. Real files,
real child processes, `lps reprocess` run as a real process.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, ROOT, needs_fixtures
from sample_warehouse import build_fixture_warehouse

from extractors import EXTRACTOR_VERSION
from fixtures.generator import hostile
from lps.cli import main
from pipeline.failures import OUT_OF_MEMORY
from warehouse import open_warehouse, record_quarantine

pytestmark = needs_fixtures

LEAFLETS = [PDFS / "2009-10" / f"{name}.pdf" for name in ("barnet", "camden")]


def _stale_store(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A warehouse of documents an older extractor quarantined, and a raw store of their bytes:
    two leaflets, and one padded to 2 MB (more than the pipe to the child holds at once)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    db_path = tmp_path / "lps.db"
    ids = []
    with open_warehouse(db_path) as db:
        for number, pdf in enumerate(LEAFLETS * 2):
            data = pdf.read_bytes() + (b"\n%" + b"x" * (2_000_000 + number) + b"\n"
                                       if number else b"")
            document_id = hashlib.sha256(data).hexdigest()
            (raw / f"{document_id}.pdf").write_bytes(data)
            with db.conn:
                record_quarantine(db, document_id, f"{pdf.stem}-{number}.pdf", "old", "0.9.0",
                                  len(data))
            ids.append(document_id)
    return db_path, raw, ids


def test_reprocess_under_a_tight_memory_cap_reports_every_document_and_a_summary(
        tmp_path: Path) -> None:
    db_path, raw, ids = _stale_store(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lps.cli", "reprocess", "--db", str(db_path), "--raw", str(raw),
         "--workers", "1"],
        cwd=ROOT, env={**os.environ, "LPS_PARSE_MEMORY_MB": "40", "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(
        f"{document_id[:12]} failed, kept as it was: {OUT_OF_MEMORY}" for document_id in ids)
    assert lines[-1].startswith(
        f"reprocessed with {EXTRACTOR_VERSION}: 0 loaded (0 with changed figures), 0 "
        "quarantined, 4 failed for time or memory (kept as they were; run again, perhaps with a "
        "larger LPS_PARSE_SECONDS or LPS_PARSE_MEMORY_MB), 0 without raw bytes, in ")
    assert done.stderr == ""  # no traceback, no "Exception ignored" from the children


def test_the_memory_cap_is_never_called_a_pdf_bomb() -> None:
    assert OUT_OF_MEMORY == (
        "ran out of memory while parsing: it needs more than the LPS_PARSE_MEMORY_MB cap allows "
        "(a limit of this run, not a verdict on the file); not loaded, tried again by the next "
        "run")


def test_debug_runs_in_the_guard_a_memory_bomb(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Before, `lps debug` on this 300-byte file allocated without limit in its own process."""
    bomb = tmp_path / "fax.pdf"
    bomb.write_bytes(hostile.fax_width_bomb())
    monkeypatch.setenv("LPS_PARSE_MEMORY_MB", "400")
    result = CliRunner().invoke(main, ["debug", str(bomb), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {bomb}: ran out of memory: it needs more than the 400 MB LPS_PARSE_MEMORY_MB "
        "allows (a limit of this run, not a verdict on the file; raise it if the file is a "
        "leaflet)\n")


def test_debug_runs_in_the_guard_a_slow_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(hostile.slow_content(2_500_000))
    monkeypatch.setenv("LPS_PARSE_SECONDS", "1")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["debug", str(slow), "--out", str(tmp_path / "out")])
    assert time.monotonic() - started < 10
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {slow}: took longer than 1 s (LPS_PARSE_SECONDS): stopped (a limit of this "
        "run, not a verdict on the file; give it more time if the file is a leaflet)\n")


def test_debug_still_draws_a_leaflet(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["debug", str(LEAFLETS[0]), "--page", "1", "--out",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmp_path / 'out' / 'barnet-1.png'}\n"
    assert (tmp_path / "out" / "barnet-1.png").stat().st_size > 10_000


def test_verify_deep_reports_a_memory_cap_as_could_not_check(tmp_path: Path) -> None:
    db_path = build_fixture_warehouse(tmp_path / "lps.db", LEAFLETS[:1])
    raw = tmp_path / "raw"
    raw.mkdir()
    data = LEAFLETS[0].read_bytes()
    document_id = hashlib.sha256(data).hexdigest()
    (raw / f"{document_id}.pdf").write_bytes(data)
    result = CliRunner().invoke(
        main, ["verify", "--db", str(db_path), "--deep", "--raw", str(raw), "--workers", "1"],
        env={"LPS_DB": None, "LPS_PARSE_MEMORY_MB": "40"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{db_path}: ok"
    assert lines[-1] == (
        f"  note [deep]: {document_id[:12]} could not be checked: its parse met a limit of "
        f"this run, which says nothing of the document: {OUT_OF_MEMORY}")


def test_pdfminer_saying_nothing_is_reported_as_what_it_was() -> None:
    """Before: "damaged PDF: pdfminer cannot parse it (None)"."""
    from pdfminer.pdfexceptions import PDFObjectNotFound
    from pdfminer.psexceptions import PSEOF
    from pdfplumber.utils.exceptions import PdfminerException

    from extractors.reader import pdfminer_detail

    assert pdfminer_detail(PdfminerException(None)) == "PdfminerException, with no message"
    assert pdfminer_detail(PdfminerException(PSEOF())) == "PSEOF, with no message"
    assert pdfminer_detail(PdfminerException(PDFObjectNotFound(12))) == (
        "it refers to object 12, which the file does not hold")
    assert pdfminer_detail(PdfminerException(PSEOF("Unexpected EOF"))) == "Unexpected EOF"


def test_a_guarded_call_says_what_the_function_raised(tmp_path: Path) -> None:
    from pipeline.debug import draw_pages
    from pipeline.guarded_call import CallFailed, call_guarded
    from pipeline.settings import Settings

    with pytest.raises(CallFailed) as error:
        call_guarded(draw_pages, (LEAFLETS[0].read_bytes(), tmp_path, [99], "barnet"),
                     Settings())
    assert (error.value.kind, str(error.value)) == ("IndexError", "no page 99: it has 4")
