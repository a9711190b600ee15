"""Datasette plugin: the JSON API page, and the canned queries' hints in their JSON too.

- `/-/api` documents the JSON endpoints a researcher may script against (tables and views,
  canned queries, page images, PDFs), with working examples against this warehouse.
- A canned query asked for as JSON with a measure, period or area that is not valid gets the
  same hints as its HTML page: in the object (`"lps_hints": [...]`), and, since an array shape
  (`_shape=array`) has no room for them, in the `X-LPS-Hints` header (JSON) as well. Nothing
  else in the response changes, so a script that ignores them reads what it read before.

Loaded by `lps serve` from this folder; the hints come from `lps.query_help`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from pluggy import HookimplMarker

from lps.query_help import Choices, hints_for

__all__ = ["asgi_wrapper", "hookimpl", "register_routes"]

hookimpl = HookimplMarker("datasette")

DATABASE = "lps"
_CANNED_JSON = re.compile(r"^/lps/(?P<name>[a-z_]+)\.json$")
_CHECKED = ("measure", "period", "area")


async def _choices(datasette: Any, name: str) -> Choices:
    def read(conn: Any) -> Choices:
        measures = [(row[0], row[1]) for row in conn.execute(
            "SELECT measure, name FROM measures WHERE measure IN "
            "(SELECT measure FROM performance UNION SELECT measure FROM priorities) "
            "ORDER BY rowid")]
        source = ("SELECT DISTINCT period FROM priorities_detail ORDER BY period"
                  if name == "targets_set" else
                  "SELECT DISTINCT period FROM documents WHERE status = 'loaded' AND period "
                  "IS NOT NULL ORDER BY period")
        periods = [row[0] for row in conn.execute(source)]
        areas = [row[0] for row in conn.execute("SELECT area FROM areas ORDER BY area")]
        return Choices(measures, periods, areas)

    result: Choices = await datasette.get_database(DATABASE).execute_fn(read)
    return result


async def _hints(datasette: Any, path: str, query_string: bytes) -> list[str]:
    match = _CANNED_JSON.match(path)
    if not match:
        return []
    args = {key: values[-1] for key, values in parse_qs(query_string.decode("latin-1")).items()}
    given = {key: args[key] for key in _CHECKED if args.get(key, "").strip()}
    if not given:
        return []
    name = match.group("name")
    query = await datasette.get_canned_query(DATABASE, name, None)
    if not query:
        return []
    params = set(query.get("params") or [])
    return hints_for({k: v for k, v in given.items() if k in params},
                     await _choices(datasette, name))


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def with_hints(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") != "http" or scope.get("method") != "GET":
                await app(scope, receive, send)
                return
            hints = await _hints(datasette, scope.get("path", ""), scope.get("query_string", b""))
            if not hints:
                await app(scope, receive, send)
                return
            start: dict[str, Any] = {}
            body = bytearray()

            async def buffered(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    return
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                await send(_with_hints(start, bytes(body), hints))
                await send({"type": "http.response.body", "body": _body_with_hints(
                    bytes(body), hints)})

            await app(scope, receive, buffered)

        return with_hints

    return wrap


def _body_with_hints(body: bytes, hints: list[str]) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict):
        data["lps_hints"] = hints
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    return body


def _with_hints(start: dict[str, Any], body: bytes, hints: list[str]) -> dict[str, Any]:
    new_body = _body_with_hints(body, hints)
    headers = [(k, v) for k, v in start.get("headers", [])
               if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(new_body)).encode()))
    headers.append((b"x-lps-hints", json.dumps(hints).encode("ascii")))
    return {**start, "headers": headers}


async def _api_page(request: Any, datasette: Any) -> Any:
    from datasette.utils.asgi import Response

    def read(conn: Any) -> dict[str, Any]:
        views = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]
        example = conn.execute(
            "SELECT document_id, row_number, page FROM performance_detail "
            "ORDER BY period DESC, area LIMIT 1").fetchone()
        return {"views": views, "example": example}

    found = await datasette.get_database(DATABASE).execute_fn(read)
    queries = (datasette.metadata("queries", database=DATABASE) or {})
    html = await datasette.render_template(
        "api.html", {"views": found["views"], "example": found["example"],
                     "queries": queries}, request=request)
    return Response.html(html)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/api$", _api_page)]
