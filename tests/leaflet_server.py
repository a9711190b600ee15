"""A leaflet web server on 127.0.0.1 for backfill tests, with failures on chosen paths.

Paths: `/pdf/<period>/<slug>.pdf` serves the fixture; `/missing/...` 404; `/flaky/...` 500 on the
first request for each path then the fixture; `/down/...` always 503; `/slow/...` sleeps longer
than the client waits; `/truncated/...` promises more bytes than it sends; `/html/...` serves a
web page; `/huge/...` streams more than the size cap without a Content-Length; `/hold/...`
serves the fixture after 0.1 s, so that requests overlap; `/busy/...` answers 429 with
`Retry-After: 1` the first time, then the fixture. Hostile answers: `/loop/...` redirects to
`/loop2/...`, which redirects back; `/to/...?TARGET` redirects to TARGET (any URL, percent-
decoded: `data:`, `file://`, another port, credentials); `/gzip/...` says `Content-Encoding:
gzip` over bytes that are not gzip; `/trickle/...` promises the fixture and sends it one byte
every 0.1 s (at most 100 bytes, then hangs up). `/mended/...` answers 404 until the test sets
`server.mended`, then the fixture (an archive that fixed its link).

The server counts requests per path (`requests`), notes when each began (`started`, monotonic
seconds) and the most it was ever serving at once (`max_in_flight`): what a polite client
promises is measured where it matters, at the server.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

PDFS = Path(__file__).resolve().parent.parent / "fixtures" / "pdfs"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, kind: str = "application/pdf",
              length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.requests[self.path] += 1
            self.server.started.append(time.monotonic())
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            self._answer()
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def _answer(self) -> None:
        mode, _, rest = self.path.split("?")[0].lstrip("/").partition("/")
        fixture = PDFS / rest
        data = fixture.read_bytes() if fixture.is_file() else b""
        if mode == "pdf" and data:
            self._send(200, data)
        elif mode == "flaky" and data:
            if self.server.requests[self.path] == 1:
                self._send(500, b"try later", "text/plain")
            else:
                self._send(200, data)
        elif mode == "hold" and data:
            time.sleep(0.1)
            self._send(200, data)
        elif mode == "busy" and data:
            if self.server.requests[self.path] == 1:
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(200, data)
        elif mode == "mended" and data:
            if self.server.mended:
                self._send(200, data)
            else:
                self._send(404, b"not found", "text/plain")
        elif mode == "down":
            self._send(503, b"down", "text/plain")
        elif mode == "slow":
            time.sleep(1.0)
            self._send(200, data)
        elif mode == "truncated" and data:
            self._send(200, data[: len(data) // 2], length=len(data))
            self.close_connection = True
        elif mode == "html":
            self._send(200, b"<!DOCTYPE html><html>Moved</html>", "text/html; charset=utf-8")
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"%PDF-1.4\n" + b"0" * 65536
            for _ in range(40):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif mode in ("loop", "loop2"):
            self._redirect(f"/{'loop2' if mode == 'loop' else 'loop'}/{rest}")
        elif mode == "to":
            self._redirect(unquote(self.path.partition("?")[2]))
        elif mode == "gzip" and data:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", "32")
            self.end_headers()
            self.wfile.write(b"%PDF-1.4 this is not gzip at all")
        elif mode == "trickle" and data:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for byte in data[:100]:  # bounded: 10 s at most, then the connection is closed
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            self.close_connection = True
        else:
            self._send(404, b"not found", "text/plain")

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: Counter[str] = Counter()
        self.started: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.mended = False
        self.lock = threading.Lock()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (the timeout tests) is expected

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def leaflet_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
