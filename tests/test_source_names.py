"""Provenance that finds its PDF: every ingested leaflet is kept in the raw store under its hash,
and `documents.source_name` tells apart leaflets that share a file name (issue 19, item 4).

Three editions' leaflets for Barnet are all `barnet.pdf`, each in its edition's folder. Before,
an ingest of the editions' folders stored each as `barnet.pdf` and kept no copy: `lps serve`
found none of them without `--pdfs` naming each folder again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from conftest import PDFS
from sqlite_utils import Database

from flows.ingest import ingest_flow
from pipeline.settings import Settings
from warehouse import open_warehouse
from warehouse.migrations import migrations

pytestmark = pytest.mark.usefixtures("prefect_api")

EDITIONS = ("2007-08", "2009-10", "2010-11")


def _editions(folder: Path) -> list[Path]:
    found = []
    for edition in EDITIONS:
        (folder / edition).mkdir(parents=True)
        copy = folder / edition / "barnet.pdf"
        copy.write_bytes((PDFS / edition / "barnet.pdf").read_bytes())
        found.append(folder / edition)
    return found


def test_each_leaflet_is_named_by_its_folder_and_kept_under_its_hash(tmp_path: Path) -> None:
    folders = _editions(tmp_path / "leaflets")
    db, raw = tmp_path / "lps.db", tmp_path / "store"
    summary = ingest_flow(paths=[str(f) for f in folders], db_path=str(db),
                          settings=Settings(raw=raw))
    assert summary.loaded == 3
    with closing(sqlite3.connect(db)) as warehouse:
        rows = warehouse.execute("select document_id, source, source_name from documents "
                                 "order by source_name").fetchall()
    assert [(source, name) for _, source, name in rows] == [
        ("barnet.pdf", f"{edition}/barnet.pdf") for edition in EDITIONS]
    for (document_id, _, name), edition in zip(rows, EDITIONS, strict=True):
        kept = raw / f"{document_id}.pdf"
        assert kept.read_bytes() == (PDFS / edition / "barnet.pdf").read_bytes(), name
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == document_id
        origins = json.loads((raw / f"{document_id}.json").read_text())["origins"]
        assert [o["source"] for o in origins] == [str(tmp_path / "leaflets" / name)]


def test_a_warehouse_loaded_before_m011_names_its_documents_from_their_sources(
        tmp_path: Path) -> None:
    old = Database(tmp_path / "old.db")
    migrations.apply(old, stop_before="m011_sources")
    for document_id, source in (("a" * 64, "leaflets/2009-10/barnet.pdf"),
                                ("b" * 64, "barnet.pdf"),
                                ("c" * 64, "https://archive.example/2011/barnet.pdf")):
        old.execute("insert into documents (document_id, source, status, extractor_version, "
                    "size_bytes, ingested_at) values (?, ?, 'quarantined', 'x', 1, 'then')",
                    [document_id, source])
    old.conn.commit()
    old.close()
    with open_warehouse(tmp_path / "old.db") as db:
        names = [row[0] for row in db.execute(
            "select source_name from documents order by document_id").fetchall()]
    assert names == ["2009-10/barnet.pdf", "barnet.pdf", "2011/barnet.pdf"]
