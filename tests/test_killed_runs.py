"""A run ended by SIGTERM or `kill -9` takes its temporary Prefect server down with it.

SLOW (about 8 s a case, 16 s in all, under the session's Prefect test API): each case starts
the real `lps ingest` in a session of its own with no Prefect API configured, so it starts a
temporary server, on a Prefect home holding an already migrated copy of the test server's
database (a new one would cost 13 s or more to migrate). Once that server answers, only the
`lps` process is signalled, as `kill PID` or `kill -9 PID` from a shell would: not its group.
Within a few seconds no process of that run may be left (server, forkserver, extraction child)
and the server's port must refuse connections. SIGTERM is answered with exit 143 (the run
stops its server itself, `tests/test_interruption.py`); `kill -9` kills the run outright.
Before the fix the server lived on, listening, for as long as the machine did (issue 12, item
12).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from pathlib import Path

import pytest
from conftest import PDFS
from ingest_runs import ingest_env, kill_group, migrated_prefect_home, session_processes
from ingest_runs import start_ingest as start

from fixtures.generator import hostile
from flows.server import healthy

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]

#: How long the run's processes may take to go once it is killed.
GONE_WITHIN = 5.0

_PORT = re.compile(r"create_app .*--port (\d+)")


def _server_port(processes: dict[int, str]) -> int | None:
    for command in processes.values():
        found = _PORT.search(command)
        if found:
            return int(found.group(1))
    return None


def _refuses(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGTERM", "SIGKILL"])
def test_a_killed_ingest_leaves_no_prefect_server(tmp_path: Path, signal_number: int) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for borough in ("barnet", "camden", "hackney"):
        (inbox / f"{borough}.pdf").write_bytes((PDFS / "2009-10" / f"{borough}.pdf").read_bytes())
    (inbox / "slow.pdf").write_bytes(hostile.slow_content(2_500_000))  # keeps the run going
    env = ingest_env(api_url=None, prefect_home=migrated_prefect_home(tmp_path / "home"))
    run = start([inbox], tmp_path / "lps.db", env, tmp_path / "run.log")
    try:
        deadline = time.monotonic() + 60
        port = None
        while port is None or not healthy(f"http://127.0.0.1:{port}/api", timeout=0.5):
            assert run.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "the temporary server did not answer in 60 s"
            port = port or _server_port(session_processes(run.pid))
            time.sleep(0.1)
        running = session_processes(run.pid)
        assert len(running) >= 3, running  # lps, its forkserver and the server at least

        os.kill(run.pid, signal_number)
        run.wait()
        killed = time.monotonic()
        while session_processes(run.pid) and time.monotonic() - killed < GONE_WITHIN:
            time.sleep(0.1)
        left = session_processes(run.pid)
        assert left == {}, f"still running {time.monotonic() - killed:.1f} s after the kill"
        assert _refuses(port), f"port {port} still accepts connections"
        # SIGTERM is answered (the run stops what it started, exit 143); SIGKILL cannot be
        assert run.returncode == (143 if signal_number == signal.SIGTERM else -signal_number)
    finally:
        kill_group(run)
