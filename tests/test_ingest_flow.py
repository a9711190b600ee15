"""The ingest flow end to end, against the session's Prefect test server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from uuid import UUID

import pytest
from conftest import PDFS, load_golden, manifest, needs_fixtures
from leaflets import copy_leaflet, golden_rows
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.settings import get_current_settings
from sqlite_utils import Database

from flows import runtime, task_count
from flows.ingest import ingest_flow
from pipeline.settings import Settings
from pipeline.sources import SourceNotFound
from warehouse import TABLES, WarehouseUnavailable, extraction_to_rows, open_warehouse

pytestmark = pytest.mark.usefixtures("prefect_api")

EMPTY_REASON = "empty file (0 bytes): nothing to read; fetch the leaflet again"
NOT_A_PDF_REASON = (
    "not a PDF: the file is plain text; find the PDF itself "
    "(a download may have saved an error page or an archive instead)"
)



@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """Two real leaflets, one saved twice, and a text file that a folder search ignores."""
    folder = tmp_path / "inbox"
    copy_leaflet(folder / "barnet.pdf", "Barnet")
    copy_leaflet(folder / "brent.pdf", "Brent")
    (folder / "nested").mkdir()
    shutil.copy(folder / "barnet.pdf", folder / "nested" / "BARNET copy.PDF")
    (folder / "readme.txt").write_text("ignored: not a .pdf inside a folder")
    return folder


def data_tables(db_path: Path) -> dict[str, list[str]]:
    """Every data table's rows (the run log aside), to compare before and after a run."""
    with Database(db_path) as db:
        return {
            table: [repr(row) for row in db.table(table).rows]
            for table in TABLES if table != "runs"
        }


def test_ingest_loads_quarantines_skips_and_reports(
    inbox: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear resident, this is not a leaflet.\n")
    db_path = tmp_path / "lps.db"

    summary = ingest_flow(
        paths=[str(inbox), str(empty), str(letter)], db_path=str(db_path), workers=1
    )

    assert (summary.seen, summary.loaded, summary.skipped, summary.quarantined) == (5, 2, 1, 2)
    assert summary.unreadable == 0
    assert {(item.source, item.reason) for item in summary.not_loaded} == {
        (str(empty), EMPTY_REASON), (str(letter), NOT_A_PDF_REASON),
    }
    assert summary.rows_written == {
        "documents": 4, **golden_rows("Barnet", "Brent"), "document_sources": 5,
    }
    assert summary.rows_in_warehouse == {**summary.rows_written, "runs": 1}
    with open_warehouse(db_path) as db:
        statuses = dict(db.execute("select source, status from documents").fetchall())
        assert statuses == {  # as given: relative to the folder (or file's folder) named
            "barnet.pdf": "loaded", "brent.pdf": "loaded",
            "empty.bin": "quarantined", "letter.txt": "quarantined",
        }
        barnet_sources = db.execute(
            "select s.source from document_sources s join documents d using (document_id) "
            "where d.area = 'Barnet' order by s.source"
        ).fetchall()
        assert barnet_sources == [("barnet.pdf",), ("nested/BARNET copy.PDF",)]
        [run] = db.table("runs").rows
        assert (run["seen"], run["loaded"], run["skipped"], run["quarantined"]) == (5, 2, 1, 2)
        assert run["run_id"] == summary.run_id
        assert run["flow_run_id"] == summary.flow_run_id


def test_the_summary_is_published_as_an_artifact(inbox: Path,
                                                  tmp_path: Path) -> None:
    summary = ingest_flow(paths=[str(inbox)], db_path=str(tmp_path / "lps.db"), workers=1)
    assert summary.flow_run_id is not None
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(summary.flow_run_id)])
        ))
    assert artifact.key == "ingest-summary"
    assert artifact.type == "markdown"
    assert "| loaded | 2 |" in str(artifact.data)


def test_the_flow_counts_the_task_runs_the_server_records(inbox: Path, tmp_path: Path) -> None:
    """The count the flow gives (`flows.task_count`) is what the server records: a temporary
    server is stopped as soon as it has that many, so a count too low would cut its history."""
    summary = ingest_flow(paths=[str(inbox)], db_path=str(tmp_path / "lps.db"), workers=2,
                          settings=Settings(max_batch=1))
    assert summary.flow_run_id is not None
    expected = task_count.expected_task_runs(summary.flow_run_id)
    assert expected == 1 + 1 + 2 * 2 + 1  # plan, prepare, two batches of one, finish
    del task_count._TASK_RUNS[summary.flow_run_id]  # the wait must not take the count on trust
    api = runtime.PrefectApi(str(get_current_settings().api.url), "configured")
    runtime.settle(api)
    assert runtime.wait_until_recorded(summary.flow_run_id, timeout=20)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[UUID(summary.flow_run_id)])))
    assert len(runs) == expected

def test_a_second_run_skips_everything_and_changes_nothing(
    inbox: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "lps.db"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    first = ingest_flow(paths=[str(inbox), str(empty)], db_path=str(db_path), workers=1)
    assert (first.loaded, first.quarantined) == (2, 1)
    before = data_tables(db_path)

    second = ingest_flow(paths=[str(inbox), str(empty)], db_path=str(db_path), workers=1)

    assert (second.seen, second.skipped) == (4, 4)
    assert (second.loaded, second.quarantined, second.unreadable) == (0, 0, 0)
    assert set(second.rows_written.values()) == {0}
    assert data_tables(db_path) == before
    with Database(db_path) as db:
        assert db.table("runs").count == 2


def test_a_leaflet_that_ran_out_of_time_is_tried_again_by_the_next_run(
    inbox: Path, tmp_path: Path
) -> None:
    """A quarantine for time (or memory) is the machine's, not the leaflet's: the next run
    extracts it again instead of counting it as settled (issue 12, item 2)."""
    db_path = tmp_path / "lps.db"
    hurried = Settings(parse_seconds=0.01)
    first = ingest_flow(paths=[str(inbox)], db_path=str(db_path), workers=1, settings=hurried)
    assert (first.seen, first.loaded, first.skipped, first.quarantined) == (3, 0, 1, 2)
    assert {item.reason for item in first.not_loaded} == {
        "took longer than 0.01 s to parse (LPS_PARSE_SECONDS): stopped, so one file cannot hold "
        "up the run (a limit of this run, not a verdict on the file); tried again by the next "
        "run"}

    second = ingest_flow(paths=[str(inbox)], db_path=str(db_path), workers=1)

    assert (second.seen, second.loaded, second.skipped, second.quarantined) == (3, 2, 1, 0)
    with open_warehouse(db_path) as db:
        statuses = dict(db.execute("select source, status from documents").fetchall())
    assert statuses == {"barnet.pdf": "loaded", "brent.pdf": "loaded"}


def test_a_new_name_for_known_bytes_is_remembered(
    inbox: Path, tmp_path: Path
) -> None:
    db_path = tmp_path / "lps.db"
    ingest_flow(paths=[str(inbox)], db_path=str(db_path), workers=1)
    renamed = shutil.copy(inbox / "brent.pdf", tmp_path / "brent-2010.pdf")

    summary = ingest_flow(paths=[str(renamed)], db_path=str(db_path), workers=1)

    assert (summary.skipped, summary.rows_written["document_sources"]) == (1, 1)
    assert summary.rows_in_warehouse["documents"] == 2


def test_an_unusable_warehouse_fails_the_flow_with_the_reason(inbox: Path, tmp_path: Path) -> None:
    with pytest.raises(WarehouseUnavailable) as error:
        ingest_flow(paths=[str(inbox)], db_path=str(tmp_path), workers=1)
    assert str(error.value) == f"cannot open warehouse {tmp_path}: it is a folder"
    state = ingest_flow(paths=[str(inbox)], db_path=str(tmp_path), workers=1,
                        return_state=True)
    assert state.is_failed()


def test_a_missing_path_fails_the_flow_before_any_work(tmp_path: Path) -> None:
    db_path = tmp_path / "lps.db"
    with pytest.raises(SourceNotFound, match="no such file or folder: "):
        ingest_flow(paths=[str(tmp_path / "nowhere")], db_path=str(db_path), workers=1)
    assert not db_path.exists()


LEAFLETS = ("barking-and-dagenham", "bexley", "bromley")


@needs_fixtures
def test_real_leaflets_on_two_guarded_children_match_their_golden_files(tmp_path: Path) -> None:
    """The real extractor, two workers (threads driving guarded children), three leaflets and
    two bad files."""
    paths = [PDFS / "2009-10" / f"{name}.pdf" for name in LEAFLETS]
    paths += [PDFS / "bad" / "empty.pdf", PDFS / "bad" / "not-a-pdf.pdf"]
    db_path = tmp_path / "lps.db"

    summary = ingest_flow(paths=[str(p) for p in paths], db_path=str(db_path), workers=2)

    assert (summary.loaded, summary.quarantined) == (3, 2)
    expected = {entry.path: entry for entry in manifest()}
    with open_warehouse(db_path) as db:
        for path in paths[:3]:
            entry = expected[path]
            assert entry.golden is not None
            golden = load_golden(entry.golden)
            given = os.path.relpath(path)  # inside the working directory: stored as typed
            [doc] = db.table("documents").rows_where("source = ?", [given])
            assert (doc["status"], doc["area"]) == ("loaded", golden.document.area)
            for table, rows in extraction_to_rows(doc["document_id"], golden).items():
                stored = list(db.table(table).rows_where(
                    "document_id = ?", [doc["document_id"]], order_by="row_number"))
                assert stored == rows, f"{path.name}: {table}"
        reasons = dict(db.execute(
            "select source, reason from documents where status = 'quarantined'").fetchall())
    assert reasons == {
        os.path.relpath(paths[3]): EMPTY_REASON,
        os.path.relpath(paths[4]): "not a PDF: the file is an HTML page; find the PDF itself "
                       "(a download may have saved an error page or an archive instead)",
    }
