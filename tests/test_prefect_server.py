"""`lps ingest` against a real, separately started `prefect server` (not the temporary one).

A team runs one Prefect server and points every ingest at it with `PREFECT_API_URL`. This test
starts `prefect server start` on a free loopback port with a home of its own, runs the real
`lps ingest` console script against it in a subprocess, and then asks the server (over its REST
API) what it recorded: a completed flow run of the ingest flow, its task runs, and the summary
artifact. It also checks that `lps` used that server rather than starting a temporary one.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import free_port, needs_fixtures
from leaflets import copy_leaflet

from flows.server import WARM_UP_ENDPOINTS, warm_up

pytestmark = needs_fixtures

FLOW_NAME = "ingest-local-policing-summaries"



def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API URL of a `prefect server start` process of this test's own."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (home / "server.log").read_text()
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "prefect server did not start in 180 s"
            time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_ingest_runs_against_a_running_prefect_server(
    prefect_server: str, tmp_path: Path
) -> None:
    folder = tmp_path / "leaflets"
    for borough in ("Barnet", "Camden"):
        copy_leaflet(folder / f"{borough.lower()}.pdf", borough)
    (folder / "empty.pdf").write_bytes(b"")
    db_path = tmp_path / "lps.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "client-home")}

    result = subprocess.run(
        [_bin("lps"), "ingest", str(folder), "--db", str(db_path), "--workers", "1"],
        env=env, capture_output=True, text=True, timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Starting temporary server" not in output
    assert "Traceback" not in output
    assert "  loaded:                2\n" in result.stdout
    assert "  quarantined:           1\n" in result.stdout
    with sqlite3.connect(db_path) as conn:
        [flow_run_id] = [row[0] for row in conn.execute("select flow_run_id from runs")]
    assert flow_run_id

    with httpx.Client(base_url=prefect_server, timeout=10) as client:
        run = client.get(f"/flow_runs/{flow_run_id}").json()
        flow = client.get(f"/flows/{run['flow_id']}").json()
        tasks = client.post(
            "/task_runs/filter", json={"flow_runs": {"id": {"any_": [flow_run_id]}}}
        ).json()
        artifacts = client.post(
            "/artifacts/filter", json={"artifacts": {"key": {"any_": ["ingest-summary"]}}}
        ).json()

    assert flow["name"] == FLOW_NAME
    assert run["state"]["type"] == "COMPLETED"
    task_names = {task["name"].rsplit("-", 1)[0] for task in tasks}
    # planned before the flow (no file hashed twice), so no planning task
    assert task_names == {"prepare_warehouse", "extract", "load", "finish_run"}
    assert all(task["state"]["type"] == "COMPLETED" for task in tasks)
    [artifact] = [a for a in artifacts if a["flow_run_id"] == flow_run_id]
    assert "| loaded | 2 |" in artifact["data"]
    assert str(folder / "empty.pdf") in artifact["data"]


def test_lps_server_start_is_used_by_runs_until_it_stops(tmp_path: Path) -> None:
    """`lps server start` runs Prefect's server detached; an ingest with no PREFECT_API_URL then
    records its flow run there without starting a temporary server; `stop` ends it, and
    `status` says so with exit 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "home")
    port = free_port()

    def lps(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([_bin("lps"), *args], env=env, capture_output=True, text=True,
                              timeout=300)

    started = lps("server", "start", "--port", str(port))
    api = f"http://127.0.0.1:{port}/api"
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.startswith(f"Prefect server running at {api} (pid ")
        again = lps("server", "start", "--port", str(port))
        assert (again.returncode, again.stdout.split(" (pid")[0]) == (
            0, f"already running at {api}")
        status = lps("server", "status")
        assert (status.returncode, status.stdout.split(" (pid")[0]) == (0, f"running at {api}")
        # what `start` warmed up answers: every read endpoint it asks (none failed silently)
        assert warm_up(api) == list(WARM_UP_ENDPOINTS)

        copy_leaflet(tmp_path / "in" / "barnet.pdf", "Barnet")
        db_path = tmp_path / "lps.db"
        result = lps("ingest", str(tmp_path / "in"), "--db", str(db_path), "-v")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Starting temporary server" not in result.stderr
        assert "a temporary Prefect server" not in result.stderr  # no such phase
        assert "wait for Prefect to record the run" not in result.stderr  # it stays up
        with sqlite3.connect(db_path) as conn:
            [flow_run_id] = [row[0] for row in conn.execute("select flow_run_id from runs")]
        deadline = time.monotonic() + 30
        while True:  # recorded by the server after the command exited
            run = httpx.get(f"{api}/flow_runs/{flow_run_id}", timeout=10).json()
            if run.get("state", {}).get("type") == "COMPLETED" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert run["state"]["type"] == "COMPLETED"
    finally:
        stopped = lps("server", "stop")
    assert (stopped.returncode, stopped.stdout.split(" (pid")[0]) == (
        0, f"stopped the server at {api}")
    after = lps("server", "status")
    assert (after.returncode, after.stdout) == (
        1, f"not running (no server started by `lps server start` in {tmp_path / 'home'})\n")
    stopped_again = lps("server", "stop")
    assert (stopped_again.returncode, stopped_again.stdout) == (0, "not running: nothing to stop\n")


def test_a_warm_up_that_finds_no_server_is_no_failure() -> None:
    """`lps server start` warms the server up once it answers; if it stopped answering in
    between, the warm-up gives up quietly (the start reports what it finds as before)."""
    assert warm_up(f"http://127.0.0.1:{free_port()}/api", timeout=2.0) == []
