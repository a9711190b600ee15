"""Opening the warehouse: one function that every writer and reader goes through.

Opening also migrates, so no code path ever sees a half-declared schema, and checks that the file
can be written: a pipeline that extracts for ten minutes and then finds the warehouse read-only
has wasted ten minutes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from warehouse.migrations import migrations

__all__ = ["BUSY_TIMEOUT_MS", "WarehouseUnavailable", "open_warehouse"]

#: How long a write waits for another connection's lock before failing. Researchers may hold a
#: long read open while an ingest runs; WAL lets readers and the single writer coexist, and the
#: timeout covers a second writer (another ingest) finishing its transaction.
BUSY_TIMEOUT_MS = 30_000


class WarehouseUnavailable(Exception):
    """The warehouse file cannot be opened, migrated or written. The pipeline cannot work."""


def open_warehouse(path: str | Path, *, writable: bool = True) -> Database:
    """Open (creating if needed) and migrate the warehouse at `path`.

    WAL mode and a busy timeout are set on every connection; foreign keys are enforced.
    With `writable` (the default) a write lock is taken and released at once, so a read-only
    file or folder fails here, with the path in the message, rather than mid-run.
    Raises `WarehouseUnavailable`.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise WarehouseUnavailable(f"cannot open warehouse {path}: it is a folder")
        db = Database(path)
    except sqlite3.Error as error:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};")
        db.execute("PRAGMA foreign_keys = ON;")
        if writable:
            db.enable_wal()
            migrations.apply(db)
            db.execute("BEGIN IMMEDIATE;")
            db.execute("ROLLBACK;")
    except sqlite3.Error as error:
        db.close()
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    return db
