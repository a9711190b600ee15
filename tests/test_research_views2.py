"""Migration m009 (issue 17) in SQL: typed views, targets judged with their source, PDF metadata
through the guard, quarantined leaflets placed, derived levels that contain the truth."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sample_warehouse import FIXTURES, build_fixture_warehouse, golden
from sqlite_utils import Database

from pipeline.guard import extract_guarded
from pipeline.parse import Reason, pdf_of
from pipeline.settings import Settings
from schemas import Extraction
from warehouse import load_extraction, open_warehouse, record_quarantine
from warehouse.m009_research2 import CODEBOOK_NOTES, EDITIONS, STATEMENTS, VIEW_COLUMN_TYPES
from warehouse.migrations import migrations
from warehouse.placement import place_quarantined

#: The fingerprint of m009 as it shipped: change the schema with a new migration instead.
M009_FINGERPRINT = "7ca8659b4cc6e77a85d1ba53e4cf3e14b84b36841258ce84df143cf5dc768421"

LEAFLETS = [("2008-09", "kensington-and-chelsea"), ("2009-10", "kensington-and-chelsea"),
            ("2009-10", "barnet"), ("2008-09", "barnet"), ("2007-08", "camden")]
BAD = ["empty.pdf", "no-performance-table.pdf", "unknown-edition-2012.pdf"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    pdfs = [FIXTURES / "pdfs" / year / f"{slug}.pdf" for year, slug in LEAFLETS]
    pdfs += [FIXTURES / "pdfs" / "2009-10" / "sutton.pdf"]
    pdfs += [FIXTURES / "pdfs" / "bad" / name for name in BAD]
    path = build_fixture_warehouse(tmp_path_factory.mktemp("m009") / "lps.db", pdfs)
    return sqlite3.connect(path)


def test_m009_is_frozen() -> None:
    text = "\n".join(STATEMENTS) + repr(EDITIONS) + repr(CODEBOOK_NOTES)
    assert hashlib.sha256(text.encode()).hexdigest() == M009_FINGERPRINT


def test_every_view_column_answers_a_filter_given_as_text(fixture_db: sqlite3.Connection
                                                          ) -> None:
    """What a facet link or `?column=1` sends is text: every value of every column of every
    view must match it as it matches the value itself (an untyped computed column did not)."""
    views = [row[0] for row in fixture_db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")]
    checked = 0
    for view in views:
        columns = [row[1] for row in fixture_db.execute(f"PRAGMA table_info([{view}])")]
        for column in columns:
            values = [row[0] for row in fixture_db.execute(
                f"SELECT DISTINCT [{column}] FROM [{view}] WHERE [{column}] IS NOT NULL "
                f"AND typeof([{column}]) IN ('integer', 'real') LIMIT 20")]
            for value in values:
                typed = fixture_db.execute(
                    f"SELECT count(*) FROM [{view}] WHERE [{column}] = ?", [value]).fetchone()
                as_text = fixture_db.execute(
                    f"SELECT count(*) FROM [{view}] WHERE [{column}] = ?",
                    [str(value)]).fetchone()
                assert typed == as_text, f"{view}.{column} = {value!r}"
                checked += 1
    assert checked > 300


def test_every_computed_column_has_a_type_for_the_release() -> None:
    for column in ("target_missed", "target_documented", "mark_agrees_with_target",
                   "level_previous", "previous_year_target_change_pct", "status",
                   "quarantine_reason", "scope", "data_origin", "source_page"):
        assert column in VIEW_COLUMN_TYPES, column
    assert VIEW_COLUMN_TYPES["target_missed"] == "integer"
    assert VIEW_COLUMN_TYPES["previous_year_target_change_pct"] == "number"
    assert VIEW_COLUMN_TYPES["data_origin"] == "string"


def test_a_mark_the_target_contradicts_is_not_judged(fixture_db: sqlite3.Connection) -> None:
    targets = {p.measure: p.target_change_pct
               for p in golden("kensington-and-chelsea", "2008-09").priorities
               if p.period == "2009/10" and p.target_change_pct is not None}
    expected = []
    for row in golden("kensington-and-chelsea").performance:
        target = targets.get(row.measure)
        if target is None or row.change_pct is None or row.target_achieved is None:
            continue
        met = row.change_pct <= target
        expected.append((row.measure.value if row.measure else None, target, int(met),
                         int(met == row.target_achieved),
                         None if met != row.target_achieved else int(not met)))
    got = fixture_db.execute(
        "SELECT measure, previous_year_target_change_pct, target_met_by_arithmetic, "
        "mark_agrees_with_target, target_missed FROM performance_detail "
        "WHERE area = 'Kensington and Chelsea' AND period = '2009/10' "
        "AND previous_year_target_change_pct IS NOT NULL ORDER BY row_number").fetchall()
    assert got == expected and any(agrees == 0 for *_, agrees, _ in got)
    judged = {row[0] for row in fixture_db.execute(
        "SELECT DISTINCT target_judged_by FROM performance_detail "
        "WHERE mark_agrees_with_target = 0")}
    assert judged == {"not judged: the printed mark and the arithmetic of the previous-year "
                      "target disagree (the previous-year target is from an edition modelled "
                      "without a real copy)"}
    assert fixture_db.execute("SELECT count(*) FROM target_disagreements").fetchone()[0] == sum(
        1 for row in got if row[3] == 0) + fixture_db.execute(
        "SELECT count(*) FROM performance_detail WHERE mark_agrees_with_target = 0 "
        "AND area != 'Kensington and Chelsea'").fetchone()[0]


def test_the_previous_year_target_names_the_leaflet_that_set_it(
        fixture_db: sqlite3.Connection) -> None:
    document_id = hashlib.sha256((FIXTURES / "pdfs" / "2008-09" / "barnet.pdf").read_bytes()
                                 ).hexdigest()
    rows = fixture_db.execute(
        "SELECT DISTINCT previous_year_target_document_id, previous_year_target_modelled "
        "FROM performance_detail WHERE area = 'Barnet' AND period = '2009/10' "
        "AND previous_year_target_change_pct IS NOT NULL").fetchall()
    assert rows == [(document_id, 1)]
    pages = {p.page for p in golden("barnet", "2008-09").priorities}
    assert {row[0] for row in fixture_db.execute(
        "SELECT DISTINCT previous_year_target_page FROM performance_detail WHERE area = "
        "'Barnet' AND period = '2009/10' AND previous_year_target_page IS NOT NULL")} <= pages


def test_pdf_metadata_comes_through_the_guard() -> None:
    settings = Settings()
    loaded = extract_guarded((FIXTURES / "pdfs" / "2009-10" / "barnet.pdf").read_bytes(),
                             settings)
    assert isinstance(loaded, Extraction) and loaded.pdf is not None
    assert (loaded.pdf.creator, loaded.pdf.title, loaded.pdf.synthetic) == (
        "policing-summaries fixtures", "Local Policing Summary: Barnet", True)
    refused = extract_guarded((FIXTURES / "pdfs" / "2009-10" / "sutton.pdf").read_bytes(),
                              settings)
    assert isinstance(refused, Reason)
    info = pdf_of(refused)
    assert info is not None and info.subject == "Local Policing Summary 2009/10"
    assert pdf_of(extract_guarded(b"", settings)) is None


def test_every_document_records_whether_it_is_synthetic(fixture_db: sqlite3.Connection) -> None:
    rows = fixture_db.execute(
        "SELECT source, synthetic, pdf_creator FROM documents ORDER BY source").fetchall()
    assert ("fixtures/pdfs/bad/empty.pdf", None, None) in rows
    assert all(synthetic == 1 and creator == "policing-summaries fixtures"
               for source, synthetic, creator in rows if "empty" not in source)
    assert fixture_db.execute(
        "SELECT DISTINCT data_origin FROM performance_detail WHERE area = 'Barnet' AND "
        "period = '2009/10'").fetchall() == [("real text (transcribed), generated PDF",)]


@pytest.mark.parametrize(("reason", "title", "source", "placed"), [
    ("performance table missing: no heading 'How did <borough> perform during 2009/10?' was "
     "found", "Local Policing Summary: Ealing Local Policing Summary 2009/10",
     "bad/no-performance-table.pdf",
     ("Ealing", "2009/10", "borough from its PDF title; year from its reason")),
    ("unknown template: years mentioned: 2011/12, 2012/13", "Local Policing Summary 2011/12: "
     "Barnet", "x.pdf", ("Barnet", "2011/12", "borough and year from its PDF title")),
    ("a sign it cannot tell", None, "fixtures/pdfs/2009-10/sutton.pdf",
     ("Sutton", "2009/10", "borough and year from its file name")),
    ("empty file", None, "leaflets/kingston-upon-thames_2010-11.pdf",
     ("Kingston upon Thames", "2010/11", "borough and year from its file name")),
    ("no template matched", None, "leaflets/unknown.pdf", None),
    ("Barnet or Camden?", None, "2009-10/leaflet.pdf", None),
])
def test_quarantined_leaflets_are_placed_where_they_say(
        reason: str, title: str | None, source: str,
        placed: tuple[str, str, str] | None) -> None:
    found = place_quarantined(reason, title, source)
    assert (None if found is None else (found.area, found.period, found.read_from)) == placed


def test_coverage_shows_quarantined_cells_and_only_the_unplaceable_apart(
        fixture_db: sqlite3.Connection) -> None:
    cells = fixture_db.execute(
        "SELECT area, period, status, substr(quarantine_reason, 1, 20) FROM coverage "
        "WHERE status = 'quarantined' ORDER BY period, area").fetchall()
    assert cells == [("Ealing", "2009/10", "quarantined", "performance table mi"),
                     ("Sutton", "2009/10", "quarantined", "performance table: 1"),
                     ("Barnet", "2011/12", "quarantined", "unknown template: a ")]
    assert fixture_db.execute("SELECT source FROM coverage_unplaced").fetchall() == [
        ("fixtures/pdfs/bad/empty.pdf",)]


def test_an_upgraded_warehouse_places_its_quarantined_leaflets(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m009_research2")
    record_quarantine(db, "a" * 64, "leaflets/2009-10/sutton.pdf", "a sign it cannot tell",
                      "test-1", 10)
    db.close()
    with open_warehouse(tmp_path / "old.db") as upgraded:
        assert upgraded.execute(
            "SELECT status, quarantine_reason FROM coverage WHERE area = 'Sutton'"
        ).fetchall() == [("quarantined", "a sign it cannot tell")]


def test_derived_levels_contain_the_printed_counts(tmp_path: Path) -> None:
    """The 2008 edition prints both years' counts: dropped, the view derives them from the
    change and its percentage, and the interval holds what was printed."""
    db = open_warehouse(tmp_path / "lps.db")
    truth = {}
    for slug in ("barnet", "camden", "lambeth", "westminster"):
        extraction = golden(slug, "2007-08")
        rows = [row.model_copy(update={"count_previous": None, "count_current": None})
                for row in extraction.performance]
        document_id = hashlib.sha256(slug.encode()).hexdigest()
        load_extraction(db, document_id, f"{slug}.pdf",
                        extraction.model_copy(update={"performance": rows}), "test-1", 1)
        truth.update({(document_id, n): (row.count_previous, row.count_current)
                      for n, row in enumerate(extraction.performance, start=1)})
    derived = db.execute(
        "SELECT document_id, row_number, level_previous_min, level_previous_max, "
        "level_current_min, level_current_max, level_basis FROM performance_detail"
    ).fetchall()
    assert len(derived) == len(truth)
    for document_id, number, low, high, low_now, high_now, basis in derived:
        before, after = truth[(document_id, number)]
        assert basis == "derived"
        assert low <= before <= high and low_now <= after <= high_now, (before, low, high)
    db.close()
