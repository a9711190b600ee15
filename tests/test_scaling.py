"""Scaling: extraction on a real Dask cluster, the re-run that never starts Prefect, and the
benchmark corpus (distinct bytes, same records)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import load_golden, manifest, needs_fixtures
from leaflets import copy_leaflet
from sqlite_utils import Database

from benchmarks.corpus import pool_paths, retitled
from extractors import extract_document
from flows import ingest as ingest_module
from flows.ingest import ingest_flow, run_ingest
from flows.sources import document_id_for
from warehouse import load_extraction, open_warehouse


@needs_fixtures
@pytest.mark.usefixtures("prefect_api")
@pytest.mark.timeout(120)
def test_ingest_extracts_on_an_existing_dask_cluster(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    import dask
    inbox = tmp_path / "inbox"
    copy_leaflet(inbox / "barnet.pdf", "Barnet")
    copy_leaflet(inbox / "brent.pdf", "Brent")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really\n")
    db_path = tmp_path / "lps.db"
    # Workers must be allowed children: each extract task parses in a killable child
    # (flows.guard). docs/scaling.md says so for real clusters (distributed.worker.daemon: false).
    with dask.config.set({"distributed.worker.daemon": False}), distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        summary = ingest_flow(
            paths=[str(inbox)], db_path=str(db_path), workers=2,
            dask_address=cluster.scheduler_address,
        )
        ran_on = client.run(lambda: __import__("os").getpid())
    assert (summary.loaded, summary.quarantined) == (2, 1)
    assert len(ran_on) == 2
    with Database(db_path) as db:
        statuses = {row["source"].rsplit("/", 1)[-1]: row["status"]
                    for row in db.query("select source, status from documents")}
    assert statuses == {"barnet.pdf": "loaded", "brent.pdf": "loaded",
                        "broken.pdf": "quarantined"}


@needs_fixtures
def test_a_rerun_with_nothing_new_never_starts_prefect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    copy_leaflet(inbox / "barnet.pdf", "Barnet")
    db_path = tmp_path / "lps.db"
    data = (inbox / "barnet.pdf").read_bytes()
    with open_warehouse(str(db_path)) as db:  # as if an earlier run had loaded it
        load_extraction(db, document_id_for(data), str(inbox / "barnet.pdf"),
                        extract_document(data), "test", len(data))

    def no_prefect() -> None:
        raise AssertionError("Prefect was started for a run with nothing to extract")

    monkeypatch.setattr(ingest_module, "local_prefect_api", no_prefect)
    (inbox / "again.pdf").write_bytes(data)
    summary = run_ingest([str(inbox)], str(db_path))
    assert (summary.seen, summary.skipped, summary.loaded, summary.flow_run_id) == (2, 2, 0, None)
    assert summary.rows_written["document_sources"] == 1  # again.pdf recorded as a name
    with Database(db_path) as db:
        assert db.table("runs").count == 1


@needs_fixtures
def test_benchmark_copies_are_distinct_bytes_with_the_same_records() -> None:
    loaded = [f for f in manifest() if f.expected_status == "loaded"]
    assert [f.path for f in loaded] == pool_paths()
    for fixture in (loaded[0], loaded[-1]):  # a ReportLab and a WeasyPrint leaflet
        original = fixture.path.read_bytes()
        copies = [retitled(original, f"copy {k}") for k in range(2)]
        assert len({document_id_for(b) for b in [original, *copies]}) == 3
        assert extract_document(copies[1]) == load_golden(fixture.golden)  # type: ignore[arg-type]
