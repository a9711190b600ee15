"""Migration m008 (issue 12, item 5), frozen: a digest of every document, so verify sees values.

FROZEN once shipped, like `warehouse.m005_research` (`tests/test_digests.py` checks its
fingerprint); change the schema with a new migration.

`document_digests` holds, for each document, the digest of its `documents` row and of its rows
of every child table, with each row's own digest (`warehouse.digests`), so `lps verify` can
name the document, table and row that changed since it was written. No foreign key to
`documents`, on purpose: a document deleted (its rows go with it, by cascade) leaves its digest
behind, which is how verify knows it was there.

A warehouse loaded before this migration gets the digests of its documents as they are when it
is upgraded (`basis` 'upgrade', not 'load'): they vouch for the rows from the upgrade on, and
`lps verify` says so; `lps verify --deep` compares the rows with the PDFs themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

__all__ = ["STATEMENTS", "apply"]

_DOCUMENT_DIGESTS = """
CREATE TABLE [document_digests] (
    [document_id] TEXT PRIMARY KEY NOT NULL,
    [source] TEXT NOT NULL,
    [area] TEXT,
    [period] TEXT,
    [template] TEXT,
    [status] TEXT NOT NULL,
    [records_sha256] TEXT NOT NULL,
    [tables] TEXT NOT NULL,
    [recorded_at] TEXT NOT NULL,
    [basis] TEXT NOT NULL CHECK ([basis] IN ('load', 'upgrade'))
) STRICT
"""

#: Every statement, in order. `apply` runs them, then seals every document already there.
STATEMENTS: tuple[str, ...] = (_DOCUMENT_DIGESTS.strip(),)


def apply(db: Database) -> None:
    """Create `document_digests` and record the digest of every document as it is now."""
    from warehouse.digests import seal_document

    for statement in STATEMENTS:
        db.execute(statement)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    documents = [row[0] for row in db.execute(
        "SELECT document_id FROM documents ORDER BY document_id")]
    for document_id in documents:
        seal_document(db, document_id, now, basis="upgrade")
