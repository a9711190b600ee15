"""A Datasette plugin for `lps serve`: what one query may cost, and that no query writes.

Datasette bounds a query's time (`sql_time_limit_ms`) and how many rows it returns
(`max_returned_rows`), not how large they are. `select hex(zeroblob(490000000))` makes one
980 MB value, which Datasette then copies into Python and into the response: two such queries
at once took the server to 8.8 GB (issue 12, item 11). So each connection to the warehouse,
as Datasette opens it (its `prepare_connection` hook), gets three caps:

- SQLite refuses any string or blob longer than `VALUE_LIMIT_BYTES` (`SQLITE_LIMIT_LENGTH`)
  as it is being made, before the memory is taken: `string or blob too big`. No value the
  warehouse holds comes near it (the longest, a commander's message, is a few kB).
- SQLite refuses a result of more than `COLUMN_LIMIT` columns (`SQLITE_LIMIT_COLUMN`), so one
  row holds at most `COLUMN_LIMIT` x `VALUE_LIMIT_BYTES` (the widest view has 28 columns).
- The rows of each query are measured as they are fetched (the connection's row factory), by
  the length of their text and blobs as Datasette's JSON writes them (escaped to ASCII: a
  control character takes six, base64 a third more), and a query whose rows pass
  `RESULT_LIMIT_BYTES` stops with `ResultTooLarge`, a SQLite error, so Datasette shows its
  message as the query's error (HTTP 400). Measured so, because rendering a page takes about
  three times its JSON (the text, the encoded bytes, the encoder's pieces): a limit on the
  values alone let a 20 MB result of control characters become 118 MB of JSON.

With Datasette's `max_returned_rows` and `num_sql_threads` (in `datasette/settings.json`)
that bounds what the server can be made to hold. The connection is also `query_only`: it is
opened read-only (`mode=ro`) already, and this refuses a write even on a connection Datasette
opened for writing (a writable canned query, a plugin).

Registered by `lps.serve.build_datasette`, not through `datasette/plugins/`, because serving
must not depend on a configuration folder to be safe.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from datasette import hookimpl  # type: ignore[attr-defined]

__all__ = [
    "COLUMN_LIMIT",
    "DATASETTE_CATALOGUE",
    "RESULT_LIMIT_BYTES",
    "VALUE_LIMIT_BYTES",
    "ResultTooLarge",
    "install",
    "json_size",
    "limit_connection",
    "prepare_connection",
    "rows_not_kept",
]

NAME = "lps-query-limits"

#: Datasette's catalogue of what it serves, an in-memory database it writes itself.
DATASETTE_CATALOGUE = "_internal"

#: The longest string or blob any query may make or return (SQLite counts bytes).
VALUE_LIMIT_BYTES = 250_000

#: The most columns a query's result, a table or an index may have.
COLUMN_LIMIT = 64

#: The most one query's rows may hold, measured as their text and blobs in JSON.
RESULT_LIMIT_BYTES = 30_000_000


class ResultTooLarge(sqlite3.OperationalError):
    """A query's rows hold more than `RESULT_LIMIT_BYTES`; the message says what to do."""


def json_size(value: object) -> int:
    """How many characters `value` takes in Datasette's JSON if it is text or a blob (a blob
    as its UTF-8 text when it is valid UTF-8, else base64, as Datasette writes it); 0 for a
    number or NULL, whose size the number of columns bounds."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return 4 * ((len(value) + 2) // 3)
    if isinstance(value, str):
        return len(json.dumps(value))
    return 0


class _CountingRows:
    """A row factory giving `sqlite3.Row`s (as Datasette's does) that measures the rows each
    cursor has fetched (`json_size`), and stops a cursor whose rows pass `limit`.

    Datasette runs each query on a cursor of its own, and a connection is used by one thread
    at a time, so the count starts again whenever the cursor is not the last one seen.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._cursor: weakref.ref[sqlite3.Cursor] | None = None
        self._size = 0

    def __call__(self, cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> sqlite3.Row:
        if self._cursor is None or self._cursor() is not cursor:
            self._cursor = weakref.ref(cursor)
            self._size = 0
        self._size += sum(json_size(value) for value in row)
        if self._size > self.limit:
            raise ResultTooLarge(
                f"query result too large: its rows take more than {self.limit // 1_000_000} MB "
                "as JSON, the most `lps serve` returns for one query; select fewer rows "
                "(LIMIT), fewer columns or shorter values (substr)"
            )
        return sqlite3.Row(cursor, row)


def limit_connection(conn: sqlite3.Connection) -> None:
    """Cap what any query on `conn` may make or return, and refuse writes (see the module)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LIMIT_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, COLUMN_LIMIT)
    conn.row_factory = _CountingRows(RESULT_LIMIT_BYTES)
    conn.execute("PRAGMA query_only = 1")


@contextmanager
def rows_not_kept(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`conn` giving plain tuples, uncounted, for a reader that goes through rows one at a
    time and keeps none (a checksum of the whole warehouse): what it holds is not the size of
    what it reads, so `RESULT_LIMIT_BYTES` would stop it for nothing."""
    factory = conn.row_factory
    conn.row_factory = None
    try:
        yield conn
    finally:
        conn.row_factory = factory


@hookimpl  # type: ignore[untyped-decorator]
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """Limit every connection to what is served (the warehouse), not Datasette's catalogue."""
    if database != DATASETTE_CATALOGUE:
        limit_connection(conn)


def install() -> None:
    """Register the plugin, once."""
    from datasette.plugins import pm  # type: ignore[attr-defined]

    if pm.get_plugin(NAME) is None:
        pm.register(sys.modules[__name__], name=NAME)
