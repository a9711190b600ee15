"""A run stopped by Ctrl-C, SIGTERM or a Prefect server that goes away ends cleanly and soon.

Real `lps ingest` processes, each in a session of its own. The inbox holds two leaflets and a
slow file (one page of a few hundred thousand save/restore operators: seconds to parse, then
quarantined as having no text layer), named so that it is extracted last: the run is stopped
once the two leaflets are loaded, while the slow file is being parsed.

- Ctrl-C is typed in a pseudo-terminal that is the run's controlling terminal, so the kernel
  sends SIGINT to the terminal's foreground process group, as it does for a person at a
  terminal (before: about 90 lines of KeyboardInterrupt tracebacks from the extraction
  children, then a 145 s hang while the client retried the temporary server the same Ctrl-C
  had stopped, exit 1).
- SIGTERM is sent to the `lps` process alone, as `kill PID` or a scheduler does.
- The temporary server is killed under the live run (before: the run finished, then hung 8 to
  10 minutes printing about 200 KB of EventsWorker errors, exit 1).

Each stopped run must end within its bound, with the exit code the `--help` lists, a few lines
of output and no traceback, having recorded the run; the same command run again must leave a
warehouse equal, row for row, to one the pipeline's stages build without interruption.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from conftest import PDFS, ROOT
from ingest_runs import (
    ingest_env,
    kill_group,
    migrated_prefect_home,
    run_ingest,
    session_processes,
    snapshot,
    start_ingest,
)
from prefect.settings import get_current_settings

from extractors import EXTRACTOR_VERSION
from fixtures.generator import hostile
from pipeline.extract import extract_batch
from pipeline.load import load_batch
from pipeline.plan import plan_paths
from pipeline.report import Tally, finish
from pipeline.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]

#: What the run prints once its two leaflets are loaded (the third file is then being parsed).
TWO_LOADED = b"2 documents extracted: 2 loaded"

#: The line a stopped run ends with, after its reason.
KEPT = ("2 documents loaded and 0 quarantined by this run are kept in {db} (run {run}, "
        "recorded); 1 not yet. Run the same command again to go on")


def _inbox(folder: Path) -> Path:
    folder.mkdir()
    for borough in ("barnet", "camden"):
        (folder / f"{borough}.pdf").write_bytes((PDFS / "2009-10" / f"{borough}.pdf").read_bytes())
    # About 30 s to read, so still being read when a test stops the run (however loaded the
    # machine); stopped by the parse limit (`_PARSE_SECONDS`) in a run that goes on.
    (folder / "zz-slow.pdf").write_bytes(hostile.slow_content(2_500_000))
    return folder


#: The parse limit of these runs: the slow leaflet is quarantined after it, not after 30 s.
_PARSE_SECONDS = 12

#: The parse limit of a run that is stopped before its slow file is quarantined. Its
#: files are read from the moment the plan is made (`pipeline.head_start`), seconds before the
#: server answers and the two leaflets load (and a killed server is noticed three health checks
#: later): a longer limit keeps the slow file being read when the run stops, however loaded
#: the machine.
_READ_AHEAD_PARSE_SECONDS = 40


def _env(*, api_url: str | None, prefect_home: Path, parse_seconds: int = _PARSE_SECONDS
         ) -> dict[str, str]:
    return {**ingest_env(api_url=api_url, prefect_home=prefect_home),
            "LPS_PARSE_SECONDS": str(parse_seconds)}


def _reference(inbox: Path, db_path: Path) -> Path:
    """The inbox loaded by the pipeline's stages in one go, without Prefect: the warehouse an
    uninterrupted run leaves."""
    made = plan_paths([str(inbox)], str(db_path), EXTRACTOR_VERSION)
    tally = Tally.for_plan(made)
    extracted = extract_batch(made.candidates, Settings(parse_seconds=_PARSE_SECONDS))
    tally.land(extracted, load_batch(extracted, str(db_path), EXTRACTOR_VERSION))
    finish(db_path, made, tally)
    return db_path


def _runs(db_path: Path) -> list[tuple[int, int, int]]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute("select loaded, quarantined, skipped from runs order by rowid").fetchall()


def _last_run_id(db_path: Path) -> str:
    with closing(sqlite3.connect(db_path)) as db:
        (run_id,) = db.execute("select run_id from runs order by rowid desc limit 1").fetchone()
    return str(run_id)[:12]


@contextmanager
def _in_a_terminal(command: list[str], env: dict[str, str]) -> Iterator[
        tuple[subprocess.Popen[bytes], int]]:
    """`command` in a new session whose controlling terminal is a new pseudo-terminal; the
    process and the terminal's master side."""
    master, slave = os.openpty()

    def controlling_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=slave, stdout=slave,
                               stderr=slave, start_new_session=True,
                               preexec_fn=controlling_terminal)
    os.close(slave)
    try:
        yield process, master
    finally:
        kill_group(process)
        os.close(master)


def _read_until(master: int, process: subprocess.Popen[bytes], wanted: bytes,
                seen: bytearray, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, f"no {wanted!r} within {timeout} s: {bytes(seen)!r}"
        assert process.poll() is None, bytes(seen).decode(errors="replace")
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            seen += os.read(master, 65536)


def _read_to_end(master: int, seen: bytearray, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last user is gone
                return
            if not chunk:
                return
            seen += chunk


def test_ctrl_c_in_a_terminal_stops_a_run_on_a_temporary_server_cleanly(tmp_path: Path) -> None:
    inbox, db = _inbox(tmp_path / "inbox"), tmp_path / "lps.db"
    home = migrated_prefect_home(tmp_path / "home")
    env = _env(api_url=None, prefect_home=home, parse_seconds=_READ_AHEAD_PARSE_SECONDS)
    command = [sys.executable, "-m", "lps.cli", "ingest", str(inbox), "--db", str(db),
               "--workers", "1"]
    with _in_a_terminal(command, env) as (run, master):
        seen = bytearray()
        _read_until(master, run, TWO_LOADED, seen, timeout=90)
        before = len(seen)
        os.write(master, b"\x03")  # Ctrl-C, as typed
        typed = time.monotonic()
        code = run.wait(timeout=30)
        took = time.monotonic() - typed
        _read_to_end(master, seen, timeout=2)
        left = session_processes(run.pid)
        waited = time.monotonic() + 5.0  # a process still exiting (no command line) has 5 s
        while left and time.monotonic() < waited:
            time.sleep(0.1)
            left = session_processes(run.pid)
    after = bytes(seen[before:]).decode(errors="replace").replace("\r\n", "\n")
    assert (code, took < 5.0) == (130, True), (took, after)
    expected = "interrupted (Ctrl-C): " + KEPT.format(db=db, run=_last_run_id(db))
    assert after.strip().splitlines() == ["^C", expected]  # the terminal's echo, and one line
    assert left == {}, left  # no server, forkserver or extraction child left behind
    assert _runs(db) == [(2, 0, 0)]
    with closing(sqlite3.connect(home / "prefect.db")) as server:
        states = server.execute("select state_type from flow_run where "
                                "parameters like ?", [f"%{db}%"]).fetchall()
    assert states == [("CANCELLED",)]


def test_sigterm_stops_a_run_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    inbox, db = _inbox(tmp_path / "inbox"), tmp_path / "lps.db"
    api_url = get_current_settings().api.url
    # stopped while its files are read ahead: the slow file must outlast the load of the two
    run = start_ingest([inbox], db, _env(api_url=api_url, prefect_home=tmp_path / "home",
                                         parse_seconds=_READ_AHEAD_PARSE_SECONDS),
                       tmp_path / "run.log")
    log = tmp_path / "run.log"
    try:
        deadline = time.monotonic() + 90
        while TWO_LOADED not in log.read_bytes():
            assert run.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        os.kill(run.pid, signal.SIGTERM)
        sent = time.monotonic()
        code = run.wait(timeout=30)
        took = time.monotonic() - sent
    finally:
        kill_group(run)
    output = log.read_text()
    assert (code, took < 5.0) == (143, True), (took, output)
    assert output.strip().splitlines()[-1] == "stopped by SIGTERM: " + KEPT.format(
        db=db, run=_last_run_id(db))
    assert "Traceback" not in output
    assert _runs(db) == [(2, 0, 0)]

    # run again to the end, with the limit the reference is built with (its reason names it)
    env = _env(api_url=api_url, prefect_home=tmp_path / "home")
    again = start_ingest([inbox], db, env, tmp_path / "again.log")
    try:  # the reference is built while the run goes on: each waits out the slow file's limit
        reference = _reference(inbox, tmp_path / "reference.db")
        code = again.wait(timeout=300)
    finally:
        kill_group(again)
    output = (tmp_path / "again.log").read_text(encoding="utf-8", errors="replace")
    assert code == 0, output
    assert "  loaded:                0\n  skipped (known/dupe):  2\n  quarantined:           1" \
        in output
    assert snapshot(db) == snapshot(reference)


def test_a_run_whose_temporary_server_is_killed_says_so_and_exits(tmp_path: Path) -> None:
    inbox, db = _inbox(tmp_path / "inbox"), tmp_path / "lps.db"
    home = migrated_prefect_home(tmp_path / "home")
    log = tmp_path / "run.log"
    env = _env(api_url=None, prefect_home=home, parse_seconds=_READ_AHEAD_PARSE_SECONDS)
    run = start_ingest([inbox], db, env, log)
    try:
        deadline = time.monotonic() + 90
        while TWO_LOADED not in log.read_bytes():
            assert run.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        size = len(log.read_bytes())
        servers = [pid for pid, command in session_processes(run.pid).items()
                   if "prefect.server.api.server:create_app" in command]
        assert len(servers) == 1, session_processes(run.pid)
        os.kill(servers[0], signal.SIGKILL)
        killed = time.monotonic()
        code = run.wait(timeout=60)
        took = time.monotonic() - killed
    finally:
        kill_group(run)
    after = log.read_bytes()[size:].decode()
    assert (code, took < 30.0) == (1, True), (took, after)
    line = after.strip().splitlines()[-1]
    assert line.startswith("the Prefect server at http://127.0.0.1:"), after
    assert line.endswith("/api stopped answering: " + KEPT.format(db=db, run=_last_run_id(db)))
    assert len(after) < 2000 and "Traceback" not in after and "EventsWorker" not in after, after
    assert _runs(db) == [(2, 0, 0)]


def test_an_api_that_accepts_but_never_answers_ends_the_run_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does), answers nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api"
        started = time.monotonic()
        code, output = run_ingest([PDFS / "2009-10" / "barnet.pdf"], tmp_path / "lps.db",
                                  ingest_env(api_url=url, prefect_home=tmp_path / "home"),
                                  tmp_path / "run.log", timeout=90)
        took = time.monotonic() - started
    assert (code, took < 60) == (2, True), (took, output)
    assert output == (
        "starting Prefect…\n"
        f"Error: cannot reach the Prefect API at {url} (PREFECT_API_URL): no answer within "
        "5 s; start it with `prefect server start`, or unset PREFECT_API_URL to use `lps "
        "server start` or a temporary server\n")
    assert not (tmp_path / "lps.db").exists() or _runs(tmp_path / "lps.db") == []
