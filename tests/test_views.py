"""The warehouse views: exact contents on a two-year sample, and safe to create again."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sample_warehouse import DOCUMENT_IDS, build_sample_warehouse
from sqlite_utils import Database

from schemas import london_boroughs
from warehouse.views import VIEWS, create_views


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(build_sample_warehouse(tmp_path / "lps.db"))


def rows(db: Database, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return list(db.query(sql, params or {}))


def test_areas_lists_the_32_boroughs(db: Database) -> None:
    assert rows(db, "SELECT area_code, area FROM areas ORDER BY area_code") == [
        {"area_code": area.code, "area": area.name} for area in london_boroughs()
    ]


def test_coverage_is_every_borough_for_every_period(db: Database) -> None:
    coverage = rows(db, "SELECT area, period, status FROM coverage")
    assert len(coverage) == 32 * 2
    assert Counter((row["period"], row["status"]) for row in coverage) == {
        ("2009/10", "loaded"): 3,
        ("2009/10", "missing"): 29,
        ("2010/11", "loaded"): 1,
        ("2010/11", "quarantined"): 1,
        ("2010/11", "missing"): 30,
    }


def test_coverage_rows_name_their_documents(db: Database) -> None:
    got = rows(db, """
        SELECT area, period, status, loaded_documents, quarantined_documents, document_id
        FROM coverage WHERE status != 'missing' ORDER BY period, area
    """)
    assert got == [
        {"area": "Barnet", "period": "2009/10", "status": "loaded", "loaded_documents": 1,
         "quarantined_documents": 0, "document_id": DOCUMENT_IDS["barnet-2009"]},
        {"area": "Hackney", "period": "2009/10", "status": "loaded", "loaded_documents": 1,
         "quarantined_documents": 0, "document_id": DOCUMENT_IDS["hackney-2009"]},
        {"area": "Lambeth", "period": "2009/10", "status": "loaded", "loaded_documents": 1,
         "quarantined_documents": 0, "document_id": DOCUMENT_IDS["lambeth-2009"]},
        {"area": "Hackney", "period": "2010/11", "status": "quarantined", "loaded_documents": 0,
         "quarantined_documents": 1, "document_id": DOCUMENT_IDS["hackney-2010"]},
        {"area": "Lambeth", "period": "2010/11", "status": "loaded", "loaded_documents": 1,
         "quarantined_documents": 0, "document_id": DOCUMENT_IDS["lambeth-2010"]},
    ]


def test_coverage_missing_cell(db: Database) -> None:
    assert rows(db, "SELECT * FROM coverage WHERE area = 'Barnet' AND period = '2010/11'") == [
        {"area": "Barnet", "area_code": "E09000003", "period": "2010/11", "status": "missing",
         "loaded_documents": 0, "quarantined_documents": 0, "document_id": None,
         "conflicted_documents": 0, "quarantine_reason": None,
         "status_detail": "no leaflet for this borough and year was ingested",
         "synthetic": None, "read_by": None},
    ]


def test_loaded_wins_over_quarantined_in_the_same_cell(db: Database) -> None:
    db.table("documents").update(DOCUMENT_IDS["hackney-2010"], {"period": "2009/10"})
    assert rows(db, "SELECT * FROM coverage WHERE area = 'Hackney'") == [
        {"area": "Hackney", "area_code": "E09000012", "period": "2009/10", "status": "loaded",
         "loaded_documents": 1, "quarantined_documents": 1,
         "document_id": DOCUMENT_IDS["hackney-2009"], "conflicted_documents": 0,
         "quarantine_reason": None, "status_detail": "loaded", "synthetic": None,
         "read_by": "text layer"},
        {"area": "Hackney", "area_code": "E09000012", "period": "2010/11", "status": "missing",
         "loaded_documents": 0, "quarantined_documents": 0, "document_id": None,
         "conflicted_documents": 0, "quarantine_reason": None,
         "status_detail": "no leaflet for this borough and year was ingested",
         "synthetic": None, "read_by": None},
    ]


def test_year_on_year_pairs_each_year_with_the_one_before(db: Database) -> None:
    got = rows(db, """
        SELECT area, measure, period, change_pct, previous_period, previous_change_count,
               previous_change_pct, years_since_previous, change_pct_difference
        FROM performance_year_on_year WHERE area = 'Lambeth'
    """)
    assert got == [
        {"area": "Lambeth", "measure": "knife_crime", "period": "2009/10", "change_pct": -10.0,
         "previous_period": None, "previous_change_count": None, "previous_change_pct": None,
         "years_since_previous": None, "change_pct_difference": None},
        {"area": "Lambeth", "measure": "knife_crime", "period": "2010/11", "change_pct": -6.7,
         "previous_period": "2009/10", "previous_change_count": -50,
         "previous_change_pct": -10.0, "years_since_previous": 1,
         "change_pct_difference": 3.3},
        {"area": "Lambeth", "measure": "residential_burglary", "period": "2009/10",
         "change_pct": 4.0, "previous_period": None, "previous_change_count": None,
         "previous_change_pct": None, "years_since_previous": None,
         "change_pct_difference": None},
        {"area": "Lambeth", "measure": "residential_burglary", "period": "2010/11",
         "change_pct": -6.5, "previous_period": "2009/10", "previous_change_count": 120,
         "previous_change_pct": 4.0, "years_since_previous": 1,
         "change_pct_difference": -10.5},
    ]


def test_year_on_year_leaves_out_unrecognised_labels(db: Database) -> None:
    assert rows(db, "SELECT count(*) AS n FROM performance_year_on_year") == [{"n": 8}]
    assert rows(db, "SELECT count(*) AS n FROM performance_detail WHERE measure IS NULL") == [
        {"n": 1}
    ]


def test_targets_missed_lists_only_documented_targets_not_met(db: Database) -> None:
    got = rows(db, """
        SELECT area, period, measure, change_count, change_pct, value_pct,
               printed_target_change_pct, printed_target_value_pct, document_id, source, page,
               source_page
        FROM targets_missed ORDER BY period, measure, area
    """)
    barnet = {"document_id": DOCUMENT_IDS["barnet-2009"], "source": "leaflets/barnet-2009.pdf",
              "page": 3, "source_page": "leaflets/barnet-2009.pdf#page=3"}
    assert got == [
        {"area": "Barnet", "period": "2009/10", "measure": "public_confidence",
         "change_count": None, "change_pct": None, "value_pct": 55.0,
         "printed_target_change_pct": None, "printed_target_value_pct": 58.0, **barnet},
        {"area": "Barnet", "period": "2009/10", "measure": "robbery", "change_count": 12,
         "change_pct": 1.5, "value_pct": None, "printed_target_change_pct": -2.0,
         "printed_target_value_pct": None, **barnet},
    ]


def test_performance_detail_takes_the_target_from_last_years_priorities(db: Database) -> None:
    got = rows(db, """
        SELECT period, measure, target_change_pct, commander FROM performance_detail
        WHERE area = 'Lambeth' ORDER BY period, measure
    """)
    assert got == [
        {"period": "2009/10", "measure": "knife_crime", "target_change_pct": None,
         "commander": "Jane Smith"},
        {"period": "2009/10", "measure": "residential_burglary", "target_change_pct": None,
         "commander": "Jane Smith"},
        {"period": "2010/11", "measure": "knife_crime", "target_change_pct": -5.0,
         "commander": "Jane Smith"},
        {"period": "2010/11", "measure": "residential_burglary", "target_change_pct": -3.0,
         "commander": "Jane Smith"},
    ]


def test_disagreeing_targets_give_no_target(db: Database) -> None:
    db.table("priorities").insert({
        "document_id": DOCUMENT_IDS["lambeth-2010"], "row_number": 1, "area": "Lambeth",
        "period": "2010/11", "measure": "knife_crime", "label": "Reduce knife crime by 3%",
        "target_change_pct": -3.0, "page": 4,
    })
    got = rows(db, """
        SELECT target_change_pct FROM performance_detail
        WHERE area = 'Lambeth' AND period = '2010/11' AND measure = 'knife_crime'
    """)
    assert got == [{"target_change_pct": None}]


def test_views_show_only_loaded_documents(db: Database) -> None:
    sources = {row["source"] for row in rows(db, "SELECT source FROM sections_detail")}
    assert sources == {
        "leaflets/lambeth-2009.pdf", "leaflets/lambeth-2010.pdf", "leaflets/barnet-2009.pdf",
        "leaflets/hackney-2009.pdf",
    }


def test_sections_detail_ids_are_the_full_text_index_keys(db: Database) -> None:
    got = rows(db, """
        SELECT area, period FROM sections_detail
        WHERE section_id IN (SELECT rowid FROM sections_fts WHERE sections_fts MATCH 'gang*')
        ORDER BY area
    """)
    assert got == [{"area": "Hackney", "period": "2009/10"},
                   {"area": "Lambeth", "period": "2009/10"}]


def test_create_views_is_idempotent(db: Database) -> None:
    # `create_views` is the builder of migrations m003 and m004; m005 (test_research_views)
    # replaced some of its views, so start from what the builder itself makes.
    create_views(db)
    before = {name: rows(db, f"SELECT * FROM [{name}]") for name in VIEWS}
    create_views(db)
    create_views(db)
    assert {name: rows(db, f"SELECT * FROM [{name}]") for name in VIEWS} == before
    assert set(VIEWS) <= set(db.view_names())
    assert db.table("areas").count == 32


def test_a_broken_view_rolls_back_and_keeps_the_old_ones(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warehouse.views

    broken = {**VIEWS, "coverage": "SELECT * FROM no_such_table"}
    monkeypatch.setattr(warehouse.views, "VIEWS", broken)
    with pytest.raises(sqlite3.OperationalError) as error:
        create_views(db)
    assert str(error.value) == "no such table: main.no_such_table"
    assert rows(db, "SELECT count(*) AS n FROM coverage") == [{"n": 64}]
