"""What a release holds: each resource's rows (SQL), fields, types, keys and descriptions.

Descriptions come from `datasette/metadata.yaml`, the one place columns are described, so the
Data Package says what `lps serve` says. Every borough row carries its ONS `area_code`: the base
tables that hold an `area` get it from their document.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from warehouse.m009_research2 import VIEW_COLUMN_TYPES

__all__ = [
    "RESOURCES",
    "Field",
    "ResourceSpec",
    "describe",
    "fields_of",
    "metadata_tables",
]

METADATA = Path(__file__).resolve().parent.parent / "datasette" / "metadata.yaml"

#: Types of view columns SQLite cannot tell (computed expressions), as Table Schema types.
_COMPUTED_TYPES = {
    "priority_target_change_pct": "number",
    "target_change_pct": "number",
    "targets_disagree": "integer",
    "target_documented": "integer",
    "target_missed": "integer",
    "source_page": "string",
    "status": "string",
    "loaded_documents": "integer",
    "quarantined_documents": "integer",
    "conflicted_documents": "integer",
    "document_id": "string",
    "read_by": "string",
}
_COMPUTED_TYPES.update(VIEW_COLUMN_TYPES)
_SQLITE_TYPES = {"TEXT": "string", "INTEGER": "integer", "REAL": "number"}
_DATETIMES = frozenset({"ingested_at", "first_seen_at", "released_at"})
_FLAGS = frozenset({
    "target_achieved", "needs_review", "targets_disagree", "target_documented", "target_missed",
    "synthetic", "edition_real_copy", "previous_year_target_modelled",
    "target_met_by_arithmetic", "mark_agrees_with_target", "real_copy",
})
#: NOT NULL columns that may hold '' (a blank mark cell's text), which CSV cannot tell from NULL.
_MAY_BE_EMPTY = frozenset({("figure_cells", "text")})
_PATTERNS = {
    "period": r"^\d{4}/\d{2}$",
    "leaflet_period": r"^\d{4}/\d{2}$",
    "area_code": r"^E09\d{6}$",
    "document_id": r"^[0-9a-f]{64}$",
}


@dataclass(frozen=True)
class ResourceSpec:
    """One CSV (and Parquet file) of the release."""

    name: str
    source: str  # the table or view it is read from (and described by)
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, resource, its field)
    with_area_code: bool = False  # add the document's ONS code after `area`
    where: str = ""


@dataclass(frozen=True)
class Field:
    """One column of a resource, as Table Schema describes it."""

    name: str
    type: str
    description: str
    required: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)

    def descriptor(self) -> dict[str, Any]:
        constraints = dict(self.constraints)
        if self.required:
            constraints["required"] = True
        found: dict[str, Any] = {"name": self.name, "type": self.type,
                                 "description": self.description}
        if constraints:
            found["constraints"] = constraints
        return found


_TO_DOCUMENTS = ("document_id", "documents", "document_id")
_TO_AREAS = ("area_code", "areas", "area_code")
_TO_MEASURES = ("measure", "measures", "measure")

#: The release's resources, in the order a reader would open them.
RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec("measures", "measures", ("measure",)),
    ResourceSpec("areas", "areas", ("area_code",)),
    ResourceSpec("documents", "documents", ("document_id",)),
    ResourceSpec("document_sources", "document_sources", ("document_id", "source"),
                 (_TO_DOCUMENTS,)),
    ResourceSpec("performance_detail", "performance_detail", ("document_id", "row_number"),
                 (_TO_DOCUMENTS, _TO_AREAS, _TO_MEASURES)),
    ResourceSpec("performance", "performance", ("document_id", "row_number"),
                 (_TO_DOCUMENTS, _TO_AREAS, _TO_MEASURES), with_area_code=True),
    ResourceSpec("priorities", "priorities", ("document_id", "row_number"),
                 (_TO_DOCUMENTS, _TO_AREAS, _TO_MEASURES), with_area_code=True),
    ResourceSpec("ward_priorities", "ward_priorities", ("document_id", "row_number"),
                 (_TO_DOCUMENTS, _TO_AREAS), with_area_code=True),
    ResourceSpec("force_results", "force_results", ("document_id", "row_number"),
                 (_TO_DOCUMENTS, _TO_MEASURES)),
    ResourceSpec("sections", "sections", ("document_id", "row_number"), (_TO_DOCUMENTS,)),
    ResourceSpec("review_items", "review_items", ("document_id", "row_number"),
                 (_TO_DOCUMENTS,)),
    ResourceSpec("coverage", "coverage", ("area_code", "period"), (_TO_AREAS,)),
    ResourceSpec("figure_cells", "figure_cells",
                 ("document_id", "table_name", "row_number", "field"), (_TO_DOCUMENTS,)),
    ResourceSpec("editions", "editions", ("template",)),
    ResourceSpec("real_texts", "real_texts", ("area_code", "period", "template")),
    ResourceSpec("codebook_notes", "codebook_notes", ("topic",)),
)


@cache
def metadata_tables() -> dict[str, Any]:
    """The table descriptions of `datasette/metadata.yaml` (database `lps`)."""
    parsed = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    tables: dict[str, Any] = parsed["databases"]["lps"]["tables"]
    return tables


def describe(table: str, column: str) -> str:
    """The description of `column` in `table`, else of the same column in any other table."""
    tables = metadata_tables()
    own = tables.get(table, {}).get("columns", {})
    if column in own:
        return str(own[column])
    for other in tables.values():
        if column in other.get("columns", {}):
            return str(other["columns"][column])
    raise KeyError(f"no description of {table}.{column} in {METADATA.name}")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def select_sql(conn: sqlite3.Connection, spec: ResourceSpec) -> tuple[list[str], str]:
    """The resource's column names and the SELECT that reads its rows in key order."""
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{spec.source}])")]
    selected = [f"t.[{c}]" for c in columns]
    join = ""
    if spec.with_area_code:
        at = columns.index("area") + 1
        columns.insert(at, "area_code")
        selected.insert(at, "d.area_code")
        join = " JOIN documents AS d ON d.document_id = t.document_id"
    order = ", ".join(f"t.[{c}]" for c in spec.primary_key)
    sql = f"SELECT {', '.join(selected)} FROM [{spec.source}] AS t{join} ORDER BY {order}"
    return columns, sql


def _sqlite_types(conn: sqlite3.Connection, source: str) -> dict[str, tuple[str, bool]]:
    return {
        row[1]: (row[2].upper(), bool(row[3]) or bool(row[5]))
        for row in conn.execute(f"PRAGMA table_info([{source}])")
    }


def _type_of(name: str, declared: str) -> str:
    if name in _DATETIMES:
        return "datetime"
    if declared in _SQLITE_TYPES:
        return _SQLITE_TYPES[declared]
    if name in _COMPUTED_TYPES:
        return _COMPUTED_TYPES[name]
    raise KeyError(f"no Table Schema type for column {name!r} (declared {declared!r})")


def fields_of(conn: sqlite3.Connection, spec: ResourceSpec, measures: list[str]) -> list[Field]:
    """The resource's fields with types, descriptions and constraints."""
    columns, _ = select_sql(conn, spec)
    declared = _sqlite_types(conn, spec.source)
    declared.setdefault("area_code", ("TEXT", False))
    found = []
    for name in columns:
        sqlite_type, not_null = declared[name]
        constraints: dict[str, Any] = {}
        if name in _PATTERNS:
            constraints["pattern"] = _PATTERNS[name]
        if name in _FLAGS:
            constraints["enum"] = [0, 1]
        if name == "measure":
            constraints["enum"] = measures
        found.append(Field(
            name=name,
            type=_type_of(name, sqlite_type),
            description=_one_line(describe(spec.source, name)),
            required=(not_null and (spec.source, name) not in _MAY_BE_EMPTY)
            or name in spec.primary_key,
            constraints=constraints,
        ))
    return found
