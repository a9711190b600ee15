"""Documents of one publication that disagree, and choosing between them (`lps resolve`).

A *publication* is a borough, year and template. Its loaded documents either give the same
figures (duplicates: the views show one) or not (a conflict: the views show none of them until
someone chooses). Which document stands where is the `document_standing` view (migration
m007); this module reads it, says what differs, and records a choice with its lineage: which
document was chosen, which were set aside, when, by what means and why.

Why no automatic rule (such as "the later revision wins"): the warehouse knows when a leaflet
was *ingested*, not when it was *published* or revised, and the leaflets print no revision
date, so any rule would pick by the order files happened to be read. A person choosing, with
the figures that differ in front of them, is the only rule that does not guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from warehouse.connection import write_transaction
from warehouse.tables import FIGURE_TABLES

__all__ = [
    "Conflict",
    "NothingToResolve",
    "Resolution",
    "UnknownDocument",
    "duplicate_notes",
    "figure_differences",
    "find_document",
    "resolve",
    "short",
    "unresolved_conflicts",
]

#: Printed document ids are shortened to this many characters, as `lps reprocess` prints them.
SHORT = 12

#: How many differing figures a message lists before "and N more".
_LISTED = 4

#: Columns that identify a figure row across documents (the rest are its values).
_KEYS = {
    "performance": ("measure",),
    "priorities": ("period", "measure"),
    "force_results": ("period", "measure"),
    "ward_priorities": ("ward", "rank"),
}
_NOT_VALUES = frozenset({"document_id", "row_number", "page"})


class UnknownDocument(LookupError):
    """No document, or more than one, has the id (or id prefix) given."""


class NothingToResolve(ValueError):
    """The document is not in conflict with another: there is nothing to choose."""


def short(document_id: str) -> str:
    return document_id[:SHORT]


@dataclass(frozen=True)
class Conflict:
    """A publication whose loaded documents give different figures, none of them chosen."""

    area: str
    area_code: str
    period: str
    template: str
    document_ids: tuple[str, ...]
    differences: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.area} {self.period} ({self.template})"


@dataclass(frozen=True)
class Resolution:
    """A choice recorded by `resolve`."""

    resolution_id: int
    name: str
    chosen: str
    set_aside: tuple[str, ...]
    duplicates: tuple[str, ...]


def find_document(db: Database, given: str) -> dict[str, Any]:
    """The `documents` row whose id is `given` or starts with it (at least 6 characters)."""
    given = given.strip().lower()
    if any(c not in "0123456789abcdef" for c in given):
        raise UnknownDocument(f"{given!r} is not a document id (the sha256 of a PDF, in hex)")
    if len(given) < 6:
        raise UnknownDocument(f"document id {given!r} is too short: give at least 6 characters")
    found = list(db.query("SELECT * FROM documents WHERE document_id LIKE ? || '%' "
                          "ORDER BY document_id LIMIT 2", [given]))
    if not found:
        raise UnknownDocument(f"no document {given} in the warehouse")
    if len(found) > 1:
        raise UnknownDocument(f"{given} is the start of more than one document id "
                              f"({short(found[0]['document_id'])}, "
                              f"{short(found[1]['document_id'])}, ...): give more of it")
    return found[0]


def _row_key(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    key = tuple(row[column] for column in _KEYS[table])
    return key if row.get("measure", True) is not None else (*key[:-1], row["label"])


def _key_text(table: str, key: tuple[Any, ...]) -> str:
    return f"{table} " + " ".join(str(part) for part in key)


def _holders(values: dict[str, Any], value: Any) -> str:
    return ", ".join(short(doc) for doc, held in values.items() if held == value)


def figure_differences(db: Database, document_ids: Sequence[str]) -> list[str]:
    """Each figure the documents do not agree on: `performance robbery: change_count 73
    (0130ab87c9e3), 173 (a936cedbeaf8)`; a row some of them lack: `... only in ...`."""
    differences: list[str] = []
    for table in FIGURE_TABLES:
        by_key: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
        for document_id in document_ids:
            for row in db.query(f"SELECT * FROM [{table}] WHERE document_id = ? "
                                "ORDER BY row_number", [document_id]):
                by_key.setdefault(_row_key(table, row), {})[document_id] = row
        for key, rows in by_key.items():
            if len(rows) != len(document_ids):
                differences.append(f"{_key_text(table, key)}: only in "
                                   + ", ".join(short(doc) for doc in rows))
                continue
            columns = [c for c in next(iter(rows.values())) if c not in _NOT_VALUES]
            for column in columns:
                values = {doc: row[column] for doc, row in rows.items()}
                distinct = list(dict.fromkeys(values.values()))
                if len(distinct) > 1:
                    listed = ", ".join(f"{value} ({_holders(values, value)})"
                                       for value in distinct)
                    differences.append(f"{_key_text(table, key)}: {column} {listed}")
    return differences


def _summary(differences: list[str]) -> tuple[str, ...]:
    if len(differences) <= _LISTED:
        return tuple(differences)
    return (*differences[:_LISTED], f"and {len(differences) - _LISTED} more")


def unresolved_conflicts(db: Database) -> list[Conflict]:
    """Every publication in conflict, with what its documents disagree on."""
    if "conflicts" not in db.view_names():
        return []
    conflicts = []
    for row in db.query("SELECT * FROM conflicts"):
        ids = tuple(row["document_ids"].split(" "))
        conflicts.append(Conflict(row["area"], row["area_code"], row["period"],
                                  row["template"], ids,
                                  _summary(figure_differences(db, ids))))
    return conflicts


def duplicate_notes(db: Database) -> list[str]:
    """One line per document the views leave out because another gives its figures (a
    duplicate) or was chosen over it (set aside)."""
    if "document_standing" not in db.view_names():
        return []
    notes = []
    for row in db.query("SELECT s.*, r.chosen_document_id FROM document_standing AS s "
                        "LEFT JOIN resolutions AS r ON r.resolution_id = s.resolution_id "
                        "WHERE s.standing IN ('duplicate', 'set aside') "
                        "ORDER BY s.period, s.area, s.document_id"):
        where = f"{row['area']} {row['period']} ({row['template']})"
        if row["standing"] == "duplicate":
            notes.append(f"{where}: {short(row['document_id'])} gives the same figures as "
                         f"{short(row['same_figures_as'] or '')}, which the views show")
        else:
            notes.append(f"{where}: {short(row['document_id'])} was set aside by resolution "
                         f"{row['resolution_id']}, which chose "
                         f"{short(row['chosen_document_id'])}")
    return notes


def _figures(row: dict[str, Any]) -> str:
    """A document's figures as `document_standing` compares them (no digest: its own)."""
    return str(row["figures_sha256"] or f"none:{row['document_id']}")


def resolve(db: Database, given: str, note: str | None, resolved_at: str,
            method: str = "lps resolve") -> Resolution:
    """Choose the document `given` (an id or its start) for its publication: the views show
    its figures, the other documents' are set aside, and the choice is recorded in
    `resolutions` and `resolution_documents`. Raises `UnknownDocument` or `NothingToResolve`.
    """
    with write_transaction(db):
        document = find_document(db, given)
        document_id = document["document_id"]
        if document["status"] != "loaded":
            raise NothingToResolve(f"document {short(document_id)} is {document['status']}, "
                                   "not loaded: only a loaded document can be chosen")
        members = list(db.query(
            "SELECT document_id, figures_sha256, standing, publication_versions "
            "FROM document_standing WHERE area_code IS ? AND period IS ? AND template IS ? "
            "ORDER BY ingested_at, document_id",
            [document["area_code"], document["period"], document["template"]]))
        name = f"{document['area']} {document['period']} ({document['template']})"
        mine = next(m for m in members if m["document_id"] == document_id)
        if mine["publication_versions"] < 2:
            raise NothingToResolve(
                f"{name}: its {len(members)} loaded document(s) give the same figures: "
                "nothing to resolve")
        if mine["standing"] == "chosen":
            raise NothingToResolve(f"{name}: {short(document_id)} is already the chosen one")
        chosen_figures = _figures(document)
        resolution_id = int(db.execute(
            "INSERT INTO resolutions (area, area_code, period, template, chosen_document_id, "
            "chosen_figures, method, note, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [document["area"], document["area_code"], document["period"], document["template"],
             document_id, chosen_figures, method, note, resolved_at]).lastrowid or 0)
        verdicts = {}
        for member in members:
            other = member["document_id"]
            verdicts[other] = ("chosen" if other == document_id else "duplicate"
                               if _figures(member) == chosen_figures else "set aside")
            db.table("resolution_documents").insert({
                "resolution_id": resolution_id, "document_id": other,
                "figures_sha256": _figures(member), "verdict": verdicts[other],
            })
    return Resolution(
        resolution_id, name, document_id,
        tuple(doc for doc, verdict in verdicts.items() if verdict == "set aside"),
        tuple(doc for doc, verdict in verdicts.items() if verdict == "duplicate"),
    )
