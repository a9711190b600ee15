"""`lps serve`'s CSV answers like its JSON (issue 20, item 10): a query that fails is a 400 with
its error in plain text, never an empty 200 (invalid SQL, a result over the size cap) nor a 500
with a traceback (the time limit). A real `lps serve` on loopback over the sample warehouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sample_warehouse import build_sample_warehouse
from test_browser import serving

TOO_SLOW = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
TOO_LARGE = ("select hex(randomblob(120000)) from (with recursive c(x) as (select 1 union all "
             "select x + 1 from c limit 300) select x from c)")
TIME_LIMIT = ("error: query took longer than 5 s, the most `lps serve` gives one query: "
              "simplify it, or select fewer rows (LIMIT)\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    warehouse = build_sample_warehouse(tmp_path_factory.mktemp("csv") / "lps.db")
    with serving(warehouse) as url:
        yield url, warehouse.with_name("serve.log")


def _csv(url: str, path: str = "/lps.csv", **params: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, timeout=60)


@pytest.mark.parametrize("stream", ["", "on"])
def test_invalid_sql_is_a_400_with_its_error(server: tuple[str, Path], stream: str) -> None:
    response = _csv(server[0], sql="select * from nosuch", _stream=stream)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "error: no such table: nosuch\n"


def test_a_result_over_the_size_cap_is_a_400_saying_so(server: tuple[str, Path]) -> None:
    response = _csv(server[0], sql=TOO_LARGE, _dl="1")
    assert response.status_code == 400
    assert "content-disposition" not in response.headers
    assert response.text == (
        "error: query result too large: its rows take more than 30 MB as JSON, the most `lps "
        "serve` returns for one query; select fewer rows (LIMIT), fewer columns or shorter "
        "values (substr)\n")


def test_a_query_over_the_time_limit_is_a_400_saying_so(server: tuple[str, Path]) -> None:
    url, log = server
    response = _csv(url, sql=TOO_SLOW)
    assert response.status_code == 400
    assert response.text == TIME_LIMIT
    lines = log.read_text().splitlines()
    assert "Traceback (most recent call last):" not in lines
    assert any(line.startswith("400 GET /lps.csv?sql=with+recursive") and line.endswith(
        ": " + TIME_LIMIT.removeprefix("error: ").rstrip()) for line in lines)


def test_a_table_query_that_fails_is_a_400(server: tuple[str, Path]) -> None:
    response = _csv(server[0], "/lps/performance.csv", _where="nosuch = 1")
    assert response.status_code == 400
    assert response.text == "error: no such column: nosuch\n"


def test_answers_that_are_csv_are_passed_on(server: tuple[str, Path]) -> None:
    url, _ = server
    rows = _csv(url, sql="select area from areas order by area limit 2")
    assert (rows.status_code, rows.text) == (200, "area\r\nBarking and Dagenham\r\nBarnet\r\n")
    empty = _csv(url, sql="select area from areas where 0")
    assert (empty.status_code, empty.text) == (200, "area\r\n")
    headless = _csv(url, sql="select area from areas where 0", _header="off")
    assert (headless.status_code, headless.text) == (200, "")
    failed = _csv(url, sql="select * from nosuch", _header="off")
    assert (failed.status_code, failed.text) == (400, "error: no such table: nosuch\n")
