"""The checks of `lps verify` that look at values, not structure: digests and conflicts.

The structural checks (`warehouse.verify`) cannot see a figure changed by one, two figures
swapped, a mark flipped, the last row of a table deleted or a whole document removed with its
rows: each leaves a warehouse that is consistent with itself. What was written can: every
document was sealed when it was written (`warehouse.digests`), so

- `digests`: each document's rows, table by table, still have the digest recorded for them,
  and every document that was recorded is still there; a difference names the document, the
  table and the rows; so does its provenance (the PDF's metadata, `synthetic`, `read_by`, the
  OCR engine, where each figure stands: migration m014), naming the column or the cell;
- `conflicts`: no borough and year has loaded documents giving different figures with none of
  them chosen (`warehouse.conflicts`), since the researchers' views show none of them then.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database

from warehouse.conflicts import duplicate_notes, short, unresolved_conflicts
from warehouse.digests import (
    DIGEST_TABLES,
    ProvenanceDigest,
    TableDigest,
    digest_rows,
    provenance_digest,
    recorded_digests,
    stored_rows,
)
from warehouse.findings import REINGEST, CheckResult, Problem

__all__ = ["check_conflicts", "check_digests"]

_EMPTY = digest_rows({}).tables["performance"]

PREDATES = ("this warehouse predates record digests (migration m008), so no value can be "
            "checked against what was loaded")
UPGRADE = ("open it once with a command that writes (`lps ingest`, `lps reprocess`): the "
           "upgrade records the digest of every document as it is then")
CHANGED = ("see what changed with `lps verify --deep` (it reads the PDF again), then re-extract "
           "it: " + REINGEST)


def _numbers(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return "rows " + ", ".join(str(n) for n in numbers[:-1]) + f" and {numbers[-1]}"


def _table_problem(document_id: str, table: str, recorded: dict[str, Any],
                   now: TableDigest) -> Problem | None:
    then: TableDigest = recorded["tables"].get(table, _EMPTY)
    if then.sha256 == now.sha256:
        return None
    since = ("since it was loaded" if recorded["basis"] == "load"
             else "since the warehouse was upgraded") + f" on {recorded['recorded_at']}"
    if table == "documents":
        return Problem("digests", table, f"its documents row changed {since}",
                       CHANGED.format(id=document_id), document_id)
    before, after = then.row_sha256, now.row_sha256
    changed = sorted(n for n in before.keys() & after.keys() if before[n] != after[n])
    gone, added = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
    parts = [f"{_numbers(rows)} {verb}" for rows, verb in
             ((changed, "changed"), (gone, "gone"), (added, "added")) if rows]
    counts = f" ({then.rows} rows then, {now.rows} now)" if then.rows != now.rows else ""
    what = f"{', '.join(parts) or 'rows differ'} {since}{counts}"
    touched = changed + gone + added
    return Problem("digests", table, what, CHANGED.format(id=document_id), document_id,
                   touched[0] if len(touched) == 1 else None)


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


def _provenance_problems(document_id: str, recorded: dict[str, Any], now: ProvenanceDigest
                         ) -> Iterator[Problem]:
    """What the warehouse says of the document's origin and reading against what was sealed:
    each part (its `documents` columns, `figure_cells`, `quarantine_placements`) names the
    columns or cells that changed, appeared or went."""
    sealed: dict[str, Any] | None = recorded.get("provenance")
    if sealed is None:
        return  # sealed before m014 and not written since: nothing to compare with
    then: ProvenanceDigest = sealed["parts"]
    since = ("since it was loaded" if sealed["basis"] == "load"
             else "since the warehouse was upgraded") + f" on {sealed['recorded_at']}"
    for part in sorted(then.keys() | now.keys()):
        before, after = then.get(part, {}), now.get(part, {})
        touched = sorted({k for k in before.keys() & after.keys() if before[k] != after[k]}
                         | (before.keys() ^ after.keys()))
        if not touched:
            continue
        what = ("its provenance column(s) " if part == "documents" else f"its {part} ")
        shown = touched[:5] + ([f"{len(touched) - 5} more"] if len(touched) > 5 else [])
        yield Problem("digests", part, f"{what}{_names(shown)} changed {since}: where the "
                      "document came from or how it was read is not what was recorded",
                      CHANGED.format(id=document_id), document_id)


def _gone(document_id: str, recorded: dict[str, Any]) -> Problem:
    source = recorded["source"]
    what = (f"the document is gone: {recorded['area']} {recorded['period']} "
            f"({recorded['template']}), {recorded['status']} from {source} on "
            f"{recorded['recorded_at']}, has no documents row and none of its rows (deleting "
            "a document removes its rows by cascade)")
    if recorded["area"] is None:
        what = (f"the document is gone: {recorded['status']} from {source} on "
                f"{recorded['recorded_at']}, it has no documents row any more")
    fix = (f"ingest its PDF again (`lps ingest {source}`); if it was removed on purpose, "
           f"forget it: DELETE FROM document_digests WHERE document_id = '{document_id}'")
    return Problem("digests", "documents", what, fix, document_id)


def _digest_problems(db: Database, documents: list[str],
                     recorded: dict[str, dict[str, Any]]) -> Iterator[Problem]:
    for document_id in documents:
        entry = recorded.get(document_id)
        if entry is None:
            yield Problem("digests", "document_digests", "no digest was recorded for it, so "
                          "its values cannot be checked", REINGEST.format(id=document_id),
                          document_id)
            continue
        now = digest_rows(stored_rows(db, document_id))
        for table in DIGEST_TABLES:
            problem = _table_problem(document_id, table, entry, now.tables[table])
            if problem is not None:
                yield problem
        yield from _provenance_problems(document_id, entry, provenance_digest(db, document_id))
    for document_id in sorted(recorded.keys() - set(documents)):
        yield _gone(document_id, recorded[document_id])


def check_digests(db: Database) -> CheckResult:
    """Every document's rows still have the digests recorded when it was written, and every
    document recorded is still there."""
    if not db.table("document_digests").exists():
        return CheckResult("digests", 0, "documents",
                           [Problem("digests", "document_digests", PREDATES, UPGRADE)])
    recorded = recorded_digests(db)
    documents = [row[0] for row in db.execute("SELECT document_id FROM documents "
                                              "ORDER BY document_id")]
    problems = list(_digest_problems(db, documents, recorded))
    upgraded = sum(recorded[doc]["basis"] == "upgrade" for doc in documents if doc in recorded)
    notes = [f"{upgraded} document(s) were loaded before digests existed: their digests were "
             "taken when the warehouse was upgraded, so they vouch for the rows from then on "
             "(`lps verify --deep` compares the rows with the PDFs)"] if upgraded else []
    return CheckResult("digests", len(documents), "documents", problems, notes)


def check_conflicts(db: Database) -> CheckResult:
    """No borough and year has loaded documents that disagree with none of them chosen."""
    unit = "borough-year(s) with more than one document"
    if "document_standing" not in db.view_names():
        return CheckResult("conflicts", 0, unit, [Problem(
            "conflicts", "documents", "this warehouse predates the comparison of documents for "
            "the same borough and year (migration m007): any that disagree are all in the views",
            UPGRADE)])
    publications = db.execute(
        "SELECT count(*) FROM (SELECT 1 FROM document_standing WHERE publication_documents > 1 "
        "GROUP BY area_code, period, template)").fetchone()[0]
    problems = [
        Problem("conflicts", "documents",
                f"{conflict.name}: {len(conflict.document_ids)} loaded documents give "
                f"different figures ({'; '.join(conflict.differences)}): none of them is in "
                "the researchers' views until one is chosen",
                "choose the one to use: `lps resolve DOCUMENT_ID --note WHY`, DOCUMENT_ID one "
                f"of {', '.join(short(doc) for doc in conflict.document_ids)}")
        for conflict in unresolved_conflicts(db)
    ]
    return CheckResult("conflicts", int(publications), unit, problems, duplicate_notes(db))
