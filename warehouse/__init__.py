"""The SQLite warehouse: schema (migrations), connection, and transactional loads.

Usage::

    from warehouse import open_warehouse, load_extraction

    db = open_warehouse("lps.db")
    load_extraction(db, document_id, "leaflets/barnet.pdf", extraction, EXTRACTOR_VERSION, 81234)
"""

import warehouse.sqlite_import  # noqa: F401  (first: sqlite-utils without pandas)
from warehouse.connection import (
    BUSY_TIMEOUT_MS,
    WarehouseMissing,
    WarehouseUnavailable,
    check_writable,
    open_warehouse,
    write_transaction,
)
from warehouse.load import (
    LoadOutcome,
    known_document_ids,
    load_extraction,
    record_quarantine,
    record_run,
    record_source,
    table_counts,
    utc_now,
)
from warehouse.migrations import CHILD_TABLES, TABLES, migrations
from warehouse.rows import document_row, extraction_to_rows

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CHILD_TABLES",
    "TABLES",
    "LoadOutcome",
    "WarehouseMissing",
    "WarehouseUnavailable",
    "check_writable",
    "document_row",
    "extraction_to_rows",
    "known_document_ids",
    "load_extraction",
    "migrations",
    "open_warehouse",
    "record_quarantine",
    "record_run",
    "record_source",
    "table_counts",
    "utc_now",
    "write_transaction",
]
