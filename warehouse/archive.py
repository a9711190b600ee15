"""Archive tables: where documents were fetched from, what they were expected to be, and how
their extraction changed over time.

`fetches` remembers every URL a backfill tried (url -> sha256 or the reason it failed), which
is what makes a backfill resumable. `document_expectations` records what a manifest said a
document should be (area, period), so a quarantined document with no area of its own still has
a place in `coverage`, and a leaflet for the wrong borough or year is flagged. `extraction_history`
records each re-extraction, so a researcher can tell a correction from an original.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

__all__ = [
    "ARCHIVE_TABLES",
    "create_expectations",
    "fetched_urls",
    "record_expectation",
    "record_fetch",
    "record_history",
]

#: The tables this module declares, with their columns in order (a contract, like `TABLES`).
ARCHIVE_TABLES = ("fetches", "document_expectations", "extraction_history")


def create_expectations(db: Database) -> None:
    """Create `document_expectations` when missing (the `coverage` view reads it)."""
    if db.table("document_expectations").exists():
        return
    db.table("document_expectations").create(
        {
            "document_id": str,
            "source": str,  # the URL or path the manifest named
            "expected_area": str,
            "expected_period": str,
            "found_area": str,
            "found_period": str,
            "verdict": str,  # 'match', 'mismatch', 'quarantined' or 'unchecked'
            "detail": str,
            "checked_at": str,
        },
        pk=("document_id", "source"),
        not_null=["document_id", "source", "verdict", "checked_at"],
        strict=True,
    )


def record_fetch(db: Database, row: Mapping[str, Any]) -> None:
    """Remember the latest outcome for a URL (one row per URL)."""
    db.table("fetches").upsert(dict(row), pk="url")


def fetched_urls(db: Database) -> dict[str, dict[str, Any]]:
    """Every URL tried before, with its row."""
    if not db.table("fetches").exists():
        return {}
    return {row["url"]: row for row in db.table("fetches").rows}


def record_expectation(db: Database, row: Mapping[str, Any]) -> None:
    db.table("document_expectations").upsert(dict(row), pk=("document_id", "source"))


def record_history(db: Database, row: Mapping[str, Any]) -> None:
    data = dict(row)
    for key in ("rows_before", "rows_after"):
        if not isinstance(data.get(key), str | None):
            data[key] = json.dumps(data[key], sort_keys=True)
    db.table("extraction_history").insert(data)
