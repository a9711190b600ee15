"""The guard stops a parse that overruns, survives a dead parser, and keeps the batch going.

Real child processes and real hostile PDFs throughout: a content stream of save/restore pairs
that is small and passes every size check but takes seconds to interpret (only the time limit
stops it), a content stream declared a fax a billion pixels wide, for which pdfminer asks for
8 GB at once (only the memory cap stops it), and a child killed with SIGKILL mid-parse. The
last test runs `lps ingest` in a subprocess on a folder of every hostile input and three good
leaflets.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import PDFS, ROOT, figures_of, load_golden, manifest
from test_cli import ALARMING
from test_hostile_inputs import REASONS

from fixtures.generator import hostile
from pipeline.guard import GuardedExtractor, _peak_address_space_mb, _trusted
from pipeline.parse import OUT_OF_MEMORY
from pipeline.settings import BadSetting, Settings
from schemas import Extraction

BARNET = PDFS / "2009-10" / "barnet.pdf"
TIMEOUT_REASON = (
    "took longer than 3 s to parse (LPS_PARSE_SECONDS): stopped, so one file cannot hold up "
    "the run (a limit of this run, not a verdict on the file); tried again by the next run"
)


def _golden(borough: str) -> Extraction:
    return load_golden(ROOT / "fixtures" / "golden" / "2009-10" / f"{borough}.json")


@pytest.fixture(scope="module")
def slow_pdf() -> bytes:
    """~30 s of interpretation (idle) in a few KB; under every byte, page and content cap, so
    only the time limit stops it, however fast the machine."""
    return hostile.slow_content(2_500_000)


def test_a_parse_that_outlives_its_limit_is_stopped_and_the_next_document_loads(
    slow_pdf: bytes,
) -> None:
    # 3 s: a leaflet parses well within it on a loaded machine; the slow file never does
    with GuardedExtractor(Settings(parse_seconds=3.0)) as guard:
        started = time.perf_counter()
        assert guard.extract(slow_pdf) == TIMEOUT_REASON
        assert time.perf_counter() - started < 6.0
        assert figures_of(guard.extract(BARNET.read_bytes())) == _golden("barnet")


def test_a_killed_child_quarantines_only_the_document_it_held(slow_pdf: bytes) -> None:
    with GuardedExtractor(Settings(parse_seconds=30.0)) as guard:
        assert figures_of(guard.extract(BARNET.read_bytes())) == _golden(
            "barnet")  # child is up
        child = guard._process.pid
        killer = threading.Timer(0.5, os.kill, (child, signal.SIGKILL))
        killer.start()
        try:
            reason = guard.extract(slow_pdf)
        finally:
            killer.join()
        assert reason == (
            "the extraction process died while parsing it (signal SIGKILL): killed from outside "
            "or by the system's out-of-memory killer; not a verdict on the file, tried again by "
            "the next run"
        )
        camden = (PDFS / "2009-10" / "camden.pdf").read_bytes()
        assert figures_of(guard.extract(camden)) == _golden("camden")
        assert guard._process.pid != child


def test_a_memory_bomb_is_quarantined_as_out_of_memory_and_the_child_goes_on() -> None:
    bomb = hostile.fax_width_bomb()
    assert len(bomb) < 1_000 and b"/CCITTFaxDecode/DecodeParms<</K -1/Columns 1000000000>>" in bomb
    with GuardedExtractor(Settings(parse_seconds=30.0, parse_memory_mb=400)) as guard:
        assert guard.extract(bomb) == OUT_OF_MEMORY
        assert figures_of(guard.extract(BARNET.read_bytes())) == _golden("barnet")


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_PARSE_SECONDS", "2.5")
    monkeypatch.setenv("LPS_PARSE_MEMORY_MB", "0")
    monkeypatch.setenv("LPS_MAX_BYTES", "1000")
    monkeypatch.setenv("LPS_MAX_BATCH", "")  # empty: the default
    settings = Settings.from_env()
    assert (settings.max_bytes, settings.parse_seconds, settings.parse_memory_mb,
            settings.max_batch) == (1000, 2.5, 0, 20)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("LPS_PARSE_SECONDS", "soon",
     "invalid setting LPS_PARSE_SECONDS='soon': Input should be a valid number, unable to parse "
     "string as a number"),
    ("LPS_PARSE_SECONDS", "0", "invalid setting LPS_PARSE_SECONDS='0': Input should be greater "
     "than 0"),
    ("LPS_PARSE_MEMORY_MB", "-1", "invalid setting LPS_PARSE_MEMORY_MB='-1': Input should be "
     "greater than or equal to 0"),
    ("LPS_MAX_BYTES", "50MB", "invalid setting LPS_MAX_BYTES='50MB': Input should be a valid "
     "integer, unable to parse string as an integer"),
])
def test_a_bad_limit_is_an_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(BadSetting) as error:
        Settings.from_env()
    assert str(error.value) == message


def test_ingest_of_every_hostile_input_loads_the_good_and_quarantines_each_bad(
    tmp_path: Path,
) -> None:
    """One `lps ingest` run over every bad fixture, the two limit-only bombs and three good
    leaflets: exit 0, the good ones loaded, each bad one quarantined with its own reason."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = [entry.path for entry in manifest() if entry.expected_status == "quarantined"]
    for path in bad:
        shutil.copyfile(path, inbox / path.name)
    (inbox / "slow.pdf").write_bytes(hostile.slow_content(2_500_000))  # ~30 s unguarded
    (inbox / "memory-bomb.pdf").write_bytes(hostile.fax_width_bomb())
    good = ["barnet", "camden", "hackney"]
    for borough in good:
        shutil.copyfile(PDFS / "2009-10" / f"{borough}.pdf", inbox / f"{borough}.pdf")

    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect-home"), "LPS_PARSE_SECONDS": "3",
            "LPS_PARSE_MEMORY_MB": "400"}
    db_path = tmp_path / "lps.db"
    script = Path(sys.executable).with_name("lps")
    result = subprocess.run([str(script), "ingest", str(inbox), "--db", str(db_path),
                             "--workers", "1"], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ALARMING.findall(result.stdout + result.stderr) == [], result.stderr

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("select source, status, reason from documents").fetchall()
    found = {Path(source).name: (status, reason) for source, status, reason in rows}
    assert len(found) == len(bad) + 2 + len(good)
    assert {name: found[f"{name}.pdf"][0] for name in good} == dict.fromkeys(good, "loaded")
    quarantined = {name: reason for name, (status, reason) in found.items()
                   if status == "quarantined"}
    assert set(quarantined) == {path.name for path in bad} | {"slow.pdf", "memory-bomb.pdf"}
    assert quarantined["slow.pdf"] == TIMEOUT_REASON
    assert quarantined["memory-bomb.pdf"] == OUT_OF_MEMORY
    for name, reason in REASONS.items():
        assert quarantined[name] == reason
    assert all(reason for reason in quarantined.values())


def test_a_verdict_reached_at_the_memory_cap_is_not_trusted() -> None:
    """A failed allocation that a C library reports as its own error ("damaged PDF ...") must
    not read as a verdict on the file: near the cap it is out of memory (and so retried, and a
    loaded document keeps its rows). Far from the cap the verdict stands. Judged from this
    process's real peak address space."""
    peak = _peak_address_space_mb()
    assert peak is not None and peak > 0
    verdict = "damaged PDF: pdfminer cannot parse it (Unable to allocate output buffer)"
    assert _trusted(verdict, int(peak) + 1) == OUT_OF_MEMORY
    assert _trusted(verdict, int(peak) + 64) == verdict
    assert _trusted(verdict, 0) == verdict  # no cap
    timed_out = "took longer than 3 s to parse: stopped"
    assert _trusted(timed_out, int(peak) + 1) == timed_out  # already a limit of the run
    golden = load_golden(manifest()[0].golden)
    assert _trusted(golden, int(peak) + 1) is golden  # records are records
