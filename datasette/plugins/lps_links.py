"""Datasette plugin: every figure one click from its leaflet.

- `document_id` links to the leaflet's row in `documents` wherever Datasette does not link it
  itself (views, query results, row pages); on the leaflet's own row it opens the PDF.
- `source_page` and `page` open the PDF `lps serve` serves for the row's document at that page
  (`/-/leaflets/<document_id>.pdf#page=N`); a URL source keeps a link to the original too.
- A local `source` (a path) opens the served PDF; a URL is left to Datasette, which links it.

Loaded by `lps serve` from this folder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape
from pluggy import HookimplMarker

__all__ = ["hookimpl", "leaflet_url", "render_cell"]

#: Datasette's own marker (`datasette.hookimpl` is this object), without importing Datasette here.
hookimpl = HookimplMarker("datasette")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def leaflet_url(datasette: Any, document_id: str, page: object = None) -> str:
    """Where `lps serve` serves the document's PDF, at `page` when given."""
    url: str = datasette.urls.path(f"/-/leaflets/{document_id}.pdf")
    return f"{url}#page={page}" if page not in (None, "") else url


def _document_id(row: Any) -> str | None:
    try:
        value = row["document_id"]
    except (IndexError, KeyError, TypeError):
        return None
    if isinstance(value, Mapping):  # a foreign key Datasette expanded to its label
        value = value.get("value")
    return value if isinstance(value, str) and _SHA256.match(value) else None


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _link(href: str, text: str, title: str | None = None) -> Markup:
    titled = f' title="{escape(title)}"' if title else ""
    return Markup(f'<a href="{escape(href)}"{titled}>{escape(text)}</a>')


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    if column == "document_id":
        if not isinstance(value, str) or not _SHA256.match(value):
            return None  # an expanded foreign key: Datasette links it with its label
        if table == "documents":
            return _link(leaflet_url(datasette, value), f"PDF {value[:8]}…",
                         "open the leaflet's PDF")
        return _link(datasette.urls.row(database, "documents", value), f"{value[:12]}…", value)
    if column not in ("source_page", "page", "source") or value in (None, ""):
        return None
    document_id = _document_id(row)
    if document_id is None:
        return None
    if column == "page":
        return _link(leaflet_url(datasette, document_id, value), str(value),
                     f"open the PDF at page {value}")
    text = str(value)
    if column == "source":
        return None if _is_url(text) else _link(leaflet_url(datasette, document_id), text,
                                                "open the PDF")
    page = text.rsplit("#page=", 1)[1] if "#page=" in text else None
    served = _link(leaflet_url(datasette, document_id, page), text.rsplit("/", 1)[-1],
                   f"open the PDF at page {page}")
    if _is_url(text):
        return Markup(f"{served} ({_link(text, 'original')})")
    return served
