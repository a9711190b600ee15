"""Datasette plugin: make every `document_id` a link to its leaflet's row in `documents`.

Datasette links foreign keys only on table pages. Views and canned queries (where researchers
spend their time) would show a bare 64-character hash; linking it keeps every figure one click
from the leaflet's source file and its other rows. Loaded by `lps serve` from this folder.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from pluggy import HookimplMarker

from warehouse.migrations import CHILD_TABLES

__all__ = ["hookimpl", "render_cell"]

#: Datasette's own marker (`datasette.hookimpl` is this object), without importing Datasette here.
hookimpl = HookimplMarker("datasette")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")

#: Tables with a declared foreign key to `documents`: Datasette links their ids itself.
_LINKED_BY_DATASETTE = frozenset((*CHILD_TABLES, "document_sources", "documents"))


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """A link to `documents/<id>` for a document id outside the tables that link it already."""
    if column != "document_id" or table in _LINKED_BY_DATASETTE:
        return None
    if not isinstance(value, str) or not _SHA256.match(value):
        return None
    url = datasette.urls.row(database, "documents", value)
    return Markup(f'<a href="{escape(url)}">{escape(value[:12])}…</a>')
