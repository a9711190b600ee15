"""Datasette plugin: CSV downloads never carry a cell a spreadsheet would run as a formula.

Datasette writes its CSV (`/lps/fetches.csv`, `/lps.csv?sql=...`, `?_stream=on`) itself, with
no hook per cell, so this ASGI wrapper rewrites the CSV as it streams out: each complete record
is parsed, every cell passed through `release.formulas.neutralise_formula` (the rule `lps export`
uses: `=HYPERLINK(...)` becomes `'=HYPERLINK(...)`, a plain number such as `-12.5` stays as it
is), and written back in Datasette's own dialect. A record with nothing to change is passed on
byte for byte. Other responses (HTML, JSON, an error page for a `.csv` path) are untouched.

Loaded by `lps serve` from this folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pluggy import HookimplMarker

from lps.serve_errors import is_csv_request
from release.formulas import FORMULA_STARTS, neutralise_formula

__all__ = ["CsvFormulaGuard", "asgi_wrapper", "hookimpl"]

#: Datasette's own marker (`datasette.hookimpl` is this object), without importing Datasette here.
hookimpl = HookimplMarker("datasette")

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_TRIGGERS = tuple(start.encode() for start in FORMULA_STARTS)


class CsvFormulaGuard:
    """Rewrites a CSV body fed in chunks: only whole records are rewritten (a record ends at a
    newline outside quotes, so a quoted cell holding a newline stays one record)."""

    def __init__(self) -> None:
        self._pending = b""  # the start of a record not yet complete

    def feed(self, chunk: bytes, *, last: bool) -> bytes:
        """The rewritten records `chunk` completes (and all that is left, when `last`)."""
        self._pending += chunk
        out, start, position, in_quotes = [], 0, 0, False
        while (newline := self._pending.find(b"\n", position)) >= 0:
            in_quotes ^= self._pending.count(b'"', position, newline) % 2 == 1
            position = newline + 1
            if not in_quotes:
                out.append(_rewrite(self._pending[start:position]))
                start = position
        self._pending = self._pending[start:]
        if last and self._pending:
            out.append(_rewrite(self._pending))
            self._pending = b""
        return b"".join(out)


def _rewrite(record: bytes) -> bytes:
    """One CSV record with its formula-like cells neutralised, or unchanged."""
    if not any(trigger in record for trigger in _TRIGGERS):
        return record  # no cell can start with a trigger: the common case, left as sent
    text = record.decode("utf-8", "surrogateescape")
    ending = "\r\n" if text.endswith("\r\n") else "\n" if text.endswith("\n") else ""
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != 1:
        return record  # not one record after all: leave Datasette's bytes alone
    cells = [neutralise_formula(cell) for cell in rows[0]]
    if cells == rows[0]:
        return record
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=ending).writerow(cells)
    return buffer.getvalue().encode("utf-8", "surrogateescape")


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    """Wrap Datasette so that every CSV it sends goes through `CsvFormulaGuard`."""

    def wrap(app: App) -> App:
        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http" or not is_csv_request(scope):
                await app(scope, receive, send)
                return
            guard: CsvFormulaGuard | None = None

            async def guarded_send(message: Message) -> None:
                nonlocal guard
                if message["type"] == "http.response.start":
                    kind = next((value for key, value in message.get("headers", [])
                                 if key.lower() == b"content-type"), b"")
                    if kind.startswith((b"text/csv", b"text/plain")):
                        guard = CsvFormulaGuard()
                        message = {**message, "headers": [
                            (key, value) for key, value in message.get("headers", [])
                            if key.lower() != b"content-length"]}  # the length may change
                elif message["type"] == "http.response.body" and guard is not None:
                    more = bool(message.get("more_body", False))
                    message = {**message, "body": guard.feed(message.get("body", b""),
                                                             last=not more)}
                await send(message)

            await app(scope, receive, guarded_send)

        return guarded

    return wrap
