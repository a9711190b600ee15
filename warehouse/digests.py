"""Digests of what each document holds, taken when it is written, so a changed value is seen.

A warehouse that opens fine can still hold a figure someone edited by hand, a row deleted, a
document removed with all its rows: nothing structural is wrong, so only a record of what was
written can tell. Each time `warehouse.load` writes a document it *seals* it: the digest of
every table's rows of the document is stored in `document_digests`, one row per document, and
`lps verify` recomputes them and names the table and row that no longer match.

`document_digests` has no foreign key to `documents`, on purpose: deleting a document removes
its rows by cascade, and its digest is what is left to say that it was there.

Two digests, for two questions:

- the **record digest** (`digest_rows`): every column of every row, per table, with each row's
  own digest, so verify can say "performance row 2 changed" or "row 7 is gone";
- the **figures digest** (`figures_digest`, stored in `documents.figures_sha256`): the figures
  alone (the rows of `FIGURE_TABLES` without their row numbers and pages, in any order), which
  decides whether two leaflets for the same borough and year say the same thing
  (`warehouse.conflicts`).

A third, the **provenance digest** (`provenance_digest`, stored in
`document_digests.provenance`, migration m014), covers what the warehouse says of where a
document came from and how it was read, which the record digest predates: the PDF's own
metadata, `synthetic` (a generated leaflet), `source_name`, `read_by` and the OCR engine and
confidence (`PROVENANCE_COLUMNS`), where each figure stands on its page (`figure_cells`) and
where a quarantined leaflet belongs (`quarantine_placements`). A leaflet edited to pass as real,
or as read from its text layer when OCR read it, is a finding like an edited figure. It is kept
per column and per cell, so verify names the column or the cell.

The canonical form is part of the schema, like a column: each row a JSON object of its columns
except `document_id`, NULLs left out (so a column added later, NULL in old rows, changes no
digest), keys sorted, compact, UTF-8, floats as Python writes them (exact round trip). Migrations
m007 and m008 computed the digests of existing warehouses with these functions, so changing
the form needs a migration that recomputes every stored digest (`tests/test_digests.py` pins
the digest of a fixture leaflet).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlite_utils import Database

from warehouse.tables import CHILD_TABLES, FIGURE_TABLES, PROVENANCE_TABLES

__all__ = [
    "DIGEST_TABLES",
    "DOCUMENT_COLUMNS",
    "PROVENANCE_COLUMNS",
    "Basis",
    "DocumentDigest",
    "ProvenanceDigest",
    "TableDigest",
    "canonical_json",
    "digest_rows",
    "figures_digest",
    "provenance_digest",
    "recorded_digests",
    "seal_document",
    "sealed_provenance",
    "stored_rows",
]

#: Columns of a `documents` row its digest covers. Not `source`: a backfill may name a better
#: origin later (`pipeline.backfill.record_origins`) without the document changing.
DOCUMENT_COLUMNS = (
    "publisher", "area", "area_code", "period", "template", "page_count", "commander",
    "status", "reason", "needs_review", "extractor_version", "size_bytes", "ingested_at",
    "figures_sha256",
)

#: Columns of a `documents` row its provenance digest covers (migrations m009, m011, m012).
PROVENANCE_COLUMNS = (
    "pdf_producer", "pdf_creator", "pdf_title", "pdf_subject", "pdf_created", "pdf_modified",
    "synthetic", "source_name", "read_by", "ocr_engine", "ocr_engine_version",
    "ocr_min_confidence",
)

#: What a document's digest covers: its own row, then each child table.
DIGEST_TABLES = ("documents", *CHILD_TABLES)

#: When a digest was taken: as the document was written, or when a warehouse loaded before
#: digests existed was upgraded (migration m008): it vouches for the rows from then on.
Basis = Literal["load", "upgrade"]

Row = dict[str, Any]


def canonical_json(value: Any) -> str:
    """`value` as the one JSON text the digests are taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_row(row: Mapping[str, Any], dropped: frozenset[str] = frozenset()) -> Row:
    return {name: value for name, value in row.items()
            if value is not None and name != "document_id" and name not in dropped}


@dataclass(frozen=True)
class TableDigest:
    """One table's rows of a document: how many, their digest, and each row's, by row number."""

    rows: int
    sha256: str
    row_sha256: Mapping[int, str]

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256,
                "row_sha256": {str(number): digest for number, digest in self.row_sha256.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableDigest:
        return cls(int(data["rows"]), str(data["sha256"]),
                   {int(number): str(digest) for number, digest in data["row_sha256"].items()})


@dataclass(frozen=True)
class DocumentDigest:
    """Every table's digest of one document, and one digest over them all."""

    tables: Mapping[str, TableDigest]

    @property
    def records_sha256(self) -> str:
        return _sha256(canonical_json({name: t.sha256 for name, t in self.tables.items()}))

    def tables_json(self) -> str:
        return canonical_json({name: t.to_json() for name, t in self.tables.items()})


def _table_digest(rows: Sequence[Row]) -> TableDigest:
    canonical = [_canonical_row(row) for row in rows]
    numbers = [int(row.get("row_number", 1)) for row in rows]
    return TableDigest(
        rows=len(rows),
        sha256=_sha256(canonical_json(canonical)),
        row_sha256={n: _sha256(canonical_json(row))[:16] for n, row in zip(numbers, canonical,
                                                                            strict=True)},
    )


def digest_rows(rows: Mapping[str, Sequence[Row]]) -> DocumentDigest:
    """The digest of a document's rows as `stored_rows` reads them."""
    return DocumentDigest({table: _table_digest(rows.get(table, ())) for table in DIGEST_TABLES})


def figures_digest(rows: Mapping[str, Sequence[Row]]) -> str:
    """The digest of the document's figures: equal for two documents exactly when they give the
    same figures (row order, row numbers and pages aside)."""
    dropped = frozenset({"row_number", "page"})
    figures = {
        table: sorted(canonical_json(_canonical_row(row, dropped)) for row in rows.get(table, ()))
        for table in FIGURE_TABLES
    }
    return _sha256(canonical_json(figures))


#: A provenance digest: part ('documents', 'figure_cells', 'quarantine_placements') to each
#: of its entries (a column, a cell) and that entry's digest.
ProvenanceDigest = dict[str, dict[str, str]]


def _cell_key(row: Mapping[str, Any]) -> str:
    """A `figure_cells` row's name in a finding: 'performance row 2 change_pct'."""
    return f"{row['table_name']} row {row['row_number']} {row['field']}"


def provenance_digest(db: Database, document_id: str) -> ProvenanceDigest:
    """The digest of what the warehouse says of the document's origin and reading, per column
    of its `documents` row (the ones this warehouse has) and per row of each provenance table;
    a NULL column or an absent row has no entry."""
    columns = [name for name in PROVENANCE_COLUMNS if name in db.table("documents").columns_dict]
    digest: ProvenanceDigest = {"documents": {}}
    for row in db.query(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM documents "
                        "WHERE document_id = ?", [document_id]):
        digest["documents"] = {name: _sha256(canonical_json(value))[:16]
                               for name, value in row.items() if value is not None}
    for table in PROVENANCE_TABLES:
        if not db.table(table).exists():
            continue
        rows = db.query(f"SELECT * FROM [{table}] WHERE document_id = ?", [document_id])
        digest[table] = {_cell_key(row) if table == "figure_cells" else "placement":
                         _sha256(canonical_json(_canonical_row(row)))[:16] for row in rows}
    return digest


def sealed_provenance(db: Database, document_id: str, recorded_at: str, basis: Basis) -> str:
    """What `document_digests.provenance` holds: the provenance digest, when it was taken and
    on what basis (as the document was written, or when the warehouse was upgraded: m014)."""
    return canonical_json({"recorded_at": recorded_at, "basis": basis,
                           "parts": provenance_digest(db, document_id)})


def stored_rows(db: Database, document_id: str) -> dict[str, list[Row]]:
    """The document's `documents` row (the digested columns) and its rows of every child
    table, in row-number order; a document that is not there has no `documents` row."""
    columns = ", ".join(f"[{name}]" for name in DOCUMENT_COLUMNS)
    rows: dict[str, list[Row]] = {"documents": list(db.query(
        f"SELECT {columns} FROM documents WHERE document_id = ?", [document_id]))}
    for table in CHILD_TABLES:
        rows[table] = list(db.query(
            f"SELECT * FROM [{table}] WHERE document_id = ? ORDER BY row_number", [document_id]))
    return rows


def seal_document(db: Database, document_id: str, recorded_at: str, basis: Basis = "load"
                  ) -> DocumentDigest | None:
    """Record the digests of the document as it now stands: its figures digest in `documents`
    (NULL unless loaded) and its record digest in `document_digests`. Called inside the
    transaction that wrote the document, so the two never disagree with what was written.

    A warehouse whose schema predates the digests (only ever in a test that stops the
    migrations early: `open_warehouse` migrates) is left as it is, and returns None: migrations
    m007 and m008 take the digests of every document there when they run.
    """
    if "figures_sha256" not in db.table("documents").columns_dict:
        return None
    document = db.execute("SELECT source, area, period, template, status FROM documents "
                          "WHERE document_id = ?", [document_id]).fetchone()
    if document is None:
        raise KeyError(f"no document {document_id} to seal")
    source, area, period, template, status = document
    rows = stored_rows(db, document_id)
    figures = figures_digest(rows) if status == "loaded" else None
    if rows["documents"][0]["figures_sha256"] != figures:
        db.execute("UPDATE documents SET figures_sha256 = ? WHERE document_id = ?",
                   [figures, document_id])
        rows["documents"][0]["figures_sha256"] = figures
    digest = digest_rows(rows)
    if not db.table("document_digests").exists():
        return digest
    record = {
        "document_id": document_id, "source": source, "area": area, "period": period,
        "template": template, "status": status, "records_sha256": digest.records_sha256,
        "tables": digest.tables_json(), "recorded_at": recorded_at, "basis": basis,
    }
    if "provenance" in db.table("document_digests").columns_dict:
        record["provenance"] = sealed_provenance(db, document_id, recorded_at, basis)
    db.table("document_digests").upsert(record, pk="document_id")
    return digest


def recorded_digests(db: Database) -> dict[str, dict[str, Any]]:
    """Every `document_digests` row by document id, its `tables` parsed into `TableDigest`s."""
    recorded: dict[str, dict[str, Any]] = {}
    for row in db.query("SELECT * FROM document_digests ORDER BY document_id"):
        tables = json.loads(row["tables"])
        row["tables"] = {name: TableDigest.from_json(data) for name, data in tables.items()}
        provenance = row.get("provenance")
        row["provenance"] = json.loads(provenance) if provenance is not None else None
        recorded[row["document_id"]] = row
    return recorded
