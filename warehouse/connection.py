"""Opening the warehouse: one function that every writer and reader goes through.

Opening also migrates, so no code path ever sees a half-declared schema, and checks that the file
can be written: a pipeline that extracts for ten minutes and then finds the warehouse read-only
has wasted ten minutes.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlite_utils import Database

from warehouse.schema_seal import WarehouseNewer, apply_migrations

__all__ = [
    "BUSY_TIMEOUT_MS",
    "WarehouseMissing",
    "WarehouseUnavailable",
    "check_writable",
    "connect_read_only",
    "open_warehouse",
    "write_transaction",
]

#: How long a write waits for another connection's lock before failing. Researchers may hold a
#: long read open while an ingest runs; WAL lets readers and the single writer coexist, and the
#: timeout covers a second writer (another ingest) finishing its transaction.
BUSY_TIMEOUT_MS = 30_000


class WarehouseUnavailable(Exception):
    """The warehouse file cannot be opened, migrated or written. The pipeline cannot work."""


class WarehouseMissing(WarehouseUnavailable):
    """No warehouse file where one was expected (a command that only reads, or a mistyped path),
    or no folder to create one in."""


def check_writable(path: str | Path) -> None:
    """Raise `WarehouseUnavailable` when a warehouse could not be created or written at `path`,
    without creating or changing anything: a folder, a folder that does not exist, a file or
    folder without write permission."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise WarehouseUnavailable(f"cannot open warehouse {path}: it is a folder")
    if not folder.is_dir():
        raise WarehouseMissing(f"cannot create warehouse {path}: folder {folder} does not exist")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise WarehouseUnavailable(f"cannot write warehouse {path}: permission denied")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WarehouseUnavailable(
            f"cannot write warehouse {path}: folder {folder} is not writable"
        )


def _missing(path: Path) -> WarehouseMissing:
    if not path.parent.is_dir():
        return WarehouseMissing(f"no warehouse at {path}: folder {path.parent} does not exist")
    return WarehouseMissing(f"no warehouse at {path}: run `lps ingest` first, or pass --db")


def open_warehouse(
    path: str | Path, *, writable: bool = True, must_exist: bool = False
) -> Database:
    """Open and migrate the warehouse at `path`, creating it unless `must_exist`.

    WAL mode and a busy timeout are set on every connection; foreign keys are enforced.
    With `writable` (the default) a write lock is taken and released at once, so a read-only
    file or folder fails here, with the path in the message, rather than mid-run. Without
    it the file is opened read-only (`mode=ro`: never created, never migrated, never written),
    also where this user may not write (see `connect_read_only`).
    Raises `WarehouseUnavailable` (`WarehouseMissing` when there is no such file and it may
    not be created).
    """
    path = Path(path)
    if (must_exist or not writable) and not path.exists():
        raise _missing(path)
    if writable:
        check_writable(path)
    elif path.is_dir():
        raise WarehouseUnavailable(f"cannot open warehouse {path}: it is a folder")
    try:
        db = Database(path) if writable else Database(connect_read_only(path)[0])
    except sqlite3.Error as error:
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};")
        db.execute("PRAGMA foreign_keys = ON;")
        if writable:
            _enable_wal(db)
            with write_transaction(db):  # one migrator at a time, even on a new file
                apply_migrations(db)  # and seals what they change (warehouse.schema_seal)
        else:
            db.execute("SELECT count(*) FROM sqlite_master").fetchall()  # a SQLite file at all?
    except WarehouseNewer as error:
        db.close()
        raise WarehouseUnavailable(f"cannot write warehouse {path}: {error}") from error
    except sqlite3.Error as error:
        db.close()
        raise WarehouseUnavailable(f"cannot open warehouse {path}: {error}") from error
    return db


def _uri(path: Path, **options: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"file:{quote(str(path.resolve()))}?{query}"


def _checked(connection: sqlite3.Connection) -> sqlite3.Connection:
    """The connection, once it has read the schema (opening alone reads nothing)."""
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def connect_read_only(path: Path) -> tuple[sqlite3.Connection, bool]:
    """A connection that cannot write the warehouse (`mode=ro`), also on a copy the user may
    not write at all.

    To read a database in WAL mode SQLite needs its `-shm` index beside it, which it creates if
    missing: in a folder the user may not write it cannot, and `mode=ro` fails with "attempt to
    write a readonly database", a message that sounds like damage. When the folder is not
    writable and the write-ahead log holds nothing (a warehouse at rest: every ingest
    checkpoints), the file alone is the whole database, so it is opened `immutable`. When the
    log does hold changes, reading the file alone would miss them: say so, and how to fix it.
    Returns the connection and whether it follows changes other processes make (False when
    opened immutable). Raises `WarehouseUnavailable` naming the permission that is missing,
    `sqlite3.DatabaseError` when the file is no SQLite database.
    """
    if not os.access(path, os.R_OK):
        raise WarehouseUnavailable(f"cannot read warehouse {path}: permission denied (this "
                                   "user may not read the file)")
    try:
        return _checked(sqlite3.connect(_uri(path, mode="ro"), uri=True)), True
    except sqlite3.OperationalError as error:
        folder = path.resolve().parent
        if os.access(folder, os.W_OK):
            raise
        log = Path(f"{path}-wal")
        if log.exists() and log.stat().st_size > 0:
            raise WarehouseUnavailable(
                f"cannot read warehouse {path} read-only: its write-ahead log {log.name} holds "
                f"changes not yet in the file, and this user may not create {path.name}-shm in "
                f"{folder}, which SQLite needs to read them; ask someone who can write there to "
                f"run `sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'`, or copy {path.name} "
                f"and {log.name} to a folder you can write") from error
        return _checked(sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True)), False


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
