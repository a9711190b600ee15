"""`lps serve`: configuration, canned queries, facets and refusals, checked through Datasette.

Datasette's in-process client renders the same pages a browser would get, so these tests need no
server and no browser (tests/test_browser.py covers those).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sample_warehouse import DOCUMENT_IDS, build_sample_warehouse
from sqlite_utils import Database

from lps.cli import main
from lps.serve import (
    DATABASE_NAME,
    ServeError,
    build_datasette,
    check_warehouse,
    load_metadata,
)


class Client:
    """Datasette's ASGI client on one event loop, called synchronously."""

    def __init__(self, datasette: Any) -> None:
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(datasette.invoke_startup())

    def get(self, path: str, **params: str) -> Any:
        response = self.loop.run_until_complete(self.datasette.client.get(path, params=params))
        assert response.status_code == 200, (path, response.text[:500])
        return response

    def rows(self, path: str, **params: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get(path, _shape="array", **params).json()
        return result


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Not called lps.db: the database must be served as `lps` whatever its file is called.
    return build_sample_warehouse(tmp_path_factory.mktemp("serve") / "sample-warehouse.db")


@pytest.fixture(scope="module")
def client(warehouse: Path) -> Iterator[Client]:
    client = Client(build_datasette(warehouse))
    yield client
    client.loop.close()


def test_served_read_only_not_immutable_under_the_name_lps(client: Client) -> None:
    # Mutable to Datasette (read as it changes, counts never cached), opened mode=ro.
    databases = client.rows("/-/databases.json")
    assert [(db["name"], db["is_mutable"]) for db in databases] == [(DATABASE_NAME, True)]
    database = client.datasette.get_database(DATABASE_NAME)
    query_only = client.loop.run_until_complete(database.execute("PRAGMA query_only"))
    assert query_only.first()[0] == 1


def test_metadata_describes_every_table_view_and_column(warehouse: Path) -> None:
    db = Database(warehouse)
    described = load_metadata()["databases"][DATABASE_NAME]["tables"]
    names = [n for n in db.table_names() if "_fts" not in n] + db.view_names()
    assert sorted(described) == sorted(names)
    for name in names:
        columns = [column.name for column in db[name].columns]
        assert described[name].get("description"), name
        if name != "_sqlite_migrations":
            assert list(described[name]["columns"]) == columns, name


def test_missed_targets_lists_only_documented_targets(client: Client) -> None:
    # Hackney's and Lambeth's 2009/10 burglary is not marked achieved, but no target for it is
    # documented (none printed, no priorities from 2008/09): not missed targets.
    assert client.rows(
        "/lps/missed_targets.json", measure="residential_burglary", period="2009/10"
    ) == []
    got = client.rows("/lps/missed_targets.json", measure="robbery", period="2009-10")
    assert [(r["area"], r["change_pct"], r["printed_target_change_pct"], r["page"])
            for r in got] == [("Barnet", 1.5, -2.0, 3)]
    assert got[0]["source"] == "leaflets/barnet-2009.pdf"


def test_rows_not_marked_achieved_keep_their_own_view(client: Client) -> None:
    got = client.rows("/lps/targets_not_marked_achieved.json", _sort="area")
    assert sorted((r["area"], r["measure"], r["target_documented"]) for r in got) == [
        ("Barnet", "public_confidence", 1),
        ("Barnet", "robbery", 1),
        ("Hackney", "residential_burglary", 0),
        ("Lambeth", "residential_burglary", 0),
    ]


def test_missed_targets_with_empty_parameters_lists_all(client: Client) -> None:
    got = client.rows("/lps/missed_targets.json", measure="", period="")
    assert [(r["area"], r["measure"], r["value_pct"], r["printed_target_value_pct"])
            for r in got] == [
        ("Barnet", "public_confidence", 55.0, 58.0),
        ("Barnet", "robbery", None, None),
    ]


def test_commanders_mentioning_a_word(client: Client) -> None:
    got = client.rows("/lps/commanders_mentioning.json", word="gang")
    assert [(r["commander"], r["area"], r["period"], r["page"]) for r in got] == [
        ("Steve Bloggs", "Hackney", "2009/10", 2),
        ("Jane Smith", "Lambeth", "2009/10", 2),
    ]
    assert got[1]["snippet"] == (
        "We worked with partners to take on the «gangs» behind knife crime."
    )


def test_search_leaflets_returns_area_period_section_page_snippet_and_source(
    client: Client,
) -> None:
    got = client.rows("/lps/search_leaflets.json", q="burglar")
    assert sorted((r["area"], r["period"], r["section"], r["page"], r["source"]) for r in got) == [
        ("Barnet", "2009/10", "commander_message", 2, "leaflets/barnet-2009.pdf"),
        ("Lambeth", "2010/11", "commander_message", 2, "leaflets/lambeth-2010.pdf"),
    ]
    assert {r["snippet"] for r in got} == {
        "427 fewer «burglaries» than last year.",
        "«Burglary» fell by 200 offences this year.",
    }


@pytest.mark.parametrize("q", ["", "   ", 'NEAR("', "AND", "knife OR", "*"])
def test_search_leaflets_never_fails_on_what_people_type(client: Client, q: str) -> None:
    assert client.rows("/lps/search_leaflets.json", q=q) == []


def test_search_leaflets_phrase(client: Client) -> None:
    got = client.rows("/lps/search_leaflets.json", q="knife crime")
    assert [(r["area"], r["period"]) for r in got] == [("Lambeth", "2009/10")]


def test_borough_trend(client: Client) -> None:
    got = client.rows("/lps/borough_trend.json", area="lambeth ", measure="knife_crime")
    assert [(r["period"], r["change_pct"], r["previous_change_pct"]) for r in got] == [
        ("2009/10", -10.0, None),
        ("2010/11", -6.7, -10.0),
    ]


def test_change_by_borough(client: Client) -> None:
    got = client.rows(
        "/lps/change_by_borough.json", measure="residential_burglary", period="2009/10"
    )
    assert [(r["area"], r["change_pct"]) for r in got] == [
        ("Barnet", -16.2), ("Hackney", 2.5), ("Lambeth", 4.0),
    ]


def test_targets_set(client: Client) -> None:
    got = client.rows("/lps/targets_set.json", period="2010/11", measure="")
    assert [(r["area"], r["area_code"], r["measure"], r["target_change_pct"],
             r["leaflet_period"]) for r in got] == [
        ("Lambeth", "E09000022", "knife_crime", -5.0, "2009/10"),
        ("Lambeth", "E09000022", "residential_burglary", -3.0, "2009/10"),
    ]


def test_coverage_by_period(client: Client) -> None:
    assert client.rows("/lps/coverage_by_period.json") == [
        {"period": "2009/10", "loaded": 3, "quarantined": 0, "missing": 29,
         "quarantined_documents": 0, "note": "", "conflict": 0},
        {"period": "2010/11", "loaded": 1, "quarantined": 1, "missing": 30,
         "quarantined_documents": 1, "note": "", "conflict": 0},
        # The file whose borough could not be read is counted, and said why it has no cell.
        {"period": "not placed", "loaded": None, "quarantined": None, "missing": None,
         "quarantined_documents": 1,
         "note": "quarantined documents whose borough or year could not be read (and no "
                 "manifest said): not in the matrix; see coverage_unplaced", "conflict": None},
    ]


def test_leaflets_to_review(client: Client) -> None:
    got = client.rows("/lps/leaflets_to_review.json")
    assert sorted((r["source"], r["reason"]) for r in got) == [
        ("leaflets/hackney-2010.pdf", "performance table unreadable"),
        ("leaflets/unknown.pdf", "no template matched"),
    ]


@pytest.mark.parametrize(
    ("table", "facets"),
    [
        ("performance", {"area", "period", "measure", "target_achieved"}),
        ("performance_detail", {"area", "period", "measure", "target_documented",
                                "target_missed"}),
        ("targets_missed", {"area", "period", "measure"}),
        ("targets_not_marked_achieved", {"area", "period", "measure", "target_documented"}),
        ("coverage", {"area", "period", "status"}),
        ("performance_year_on_year", {"area", "period", "measure", "target_achieved"}),
        ("priorities", {"area", "period", "measure"}),
        ("documents", {"status", "period", "template", "needs_review", "read_by"}),
    ],
)
def test_default_facets(client: Client, table: str, facets: set[str]) -> None:
    data = client.get(f"/lps/{table}.json").json()
    assert set(data["facet_results"]) == facets


def test_area_facet_shows_all_32_boroughs(client: Client) -> None:
    data = client.get("/lps/coverage.json").json()
    assert len(data["facet_results"]["area"]["results"]) == 32
    assert data["facet_results"]["area"]["truncated"] is False


def test_sections_detail_search_finds_word_forms(client: Client) -> None:
    # Porter stemming: "gang" finds "gangs" (Lambeth) and "Gang-related" (Hackney).
    for word in ("gang", "gangs"):
        got = client.rows("/lps/sections_detail.json", _search=word, _sort="area")
        assert [(r["area"], r["period"]) for r in got] == [
            ("Hackney", "2009/10"), ("Lambeth", "2009/10")
        ], word


def test_table_page_shows_column_descriptions(client: Client) -> None:
    html = client.get("/lps/performance").text
    assert "Percentage change in offences on the previous year" in html
    assert "Open Government Licence v3.0" in html


def test_document_ids_in_views_link_to_the_document(client: Client) -> None:
    html = client.get("/lps/targets_not_marked_achieved").text
    assert f'href="/lps/documents/{DOCUMENT_IDS["hackney-2009"]}"' in html


def test_dashboard_loads_nothing_from_outside(client: Client) -> None:
    html = client.get("/-/dashboards/borough-performance", measure="residential_burglary").text
    assets = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert assets, "no assets found: the page changed shape"
    assert [url for url in assets if not url.startswith("/")] == []
    for url in assets:
        client.get(url)  # served locally, by Datasette or a plugin


def _chart_sql(chart: str) -> str:
    config = load_metadata()["plugins"]["datasette-dashboards"]["borough-performance"]
    sql: str = config["charts"][chart]["query"]
    return sql


def test_dashboard_opens_on_the_latest_year_that_has_the_measure(client: Client) -> None:
    sql = _chart_sql("change-by-borough")
    latest = client.rows("/lps.json", sql=sql, measure="residential_burglary", period="")
    assert [(r["area"], r["period"], r["figure"]) for r in latest] == [
        ("Lambeth", "2010/11", -6.5)
    ]
    # Public confidence is printed in 2009/10 only: an empty year, or 2010/11, shows 2009/10.
    for period in ("", "2010/11"):
        rows = client.rows("/lps.json", sql=sql, measure="public_confidence", period=period)
        assert [(r["area"], r["period"]) for r in rows] == [("Barnet", "2009/10")], period
    shown = client.rows("/lps.json", sql=_chart_sql("shown"), measure="public_confidence",
                        period="2010/11")
    assert shown == [{"measure": "Public confidence", "year": "2009/10",
                      "figure": "the rate (%)", "better": "higher is better",
                      "note": "2010/11 has no figures for this measure"}]


def test_dashboard_charts_the_value_of_rate_measures(client: Client) -> None:
    rows = client.rows("/lps.json", sql=_chart_sql("change-by-borough"),
                       measure="public_confidence", period="2009/10")
    assert [(r["figure"], r["figure_is"], r["value_pct"], r["printed_target_value_pct"],
             r["target"]) for r in rows] == [
        (55.0, "Public confidence (%)", 55.0, 58.0, "documented target missed"),
    ]


def test_dashboard_colours_only_documented_targets_as_missed(client: Client) -> None:
    rows = client.rows("/lps.json", sql=_chart_sql("change-by-borough"),
                       measure="residential_burglary", period="2009/10")
    assert [(r["area"], r["target"]) for r in rows] == [
        ("Barnet", "marked achieved, target not held"),
        ("Hackney", "no documented target"),
        ("Lambeth", "no documented target"),
    ]


def test_dashboard_trend_breaks_its_line_at_a_missing_year(client: Client, warehouse: Path,
                                                          tmp_path: Path) -> None:
    # Lambeth has knife crime in 2009/10 and 2010/11: one run. Make the second 2011/12 and
    # the two must be separate runs (separate lines), not one line across 2010/11.
    sql = _chart_sql("trend")
    rows = client.rows("/lps.json", sql=sql, measure="knife_crime", area="Lambeth")
    assert [(r["period"], r["run"]) for r in rows] == [
        ("2009/10", "Lambeth #0"), ("2010/11", "Lambeth #0")
    ]
    gap = tmp_path / "gap.db"
    gap.write_bytes(warehouse.read_bytes())
    db = Database(gap)
    db.execute("UPDATE documents SET period = '2011/12' WHERE document_id = ?",
               [DOCUMENT_IDS["lambeth-2010"]])
    db.execute("UPDATE performance SET period = '2011/12' WHERE document_id = ?",
               [DOCUMENT_IDS["lambeth-2010"]])
    db.conn.commit()
    db.close()
    other = Client(build_datasette(gap))
    rows = other.rows("/lps.json", sql=sql, measure="knife_crime", area="Lambeth")
    assert [(r["period"], r["run"], r["borough"]) for r in rows] == [
        ("2009/10", "Lambeth #0", "Lambeth"), ("2011/12", "Lambeth #1", "Lambeth")
    ]
    other.loop.close()


def test_check_warehouse_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ServeError) as error:
        check_warehouse(tmp_path / "lps.db")
    assert str(error.value) == (
        f"no warehouse at {tmp_path / 'lps.db'}: run `lps ingest` first, or pass --db"
    )


def test_check_warehouse_folder(tmp_path: Path) -> None:
    with pytest.raises(ServeError) as error:
        check_warehouse(tmp_path)
    assert str(error.value) == f"cannot serve {tmp_path}: it is not a file"


def test_check_warehouse_not_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, but long enough to have a header " * 5)
    with pytest.raises(ServeError) as error:
        check_warehouse(path)
    assert str(error.value) == f"cannot serve {path}: file is not a database"


def test_check_warehouse_other_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ServeError) as error:
        check_warehouse(path)
    assert str(error.value) == (
        f"{path} is not a policing-summaries warehouse: it has no documents table"
    )


def test_changes_still_in_the_wal_are_served(warehouse: Path, tmp_path: Path) -> None:
    # Immutable mode skipped the -wal, so serving used to refuse such a file; read-only mode
    # reads it, as the writer that is still open (an ingest) has committed it.
    path = tmp_path / "lps.db"
    path.write_bytes(warehouse.read_bytes())
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE documents SET commander = 'Ada Lovelace' WHERE document_id = ?",
                   [DOCUMENT_IDS["barnet-2009"]])
    writer.commit()
    assert (tmp_path / "lps.db-wal").stat().st_size > 0
    assert check_warehouse(path) is True
    other = Client(build_datasette(path))
    rows = other.rows("/lps/documents.json", document_id=DOCUMENT_IDS["barnet-2009"])
    assert [row["commander"] for row in rows] == ["Ada Lovelace"]
    other.loop.close()
    writer.close()


def test_serve_command_reports_a_missing_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    result = CliRunner().invoke(main, ["serve"], env={"LPS_DB": str(missing)})
    assert result.exit_code == 2
    assert result.output == (
        f"Error: no warehouse at {missing}: run `lps ingest` first, or pass --db\n"
    )


def test_serve_command_defaults() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--db FILE Warehouse file to serve. [env var: LPS_DB; default: lps.db]" in text
    assert "--host TEXT Address to listen on. [default: 127.0.0.1]" in text


def test_csv_export_of_a_view_streams_every_row(client: Client) -> None:
    text = client.get("/lps/coverage.csv", _stream="on").text
    lines = text.splitlines()
    assert lines[0] == (
        "area,area_code,period,status,loaded_documents,quarantined_documents,document_id,"
        "conflicted_documents,quarantine_reason,status_detail,synthetic,read_by"
    )
    assert len(lines) == 1 + 64


def test_csv_export_of_a_canned_query(client: Client) -> None:
    text = client.get("/lps/missed_targets.csv", measure="robbery", period="2009/10").text
    assert text.splitlines()[1].startswith(
        "Barnet,2009/10,robbery,1.5,,-2.0,,,,12,Robbery,E09000003,,Neil Basu,3,"
        "leaflets/barnet-2009.pdf#page=3,leaflets/barnet-2009.pdf,"
    )


def test_raw_search_mode_on_sections_detail(client: Client) -> None:
    got = client.rows("/lps/sections_detail.json", _search="gang* NOT knife", _searchmode="raw")
    assert [(r["area"], r["period"]) for r in got] == [("Hackney", "2009/10")]


def test_check_warehouse_without_views(tmp_path: Path) -> None:
    from warehouse import open_warehouse
    from warehouse.views import VIEWS

    path = tmp_path / "old.db"
    db = open_warehouse(path)
    for name in VIEWS:  # as a warehouse made before the views existed
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
    db.close()
    with pytest.raises(ServeError) as error:
        check_warehouse(path)
    assert str(error.value) == (
        f"{path} was built by an older version and lacks the views performance_detail, "
        "targets_missed, coverage, performance_year_on_year, sections_detail: "
        "run `lps ingest` on it once to bring it up to date"
    )
