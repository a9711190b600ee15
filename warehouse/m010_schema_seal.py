"""Migration m010 (issue 20, item 6), frozen: the definitions of the schema, sealed.

FROZEN once shipped; change the schema with a new migration (whose changes
`warehouse.schema_seal.apply_migrations` seals as it runs: nothing to call).

`schema_seal` holds the SQL of every table, view, index and trigger as the migrations made it,
so `lps verify` names one changed by hand (`warehouse.schema_seal.check_schema`). A warehouse
upgraded to m010 has its schema sealed as it is found (`basis` 'upgrade').
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlite_utils import Database

__all__ = ["STATEMENTS", "apply"]

_SCHEMA_SEAL = """
CREATE TABLE [schema_seal] (
    [type] TEXT NOT NULL,
    [name] TEXT NOT NULL,
    [sql] TEXT NOT NULL,
    [sealed_at] TEXT NOT NULL,
    [basis] TEXT NOT NULL CHECK ([basis] IN ('migration', 'upgrade')),
    PRIMARY KEY ([type], [name])
) STRICT
"""

#: Seal every definition the warehouse holds, as `warehouse.schema_seal.schema_now` reads them.
_SEAL_ALL = """
INSERT INTO [schema_seal] ([type], [name], [sql], [sealed_at], [basis])
SELECT type, name, sql, :now, 'upgrade' FROM main.sqlite_master
WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
"""

#: Every statement, in order (`apply` runs them).
STATEMENTS: tuple[str, ...] = (_SCHEMA_SEAL.strip(), _SEAL_ALL.strip())


def apply(db: Database) -> None:
    """Create `schema_seal` and seal every definition the warehouse holds now."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for statement in STATEMENTS:
        db.execute(statement, {"now": now} if ":now" in statement else ())
