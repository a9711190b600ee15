"""`lps export` answers a problem with one line naming it, never a traceback (issue 20, item 11):
a symbolic link as the output folder, a disk that refuses the writes, a newer schema and an
edited view (the last two: `tests/test_schema_seal.py`). Real warehouses, real writes.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from sample_warehouse import build_sample_warehouse

from lps.cli import main


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("export") / "lps.db")


def test_a_symlinked_output_folder_is_refused(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    out = tmp_path / "release"
    out.symlink_to(target)
    result = CliRunner().invoke(main, ["export", str(out), "--db", str(warehouse),
                                       "--no-record"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {out} is a symbolic link: a release is written into a new folder (give the "
        "folder it leads to, or a new one)\n")
    assert out.is_symlink() and list(target.iterdir()) == []


def test_writes_the_disk_refuses_are_one_line_and_leave_nothing(warehouse: Path,
                                                                tmp_path: Path) -> None:
    """The release's files may not grow past 1 kB here (RLIMIT_FSIZE): the kernel refuses the
    write (EFBIG) as a full disk refuses it (ENOSPC)."""
    rollback = tmp_path / "db" / "lps.db"  # not WAL: reading it writes no -shm file
    rollback.parent.mkdir()
    shutil.copyfile(warehouse, rollback)
    with sqlite3.connect(rollback) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    out = tmp_path / "out" / "release"
    out.parent.mkdir()
    limit = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
             "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024)); "
             "from lps.cli import main; sys.argv[0] = 'lps'; main()")
    done = subprocess.run(
        [sys.executable, "-c", limit, "export", str(out), "--db", str(rollback),
         "--no-record"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
        text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr == (f"Error: cannot write the release to {out}: File too large; nothing "
                           "was kept or recorded\n")
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no partial folder left either
