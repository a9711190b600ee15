"""Scaling: extraction on a real Dask cluster, the re-run that never starts Prefect, and the
benchmark corpus (distinct bytes, same records)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import dask
import distributed
import pytest
from conftest import ROOT, load_golden, manifest, needs_fixtures
from ingest_runs import session_processes
from leaflets import copy_leaflet
from sqlite_utils import Database

from benchmarks.corpus import pool_paths, retitled
from benchmarks.table import results_to_markdown
from extractors import extract_document
from flows import launch, runtime
from flows.ingest import ingest_flow
from pipeline.settings import Settings
from pipeline.sources import document_id_for
from warehouse import load_extraction, open_warehouse


@needs_fixtures
@pytest.mark.usefixtures("prefect_api")
@pytest.mark.timeout(180)
def test_ingest_extracts_on_an_existing_dask_cluster(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    copy_leaflet(inbox / "barnet.pdf", "Barnet")
    copy_leaflet(inbox / "brent.pdf", "Brent")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really\n")
    db_path = tmp_path / "lps.db"
    # Workers must be allowed children: each extract task parses in a killable child
    # (pipeline.guard). docs/scaling.md says so for real clusters
    # (distributed.worker.daemon: false).
    cluster_kind: Any = distributed.LocalCluster  # untyped in distributed's stubs
    client_kind: Any = distributed.Client
    with dask.config.set({"distributed.worker.daemon": False}), cluster_kind(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, client_kind(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        with distributed.get_task_stream(client) as stream:
            summary = ingest_flow(
                paths=[str(inbox)], db_path=str(db_path), workers=2,
                dask_address=cluster.scheduler_address,
            )
        workers = set(cluster.scheduler.workers)
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids  # two real processes
    # Every extract task ran on the cluster's workers (the scheduler's own record of them):
    # three documents over two workers make three one-document batches.
    extracts = [t for t in stream.data if str(t["key"]).startswith("extract")]
    assert len(extracts) == 3, [t["key"] for t in stream.data]
    assert {t["worker"] for t in extracts} <= workers
    assert (summary.loaded, summary.quarantined) == (2, 1)
    with Database(db_path) as db:
        statuses = {row["source"].rsplit("/", 1)[-1]: row["status"]
                    for row in db.query("select source, status from documents")}
    assert statuses == {"barnet.pdf": "loaded", "brent.pdf": "loaded",
                        "broken.pdf": "quarantined"}


def _inbox_already_loaded(tmp_path: Path) -> tuple[Path, Path]:
    """An inbox with barnet.pdf, which the warehouse has loaded, and again.pdf, its copy."""
    inbox = tmp_path / "inbox"
    copy_leaflet(inbox / "barnet.pdf", "Barnet")
    db_path = tmp_path / "lps.db"
    data = (inbox / "barnet.pdf").read_bytes()
    with open_warehouse(str(db_path)) as db:  # as if an earlier run had loaded it
        load_extraction(db, document_id_for(data), str(inbox / "barnet.pdf"),
                        extract_document(data), "test", len(data), source_root=str(inbox))
    (inbox / "again.pdf").write_bytes(data)
    return inbox, db_path


@needs_fixtures
def test_a_rerun_with_nothing_new_never_starts_prefect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, db_path = _inbox_already_loaded(tmp_path)

    def no_prefect() -> None:
        raise AssertionError("Prefect was started for a run with nothing to extract")

    monkeypatch.setattr(runtime, "prefect_api", no_prefect)
    summary = launch.ingest([str(inbox)], str(db_path), Settings())
    assert (summary.seen, summary.skipped, summary.loaded, summary.flow_run_id) == (2, 2, 0, None)
    assert summary.rows_written["document_sources"] == 1  # again.pdf recorded as a name
    with Database(db_path) as db:
        assert db.table("runs").count == 1


@needs_fixtures
def test_lps_ingest_rerun_with_nothing_new_never_imports_prefect(tmp_path: Path) -> None:
    """Importing Prefect took most of a re-run's time: the CLI must not (flows.launch). The
    temporary server launched before the plan (`flows.runtime.ServerAhead`) is killed once the
    plan finds nothing new: nothing of the run is left when it has exited."""
    inbox, db_path = _inbox_already_loaded(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    run = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "lps.cli", "ingest", str(inbox),
         "--db", str(db_path), "-v"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )
    stdout, stderr = run.communicate(timeout=120)
    result = subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)
    assert session_processes(run.pid) == {}
    assert "launch a temporary Prefect server" in result.stderr  # one was, ahead of the plan
    assert result.returncode == 0, result.stderr[-2000:]
    assert "skipped (known/dupe):  2" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "sqlite_utils" in imported  # the import log is real
    assert not {name for name in imported if name.split(".")[0] == "prefect"}
    with Database(db_path) as db:
        assert [row["flow_run_id"] for row in db.query("select flow_run_id from runs")] == [None]


@needs_fixtures
def test_benchmark_copies_are_distinct_bytes_with_the_same_records() -> None:
    loaded = [f for f in manifest() if f.expected_status == "loaded"]
    assert [f.path for f in loaded] == pool_paths()
    for fixture in (loaded[0], loaded[-1]):  # a ReportLab and a WeasyPrint leaflet
        original = fixture.path.read_bytes()
        copies = [retitled(original, f"copy {k}") for k in range(2)]
        assert len({document_id_for(b) for b in [original, *copies]}) == 3
        figures = extract_document(copies[1]).model_dump(exclude={"cells", "pdf"})
        assert figures == load_golden(fixture.golden).model_dump(  # type: ignore[arg-type]
            exclude={"cells", "pdf"})


def test_benchmark_table_has_one_row_per_run_in_order_of_n() -> None:
    runs: list[dict[str, Any]] = [
        {"n": 500, "ratio_b_over_a": 0.29, "ratio_b_over_e": 0.77, "c_rerun_seconds": 0.6},
        {"n": 100, "ratio_b_over_a": None},
    ]
    lines = results_to_markdown(runs).splitlines()
    assert lines[0].startswith("| N | (a) floor docs/s | (e) own extractor docs/s |")
    assert len(lines) == 4
    assert lines[2].startswith("| 100 | n/a |") and "| 500 |" in lines[3]
    assert "| 0.29 |" in lines[3] and "| 0.77 |" in lines[3] and "| 0.6 |" in lines[3]
