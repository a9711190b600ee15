"""`lps ingest DIR` reads only DIR's own files: a symbolic link to a file outside it, a hard
link with names outside it, or a file on another device is refused before a byte is read, and
nothing of it is recorded (no hash, no document): only a refusal line in the summary. Real
files, links and `lps ingest` itself (all refused: no Prefect is started).

Before: a symlink `shadow.pdf -> /etc/shadow` in DIR was read, quarantined with its hash, and
`lps serve --pdfs DIR` then handed it out (issue 20, item 4).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner
from conftest import PDFS, needs_fixtures

from lps.cli import main
from pipeline import timing
from pipeline.plan import plan_paths
from pipeline.sources import document_id_for
from warehouse import open_warehouse

pytestmark = needs_fixtures

BARNET = PDFS / "2009-10" / "barnet.pdf"


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 not yours to read\n")
    return secret


def test_links_leading_out_of_the_folder_are_refused_and_nothing_is_recorded(
        tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "shadow.pdf").symlink_to(secret)
    os.link(secret, drop / "passwd.pdf")
    db = tmp_path / "lps.db"
    result = CliRunner().invoke(main, ["ingest", str(drop), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "flow run" not in timing.phases()  # nothing to extract: no Prefect
    lines = result.output.splitlines()
    assert lines[1:6] == ["  documents seen:        2", "  loaded:                0",
                          "  skipped (known/dupe):  0", "  quarantined:           0",
                          "  unreadable:            2"]
    assert lines[lines.index("Not loaded:") + 1:] == [
        f"  {drop}/passwd.pdf: refused: a hard link (the file has 2 names, 1 of them outside "
        f"the folder {drop} being ingested); give --follow-links to read it",
        f"  {drop}/shadow.pdf: refused: a symbolic link to {secret}, outside the folder {drop} "
        "being ingested; give --follow-links to read it",
    ]
    with open_warehouse(db, writable=False) as warehouse:
        assert warehouse.table("documents").count == 0
        assert warehouse.table("document_sources").count == 0
        assert document_id_for(secret.read_bytes()) not in str(list(
            warehouse.query("select * from runs")))


def test_links_inside_the_folder_are_read(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "2009").mkdir(parents=True)
    shutil.copyfile(BARNET, drop / "2009" / "barnet.pdf")
    (drop / "latest.pdf").symlink_to(drop / "2009" / "barnet.pdf")
    os.link(drop / "2009" / "barnet.pdf", drop / "copy.pdf")
    made = plan_paths([drop], tmp_path / "lps.db", "test")
    assert made.unreadable == []
    assert [c.source for c in made.candidates] == [str(drop / "2009" / "barnet.pdf")]
    assert len(made.skipped) == 2  # the same bytes under two more names


def test_follow_links_reads_them(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "shadow.pdf").symlink_to(secret)
    os.link(secret, drop / "passwd.pdf")
    made = plan_paths([drop], tmp_path / "lps.db", "test", follow_links=True)
    assert made.unreadable == []
    assert {c.document_id for c in [*made.candidates, *made.skipped]} == {
        document_id_for(secret.read_bytes())}


def test_a_file_named_explicitly_is_read_as_named(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    link = tmp_path / "named.pdf"
    link.symlink_to(secret)
    made = plan_paths([link], tmp_path / "lps.db", "test")
    assert [c.source for c in made.candidates] == [str(link)]


def test_backfill_refuses_a_hard_link_in_the_manifest_folder(tmp_path: Path) -> None:
    """Before: a hard link to /etc/passwd in a manifest's folder was copied into the raw store
    (only symlinks were refused) and served from there."""
    secret = _secret(tmp_path)
    archive = tmp_path / "archive"
    archive.mkdir()
    os.link(secret, archive / "passwd.pdf")
    manifest = archive / "manifest.csv"
    manifest.write_text("path,area,period\npasswd.pdf,,\n", encoding="utf-8")
    raw = tmp_path / "raw"
    result = CliRunner().invoke(main, ["backfill", str(manifest), "--db",
                                       str(tmp_path / "lps.db"), "--raw", str(raw)])
    assert result.exit_code == 0, result.output
    reason = ("refused: a hard link (the file has 2 names), which may lead out of the folders "
              "a manifest may read")
    assert result.output.splitlines()[2] == f"  failed: {archive}/passwd.pdf: {reason}"
    assert not raw.exists() or [p.name for p in raw.iterdir()] == []
