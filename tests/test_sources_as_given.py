"""Sources are stored as given: a URL as it is, a local path relative to its ingest root."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_warehouse import golden
from sqlite_utils import Database

from warehouse import load_extraction, open_warehouse, record_quarantine, record_source
from warehouse.sources import SourceOutsideRoot, ingest_root_for, source_as_given


@pytest.mark.parametrize(("source", "root", "stored"), [
    ("/home/alice/leaflets/2009-10/barnet.pdf", "/home/alice", "leaflets/2009-10/barnet.pdf"),
    ("/home/alice/leaflets/./barnet.pdf", "/home/alice/", "leaflets/barnet.pdf"),
    ("https://archive.example/2010/barnet.pdf?x=1", "/home/alice",
     "https://archive.example/2010/barnet.pdf?x=1"),
    ("leaflets/barnet.pdf", "/anywhere", "leaflets/barnet.pdf"),
    ("/home/alice/barnet.pdf", None, "/home/alice/barnet.pdf"),  # no root: as passed
])
def test_source_as_given(source: str, root: str | None, stored: str) -> None:
    assert source_as_given(source, root) == stored


def test_a_path_outside_its_root_is_refused() -> None:
    with pytest.raises(SourceOutsideRoot) as error:
        source_as_given("/srv/other/barnet.pdf", "/home/alice")
    assert str(error.value) == "/srv/other/barnet.pdf is not inside the ingest root /home/alice"


def test_ingest_root(tmp_path: Path) -> None:
    inside = tmp_path / "work" / "leaflets"
    inside.mkdir(parents=True)
    outside = tmp_path / "shared" / "leaflets"
    outside.mkdir(parents=True)
    (outside / "barnet.pdf").write_bytes(b"%PDF")
    cwd = tmp_path / "work"
    assert ingest_root_for("leaflets", cwd) == cwd
    assert ingest_root_for(outside, cwd) == outside
    assert ingest_root_for(outside / "barnet.pdf", cwd) == outside


def test_the_loader_stores_sources_relative_to_the_root(tmp_path: Path) -> None:
    db = open_warehouse(tmp_path / "lps.db")
    root = tmp_path / "ingest"
    leaflet = root / "2009-10" / "barnet.pdf"
    load_extraction(db, "a" * 64, str(leaflet), golden("barnet"), "v", 10,
                    source_root=str(root))
    record_quarantine(db, "b" * 64, str(root / "bad" / "empty.pdf"), "empty", "v", 0,
                      source_root=str(root))
    record_source(db, "a" * 64, str(root / "copy.pdf"), source_root=str(root))
    assert {r["document_id"][0]: r["source"] for r in db.table("documents").rows} == {
        "a": "2009-10/barnet.pdf", "b": "bad/empty.pdf",
    }
    assert sorted(r["source"] for r in Database(db.conn).table("document_sources").rows) == [
        "2009-10/barnet.pdf", "bad/empty.pdf", "copy.pdf",
    ]
    assert not any(str(tmp_path) in r["source_page"] for r in db.query(
        "SELECT source_page FROM performance_detail"))
