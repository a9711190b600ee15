"""What `lps serve` prints: one line per page that does not exist, and a port it cannot bind
reported before anything claims to be serving."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner
from conftest import ROOT, free_port
from sample_warehouse import build_sample_warehouse

from lps.cli import main


def test_each_404_is_one_line_on_stderr(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lps.cli", "serve", "--db", str(warehouse), "--port", str(port)],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.25)
        assert httpx.get(f"{base}/nothing-here").status_code == 404
        assert httpx.get(f"{base}/lps/no_such_table.json?_size=1").status_code == 404
        assert httpx.get(f"{base}/lps/documents").status_code == 200
    finally:
        server.terminate()
        stdout, stderr = server.communicate(timeout=30)
    assert stdout == f"Serving {warehouse} read-only at {base}/ (Ctrl-C to stop)\n"
    *answers, took, stopped = stderr.splitlines()
    assert answers == [
        "404 GET /nothing-here: Database not found",
        "404 GET /lps/no_such_table.json?_size=1: Table not found",
    ]
    assert re.fullmatch(r"in \d+\.\ds \(start to exit\)", took)  # its wall time, on exit
    assert (stopped, server.returncode) == ("stopped by SIGTERM", 143)


def test_a_port_in_use_is_reported_before_claiming_to_serve(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--db", str(warehouse), "--port", str(port)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"Error: cannot serve on 127.0.0.1:{port}: it is in use (another "
                             "`lps serve`?): choose another with --port\n")


#: Modules of ours that import Datasette, each possibly the first to do so in a process.
_DATASETTE_IMPORTERS = ["lps.serve_errors", "lps.serve_limits", "lps.serve",
                        *(f"datasette/plugins/{path.name}"
                          for path in sorted((ROOT / "datasette" / "plugins").glob("*.py")))]


def test_whichever_module_imports_datasette_first_its_error_page_stays(tmp_path: Path) -> None:
    """Imported before `datasette.plugins`, `datasette.handle_exception` is registered half
    initialised (a circular import) and every error becomes an AssertionError instead of a 400.
    None of our modules may be the one that imports it first, and a bad query stays a 400."""
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    script = """
import asyncio, runpy, sys
first = sys.argv[1]
if first.endswith(".py"):
    sys.path.insert(0, "datasette/plugins")
    runpy.run_path(first)
else:
    __import__(first)
from datasette.plugins import pm
from pathlib import Path
from lps.serve import build_datasette
names = [impl.plugin_name for impl in pm.hook.handle_exception.get_hookimpls()]
datasette = build_datasette(Path(sys.argv[2]))
loop = asyncio.new_event_loop()
loop.run_until_complete(datasette.invoke_startup())
response = loop.run_until_complete(
    datasette.client.get("/lps.json", params={"sql": "delete from documents"}))
print(",".join(names), response.status_code)
"""
    for first in _DATASETTE_IMPORTERS:
        done = subprocess.run([sys.executable, "-c", script, first, str(warehouse)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (first, done.stderr[-2000:])
        names, status = done.stdout.splitlines()[-1].split()
        assert "datasette.handle_exception" in names.split(","), first
        assert status == "400", first
