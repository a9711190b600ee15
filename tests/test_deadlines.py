"""One deadline covers connecting, the headers and the body of a download, and SIGTERM ends a
backfill within 10 s (issue 20, item 7).

Before: `--deadline` was checked only between the chunks of the body; a server trickling its
response *headers* a byte at a time (each byte well within the per-read timeout) held `lps
backfill` for hours, and SIGTERM did not end it (the pool of downloads waited for its threads).
A real server on loopback that does exactly that; `lps backfill` as a real process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.fetch import FetchPolicy, fetch_url, open_client


class TricklingHeaders:
    """A server on 127.0.0.1 that answers every request with a status line, then one byte of
    an endless header every 0.2 s, for up to `seconds`."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._done.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        ends = time.monotonic() + self.seconds
        try:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while time.monotonic() < ends and not self._done.is_set():
                connection.sendall(b"a")
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            connection.close()

    def close(self) -> None:
        self._done.set()
        self.listener.close()


@pytest.fixture
def trickling() -> Iterator[TricklingHeaders]:
    server = TricklingHeaders()
    yield server
    server.close()


def test_the_deadline_covers_the_headers(trickling: TricklingHeaders, tmp_path: Path) -> None:
    policy = FetchPolicy(max_bytes=10_000_000, timeout=5.0, deadline=1.0, retries=0)
    started = time.monotonic()
    with open_client(policy) as client:
        result = fetch_url(client, f"http://127.0.0.1:{trickling.port}/barnet.pdf", tmp_path,
                           policy)
    assert time.monotonic() - started < 3.0  # not the server's 60 s of trickling
    assert result.reason == ("too slow: 0 bytes received when the 1 s deadline of one download "
                             "ran out (--deadline) (after 1 attempts)")
    assert result.transient


def test_sigterm_ends_a_backfill_within_10_s(trickling: TricklingHeaders,
                                             tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(f"url,area,period\nhttp://127.0.0.1:{trickling.port}/barnet.pdf,,\n",
                        encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "lps.cli", "backfill", str(manifest), "--db",
         str(tmp_path / "lps.db"), "--raw", str(tmp_path / "raw"), "--deadline", "600",
         "--timeout", "30"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        waited = time.monotonic() + 180
        while trickling.connections == 0:  # Prefect starts, then the download begins
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < waited, "the backfill never asked the server"
            time.sleep(0.2)
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        process.wait(timeout=30)
        assert time.monotonic() - sent < 10.0
        assert process.returncode != 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
