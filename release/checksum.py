"""The warehouse checksum a release cites: the same data gives the same checksum, anywhere.

The sha256 of the warehouse file would change with SQLite's page layout, a VACUUM or the WAL, so
a release cites the sha256 of its *data* instead: every row of the tables below, in primary-key
order, each as a JSON array of its values, under its table's name. When an ingest happened is not
data (`ingested_at`, `first_seen_at`): the same leaflets read by the same extractor give the same
checksum on any machine. Operational tables (runs, fetches, releases, ...) are left out.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

__all__ = ["CHECKSUM_TABLES", "warehouse_checksum"]

#: Tables the checksum covers, with the columns it leaves out.
CHECKSUM_TABLES: dict[str, frozenset[str]] = {
    "areas": frozenset(),
    "measures": frozenset(),
    "documents": frozenset({"ingested_at"}),
    "document_sources": frozenset({"first_seen_at"}),
    "performance": frozenset(),
    "priorities": frozenset(),
    "force_results": frozenset(),
    "sections": frozenset(),
    "review_items": frozenset(),
    "ward_priorities": frozenset(),
}


def _primary_key(conn: sqlite3.Connection, table: str) -> list[str]:
    info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
    return [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]


def warehouse_checksum(conn: sqlite3.Connection) -> str:
    """`sha256:<hex>` of the warehouse's data (see the module docstring). Reads only."""
    digest = hashlib.sha256()
    for table in sorted(CHECKSUM_TABLES):
        info = conn.execute(f"PRAGMA table_info([{table}])").fetchall()
        columns = [row[1] for row in info if row[1] not in CHECKSUM_TABLES[table]]
        order = ", ".join(f"[{c}]" for c in _primary_key(conn, table)) or "rowid"
        select = ", ".join(f"[{c}]" for c in columns)
        digest.update(f"{table}\t{json.dumps(columns)}\n".encode())
        for row in conn.execute(f"SELECT {select} FROM [{table}] ORDER BY {order}"):
            digest.update(json.dumps(list(row), ensure_ascii=False).encode())
            digest.update(b"\n")
    return f"sha256:{digest.hexdigest()}"
