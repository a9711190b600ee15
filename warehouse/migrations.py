"""The warehouse schema, declared as `sqlite_utils.Migrations` so any warehouse can be updated.

Table and column names are a contract: researchers' SQL relies on them. Add a new migration for any
change; never edit one that has shipped, because `_sqlite_migrations` records it as applied and
it will not run again. A migration holds its own schema as shipped: m003 and m004 run the SQL
files in `warehouse/frozen/` that record exactly what they created (code they once called, such
as `warehouse.views.create_views`, may change since; they must not).

Every child table has a foreign key to `documents`, the page its figure was printed on and a
composite primary key `(document_id, row_number)`, so a document's rows can be replaced as a whole
and a reload can never duplicate them.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.db import ForeignKey
from sqlite_utils.migrations import Migrations

from schemas.areas import london_boroughs
from warehouse.tables import CHILD_TABLES, TABLES

__all__ = ["CHILD_TABLES", "FROZEN", "TABLES", "frozen_statements", "migrations"]

#: The SQL the shipped migrations ran, one file per migration.
FROZEN = Path(__file__).resolve().parent / "frozen"

_CREATES = re.compile(r'^CREATE (?:TABLE|INDEX) "?([^"\s(]+)"?', re.IGNORECASE)

migrations = Migrations("policing-summaries")


def _to_documents(table: str) -> list[ForeignKey]:
    return [
        ForeignKey(
            table=table,
            column="document_id",
            other_table="documents",
            other_column="document_id",
            on_delete="CASCADE",
        )
    ]


def _create_child(db: Database, name: str, columns: dict[str, type], not_null: list[str]) -> None:
    db.table(name).create(
        {"document_id": str, "row_number": int, **columns},
        pk=("document_id", "row_number"),
        foreign_keys=_to_documents(name),
        not_null=["document_id", "row_number", *not_null],
        strict=True,
    )


@migrations()
def m001_initial(db: Database) -> None:
    """The tables of the first release."""
    db.table("documents").create(
        {
            "document_id": str,  # sha256 hex of the file's bytes
            "source": str,  # path or URL it was (last) ingested from
            "publisher": str,
            "area": str,
            "area_code": str,
            "period": str,
            "template": str,
            "page_count": int,
            "commander": str,
            "status": str,  # 'loaded' or 'quarantined'
            "reason": str,  # why it was quarantined; NULL when loaded
            "needs_review": int,  # 1 when review_items lists something to look at
            "extractor_version": str,
            "size_bytes": int,
            "ingested_at": str,  # ISO 8601, UTC
        },
        pk="document_id",
        not_null=["source", "status", "extractor_version", "size_bytes", "ingested_at"],
        strict=True,
    )
    _create_child(
        db,
        "performance",
        {
            "area": str,
            "period": str,
            "measure": str,
            "label": str,
            "change_count": int,
            "change_pct": float,
            "target_achieved": int,
            "page": int,
        },
        not_null=["area", "period", "label", "page"],
    )
    _create_child(
        db,
        "priorities",
        {
            "area": str,
            "period": str,  # the target year
            "measure": str,
            "label": str,
            "target_change_pct": float,
            "page": int,
        },
        not_null=["area", "period", "label", "page"],
    )
    _create_child(
        db,
        "force_results",
        {
            "period": str,
            "measure": str,
            "label": str,
            "change_count": int,
            "change_pct": float,
            "value_pct": float,
            "target_change_pct": float,
            "target_value_pct": float,
            "target_achieved": int,
            "page": int,
        },
        not_null=["period", "label", "page"],
    )
    _create_child(
        db,
        "sections",
        {"name": str, "heading": str, "text": str, "page": int},
        not_null=["name", "heading", "text", "page"],
    )
    db.table("sections").enable_fts(["heading", "text"], create_triggers=True)
    _create_child(
        db,
        "review_items",
        {"item": str, "detail": str, "page": int},
        not_null=["item", "detail"],
    )
    db.table("document_sources").create(
        {"document_id": str, "source": str, "first_seen_at": str},
        pk=("document_id", "source"),
        foreign_keys=_to_documents("document_sources"),
        not_null=["document_id", "source", "first_seen_at"],
        strict=True,
    )
    db.table("runs").create(
        {
            "run_id": str,
            "started_at": str,
            "finished_at": str,
            "seen": int,
            "loaded": int,
            "skipped": int,
            "quarantined": int,
            "unreadable": int,  # files that could not be read, so have no document_id
            "seconds": float,
            "flow_run_id": str,
        },
        pk="run_id",
        not_null=["started_at", "finished_at", "seen", "loaded", "skipped", "quarantined"],
        strict=True,
    )
    for table in ("performance", "priorities"):
        db.table(table).create_index(["area", "period", "measure"])
    db.table("documents").create_index(["area_code", "period"])
    db.table("documents").create_index(["status"])


@migrations()
def m002_editions(db: Database) -> None:
    """Columns the 2007/08, 2008/09 and 2010/11 editions print, and their ward priorities.

    Added as nullable columns: rows of the 2009/10 edition keep their meaning and get NULLs.
    """
    performance = db.table("performance")
    performance.add_column("count_previous", int)  # recorded offences in the year before
    performance.add_column("count_current", int)  # recorded offences in the performance year
    performance.add_column("value_pct", float)  # result of a rate measure, in percent
    performance.add_column("target_change_pct", float)  # the year's target change; fall < 0
    performance.add_column("target_value_pct", float)  # the target of a rate measure, percent
    _create_child(
        db,
        "ward_priorities",
        {"area": str, "period": str, "ward": str, "rank": int, "label": str, "page": int},
        not_null=["area", "period", "ward", "rank", "label", "page"],
    )
    db.table("ward_priorities").create_index(["area", "ward"])


def frozen_statements(name: str) -> list[str]:
    """The statements of `frozen/<name>.sql`, in order, without their comments."""
    statements, current = [], ""
    for line in (FROZEN / f"{name}.sql").read_text(encoding="utf-8").splitlines(keepends=True):
        if not current and (not line.strip() or line.startswith("--")):
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip().removesuffix(";"))
            current = ""
    assert not current.strip(), f"frozen/{name}.sql ends inside a statement"
    return statements


def _run_frozen(db: Database, name: str) -> None:
    """Run a frozen migration: each statement in turn, a table or index created only when
    missing (as the shipped code did), then read each view once so a broken one fails here."""
    existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    views = []
    for statement in frozen_statements(name):
        created = _CREATES.match(statement)
        if created and created.group(1) in existing:
            continue
        db.execute(statement)
        if statement.upper().startswith("CREATE VIEW"):
            views.append(statement.split("[", 1)[1].split("]", 1)[0])
    for view in views:
        db.execute(f"SELECT * FROM [{view}] LIMIT 0").fetchall()


@migrations()
def m003_views(db: Database) -> None:
    """The researchers' views and the `areas` reference table (frozen/m003_views.sql), and the
    32 boroughs in `areas`, so `coverage` can show what is missing."""
    _run_frozen(db, "m003_views")
    db.table("areas").upsert_all(
        ({"area_code": area.code, "area": area.name} for area in london_boroughs()),
        pk="area_code",
    )


@migrations()
def m004_archive(db: Database) -> None:
    """`fetches`, `document_expectations` and `extraction_history`, and the views again:
    `coverage` places quarantined documents by what was expected of them
    (frozen/m004_archive.sql)."""
    _run_frozen(db, "m004_archive")


@migrations()
def m005_research(db: Database) -> None:
    """The codebook (`measures`), `releases`, stemmed full-text search, and the views with
    honest targets and every value column (issue 10). Frozen SQL: see `warehouse.m005_research`.
    """
    from warehouse.m005_research import apply

    apply(db)


@migrations()
def m006_criminal_damage(db: Database) -> None:
    """'Criminal damage', printed as a table row by some boroughs, is a measure (extractor
    2.0.0 refuses a row whose label is no measure, rather than loading it without one): its
    codebook entry. Frozen SQL."""
    db.execute(
        "INSERT OR IGNORE INTO [measures] ([measure], [name], [kind], [unit], [figure], "
        "[direction], [composition], [editions], [periods], [printed_labels], [description]) "
        "VALUES ('criminal_damage', 'Criminal damage', 'count', 'offences', 'change_pct', "
        "'lower is better', NULL, '2008, 2010', '2007/08, 2009/10', 'Criminal damage', "
        "'Criminal damage to property recorded by the police (a row in some boroughs'' "
        "tables).')"
    )



@migrations()
def m007_conflicts(db: Database) -> None:
    """One truth per borough and year (issue 12, item 3): each loaded document's figures
    digest, its standing among the documents of its publication, the choices made with
    `lps resolve`, and the researchers' views showing only current documents. Frozen SQL: see
    `warehouse.m007_conflicts`."""
    from warehouse.m007_conflicts import apply

    apply(db)


@migrations()
def m008_digests(db: Database) -> None:
    """A digest of every document's rows, recorded when it is written, so `lps verify` sees
    changed values (issue 12, item 5). Frozen SQL: see `warehouse.m008_digests`."""
    from warehouse.m008_digests import apply

    apply(db)


@migrations()
def m009_research2(db: Database) -> None:
    """Views that cannot answer wrong in silence (issue 17): typed computed columns, targets
    kept apart and judged with their source, real or synthetic on every row, quarantined
    leaflets placed in coverage, figure cells, derived levels, search scope. Frozen SQL: see
    `warehouse.m009_research2`."""
    from warehouse.m009_research2 import apply

    apply(db)


@migrations()
def m010_schema_seal(db: Database) -> None:
    """The definition of every table, view, index and trigger, sealed so `lps verify` names
    one changed by hand (issue 20, item 6). Frozen SQL: see `warehouse.m010_schema_seal`; later
    migrations are sealed as they run (`warehouse.schema_seal.apply_migrations`)."""
    from warehouse.m010_schema_seal import apply

    apply(db)


@migrations()
def m011_sources(db: Database) -> None:
    """`documents.source_name`: the folder and name a leaflet was read from, so leaflets of
    several editions are told apart (issue 19, item 4). See `warehouse.m011_sources`."""
    from warehouse.m011_sources import apply

    apply(db)


@migrations()
def m012_ocr(db: Database) -> None:
    """How each document was read: its text layer, or OCR of its page images (issue 18)."""
    from warehouse.m012_ocr import apply

    apply(db)


@migrations()
def m013_ocr_cells(db: Database) -> None:
    """`coverage` says how the leaflet each cell shows was read: its text layer or OCR of a
    scan (issue 18). See `warehouse.m013_ocr_cells`."""
    from warehouse.m013_ocr_cells import apply

    apply(db)


@migrations()
def m014_provenance_seal(db: Database) -> None:
    """Where each document came from and how it was read is sealed like its rows, so
    `lps verify` names a `synthetic`, `read_by` or figure cell edited by hand. See
    `warehouse.m014_provenance_seal`."""
    from warehouse.m014_provenance_seal import apply

    apply(db)
