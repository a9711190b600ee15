"""`lps serve` as a real server on loopback, under what issue 12 (items 4 and 11) did to it:
an ingest into the warehouse it serves, queries that ask for gigabytes, and writes.

Each test starts `python -m lps.cli serve` in a process of its own and talks to it over HTTP;
the ingest is `lps ingest` in another process, on the session's Prefect test API. The server's
peak memory is read from `/proc/<pid>/status` (VmHWM).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import PDFS, ROOT, free_port, needs_fixtures
from ingest_runs import ALARMING, ingest_env, kill_group, start_ingest
from prefect.settings import get_current_settings
from sample_warehouse import DOCUMENT_IDS, build_sample_warehouse, golden

from lps.serve_limits import RESULT_LIMIT_BYTES
from release.checksum import warehouse_checksum

#: What two concurrent `select hex(zeroblob(490000000))` took the server to before the limits:
#: 8.77 GB. After, the server must stay within this (it starts at about 160 MB).
PEAK_LIMIT_KB = 400_000


@dataclass
class Server:
    """A running `lps serve`: its base URL and process."""

    url: str
    process: subprocess.Popen[str]

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", params=params, timeout=60)

    def json(self, path: str, **params: str) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.text[:500])
        return response.json()

    def peak_rss_kb(self) -> int:
        """The most memory the server has held (VmHWM), in kB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.findall(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)[0])


@contextmanager
def serving(warehouse: Path, prefix: tuple[str, ...] = ()) -> Iterator[Server]:
    """`lps serve` on `warehouse` at a free loopback port (run through `prefix`, e.g. to run
    it as another user); its output is checked by the caller through `process`."""
    port = free_port()
    process = subprocess.Popen(
        [*prefix, sys.executable, "-m", "lps.cli", "serve", "--db", str(warehouse),
         "--port", str(port)],
        cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if server.get("/-/versions.json").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "lps serve did not answer within 60 s"
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def finished(server: Server) -> tuple[str, str]:
    """Stop the server; what it printed (stdout, stderr)."""
    server.process.terminate()
    stdout, stderr = server.process.communicate(timeout=30)
    return stdout, stderr


def table_count(server: Server, table: str) -> int:
    """The row count the database page shows for `table` (what immutable mode cached)."""
    tables = server.json("/lps.json")["tables"]
    count: int = next(t["count"] for t in tables if t["name"] == table)
    return count


def gang_areas(server: Server) -> set[str]:
    """The boroughs whose leaflets the full-text search finds mentioning gangs, by the canned
    query and by a table's search box (which is what answered HTTP 500 on an immutable file);
    the two must agree."""
    rows = server.json("/lps/search_leaflets.json", q="gang", _shape="array")
    searched = server.json("/lps/sections_detail.json", _search="gang", _shape="array")
    assert {row["area"] for row in searched} == {row["area"] for row in rows}
    return {row["area"] for row in rows}


def file_count(warehouse: Path, table: str) -> int:
    with closing(sqlite3.connect(f"{warehouse.as_uri()}?mode=ro", uri=True)) as conn:
        count: int = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    return count


@needs_fixtures
@pytest.mark.usefixtures("prefect_api")
def test_an_ingest_while_serving_shows_on_the_next_page(tmp_path: Path) -> None:
    # Issue 12, item 4: served immutable, the counts stayed as they were, and after the ingest
    # a search answered HTTP 500 "database disk image is malformed".
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    new = ["camden", "croydon"]
    assert all("gang" in " ".join(s.text.lower() for s in golden(slug).sections)
               for slug in new)
    env = ingest_env(api_url=get_current_settings().api.url, prefect_home=tmp_path / "home")
    with serving(warehouse) as server:
        assert table_count(server, "documents") == 6
        assert gang_areas(server) == {"Hackney", "Lambeth"}
        served_checksum = f'<code class="lps-checksum">{checksum(warehouse)}</code>'
        assert served_checksum in server.get("/").text
        ingest = start_ingest([PDFS / "2009-10" / f"{slug}.pdf" for slug in new], warehouse,
                              env, tmp_path / "ingest.log")
        statuses: set[int] = set()
        counts: list[int] = []
        try:
            while ingest.poll() is None:  # pages while it writes: never an error
                statuses.add(server.get("/lps/search_leaflets.json", q="gang").status_code)
                statuses.add(server.get("/lps/sections_detail.json", _search="gang").status_code)
                response = server.get("/lps.json")
                statuses.add(response.status_code)
                counts += [t["count"] for t in response.json()["tables"]
                           if t["name"] == "documents"]
                time.sleep(0.05)
            assert ingest.wait() == 0, (tmp_path / "ingest.log").read_text()
        finally:
            kill_group(ingest)
        assert statuses == {200}
        assert counts == sorted(counts) and set(counts) <= {6, 7, 8}

        assert table_count(server, "documents") == file_count(warehouse, "documents") == 8
        assert server.json("/lps/documents.json", _size="0")["filtered_table_rows_count"] == 8
        assert gang_areas(server) == {"Camden", "Croydon", "Hackney", "Lambeth"}
        # What the site plugin reads once per change (the data checksum on the home page)
        # follows the ingest too.
        home = server.get("/").text
        assert served_checksum not in home
        assert f'<code class="lps-checksum">{checksum(warehouse)}</code>' in home
        stdout, stderr = finished(server)
    assert [word for word in (*ALARMING, "malformed") if word in stderr] == [], stderr
    assert stdout == f"Serving {warehouse} read-only at {server.url}/ (Ctrl-C to stop)\n"


def checksum(warehouse: Path) -> str:
    with closing(sqlite3.connect(f"{warehouse.as_uri()}?mode=ro", uri=True)) as conn:
        return warehouse_checksum(conn)


def _query(server: Server, sql: str) -> tuple[int, str, float]:
    started = time.monotonic()
    response = httpx.get(f"{server.url}/lps.json", params={"sql": sql}, timeout=120)
    return response.status_code, response.json()["error"], time.monotonic() - started


def test_queries_asking_for_gigabytes_are_refused_quickly(tmp_path: Path) -> None:
    # Issue 12, item 11: two of the first query at once drove the server to 8.45 GB.
    wide = ", ".join(f"hex(zeroblob(124999)) AS c{i}" for i in range(65))
    many = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 1000) "
            "SELECT hex(zeroblob(124999)) FROM n")
    escaped = many.replace("hex(zeroblob(124999))", "replace(hex(zeroblob(124999)), '0', char(1))")
    too_large = (f"query result too large: its rows take more than {RESULT_LIMIT_BYTES // 10**6}"
                 " MB as JSON, the most `lps serve` returns for one query; select fewer rows "
                 "(LIMIT), fewer columns or shorter values (substr)")
    expected = {
        "SELECT hex(zeroblob(490000000))": "string or blob too big",
        "SELECT zeroblob(490000000)": "string or blob too big",
        f"SELECT {wide}": "too many columns in result set",
        many: too_large,
        escaped: too_large,
    }
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    with serving(warehouse) as server, ThreadPoolExecutor(2) as pool:
        for sql, message in expected.items():
            answers = list(pool.map(lambda sql: _query(server, sql), [sql, sql]))  # at once
            assert [(status, error) for status, error, _ in answers] == [(400, message)] * 2
            assert max(seconds for _, _, seconds in answers) < 5, sql
        assert server.peak_rss_kb() < PEAK_LIMIT_KB
        # What is within the limits is still answered.
        rows = server.json("/lps.json", sql="SELECT length(hex(zeroblob(124999))) AS n",
                           _shape="array")
        assert rows == [{"n": 249998}]
        _, stderr = finished(server)
    assert "Traceback" not in stderr


def test_the_server_never_writes(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "lps.db")
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    with serving(warehouse) as server:
        refused = {
            "DELETE FROM documents": "Statement must be a SELECT",
            "WITH gone AS (SELECT 1) DELETE FROM documents": "attempt to write a readonly database",
            "SELECT 1; DELETE FROM documents": "You can only execute one statement at a time.",
            f"WITH t AS (SELECT 1) UPDATE documents SET area = 'x' WHERE document_id = "
            f"'{DOCUMENT_IDS['barnet-2009']}'": "attempt to write a readonly database",
        }
        for sql, message in refused.items():
            response = server.get("/lps.json", sql=sql)
            assert (response.status_code, response.json()["error"]) == (400, message), sql
        assert table_count(server, "documents") == 6
        finished(server)
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert file_count(warehouse, "documents") == 6


@contextmanager
def _folder_it_cannot_write() -> Iterator[tuple[Path, tuple[str, ...]]]:
    """A folder that the server cannot write to, and the prefix that runs it so: as `nobody`
    when the tests run as root (whom permissions do not stop), else as this user with the
    folder made read-only."""
    folder = Path(tempfile.mkdtemp(prefix="lps-ro-"))  # readable by others, unlike tmp_path
    try:
        if os.geteuid() == 0:
            folder.chmod(0o755)
            yield folder, ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
        else:
            yield folder, ()
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                    reason="needs setpriv to serve as another user")
def test_a_folder_it_cannot_write_is_served_immutable_and_says_so() -> None:
    with _folder_it_cannot_write() as (folder, prefix):
        warehouse = build_sample_warehouse(folder / "lps.db")
        warehouse.chmod(0o644)
        if not prefix:
            folder.chmod(0o555)
        assert sorted(p.name for p in folder.iterdir()) == ["lps.db"]  # no -shm to share
        with serving(warehouse, prefix) as server:
            assert table_count(server, "documents") == 6
            assert server.json("/-/databases.json")[0]["is_mutable"] is False
            stdout, _ = finished(server)
    assert stdout == (
        f"Serving {warehouse} read-only at {server.url}/ (Ctrl-C to stop)\n"
        f"{folder} is not writable: serving lps.db as it is now (immutable); restart after an "
        "ingest to see its changes\n"
    )


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                    reason="needs setpriv to serve as another user")
def test_a_folder_it_cannot_write_with_changes_in_the_wal_is_refused(tmp_path: Path) -> None:
    source = build_sample_warehouse(tmp_path / "lps.db")
    writer = sqlite3.connect(source)  # an ingest that has committed, not yet checkpointed
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("DELETE FROM review_items")
    writer.commit()
    with _folder_it_cannot_write() as (folder, prefix):
        for suffix in ("", "-wal"):  # copied as a backup of a running ingest would be
            shutil.copyfile(f"{source}{suffix}", folder / f"lps.db{suffix}")
            (folder / f"lps.db{suffix}").chmod(0o644)
        if not prefix:
            folder.chmod(0o555)
        warehouse = folder / "lps.db"
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "lps.cli", "serve", "--db", str(warehouse),
             "--port", str(free_port())],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            text=True, timeout=60, check=False,
        )
    writer.close()
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"Error: cannot serve: cannot read warehouse {warehouse} read-only: its write-ahead log "
        f"lps.db-wal holds changes not yet in the file, and this user may not create lps.db-shm "
        f"in {folder}, which SQLite needs to read them; ask someone who can write there to run "
        f"`sqlite3 {warehouse} 'PRAGMA wal_checkpoint(TRUNCATE)'`, or copy lps.db and lps.db-wal "
        "to a folder you can write\n"
    )
