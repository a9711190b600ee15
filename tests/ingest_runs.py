"""Real `lps ingest` subprocesses for the crash and concurrency tests, and what a warehouse holds.

Each run is its own process group (`start_new_session`), so killing the group takes the
extraction children and any temporary Prefect server with it, as `kill -9` of a terminal's job
would. `snapshot` reads every document and child row with the columns that depend on when a
run happened (`ingested_at`, `first_seen_at`) left out, so two warehouses can be compared.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

from conftest import ROOT
from prefect.settings import get_current_settings

from warehouse import CHILD_TABLES, open_warehouse
from warehouse.verify import Problem, verify_warehouse

__all__ = [
    "ALARMING",
    "Snapshot",
    "ingest_env",
    "kill_group",
    "migrated_prefect_home",
    "problems",
    "run_ingest",
    "session_processes",
    "snapshot",
    "start_ingest",
]

#: What no run's output may contain.
ALARMING = ("database is locked", "Traceback")

#: Columns that record when, not what.
_WHEN = {"documents": ("ingested_at",), "document_sources": ("first_seen_at",)}

Snapshot = dict[str, list[tuple[Any, ...]]]


def ingest_env(*, api_url: str | None, prefect_home: Path) -> dict[str, str]:
    """The environment of a run: the given Prefect API (or none: a temporary server), a Prefect
    home of the test's own, and no warehouse from the caller's environment."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") and k != "LPS_DB"}
    env["PREFECT_HOME"] = str(prefect_home)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _command(paths: Sequence[Path], db_path: Path) -> list[str]:
    return [sys.executable, "-m", "lps.cli", "ingest", *map(str, paths), "--db", str(db_path),
            "--workers", "1"]


def start_ingest(
    paths: Sequence[Path], db_path: Path, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """Start `lps ingest` in a process group of its own, output (both streams) to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(_command(paths, db_path), cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and every process it started, and reap it."""
    with suppress(ProcessLookupError):  # the group is gone already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_ingest(paths: Sequence[Path], db_path: Path, env: dict[str, str], log: Path,
               timeout: float = 300) -> tuple[int, str]:
    """Run `lps ingest` to the end; its exit code and output."""
    process = start_ingest(paths, db_path, env, log)
    try:
        code = process.wait(timeout)
    finally:
        kill_group(process)  # a timed-out run, or children left behind by a finished one
    return code, log.read_text(encoding="utf-8", errors="replace")


def snapshot(db_path: Path, *, ignore: dict[str, tuple[str, ...]] | None = None) -> Snapshot:
    """Every row of `documents`, the child tables and `document_sources`, sorted, without the
    columns in `_WHEN` (and `ignore`)."""
    skipped = {table: (*_WHEN.get(table, ()), *(ignore or {}).get(table, ()))
               for table in ("documents", *CHILD_TABLES, "document_sources")}
    with closing(sqlite3.connect(db_path)) as connection:
        result: Snapshot = {}
        for table, dropped in skipped.items():
            columns = [row[1] for row in connection.execute(f"pragma table_info([{table}])")
                       if row[1] not in dropped]
            names = ", ".join(f"[{column}]" for column in columns)
            rows = connection.execute(f"select {names} from [{table}]").fetchall()
            result[table] = sorted(rows, key=repr)
    return result


def problems(db_path: Path) -> list[Problem]:
    """What `lps verify` finds wrong with the warehouse (as the command would, read-only)."""
    db = open_warehouse(db_path, writable=False)
    try:
        return verify_warehouse(db).problems
    finally:
        db.close()


def session_processes(session: int) -> dict[int, str]:
    """The live processes (zombies aside) of a session, each pid with its command line: what
    a run started with `start_new_session` still has running, whoever their parent is now."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended while being looked at
            continue
        state, _ppid, _group, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found[int(entry.name)] = command.strip()
    return found


def migrated_prefect_home(home: Path) -> Path:
    """A new Prefect home holding a copy of the session test server's database (under the
    `prefect_api` fixture), already migrated: a temporary server on it answers in seconds
    instead of migrating a new database first (13 s idle, far more under load)."""
    url = get_current_settings().server.database.connection_url
    assert url is not None and url.get_secret_value().startswith("sqlite+aiosqlite:///"), url
    source = url.get_secret_value().removeprefix("sqlite+aiosqlite:///")
    home.mkdir(parents=True)
    with closing(sqlite3.connect(source)) as live, \
            closing(sqlite3.connect(home / "prefect.db")) as copy:
        live.backup(copy)  # consistent while the test server writes
    return home
