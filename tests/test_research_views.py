"""Migration m005 (issue 10): the codebook, honest targets, every value column in the views,
stemmed search, unplaced quarantined documents; on the sample warehouse and on real fixture
leaflets (expectations from their golden files)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sample_warehouse import (
    DOCUMENT_IDS,
    FIXTURES,
    build_fixture_warehouse,
    build_sample_warehouse,
    golden,
)
from sqlite_utils import Database

from schemas import Measure
from schemas.measures import RATE_MEASURES
from warehouse import load_extraction, open_warehouse
from warehouse.m005_research import MEASURES, STATEMENTS
from warehouse.migrations import migrations
from warehouse.verify import check_full_text

#: The fingerprint of m005 as it shipped. A migration that has run is never run again, so an
#: edit would reach new warehouses only: change the schema with a new migration instead.
M005_FINGERPRINT = "be92afa4fe21c361e28896120f10b9eb219d398f3b3f319a265c3f673d936991"


def rows(db: Database, sql: str, params: Any = None) -> list[dict[str, Any]]:
    return list(db.query(sql, params or {}))


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(build_sample_warehouse(tmp_path / "lps.db"))


def test_m005_is_frozen() -> None:
    text = "\n".join(STATEMENTS) + repr(MEASURES)
    assert hashlib.sha256(text.encode()).hexdigest() == M005_FINGERPRINT


def _columns(db: Database, name: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info([{name}])")]


def test_views_keep_every_column_they_had(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m005_research")
    before = {name: _columns(db, name) for name in db.view_names()}
    migrations.apply(db)
    for name, columns in before.items():
        after = _columns(db, name)
        assert [c for c in after if c in columns] == columns, name  # same names, same order


def test_every_value_column_of_performance_reaches_the_views(db: Database) -> None:
    values = {"change_count", "change_pct", "count_previous", "count_current", "value_pct"}
    printed = {"printed_target_change_pct", "printed_target_value_pct"}
    for view in ("performance_detail", "targets_missed", "targets_not_marked_achieved",
                 "performance_year_on_year"):
        assert values | printed <= set(_columns(db, view)), view
    assert {"target_achieved", "priority_target_change_pct", "targets_disagree",
            "target_documented", "target_missed"} <= set(_columns(db, "performance_detail"))


def test_the_two_targets_are_told_apart(db: Database) -> None:
    got = rows(db, """
        SELECT area, period, measure, printed_target_change_pct, priority_target_change_pct,
               targets_disagree, target_documented, target_missed, target_achieved
        FROM performance_detail WHERE measure IS NOT NULL ORDER BY area, period, measure
    """)
    def row(area: str, period: str, measure: str, printed: float | None,
            priority: float | None, disagree: int | None, documented: int,
            missed: int | None, achieved: int | None) -> dict[str, Any]:
        return {"area": area, "period": period, "measure": measure,
                "printed_target_change_pct": printed, "priority_target_change_pct": priority,
                "targets_disagree": disagree, "target_documented": documented,
                "target_missed": missed, "target_achieved": achieved}
    assert got == [
        row("Barnet", "2009/10", "public_confidence", None, None, None, 1, 1, 0),
        row("Barnet", "2009/10", "residential_burglary", None, None, None, 0, None, 1),
        row("Barnet", "2009/10", "robbery", -2.0, None, None, 1, 1, 0),
        row("Hackney", "2009/10", "residential_burglary", None, None, None, 0, None, 0),
        row("Lambeth", "2009/10", "knife_crime", None, None, None, 0, None, 1),
        row("Lambeth", "2009/10", "residential_burglary", None, None, None, 0, None, 0),
        row("Lambeth", "2010/11", "knife_crime", -4.0, -5.0, 1, 1, 0, 1),
        row("Lambeth", "2010/11", "residential_burglary", None, -3.0, None, 1, 0, 1),
    ]


def test_target_change_pct_keeps_its_old_meaning(db: Database) -> None:
    assert rows(db, """
        SELECT count(*) AS n FROM performance_detail
        WHERE target_change_pct IS NOT priority_target_change_pct
    """) == [{"n": 0}]


def test_codebook_covers_every_measure(tmp_path: Path) -> None:
    with open_warehouse(tmp_path / "lps.db") as db:  # every migration's codebook rows
        codebook = {row[0]: row for row in db.execute(
            "SELECT measure, name, kind, unit, figure, direction, composition FROM measures")}
    assert {row[0] for row in MEASURES} <= set(codebook)
    assert set(codebook) == {measure.value for measure in Measure}
    for measure in Measure:
        _, _, kind, unit, figure, *_ = codebook[measure.value]
        rate = measure in RATE_MEASURES
        assert (kind, figure) == (("rate", "value_pct") if rate else ("count", "change_pct"))
        assert unit in (("%", "percentage points") if rate else ("offences",))
    assert codebook["victim_satisfaction_gap"][5] == "lower is better"
    assert codebook["public_confidence"][5] == "higher is better"
    composition = codebook["serious_acquisitive_crime"][6] or ""
    for part in ("residential_burglary", "robbery", "theft_from_vehicles", "theft_of_vehicles"):
        assert part in composition


def test_coverage_unplaced_says_why(db: Database) -> None:
    assert rows(db, "SELECT document_id, source, reason, why_not_in_matrix "
                    "FROM coverage_unplaced") == [{
        "document_id": DOCUMENT_IDS["unknown"], "source": "leaflets/unknown.pdf",
        "reason": "no template matched",
        "why_not_in_matrix": "neither its borough nor its year could be read from its reason, "
                             "its PDF title or its file name, and no manifest said what it "
                             "should be",
    }]


@pytest.mark.parametrize(("table", "word", "areas"), [
    ("sections", "gang", ["Hackney", "Lambeth"]),  # "Gang-related", "gangs"
    ("sections", "burglaries", ["Barnet", "Lambeth"]),  # "burglaries", "Burglary"
    ("priorities", "burglaries", ["Lambeth"]),  # "Reduce residential burglary by 3%"
])
def test_search_is_stemmed(db: Database, table: str, word: str, areas: list[str]) -> None:
    got = rows(db, f"""
        SELECT DISTINCT d.area FROM [{table}_fts] AS f
        JOIN [{table}] AS t ON t.rowid = f.rowid
        JOIN documents AS d ON d.document_id = t.document_id
        WHERE [{table}_fts] MATCH ? ORDER BY d.area
    """, [word])
    assert [r["area"] for r in got] == areas


def test_upgrading_a_warehouse_reindexes_its_text(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m005_research")
    load_extraction(db, "a" * 64, "old/camden.pdf", golden("camden"), "v", 100)
    stemmed = "SELECT count(*) AS n FROM sections_fts WHERE sections_fts MATCH 'gang'"
    assert rows(db, stemmed) == [{"n": 0}]  # "gangs" is not "gang" without a stemmer
    migrations.apply(db)
    assert rows(db, stemmed)[0]["n"] > 0
    assert check_full_text(db).problems == []
    db.table("sections").delete_where("document_id = ?", ["a" * 64])  # the triggers still work
    assert rows(db, "SELECT count(*) AS n FROM sections_fts_docsize") == [{"n": 0}]


# Real leaflets: Barnet and Kensington and Chelsea over three editions, and two boroughs whose
# 2009/10 burglary is not marked achieved with no target documented anywhere.
_LEAFLETS = [
    ("2007-08", "barnet"), ("2008-09", "barnet"), ("2008-09", "kensington-and-chelsea"),
    ("2009-10", "kensington-and-chelsea"), ("2009-10", "bexley"), ("2009-10", "merton"),
]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    pdfs = [FIXTURES / "pdfs" / year / f"{slug}.pdf" for year, slug in _LEAFLETS]
    path = build_fixture_warehouse(tmp_path_factory.mktemp("fixtures") / "lps.db", pdfs)
    return open_warehouse(path)


def _burglary(year: str, slug: str) -> Any:
    return next(r for r in golden(slug, year).performance
                if r.measure == Measure.residential_burglary)


def _burglary_priority(year: str, slug: str) -> float | None:
    return next((p.target_change_pct for p in golden(slug, year).priorities
                 if p.measure == Measure.residential_burglary), None)


def test_barnet_2008_09_burglary_shows_both_targets(fixture_db: Database) -> None:
    printed = _burglary("2008-09", "barnet").target_change_pct
    priority = _burglary_priority("2007-08", "barnet")
    assert printed is not None and priority is not None and printed != priority  # still apt
    assert rows(fixture_db, """
        SELECT printed_target_change_pct, priority_target_change_pct, target_change_pct,
               targets_disagree, target_documented
        FROM performance_detail
        WHERE area = 'Barnet' AND period = '2008/09' AND measure = 'residential_burglary'
    """) == [{"printed_target_change_pct": printed, "priority_target_change_pct": priority,
              "target_change_pct": priority, "targets_disagree": 1, "target_documented": 1}]


def test_2009_10_burglary_missed_only_where_a_target_was_documented(fixture_db: Database
                                                                    ) -> None:
    not_achieved = sorted(
        golden(slug).document.area for year, slug in _LEAFLETS
        if year == "2009-10" and _burglary(year, slug).target_achieved is False
    )
    documented = {golden(slug, "2008-09").document.area for year, slug in _LEAFLETS
                  if year == "2008-09" and _burglary_priority(year, slug) is not None}
    assert {"Bexley", "Merton"} <= set(not_achieved) and "Bexley" not in documented
    got = rows(fixture_db, """
        SELECT area, target_documented FROM targets_not_marked_achieved
        WHERE measure = 'residential_burglary' AND period = '2009/10' ORDER BY area
    """)
    assert got == [{"area": a, "target_documented": int(a in documented)} for a in not_achieved]
    missed = rows(fixture_db, """
        SELECT area FROM targets_missed
        WHERE measure = 'residential_burglary' AND period = '2009/10' ORDER BY area
    """)
    assert [r["area"] for r in missed] == [a for a in not_achieved if a in documented]


def test_edition_without_a_mark_has_no_missed_target(fixture_db: Database) -> None:
    assert rows(fixture_db, """
        SELECT count(*) AS n, count(target_achieved) AS marked, count(target_missed) AS missed
        FROM performance_detail WHERE template = 'mpa-2008'
    """) == [{"n": len(golden("barnet", "2007-08").performance), "marked": 0, "missed": 0}]


def test_printed_labels_are_in_the_codebook(fixture_db: Database) -> None:
    labels = rows(fixture_db, "SELECT m.measure, m.printed_labels, l.label FROM measure_labels "
                              "AS l JOIN measures AS m USING (measure)")
    assert labels
    for row in labels:
        assert row["label"] in row["printed_labels"].split("; "), row
