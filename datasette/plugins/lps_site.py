"""Datasette plugin: the leaflets' PDFs, the codebook, query help, the release and the footer.

- `/-/leaflets/<document_id>.pdf` serves a document's PDF, read-only, found by
  `lps.leaflet_files.locate_leaflet` (raw store, then its sources under the roots `lps serve`
  was given); only bytes whose sha256 is the document id are ever served.
- Every page gets `lps` in its template context (`extra_template_vars`): the licence and source
  for the footer (query and dashboard pages too), the latest release and whether this warehouse
  still holds its data, the codebook, the valid values of canned-query parameters and hints
  about values that are not valid. The templates in `datasette/templates` use them.

Configured by `lps serve` through the plugin config `lps-site` (`raw`, `roots`). Loaded from
this folder; the logic lives in `lps/` where it is tested without a server.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any, NamedTuple

from pluggy import HookimplMarker

from lps.leaflet_files import content_disposition, locate_leaflet
from lps.page_images import default_cache_dir, page_png
from lps.query_help import Choices, codebook_for, hints_for, optional_params
from lps.serve_limits import rows_not_kept
from release.checksum import warehouse_checksum
from release.releases import latest_release

__all__ = ["extra_template_vars", "hookimpl", "register_routes"]

hookimpl = HookimplMarker("datasette")

PLUGIN = "lps-site"
DATABASE = "lps"


class _Site(NamedTuple):
    """What `_read_site` read on one connection, when SQLite's `data_version` was `version`."""

    conn: sqlite3.Connection
    version: int
    site: dict[str, Any]


#: Per server, per SQL thread (Datasette gives each thread one connection): the site as last
#: read. An ingest may commit while the warehouse is served; `PRAGMA data_version` changes on a
#: connection when another one has committed, so the site is read again only then.
_SITES: weakref.WeakKeyDictionary[Any, dict[int, _Site]] = weakref.WeakKeyDictionary()


def _config(datasette: Any) -> tuple[Path | None, list[Path]]:
    config = datasette.plugin_config(PLUGIN) or {}
    raw = Path(config["raw"]) if config.get("raw") else None
    return raw, [Path(root) for root in config.get("roots", [])]


def _read_site(conn: Any) -> dict[str, Any]:
    """Everything the pages need from the warehouse, read in one go (one read transaction, so
    all from the same commit)."""
    conn.execute("BEGIN")
    try:
        with rows_not_kept(conn):
            return _read_site_now(conn)
    finally:
        conn.execute("COMMIT")


def _read_site_now(conn: Any) -> dict[str, Any]:
    codebook_columns = [row[1] for row in conn.execute("PRAGMA table_info(measures)")]
    codebook = [dict(zip(codebook_columns, row, strict=True))
                for row in conn.execute("SELECT * FROM measures ORDER BY rowid")]
    measures = [(row[0], row[1]) for row in conn.execute(
        "SELECT measure, name FROM measures WHERE measure IN "
        "(SELECT measure FROM performance UNION SELECT measure FROM priorities) ORDER BY rowid")]
    periods = [row[0] for row in conn.execute(
        "SELECT DISTINCT period FROM documents WHERE status = 'loaded' AND period IS NOT NULL "
        "ORDER BY period")]
    target_periods = [row[0] for row in conn.execute(
        "SELECT DISTINCT period FROM priorities_detail ORDER BY period")]
    areas = [row[0] for row in conn.execute("SELECT area FROM areas ORDER BY area")]
    return {
        "origin": _origin(conn),
        "codebook": codebook,
        "choices": Choices(measures, periods, areas),
        "target_choices": Choices(measures, target_periods, areas),
        "release": latest_release(conn),
        "checksum": warehouse_checksum(conn),
    }


def _origin(conn: Any) -> dict[str, Any]:
    """What is real and what is synthetic in this warehouse, for the banner, footer and
    licence: documents the fixture generators made, real texts, editions modelled without a
    real copy that the warehouse holds leaflets of."""
    documents, synthetic, unknown = conn.execute(
        "SELECT count(*), coalesce(sum(synthetic = 1), 0), coalesce(sum(synthetic IS NULL), 0) "
        "FROM documents").fetchone()
    real_texts = [row[0] + " " + row[1] for row in conn.execute(
        "SELECT r.area, r.period FROM real_texts AS r WHERE EXISTS (SELECT 1 FROM documents "
        "AS d WHERE d.area_code = r.area_code AND d.period = r.period AND d.status = 'loaded' "
        "AND d.template = r.template) ORDER BY r.period, r.area")]
    modelled = [f"{row[0]} ({row[1]})" for row in conn.execute(
        "SELECT e.template, e.periods FROM editions AS e WHERE e.real_copy = 0 AND EXISTS "
        "(SELECT 1 FROM documents AS d WHERE d.template = e.template) ORDER BY e.template")]
    return {"documents": documents, "synthetic": synthetic, "unknown": unknown,
            "real_texts": real_texts, "modelled": modelled}


async def _site(datasette: Any) -> dict[str, Any]:
    sites = _SITES.setdefault(datasette, {})

    def current(conn: sqlite3.Connection) -> dict[str, Any]:
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        known = sites.get(threading.get_ident())
        if known is None or known.conn is not conn or known.version != version:
            known = _Site(conn, version, _read_site(conn))
            sites[threading.get_ident()] = known
        return known.site

    result: dict[str, Any] = await datasette.get_database(DATABASE).execute_fn(current)
    return result


async def _query_help(datasette: Any, request: Any, site: dict[str, Any]) -> dict[str, Any]:
    name = (request.url_vars or {}).get("table") if request is not None else None
    query = None
    if name:
        query = await datasette.get_canned_query(DATABASE, name, request.actor)
    if not query:
        return {"param_choices": {}, "optional_params": frozenset(), "hints": []}
    choices: Choices = site["target_choices"] if name == "targets_set" else site["choices"]
    params = query.get("params") or []
    return {
        "param_choices": {param: choices.for_param(param) for param in params},
        "optional_params": optional_params(query.get("sql", "")),
        "hints": hints_for({p: request.args.get(p, "") for p in params}, choices),
    }


@hookimpl
def extra_template_vars(template: str, request: Any, datasette: Any) -> Any:
    async def inner() -> dict[str, Any]:
        site = await _site(datasette)
        root = datasette.metadata() or {}
        release = site["release"]
        found: dict[str, Any] = {
            "origin": site["origin"],
            "licence": root.get("license"),
            "licence_url": root.get("license_url"),
            "source": root.get("source"),
            "release": release,
            "release_matches": release is not None
            and release.warehouse_sha256 == site["checksum"],
            "checksum": site["checksum"],
            "codebook": site["codebook"],
            "codebook_for": lambda rows, columns, params: codebook_for(
                site["codebook"], rows, columns, params or {}),
            "codebook_for_cells": lambda display_rows: codebook_for(
                site["codebook"],
                [{"measure": cell["raw"]} for row in display_rows for cell in row
                 if cell["column"] == "measure"],
                ["measure"], {}),
            "param_choices": {}, "optional_params": frozenset(), "hints": [],
        }
        if template.startswith("query"):
            found.update(await _query_help(datasette, request, site))
        if template.startswith("row") and request is not None:
            found["figure"] = await row_figure(datasette, request)
        return {"lps": found}

    return inner


async def _serve_leaflet(request: Any, datasette: Any) -> Any:
    from datasette.utils.asgi import Response

    if request.method not in ("GET", "HEAD"):
        return Response.text("The leaflets are read-only.", status=405,
                             headers={"Allow": "GET, HEAD"})
    document_id = request.url_vars["document_id"]
    raw, roots = _config(datasette)
    database = datasette.get_database(DATABASE)
    located = await database.execute_fn(
        lambda conn: locate_leaflet(conn, document_id, raw, roots))
    if located.path is None or located.data is None:
        html = await datasette.render_template(
            "leaflet_missing.html", {"located": located, "raw": raw, "roots": roots},
            request=request)
        return Response.html(html, status=404)
    body = b"" if request.method == "HEAD" else located.data
    headers = {
        "Content-Disposition": content_disposition(located.name),
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(located.data))
    return Response(body, status=200, headers=headers, content_type="application/pdf")


#: Tables whose rows are figures with cells in `figure_cells`.
_FIGURE_TABLES = ("performance", "priorities", "force_results", "ward_priorities")


async def row_figure(datasette: Any, request: Any) -> dict[str, Any] | None:
    """For a figure table's row page: its cells, the URL of its page image with them
    outlined, and for a performance row the leaflet that set its previous-year target."""
    table = (request.url_vars or {}).get("table")
    pks = (request.url_vars or {}).get("pks", "")
    if table not in _FIGURE_TABLES or "," not in pks:
        return None
    document_id, _, row_number = pks.partition(",")
    if not row_number.isdigit():
        return None

    def read(conn: sqlite3.Connection) -> dict[str, Any] | None:
        cells = [dict(zip(("field", "page", "x0", "top", "x1", "bottom", "text", "sign_source",
                           "read_by", "confidence"), row, strict=True))
                 for row in conn.execute(
                     "SELECT field, page, x0, top, x1, bottom, text, sign_source, read_by, "
                     "confidence FROM figure_cells WHERE document_id = ? AND table_name = ? "
                     "AND row_number = ? ORDER BY x0", [document_id, table, int(row_number)])]
        target = None
        if table == "performance":
            target = conn.execute(
                "SELECT previous_year_target_change_pct, previous_year_target_document_id, "
                "previous_year_target_page, previous_year_target_modelled, target_judged_by, "
                "mark_agrees_with_target FROM performance_detail "
                "WHERE document_id = ? AND row_number = ?",
                [document_id, int(row_number)]).fetchone()
        return {"cells": cells, "target": target}

    found = await datasette.get_database(DATABASE).execute_fn(read)
    if found is None or (not found["cells"] and found["target"] is None):
        return found
    pages = sorted({cell["page"] for cell in found["cells"]})
    found["images"] = [
        datasette.urls.path(f"/-/pages/{document_id}/{page}.png?table={table}&row={row_number}")
        for page in pages]
    found["document_id"] = document_id
    return found


async def _serve_page(request: Any, datasette: Any) -> Any:
    """A page of a leaflet as PNG; with `?table=&row=`, that row's figures outlined."""
    from datasette.utils.asgi import Response

    document_id = request.url_vars["document_id"]
    page = int(request.url_vars["page"])
    table = request.args.get("table", "")
    row = request.args.get("row", "")
    raw, roots = _config(datasette)
    database = datasette.get_database(DATABASE)

    def locate(conn: sqlite3.Connection) -> tuple[Any, list[tuple[float, float, float, float]]]:
        located = locate_leaflet(conn, document_id, raw, roots)
        boxes: list[tuple[float, float, float, float]] = []
        if table in _FIGURE_TABLES and row.isdigit():
            boxes = [tuple(r) for r in conn.execute(  # type: ignore[misc]
                "SELECT x0, top, x1, bottom FROM figure_cells WHERE document_id = ? AND "
                "table_name = ? AND row_number = ? AND page = ?",
                [document_id, table, int(row), page])]
        return located, boxes

    located, boxes = await database.execute_fn(locate)
    if located.path is None or located.data is None:
        return Response.text(f"The PDF of document {document_id} is not on this machine.",
                             status=404)
    from pipeline.guarded_call import CallFailed, GuardStopped, call_guarded
    from pipeline.settings import Settings

    # Rendering parses the PDF: in a child with the guard's limits, as every parse is, so a
    # quarantined bomb costs that child, never the server (issue 20, item 9).
    work = (located.data, document_id, page, boxes, _cache_dir(datasette))
    try:
        body = await asyncio.get_running_loop().run_in_executor(
            None, call_guarded, page_png, work, Settings.from_env())
    except CallFailed as error:
        status = 404 if error.kind == "PageNotFound" else 422
        return Response.text(f"page {page} of document {document_id}: {error}", status=status)
    except GuardStopped as error:
        return Response.text(f"page {page} of document {document_id} could not be drawn: {error}",
                             status=503)
    return Response(body, status=200, content_type="image/png",
                    headers={"Cache-Control": "public, max-age=86400",
                             "X-Content-Type-Options": "nosniff"})


def _cache_dir(datasette: Any) -> Path | None:
    config = datasette.plugin_config(PLUGIN) or {}
    return Path(config["page_cache"]) if config.get("page_cache") else default_cache_dir()


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/leaflets/(?P<document_id>[0-9a-f]{64})\.pdf$", _serve_leaflet),
        (r"^/-/pages/(?P<document_id>[0-9a-f]{64})/(?P<page>[1-9][0-9]{0,3})\.png$",
         _serve_page),
    ]
