"""The schema sealed like the rows: a view redefined by hand is named by `lps verify`.

The digests (`warehouse.digests`) vouch for the rows. A view is no row: redefining
`performance_detail` as `change_count + 100` changed every figure a researcher reads and
`lps verify` still said ok (issue 20, item 6). So the definition (`sqlite_master.sql`) of every
table, view, index and trigger of the warehouse is recorded in `schema_seal` (migration
m010), and `check_schema` compares the schema with it: an object changed, added or dropped
since it was sealed is a problem.

The seal must move with the schema, and only with it. `apply_migrations` (what
`open_warehouse` calls instead of `migrations.apply`) reads the schema before and after the
pending migrations run and reseals exactly the objects they created, changed or dropped, so a
migration that changes the schema needs nothing of its own (m009, m011 and m012 included):
its changes are sealed when it runs, while an object edited by hand, which no migration
touched, keeps its old seal and stays a finding. (A hand edit made before m010 first ran is
sealed as found, as the digests of m008 were: the seal records its basis.)

`apply_migrations` also refuses a warehouse whose schema is newer than this code: one that
records a migration this version does not have (`WarehouseNewer`), before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlite_utils import Database

from warehouse.findings import RESTORE, CheckResult, Problem
from warehouse.migrations import migrations

__all__ = [
    "SEAL_TABLE",
    "WarehouseNewer",
    "apply_migrations",
    "check_schema",
    "schema_now",
    "schema_version",
    "seal_schema",
]

SEAL_TABLE = "schema_seal"

#: Where sqlite-utils records the migrations applied (`Migrations.migrations_table`).
_MIGRATIONS_TABLE = "_sqlite_migrations"

Definitions = dict[tuple[str, str], str]


class WarehouseNewer(Exception):
    """The warehouse records migrations this version of `lps` does not know."""


def schema_now(db: Database) -> Definitions:
    """(type, name) -> SQL of every table, view, index and trigger the warehouse defines
    (SQLite's own objects and automatic indexes, which have no SQL, aside)."""
    return {(kind, name): sql for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM main.sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").fetchall()}


def seal_schema(db: Database, before: Mapping[tuple[str, str], str] | None = None,
                basis: str = "migration") -> None:
    """Record the definition of every object that differs from `before` (all, when None), and
    forget the ones that are gone. Called by migrations (through `apply_migrations`), never
    by hand: resealing is what makes a change legitimate."""
    if not db.table(SEAL_TABLE).exists():
        return
    now, after = datetime.now(UTC).isoformat(timespec="seconds"), schema_now(db)
    changed = [key for key in after if before is None or before.get(key) != after[key]]
    gone = [key for key in (before or {}) if key not in after]
    for kind, name in gone:
        db.execute(f"DELETE FROM [{SEAL_TABLE}] WHERE type = ? AND name = ?", [kind, name])
    for kind, name in changed:
        db.execute(f"INSERT OR REPLACE INTO [{SEAL_TABLE}] (type, name, sql, sealed_at, basis) "
                   "VALUES (?, ?, ?, ?, ?)", [kind, name, after[(kind, name)], now, basis])


def schema_version(db: Database) -> list[str]:
    """The migrations the warehouse records as applied, in order."""
    if not db.table(_MIGRATIONS_TABLE).exists():
        return []
    return [row[0] for row in db.execute(
        f"SELECT name FROM [{_MIGRATIONS_TABLE}] WHERE migration_set = ? "
        "ORDER BY applied_at, rowid", [migrations.name]).fetchall()]


def _check_not_newer(db: Database) -> None:
    known = [migration.name for migration in migrations._migrations]
    unknown = [name for name in schema_version(db) if name not in known]
    if unknown:
        raise WarehouseNewer(
            f"its schema is newer than this lps: it has migration {unknown[-1]}"
            f"{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''}, this lps "
            f"knows up to {known[-1]}; use the newer lps that wrote it (it may be read, not "
            "written, by this one)")


def apply_migrations(db: Database) -> None:
    """Apply the pending migrations and reseal what they changed (see the module); raises
    `WarehouseNewer`, before anything is written, for a warehouse newer than this code."""
    _check_not_newer(db)
    if not migrations.pending(db):
        return
    before = schema_now(db)
    migrations.apply(db)
    seal_schema(db, before)


def _sealed(db: Database) -> dict[tuple[str, str], str]:
    return {(kind, name): sql for kind, name, sql in db.execute(
        f"SELECT type, name, sql FROM [{SEAL_TABLE}]").fetchall()}


def check_schema(db: Database) -> CheckResult:
    """Every table, view, index and trigger is defined as it was sealed."""
    if not db.table(SEAL_TABLE).exists():
        return CheckResult("schema", 0, "definitions", [], [
            "the schema is not sealed (a warehouse from before migration m010): run `lps "
            "ingest` on it once to seal it"])
    sealed, now = _sealed(db), schema_now(db)
    problems = []
    for kind, name in sorted(sealed.keys() | now.keys()):
        held, was = now.get((kind, name)), sealed.get((kind, name))
        if held == was:
            continue
        if held is None:
            what = f"{kind} {name}: sealed, but no longer in the warehouse (dropped by hand?)"
        elif was is None:
            what = f"{kind} {name}: not in the seal (created outside the migrations): {held}"
        else:
            what = (f"{kind} {name}: its definition is not the one sealed (changed by hand?); "
                    f"it now reads: {' '.join(held.split())}")
        problems.append(Problem("schema", name, what, RESTORE))
    return CheckResult("schema", len(sealed), "definitions", problems)
