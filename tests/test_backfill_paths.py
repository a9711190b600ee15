"""Manifest `path` items are regular files under the manifest's folder (or an --allow-root),
within the byte cap; anything else is refused before it is opened, recorded in `fetches` and
counted as failed. Real files, FIFOs, devices, /proc and symlinks; `lps backfill` itself, and
once as a real process (a FIFO used to hang it for good).

A manifest of nothing but refused paths has nothing to copy or extract, so these runs start no
Prefect (checked): they take a fraction of a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, ROOT, needs_fixtures

from lps.cli import main
from pipeline import timing
from warehouse import open_warehouse

pytestmark = needs_fixtures

BARNET = PDFS / "2009-10" / "barnet.pdf"


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A manifest's folder: `leaflets/barnet.pdf`, and room for whatever a test plants."""
    folder = tmp_path / "archive"
    (folder / "leaflets").mkdir(parents=True)
    shutil.copyfile(BARNET, folder / "leaflets" / "barnet.pdf")
    return folder


def _backfill(archive: Path, path: str, *options: str) -> tuple[int, list[str]]:
    manifest = archive / "manifest.csv"
    manifest.write_text(f"path,area,period\n{path},,\n", encoding="utf-8")
    db, raw = archive.parent / "lps.db", archive.parent / "raw"
    result = CliRunner().invoke(main, ["backfill", str(manifest), "--db", str(db),
                                       "--raw", str(raw), *options])
    assert "flow run" not in timing.phases()  # refused before anything: no Prefect
    assert not raw.exists() or list(raw.iterdir()) == []  # nothing read into the store
    return result.exit_code, result.output.splitlines()[:-1]


def _fetches(archive: Path) -> list[tuple[str, str, str, int]]:
    with open_warehouse(archive.parent / "lps.db", writable=False) as db:
        return [(row["url"], row["status"], row["reason"], row["transient"])
                for row in db.table("fetches").rows]


def _outside(archive: Path, *more: str) -> str:
    return (f"refused: outside the folders a manifest may read ({', '.join([str(archive), *more])})"
            "; give --allow-root DIR to allow another")


def test_a_path_that_climbs_out_of_the_manifest_folder_is_refused(archive: Path) -> None:
    code, lines = _backfill(archive, "../../../../../../etc/passwd")
    shown = f"{archive}/../../../../../../etc/passwd"
    assert code == 0
    assert lines == [
        "1 items: 0 downloaded, 0 fetched before, 0 copied from disk, 1 failed",
        "0 distinct documents: 0 newly loaded, 0 quarantined, 0 not what the manifest expected",
        f"  failed: {shown}: {_outside(archive)}",
    ]
    assert _fetches(archive) == [(shown, "failed", _outside(archive), 0)]


@pytest.mark.parametrize(("allow", "reason", "recorded"), [
    ((), None, "/proc/self/environ"),
    (("--allow-root", "/proc"), "refused: /proc holds the kernel's files, not leaflets",
     "self/environ"),  # relative to the folder it was allowed under, as `lps ingest` would
])
def test_proc_self_environ_is_never_read(archive: Path, allow: tuple[str, ...],
                                         reason: str | None, recorded: str) -> None:
    """Its secrets never reach the raw store, even with /proc allowed by mistake."""
    code, lines = _backfill(archive, "/proc/self/environ", *allow)
    expected = reason or _outside(archive)
    assert code == 0
    assert lines[0] == "1 items: 0 downloaded, 0 fetched before, 0 copied from disk, 1 failed"
    assert lines[2:] == [f"  failed: /proc/self/environ: {expected}"]
    assert _fetches(archive) == [(recorded, "failed", expected, 0)]


def test_a_symlink_leading_out_of_the_folder_is_refused(archive: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 not for the archive")
    (archive / "leaflets" / "escape.pdf").symlink_to(secret)
    (archive / "leaflets" / "inside.pdf").symlink_to(archive / "leaflets" / "barnet.pdf")
    code, lines = _backfill(archive, "leaflets/escape.pdf")
    reason = (f"refused: a symlink to {secret}, outside the folders a manifest may read "
              f"({archive})")
    assert (code, lines[2:]) == (0, [f"  failed: {archive}/leaflets/escape.pdf: {reason}"])
    assert _fetches(archive) == [("leaflets/escape.pdf", "failed", reason, 0)]


def test_a_fifo_is_refused_without_being_opened(archive: Path) -> None:
    os.mkfifo(archive / "leaflets" / "pipe.pdf")  # no writer: opening it to read would block
    started = time.monotonic()
    code, lines = _backfill(archive, "leaflets/pipe.pdf")
    reason = "refused: it is a FIFO (named pipe), not a regular file"
    assert time.monotonic() - started < 5
    assert (code, lines[2:]) == (0, [f"  failed: {archive}/leaflets/pipe.pdf: {reason}"])
    assert _fetches(archive) == [("leaflets/pipe.pdf", "failed", reason, 0)]


def test_a_fifo_does_not_hang_a_real_backfill_process(archive: Path) -> None:
    """The run as a user starts it: before, it blocked in open() for ever and needed kill -9."""
    os.mkfifo(archive / "leaflets" / "pipe.pdf")
    (archive / "manifest.csv").write_text("path\nleaflets/pipe.pdf\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LPS_"))}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "lps.cli", "backfill", str(archive / "manifest.csv"),
         "--db", str(archive.parent / "lps.db"), "--raw", str(archive.parent / "raw")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert time.monotonic() - started < 30
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:3] == [
        "1 items: 0 downloaded, 0 fetched before, 0 copied from disk, 1 failed",
        "0 distinct documents: 0 newly loaded, 0 quarantined, 0 not what the manifest expected",
        f"  failed: {archive}/leaflets/pipe.pdf: refused: it is a FIFO (named pipe), not a "
        "regular file",
    ]


@pytest.mark.parametrize(("allow", "reason", "recorded"), [
    (("--allow-root", "/dev"), "refused: it is a character device, not a regular file", "zero"),
    ((), None, "/dev/zero"),
])
def test_a_device_is_refused_before_a_byte_is_read(archive: Path, allow: tuple[str, ...],
                                                   reason: str | None, recorded: str) -> None:
    """/dev/zero used to be read until a MemoryError at 2.5 GB."""
    started = time.monotonic()
    code, lines = _backfill(archive, "/dev/zero", *allow)
    expected = reason or _outside(archive)
    assert time.monotonic() - started < 5
    assert (code, lines[2:]) == (0, [f"  failed: /dev/zero: {expected}"])
    assert _fetches(archive) == [(recorded, "failed", expected, 0)]


def test_a_symlink_to_a_device_inside_the_folder_is_refused(archive: Path) -> None:
    (archive / "leaflets" / "zero.pdf").symlink_to("/dev/zero")
    code, lines = _backfill(archive, "leaflets/zero.pdf")
    reason = f"refused: a symlink to /dev/zero, outside the folders a manifest may read ({archive})"
    assert (code, lines[2:]) == (0, [f"  failed: {archive}/leaflets/zero.pdf: {reason}"])


@pytest.mark.parametrize(("path", "options", "reason"), [
    ("leaflets", (), "refused: it is a folder, not a regular file"),
    ("leaflets/barnet.pdf", ("--max-mb", "0.001"),
     f"refused: too large: {BARNET.stat().st_size:,} bytes, limit 1,000"),
    ("leaflets/gone.pdf", (), "cannot read the file: No such file or directory"),
])
def test_other_paths_that_are_no_leaflet_are_refused(archive: Path, path: str,
                                                     options: tuple[str, ...],
                                                     reason: str) -> None:
    code, lines = _backfill(archive, path, *options)
    assert (code, lines[2:]) == (0, [f"  failed: {archive}/{path}: {reason}"])
    assert _fetches(archive) == [(path, "failed", reason, 0)]


def test_allow_root_lets_a_manifest_read_another_folder(archive: Path, tmp_path: Path) -> None:
    """Refused without it; with it, the path is read (and planned for copying)."""
    elsewhere = tmp_path / "scans"
    elsewhere.mkdir()
    os.mkfifo(elsewhere / "pipe.pdf")
    _, lines = _backfill(archive, str(elsewhere / "pipe.pdf"))
    assert lines[2:] == [f"  failed: {elsewhere}/pipe.pdf: {_outside(archive)}"]
    _, lines = _backfill(archive, str(elsewhere / "pipe.pdf"), "--allow-root", str(elsewhere))
    assert lines[2:] == [f"  failed: {elsewhere}/pipe.pdf: refused: it is a FIFO (named pipe), "
                         "not a regular file"]
    # recorded relative to the folder it was allowed under
    assert ("pipe.pdf", "failed", "refused: it is a FIFO (named pipe), not a regular file",
            0) in _fetches(archive)


def test_allow_root_does_not_go_with_a_url_template(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["backfill", "--url-template", "http://h/{borough}.pdf",
                                       "--periods", "2009/10", "--allow-root", str(tmp_path),
                                       "--db", str(tmp_path / "lps.db")])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --allow-root goes with a MANIFEST (a template has no paths)")
