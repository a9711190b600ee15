"""Crash safety: `kill -9` a real `lps ingest` at random points, then finish the job.

A corpus of real leaflets (each template) and two bad files is ingested once without
interruption: the reference. Then runs on a fresh warehouse are killed (SIGKILL to the whole
process group, extraction children included) at seeded random points: every other kill after a
delay anywhere from start-up to the end, the others within moments of a batch's extraction
being logged, while that batch is written. Each next run starts from what the killed one left.
After every kill the warehouse must already pass `lps verify` (no partly written document, no
orphan row, a consistent full-text index); a run that finished before its kill must equal the
reference, and the next run starts again from an empty warehouse. A last run finishes the job,
and its warehouse must equal the reference row for row (timestamps aside), with no duplicate.

`lps reprocess` is killed the same way (`test_killed_reprocesses_lose_no_loaded_row`): at every
kill each loaded leaflet must still have all its rows, old or new, and a last run must leave the
warehouse and its `extraction_history` as one uninterrupted reprocess does.

`LPS_CRASH_KILLS=200 pytest tests/test_crash_safety.py` kills more (the suite kills 6), and
`LPS_CRASH_SEED` picks other kill points. A run that finishes before its kill does not count as
one (at most twice as many runs as kills are started). The runs share one Prefect API (the
session's test server), so a kill costs the seconds to that point, not a server start.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import PDFS, ROOT, load_golden
from ingest_runs import (
    ALARMING,
    ingest_env,
    kill_group,
    problems,
    run_ingest,
    snapshot,
    start_ingest,
)
from prefect.settings import get_current_settings

from pipeline.sources import document_id_for
from warehouse import load_extraction, open_warehouse, record_quarantine

KILLS = int(os.environ.get("LPS_CRASH_KILLS", "6"))
SEED = int(os.environ.get("LPS_CRASH_SEED", "20240501"))
#: A reprocess is killed fewer times by default: it has one kind of moment (no Prefect).
REPROCESS_KILLS = int(os.environ.get("LPS_CRASH_KILLS", "3"))

#: Eight leaflets of all four templates, and two files that are quarantined.
CORPUS = [
    PDFS / "2007-08" / "camden.pdf",
    PDFS / "2008-09" / "ealing.pdf",
    PDFS / "2009-10" / "barnet.pdf",
    PDFS / "2009-10" / "brent.pdf",
    PDFS / "2009-10" / "croydon.pdf",
    PDFS / "2009-10" / "hackney.pdf",
    PDFS / "2010-11" / "barnet.pdf",
    PDFS / "2010-11" / "greenwich.pdf",
    PDFS / "bad" / "truncated.pdf",
    PDFS / "bad" / "not-a-pdf.pdf",
]


def _corpus(folder: Path) -> Path:
    folder.mkdir()
    for pdf in CORPUS:
        shutil.copyfile(pdf, folder / f"{pdf.parent.name}-{pdf.name}")
    return folder


#: The log line that says a batch was extracted: its loading starts at once.
EXTRACTED = "Task run 'extract-"
#: Seconds after that line within which a kill lands in the batch's load (measured: ~0.2 s).
LOAD_WINDOW = 0.4


def _after_first(text: str, log: Path, process: subprocess.Popen[bytes]) -> float:
    """Seconds from now until `text` shows in the run's log (0 when the run ends first)."""
    clock = time.monotonic()
    while process.poll() is None and time.monotonic() - clock < 120:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            break
        time.sleep(0.02)
    return time.monotonic() - clock


def _remove_warehouse(db_path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


@pytest.mark.usefixtures("prefect_api")
def test_killed_runs_lose_nothing_and_leave_nothing_half_written(tmp_path: Path) -> None:
    leaflets = _corpus(tmp_path / "leaflets")
    env = ingest_env(api_url=get_current_settings().api.url, prefect_home=tmp_path / "home")

    clock = time.monotonic()
    code, output = run_ingest([leaflets], tmp_path / "reference.db", env, tmp_path / "ref.log")
    uninterrupted = time.monotonic() - clock
    assert code == 0, output
    reference = snapshot(tmp_path / "reference.db")
    assert len(reference["documents"]) == len(CORPUS)
    assert [row for row in reference["documents"] if "quarantined" in row] != []

    rng = random.Random(SEED)
    db_path = tmp_path / "lps.db"
    killed = finished = 0
    loaded_at_kill: list[int] = []  # documents in the warehouse at each kill: where it hit
    for attempt in range(2 * KILLS):  # a run that finishes first does not count as a kill
        if killed == KILLS:
            break
        log = tmp_path / f"run-{attempt}.log"
        started = time.monotonic()
        process = start_ingest([leaflets], db_path, env, log)
        if attempt % 2:  # any time from start-up to the end
            delay = rng.uniform(0.1, 0.75 * uninterrupted)
            time.sleep(delay)
        else:  # while a batch is being loaded, the warehouse's busiest moment
            delay = _after_first(EXTRACTED, log, process) + rng.uniform(0.0, LOAD_WINDOW)
            time.sleep(max(0.0, delay - (time.monotonic() - started)))
        if process.poll() is None:
            kill_group(process)
            killed += 1
        else:  # it finished before its kill: it must have done the whole job
            output = log.read_text(encoding="utf-8", errors="replace")
            assert process.returncode == 0, output
            assert snapshot(db_path) == reference, f"run {attempt} (not killed) differs"
            _remove_warehouse(db_path)
            finished += 1
            continue
        if db_path.exists():
            assert problems(db_path) == [], f"after the kill at {delay:.1f} s of run {attempt}"
            loaded_at_kill.append(len(snapshot(db_path)["documents"]))
        else:
            loaded_at_kill.append(-1)  # killed before the warehouse file was created

    code, output = run_ingest([leaflets], db_path, env, tmp_path / "final.log")
    assert code == 0, output
    assert not [word for word in ALARMING if word in output], output
    final = snapshot(db_path)
    for table, rows in final.items():
        assert len(rows) == len(set(rows)), f"duplicate rows in {table}"
    assert final == reference
    assert problems(db_path) == []
    assert killed == KILLS, f"only {killed} of {KILLS} runs were killed ({finished} finished first)"
    print(f"\n{killed} kills survived (documents in the warehouse at each: {loaded_at_kill}), "
          f"{finished} runs finished before their kill; uninterrupted run {uninterrupted:.1f} s")


def _reprocess(db_path: Path, log: Path) -> subprocess.Popen[bytes]:
    """`lps reprocess` in a process group of its own (no Prefect: nothing else to set up)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "lps.cli", "reprocess", "--db", str(db_path), "--workers", "1"],
            cwd=ROOT, env=ingest_env(api_url=None, prefect_home=log.parent / "home"),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stale_warehouse(folder: Path) -> Path:
    """The corpus as extractor 0.9.0 left it (golden rows; the bad files quarantined), every
    file in the raw store beside it: all of it due for a reprocess."""
    folder.mkdir()
    db = open_warehouse(folder / "lps.db")
    (folder / "raw").mkdir()
    for pdf in CORPUS:
        data = pdf.read_bytes()
        document_id = document_id_for(data)
        (folder / "raw" / f"{document_id}.pdf").write_bytes(data)
        golden = ROOT / "fixtures" / "golden" / pdf.parent.name / f"{pdf.stem}.json"
        if golden.exists():
            load_extraction(db, document_id, pdf.name, load_golden(golden), "0.9.0", len(data))
        else:
            record_quarantine(db, document_id, pdf.name, "unknown", "0.9.0", len(data))
    db.close()
    return folder / "lps.db"


def _history(db_path: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as connection:
        return sorted(connection.execute(
            "select document_id, previous_version, extractor_version, status, reason, "
            "rows_before, rows_after, rows_changed from extraction_history").fetchall())


def test_killed_reprocesses_lose_no_loaded_row(tmp_path: Path) -> None:
    reference_db = _stale_warehouse(tmp_path / "reference")
    loaded = {row[0]: row for row in snapshot(reference_db)["documents"] if "loaded" in row}
    clock = time.monotonic()
    process = _reprocess(reference_db, tmp_path / "reference.log")
    assert process.wait(120) == 0, (tmp_path / "reference.log").read_text()
    uninterrupted = time.monotonic() - clock
    reference, reference_history = snapshot(reference_db), _history(reference_db)
    assert len(reference_history) == len(CORPUS)

    rng = random.Random(SEED)
    db_path = _stale_warehouse(tmp_path / "killed")
    killed = 0
    for attempt in range(2 * REPROCESS_KILLS):
        if killed == REPROCESS_KILLS:
            break
        process = _reprocess(db_path, tmp_path / f"run-{attempt}.log")
        time.sleep(rng.uniform(0.1, uninterrupted))
        if process.poll() is not None:  # it finished first: the whole job, and right
            assert process.returncode == 0, (tmp_path / f"run-{attempt}.log").read_text()
            assert snapshot(db_path) == reference
            shutil.rmtree(db_path.parent)
            db_path = _stale_warehouse(db_path.parent)
            continue
        kill_group(process)
        killed += 1
        assert problems(db_path) == [], f"after the kill of run {attempt}"
        with closing(sqlite3.connect(db_path)) as connection:
            rows = dict(connection.execute(
                "select d.document_id, count(p.row_number) from documents d left join "
                "performance p using (document_id) where d.status = 'loaded' "
                "group by d.document_id").fetchall())
        assert rows.keys() == loaded.keys(), f"a loaded leaflet lost its rows in run {attempt}"
        assert 0 not in rows.values()

    code = _reprocess(db_path, tmp_path / "final.log").wait(120)
    assert code == 0, (tmp_path / "final.log").read_text()
    assert snapshot(db_path) == reference
    assert _history(db_path) == reference_history  # each document re-extracted exactly once
    assert killed == REPROCESS_KILLS, f"only {killed} of {REPROCESS_KILLS} runs were killed"
    print(f"\n{killed} reprocess kills survived; uninterrupted run {uninterrupted:.1f} s")
