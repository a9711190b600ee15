"""Datasette plugin: a CSV download that fails says why, with the status its JSON would have.

Datasette 0.65 writes a query's CSV itself, and its failures did not read as failures (issue
20, item 10): invalid SQL, or a result over `lps serve`'s size cap (`lps.serve_limits`), came
back as HTTP 200 with an empty body (a CSV header with no columns); a query over the time limit
as HTTP 500 with an HTML page and a traceback in the server's log. A researcher's script saw an
empty file, or a crash. Now:

- over the time limit: 400, with a message saying so and what to do (`lps.serve_errors`,
  which answers the exception Datasette's CSV leaves uncaught);
- any other failure of the query (invalid SQL, too large a result, a bad filter on a table):
  400, with the error the JSON of the same request gives (asked of Datasette only when the CSV
  has no columns, which no query that ran can give, or when Datasette answered with an HTML
  error page).

The answer is plain text, `error: <message>`. A CSV that starts with columns is passed on as it
comes. Loaded by `lps serve` from this folder.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pluggy import HookimplMarker

from lps.serve_errors import TIME_LIMIT, is_csv_request

__all__ = ["asgi_wrapper", "hookimpl", "json_path"]

hookimpl = HookimplMarker("datasette")

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

_TAGS = re.compile(r"<[^>]+>")


def json_path(scope: Scope) -> str:
    """The path and query of the same request as JSON (no streaming, no download)."""
    path = str(scope.get("path", ""))
    pairs = [(key, value) for key, value in parse_qsl(
        scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if key not in ("_stream", "_dl", "_format", "_size")]
    if path.endswith(".csv"):
        path = path.removesuffix(".csv") + ".json"
    else:
        pairs.append(("_format", "json"))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def _seconds(datasette: Any) -> float:
    return float(datasette.setting("sql_time_limit_ms") or 1000) / 1000


def _text(message: str, seconds: float) -> str:
    """An error as one line of plain text (Datasette's messages may hold HTML)."""
    if "took too long" in message:
        return TIME_LIMIT.format(seconds=seconds)
    return " ".join(_TAGS.sub(" ", message).split())


async def _error_of(datasette: Any, scope: Scope) -> tuple[int, str] | None:
    """The status and error the JSON of this request gives, or None when it has none."""
    response = await datasette.client.get(json_path(scope))
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not error and response.status_code < 400:
        return None
    status = response.status_code if response.status_code >= 400 else 400
    return status, _text(str(error or response.reason_phrase), _seconds(datasette))


async def _send_error(send: Send, status: int, message: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": f"error: {message}\n".encode()})


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[App], App]:
    """Wrap Datasette so that a CSV whose query failed is answered as a failure."""

    def wrap(app: App) -> App:
        async def checked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope.get("type") != "http" or not is_csv_request(scope):
                await app(scope, receive, send)
                return
            held: Message | None = None
            state = "deciding"  # then "passing" the CSV on, or "answered" with an error

            async def checked_send(message: Message) -> None:
                nonlocal held, state
                if state == "passing":
                    await send(message)
                    return
                if state == "answered":
                    return  # the rest of the empty CSV, after the error was sent
                if message["type"] == "http.response.start":
                    held = message
                    return
                assert held is not None
                body = message.get("body", b"")
                ended = not message.get("more_body", False)
                if not body and not ended:
                    return  # an empty write (Datasette's postamble): nothing to decide on yet
                failed = held["status"] >= 400  # an HTML error page, for a CSV
                empty = held["status"] == 200 and (body.startswith(b"\r\n") or not body)
                if failed or empty:
                    found = await _error_of(datasette, scope)  # no columns: did it fail?
                    if found is not None:
                        state = "answered"
                        await _send_error(send, *found)
                        return
                state = "passing"
                await send(held)
                await send(message)

            await app(scope, receive, checked_send)

        return checked

    return wrap
