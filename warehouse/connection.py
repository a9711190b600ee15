"""Opening the warehouse: one function that every writer and reader goes through.

Opening also migrates, so no code path ever sees a half-declared schema, and checks that the file
can be written: a pipeline that extracts for ten minutes and then finds the warehouse read-only
has wasted ten minutes.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from warehouse.migrations import migrations

__all__ = ["BUSY_TIMEOUT_MS", "WarehouseUnavailable", "open_warehouse", "write_transaction"]

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
            _enable_wal(db)
            with write_transaction(db):  # one migrator at a time, even on a new file
                migrations.apply(db)
    except sqlite3.Error as error:
        db.close()
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction that takes the write lock at BEGIN (`BEGIN IMMEDIATE`).

    `db.atomic()` begins a deferred transaction, which reads first and asks for the write lock
    only at its first write. With another process writing meanwhile that upgrade fails at once
    with `database is locked` (SQLite cannot wait: the reader's snapshot is already stale),
    whatever the busy timeout. Taking the lock up front makes a second writer wait its turn
    (up to `BUSY_TIMEOUT_MS`) instead. Inside an open transaction this is a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE;")
    try:
        yield db
        db.execute("COMMIT;")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.rollback()
        raise


def _enable_wal(db: Database) -> None:
    """Switch to WAL, waiting for other connections as the busy timeout would.

    Changing the journal mode of a new file needs it to itself; SQLite reports `database is
    locked` at once rather than calling the busy handler when another process is opening the
    same new warehouse, so wait here for up to `BUSY_TIMEOUT_MS`.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
