"""Migration m014, frozen once shipped: a document's provenance is sealed like its rows.

The record digest of m008 covers the columns and tables that existed then. What migrations
m009, m011 and m012 added says where a leaflet came from and how it was read: the PDF's own
metadata, `synthetic` (a leaflet this project generated), `source_name`, `read_by` (its text
layer or OCR of a scan) with the OCR engine and the lowest confidence, where each figure stands
on its page (`figure_cells`) and where a quarantined leaflet belongs (`quarantine_placements`).
Edited by hand, a generated leaflet passed for a real one, or one OCR read for one read from
its text layer, and `lps verify` said ok.

`document_digests` gains `provenance`: per column and per cell, the digest of what the
warehouse says of each document (`warehouse.digests.provenance_digest`), taken when the
document is written. This migration takes it of every document already there, as it is now:
like m008's digests of an upgraded warehouse, it vouches for the provenance from the upgrade
on (an edit made before it cannot be told from what was loaded).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

from warehouse.digests import sealed_provenance

__all__ = ["STATEMENTS", "apply"]

#: Every statement, in order. `apply` runs them, then seals every document's provenance.
STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE [document_digests] ADD COLUMN [provenance] TEXT",
)


def apply(db: Database) -> None:
    """Add the column and record the provenance digest of every document recorded."""
    for statement in STATEMENTS:
        db.execute(statement)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    recorded = [row[0] for row in db.execute(
        "SELECT document_id FROM document_digests WHERE document_id IN "
        "(SELECT document_id FROM documents) ORDER BY document_id")]
    for document_id in recorded:
        db.execute("UPDATE document_digests SET provenance = ? WHERE document_id = ?",
                   [sealed_provenance(db, document_id, now, "upgrade"), document_id])
