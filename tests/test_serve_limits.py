"""What one query on `lps serve` may cost, and that nothing writes (`lps.serve_limits`):
on a SQLite connection as the plugin leaves it, and through Datasette in this process.

tests/test_serve_live.py checks the same against a real server, with its memory measured.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_warehouse import build_sample_warehouse

from lps.cli import main
from lps.serve import CONFIG_DIR, DATABASE_NAME, build_datasette
from lps.serve_limits import (
    COLUMN_LIMIT,
    RESULT_LIMIT_BYTES,
    VALUE_LIMIT_BYTES,
    ResultTooLarge,
    json_size,
    limit_connection,
    rows_not_kept,
)

TOO_LARGE = (f"query result too large: its rows take more than {RESULT_LIMIT_BYTES // 10**6} MB "
             "as JSON, the most `lps serve` returns for one query; select fewer rows (LIMIT), "
             "fewer columns or shorter values (substr)")

#: The longest blob whose hex is within the value limit (hex needs room for its terminator).
HALF = VALUE_LIMIT_BYTES // 2 - 1
#: Its hex in JSON: the characters and two quotes.
HEX_JSON = 2 * HALF + 2

#: Rows of a value within the limit: enough of them pass the result limit.
MANY = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT ?) "
        "SELECT hex(zeroblob(?)) FROM n")


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    path = build_sample_warehouse(tmp_path / "lps.db")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    limit_connection(connection)
    yield connection
    connection.close()


def test_a_value_longer_than_the_limit_is_refused_as_it_is_made(
    conn: sqlite3.Connection,
) -> None:
    half = VALUE_LIMIT_BYTES // 2
    for sql, params in [("SELECT hex(zeroblob(490000000))", []),
                        ("SELECT zeroblob(?)", [VALUE_LIMIT_BYTES + 1]),
                        ("SELECT hex(zeroblob(?))", [half + 1]),
                        ("SELECT group_concat(hex(zeroblob(?)), '') FROM "
                         "(SELECT 1 UNION ALL SELECT 2)", [half // 2 + 1])]:
        with pytest.raises(sqlite3.DataError) as error:
            conn.execute(sql, params).fetchall()
        assert str(error.value) == "string or blob too big", sql
    (row,) = conn.execute("SELECT length(hex(zeroblob(?)))", [HALF]).fetchall()
    assert tuple(row) == (VALUE_LIMIT_BYTES - 2,)


def test_a_result_wider_than_the_limit_is_refused(conn: sqlite3.Connection) -> None:
    columns = ", ".join(f"{i} AS c{i}" for i in range(COLUMN_LIMIT + 1))
    with pytest.raises(sqlite3.OperationalError) as error:
        conn.execute(f"SELECT {columns}")
    assert str(error.value) == "too many columns in result set"
    # The widest table or view of the warehouse is well within it (performance_detail, 45
    # columns since it names each figure's targets, levels and origin).
    names = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()]
    widest = max(len(conn.execute(f"PRAGMA table_xinfo([{name}])").fetchall()) for name in names)
    assert widest <= COLUMN_LIMIT * 3 // 4


def test_rows_past_the_result_limit_stop_the_query(conn: sqlite3.Connection) -> None:
    rows_within = RESULT_LIMIT_BYTES // HEX_JSON
    assert len(conn.execute(MANY, [rows_within, HALF]).fetchall()) == rows_within
    with pytest.raises(ResultTooLarge) as error:
        conn.execute(MANY, [rows_within + 1, HALF]).fetchall()
    assert str(error.value) == TOO_LARGE
    # Counted per query: the next one starts again from nothing.
    assert len(conn.execute(MANY, [rows_within, HALF]).fetchall()) == rows_within


def test_the_result_limit_counts_what_json_makes_of_a_value(conn: sqlite3.Connection) -> None:
    # A control character is six in JSON (\u0001): a sixth as many rows pass.
    sql = MANY.replace("hex(zeroblob(?))", "replace(hex(zeroblob(?)), '0', char(1))")
    rows_within = RESULT_LIMIT_BYTES // (6 * 2 * HALF + 2)
    assert len(conn.execute(sql, [rows_within, HALF]).fetchall()) == rows_within
    with pytest.raises(ResultTooLarge):
        conn.execute(sql, [rows_within + 1, HALF]).fetchall()


@pytest.mark.parametrize(
    ("value", "size"),
    [("Barnet", 8), ('a "b"', 9), ("\u00a3" * 2, 14), ("\x01", 8), (b"abc", 5),
     (b"\xff\xfe\xfd", 4), (12, 0), (1.5, 0), (None, 0)],
)
def test_json_size_is_the_length_in_datasettes_json(value: object, size: int) -> None:
    assert json_size(value) == size
    if isinstance(value, str):
        assert len(json.dumps(value)) == size


def test_rows_not_kept_are_not_counted(conn: sqlite3.Connection) -> None:
    rows = RESULT_LIMIT_BYTES // HEX_JSON + 1
    with rows_not_kept(conn):
        assert sum(1 for _ in conn.execute(MANY, [rows, HALF])) == rows
    with pytest.raises(ResultTooLarge):
        conn.execute(MANY, [rows, HALF]).fetchall()


def test_a_limited_connection_refuses_to_write(conn: sqlite3.Connection, tmp_path: Path) -> None:
    writable = sqlite3.connect(tmp_path / "lps.db")
    limit_connection(writable)  # as Datasette's write connection would be
    for connection in (conn, writable):
        with pytest.raises(sqlite3.OperationalError) as error:
            connection.execute("DELETE FROM documents")
        assert str(error.value) == "attempt to write a readonly database"
    writable.close()


def test_datasettes_own_write_connection_cannot_write(tmp_path: Path) -> None:
    datasette = build_datasette(build_sample_warehouse(tmp_path / "lps.db"))
    database = datasette.get_database(DATABASE_NAME)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        with pytest.raises(sqlite3.OperationalError) as error:
            loop.run_until_complete(database.execute_write("DELETE FROM documents"))
        assert str(error.value) == "attempt to write a readonly database"
        count = loop.run_until_complete(database.execute("SELECT count(*) FROM documents"))
        assert count.first()[0] == 6
    finally:
        loop.close()


def test_the_limits_are_in_the_help_and_the_settings() -> None:
    settings = json.loads((CONFIG_DIR / "settings.json").read_text("utf-8"))
    assert {key: settings[key] for key in ("sql_time_limit_ms", "max_returned_rows",
                                           "num_sql_threads", "max_csv_mb")} == {
        "sql_time_limit_ms": 5000, "max_returned_rows": 1000, "num_sql_threads": 3,
        "max_csv_mb": 100,
    }
    text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())
    assert (f"A query may return values of up to {VALUE_LIMIT_BYTES // 1000} kB and "
            f"{RESULT_LIMIT_BYTES // 10**6} MB in all (as JSON), and runs for up to "
            f"{settings['sql_time_limit_ms'] // 1000} s.") in text
