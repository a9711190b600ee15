"""Concurrency: three `lps ingest` runs at once on one new warehouse, with overlapping inputs.

Every run must exit 0 with no `database is locked` and no traceback in its output, and the
warehouse must end up as one uninterrupted run over all the inputs leaves it: no duplicate,
nothing lost, `lps verify` clean. The runs start together on a file that does not exist yet,
so they also race to create and migrate it, and each extracts and loads the leaflets they share
(the second to load one finds it there and changes nothing but its names).

They share the session's Prefect test API, which keeps the test within its time budget;
`LPS_CONCURRENT_TEMPORARY=1` gives each run its own temporary Prefect server instead (one
PREFECT_HOME, new, for all: they race to create its database too), as runs started by hand
would. `LPS_CONCURRENT_RUNS` sets how many runs (default 3) share the folders round-robin.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from conftest import PDFS
from ingest_runs import ALARMING, ingest_env, kill_group, problems, run_ingest, snapshot
from ingest_runs import start_ingest as start
from prefect.settings import get_current_settings

from warehouse import WarehouseUnavailable, open_warehouse, write_transaction

RUNS = int(os.environ.get("LPS_CONCURRENT_RUNS", "3"))
TEMPORARY_SERVERS = os.environ.get("LPS_CONCURRENT_TEMPORARY") == "1"

#: Three folders sharing leaflets (same bytes under other names) and a bad file.
FOLDERS = {
    "a": ["2009-10/barnet", "2009-10/brent", "2009-10/camden", "2010-11/barnet", "bad/truncated"],
    "b": ["2009-10/camden", "2009-10/croydon", "2008-09/ealing", "bad/truncated"],
    "c": ["2009-10/barnet", "2009-10/croydon", "2007-08/camden", "bad/not-a-pdf"],
}


def _folders(root: Path) -> list[Path]:
    folders = []
    for name, pdfs in FOLDERS.items():
        folder = root / name
        folder.mkdir(parents=True)
        for pdf in pdfs:
            shutil.copyfile(PDFS / f"{pdf}.pdf", folder / f"{name}-{pdf.replace('/', '-')}.pdf")
        folders.append(folder)
    return folders


@pytest.mark.usefixtures("prefect_api")
def test_concurrent_runs_on_one_warehouse(tmp_path: Path) -> None:
    folders = _folders(tmp_path / "leaflets")
    api_url = None if TEMPORARY_SERVERS else get_current_settings().api.url
    env = ingest_env(api_url=api_url, prefect_home=tmp_path / "home")

    code, output = run_ingest(folders, tmp_path / "reference.db", env, tmp_path / "ref.log")
    assert code == 0, output
    # Which run loads a shared leaflet first decides `documents.source`: compared apart.
    reference = snapshot(tmp_path / "reference.db",
                         ignore={"documents": ("source", "source_name")})

    db_path = tmp_path / "lps.db"
    clock = time.monotonic()
    runs = [start([folders[i % len(folders)]], db_path, env, tmp_path / f"run-{i}.log")
            for i in range(RUNS)]
    try:
        codes = [run.wait(300) for run in runs]
    finally:
        for run in runs:
            kill_group(run)
    seconds = time.monotonic() - clock

    outputs = [(tmp_path / f"run-{i}.log").read_text("utf-8", "replace") for i in range(RUNS)]
    assert codes == [0] * RUNS, outputs
    for output in outputs:
        assert [word for word in ALARMING if word in output] == [], output
    final = snapshot(db_path, ignore={"documents": ("source", "source_name")})
    for table, rows in final.items():
        assert len(rows) == len(set(rows)), f"duplicate rows in {table}"
    assert final == reference
    sources = snapshot(db_path)
    names = {(document_id, source) for document_id, source in sources["document_sources"]}
    assert all((row[0], row[1]) in names for row in sources["documents"])
    assert problems(db_path) == []
    print(f"\n{RUNS} concurrent runs in {seconds:.1f} s, "
          f"{len(final['documents'])} documents, nothing lost")


def _counted(output: str, what: str) -> int:
    """A count from the summary `lps ingest` prints ("  loaded:    4")."""
    [count] = re.findall(rf"^  {what}: +(\d+)$", output, re.MULTILINE)
    return int(count)


@pytest.mark.usefixtures("prefect_api")
def test_two_runs_of_one_folder_count_each_document_loaded_once(tmp_path: Path) -> None:
    """Issue 12, item 16: two runs started together on the same folder both extract every
    leaflet, and both used to report all of them loaded. A run reports what IT loaded: one
    the other run loaded first is counted as skipped (already known), so the loaded counts of
    the two add up to the documents in the warehouse."""
    [folder, *_] = _folders(tmp_path / "leaflets")
    leaflets = len(FOLDERS["a"]) - 1  # and one truncated file, quarantined by each run
    env = ingest_env(api_url=get_current_settings().api.url, prefect_home=tmp_path / "home")
    db_path = tmp_path / "lps.db"
    runs = [start([folder], db_path, env, tmp_path / f"run-{i}.log") for i in range(2)]
    try:
        codes = [run.wait(300) for run in runs]
    finally:
        for run in runs:
            kill_group(run)
    outputs = [(tmp_path / f"run-{i}.log").read_text("utf-8", "replace") for i in range(2)]
    assert codes == [0, 0], outputs

    # Both planned every file before either loaded one: the race this test is about.
    planned = f"{len(FOLDERS['a'])} files: {len(FOLDERS['a'])} to extract, 0 settled before"
    assert all(planned in output for output in outputs), outputs
    loaded = [_counted(output, "loaded") for output in outputs]
    skipped = [_counted(output, r"skipped \(known/dupe\)") for output in outputs]
    assert sum(loaded) == leaflets, outputs
    assert [a + b for a, b in zip(loaded, skipped, strict=True)] == [leaflets, leaflets]
    assert [_counted(output, "quarantined") for output in outputs] == [1, 1]
    with open_warehouse(db_path, writable=False) as db:
        assert db.table("documents").count_where("status = 'loaded'") == leaflets
        assert sorted(row["loaded"] for row in db.table("runs").rows) == sorted(loaded)
    assert problems(db_path) == []
    print(f"\nloaded by each run: {loaded}, skipped as loaded by the other: {skipped}")


def _open(path: Path) -> str:
    try:
        open_warehouse(path).close()
    except WarehouseUnavailable as error:
        return str(error)
    return "ok"


def test_processes_creating_one_warehouse_at_once(tmp_path: Path) -> None:
    # Enabling WAL and migrating without the write lock failed 8 times in 10 like this, with
    # "database is locked" (measured before `open_warehouse` took it).
    with multiprocessing.get_context("fork").Pool(3) as pool:
        for trial in range(10):
            path = tmp_path / f"lps-{trial}.db"
            assert pool.map(_open, [path] * 3) == ["ok"] * 3
            assert problems(path) == []


def _run(run_id: str) -> dict[str, object]:
    return {"run_id": run_id, "started_at": "t", "finished_at": "t", "seen": 0, "loaded": 0,
            "skipped": 0, "quarantined": 0}


def test_a_writer_waits_for_another_instead_of_failing(tmp_path: Path) -> None:
    # A deferred transaction (`db.atomic()`) that read before the other writer committed gets
    # "database is locked" at its first write, whatever the busy timeout; an immediate one waits
    # at BEGIN, then reads what the other wrote.
    path = tmp_path / "lps.db"
    first = open_warehouse(path)
    seen: list[object] = []

    def second_writer() -> None:
        db = open_warehouse(path)
        try:
            with write_transaction(db):
                seen.append(db.table("runs").count)
                db.table("runs").insert(_run("second"))
        except Exception as error:  # reported by the assertion below
            seen.append(error)
        finally:
            db.close()

    with write_transaction(first):
        first.table("runs").insert(_run("first"))
        writer = threading.Thread(target=second_writer)
        writer.start()
        time.sleep(0.5)  # the second writer is waiting for the lock meanwhile
        assert seen == []
    writer.join(30)
    assert seen == [1]
    assert sorted(row["run_id"] for row in first.table("runs").rows) == ["first", "second"]
    first.close()
