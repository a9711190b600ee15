"""Check a warehouse against everything the load path promises, and say what is wrong.

A crash, a second writer, a hand edit or a damaged disk can each leave a warehouse that opens
fine but holds a half-written document, orphan rows, a stale full-text index or a figure no
extractor would have loaded. Each check here is a pure function of an open `Database` that
returns the `Problem`s it found, each naming the table, the document, what is wrong and what
to do; `verify_warehouse` runs them all. Only `lps verify` turns the report into text.

Checks, and the promise each one tests:

- `integrity`: SQLite's own `PRAGMA integrity_check` (pages, indexes, NOT NULL, STRICT types).
- `foreign_keys`: `PRAGMA foreign_key_check`, plus the references the schema does not declare
  (`document_expectations` and `extraction_history` point at `documents`).
- `documents`: a status of `loaded` or `quarantined`; a quarantined document says why; a loaded
  one says what it is (borough, year, template); every document was seen under some name.
- `rows`: `warehouse.load` writes all of a document's rows or none: a loaded document has its
  performance rows (every template refuses a leaflet without its performance table), row
  numbers run 1..n with no gap, `needs_review` agrees with `review_items`, and a quarantined
  document has no rows at all.
- `full_text`: `sections_fts` indexes exactly the rows of `sections`. It is keyed on the
  implicit rowid of a table whose primary key is `(document_id, row_number)`, which `VACUUM`
  may renumber; a stale index finds the wrong text. Compared term by term with the text indexed
  again in a temporary table, so the check reads only (FTS5's own check is a write).
- `figures`: every loaded document's rows, rebuilt into records (`warehouse.stored_records`),
  pass the Pydantic schemas again, and repeated columns (area, period) agree with the document.
- `digests` and `conflicts` (`warehouse.verify_values`): every document's rows still have the
  digests recorded when it was written, and no borough and year has documents that disagree
  with none chosen.
- `schema` (`warehouse.schema_seal`): every table, view, index and trigger is defined as the
  migrations sealed it: a view redefined by hand changes what every reader sees.

Every check only reads: `lps verify` opens the warehouse read-only, and works on a copy the
user may not write.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError
from sqlite_utils import Database

from warehouse.findings import REINGEST, RESTORE, CheckResult, Problem, VerifyReport
from warehouse.rows import Row
from warehouse.schema_seal import check_schema
from warehouse.stored_records import RECORD_LIST, copied_columns, rows_to_extraction
from warehouse.tables import CHILD_TABLES
from warehouse.verify_values import check_conflicts, check_digests

__all__ = [
    "CHECKS",
    "CheckResult",
    "Problem",
    "VerifyReport",
    "check_documents",
    "check_figures",
    "check_foreign_keys",
    "check_full_text",
    "check_integrity",
    "check_rows",
    "verify_warehouse",
]

REBUILD_FTS = "rebuild the index: `sqlite-utils rebuild-fts WAREHOUSE sections`"

#: Columns a loaded document must describe itself with.
_DESCRIBED = ("publisher", "area", "area_code", "period", "template", "page_count")

#: Tables that name a document without a declared foreign key.
_UNDECLARED = ("document_expectations", "extraction_history")


def _query(db: Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


def _documents(db: Database) -> list[dict[str, Any]]:
    return _query(db, "select * from documents order by document_id")


def check_integrity(db: Database) -> CheckResult:
    """SQLite's own check of every page and index."""
    messages = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    problems = [
        Problem("integrity", "(file)", f"SQLite integrity check: {message}", RESTORE)
        for message in messages if message != "ok"
    ]
    return CheckResult("integrity", pages, "pages", problems)


def _document_of(db: Database, table: str, rowid: int) -> str | None:
    rows = db.execute(f"select document_id from [{table}] where rowid = ?", [rowid]).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None


def check_foreign_keys(db: Database) -> CheckResult:
    """Declared foreign keys hold, and so do the undeclared references to `documents`."""
    problems = []
    for table, rowid, parent, _ in db.execute("PRAGMA foreign_key_check").fetchall():
        document_id = _document_of(db, table, rowid) if rowid is not None else None
        problems.append(Problem(
            "foreign_keys", table,
            f"row {rowid} points at a {parent} row that does not exist (orphan)",
            f"delete it: DELETE FROM {table} WHERE document_id NOT IN "
            "(SELECT document_id FROM documents)", document_id,
        ))
    checked = sum(db.table(table).count for table in (*CHILD_TABLES, "document_sources"))
    for table in _UNDECLARED:
        if not db.table(table).exists():
            continue
        checked += db.table(table).count
        for row in _query(db, f"select distinct document_id from [{table}] where document_id "
                              "not in (select document_id from documents)"):
            problems.append(Problem(
                "foreign_keys", table, "names a document the warehouse does not hold (orphan)",
                f"delete its rows: DELETE FROM {table} WHERE document_id = "
                f"'{row['document_id']}'", row["document_id"],
            ))
    return CheckResult("foreign_keys", checked, "rows", problems)


def _document_problems(db: Database, doc: dict[str, Any]) -> Iterator[Problem]:
    doc_id, status = doc["document_id"], doc["status"]
    fix = REINGEST.format(id=doc_id)
    if status not in ("loaded", "quarantined"):
        yield Problem("documents", "documents",
                      f"status is {status!r}, not 'loaded' or 'quarantined'", fix, doc_id)
    if status == "quarantined" and not doc["reason"]:
        yield Problem("documents", "documents", "quarantined without a reason", fix, doc_id)
    if status == "loaded":
        if doc["reason"] is not None:
            yield Problem("documents", "documents",
                          f"loaded but carries a quarantine reason: {doc['reason']!r}", fix,
                          doc_id)
        missing = [name for name in _DESCRIBED if doc[name] is None]
        if missing:
            yield Problem("documents", "documents",
                          f"loaded but {', '.join(missing)} is empty", fix, doc_id)
    if not db.table("document_sources").count_where("document_id = ?", [doc_id]):
        yield Problem("documents", "document_sources",
                      "no document_sources row: the name it was ingested under is lost",
                      f"run `lps ingest` on its PDF again ({doc['source']}) to record it",
                      doc_id)


def check_documents(db: Database) -> CheckResult:
    """Each `documents` row is a consistent loaded or quarantined document."""
    documents = _documents(db)
    problems = [p for doc in documents for p in _document_problems(db, doc)]
    return CheckResult("documents", len(documents), "documents", problems)


def _row_numbers(db: Database, table: str) -> dict[str, tuple[int, int, int]]:
    """Per document: (rows, lowest row_number, highest row_number) in `table`."""
    rows = db.execute(f"select document_id, count(*), min(row_number), max(row_number) "
                      f"from [{table}] group by document_id").fetchall()
    return {str(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}


def check_rows(db: Database) -> CheckResult:
    """All of a loaded document's rows are there; a quarantined document has none."""
    status = {d["document_id"]: (d["status"], d["needs_review"]) for d in _documents(db)}
    counts = {table: _row_numbers(db, table) for table in CHILD_TABLES}
    problems: list[Problem] = []
    for doc_id, (state, needs_review) in status.items():
        fix = REINGEST.format(id=doc_id)
        if state == "quarantined":
            for table in CHILD_TABLES:
                if doc_id in counts[table]:
                    problems.append(Problem(
                        "rows", table, f"quarantined document has {counts[table][doc_id][0]} "
                        "rows (a quarantined document has none)", fix, doc_id))
            continue
        if state != "loaded":
            continue
        if doc_id not in counts["performance"]:
            problems.append(Problem("rows", "performance",
                                    "loaded document has no performance rows (partly written)",
                                    fix, doc_id))
        for table in CHILD_TABLES:
            total, low, high = counts[table].get(doc_id, (0, 1, 0))
            if (low, high) != (1, total):
                problems.append(Problem(
                    "rows", table, f"row numbers {low}..{high} for {total} rows: rows are "
                    "missing (numbers run 1..n with no gap)", fix, doc_id))
        if bool(needs_review) != (doc_id in counts["review_items"]):
            problems.append(Problem(
                "rows", "documents", f"needs_review is {needs_review} but the document has "
                f"{counts['review_items'].get(doc_id, (0,))[0]} review_items", fix, doc_id))
    checked = sum(total for table in counts.values() for total, _, _ in table.values())
    return CheckResult("rows", checked, "rows", problems)


_TOKENIZE = re.compile(r"tokenize\s*=\s*('(?:[^']|'')*'|\"[^\"]*\")", re.IGNORECASE)

#: Temporary tables the full-text check builds (in the connection's own temp schema).
_EXPECTED, _EXPECTED_VOCAB, _INDEXED_VOCAB = (
    "lps_verify_fts", "lps_verify_fts_vocab", "lps_verify_index_vocab")


def _unmatched_sections(db: Database, table: str) -> list[int]:
    """Rowids of sections whose indexed terms are not those of their text.

    FTS5's own 'integrity-check' is an INSERT, which a read-only connection refuses; so the
    text of `sections` is indexed again into a temporary table with the same tokenizer (the
    temp schema is writable even when the warehouse is not) and the two indexes' every term,
    row, column and offset (`fts5vocab` 'instance') are compared.
    """
    created = db.execute("select sql from sqlite_master where name = ?", [table]).fetchone()[0]
    match = _TOKENIZE.search(created)
    tokenize = f", tokenize={match.group(1)}" if match else ""
    quoted = ", ".join('"{}"'.format(column.name.replace('"', '""'))
                       for column in db.table(table).columns)
    try:
        db.execute(f"create virtual table temp.{_EXPECTED} using fts5({quoted}, "
                   f"content=''{tokenize})")
        db.execute(f"insert into temp.{_EXPECTED}(rowid, {quoted}) "
                   f"select rowid, {quoted} from main.sections")
        db.execute(f"create virtual table temp.{_EXPECTED_VOCAB} using "
                   f"fts5vocab(temp, {_EXPECTED}, instance)")
        db.execute(f"create virtual table temp.{_INDEXED_VOCAB} using "
                   f"fts5vocab(main, {table}, instance)")
        differ = db.execute(
            f"select doc from (select * from temp.{_INDEXED_VOCAB} except "
            f"select * from temp.{_EXPECTED_VOCAB}) union select doc from (select * from "
            f"temp.{_EXPECTED_VOCAB} except select * from temp.{_INDEXED_VOCAB})").fetchall()
    finally:
        if db.conn.in_transaction:
            db.conn.rollback()
        for name in (_INDEXED_VOCAB, _EXPECTED_VOCAB, _EXPECTED):
            db.execute(f"drop table if exists temp.{name}")
    return sorted(int(row[0]) for row in differ)


def check_full_text(db: Database) -> CheckResult:
    """`sections_fts` indexes exactly the rows of `sections`, with their current text."""
    table = "sections_fts"
    problems: list[Problem] = []
    if not db.table(table).exists():
        problems.append(Problem("full_text", table, "the full-text index is missing",
                                "enable it: `sqlite-utils enable-fts WAREHOUSE sections "
                                "heading text --fts5 --create-triggers --tokenize porter`"))
        return CheckResult("full_text", 0, "sections", problems)
    sections = {r[0]: r[1] for r in db.execute("select rowid, document_id from sections")}
    indexed = {r[0] for r in db.execute(f"select id from [{table}_docsize]")}
    for rowid in sorted(set(sections) - indexed):
        problems.append(Problem("full_text", table, f"section rowid {rowid} is not indexed",
                                REBUILD_FTS, sections[rowid]))
    for rowid in sorted(indexed - set(sections)):
        problems.append(Problem("full_text", table, f"indexes rowid {rowid}, which is no "
                                "row of sections (stale entry)", REBUILD_FTS))
    reported = (set(sections) - indexed) | (indexed - set(sections))
    for rowid in _unmatched_sections(db, table):
        if rowid not in reported:
            problems.append(Problem("full_text", table, f"the index does not match the text of "
                                    f"section rowid {rowid}", REBUILD_FTS, sections.get(rowid)))
    return CheckResult("full_text", len(sections), "sections", problems)


def _rows_of(db: Database, document_id: str) -> dict[str, list[Row]]:
    return {
        table: _query(db, f"select * from [{table}] where document_id = ? order by row_number",
                      [document_id])
        for table in CHILD_TABLES
    }


def _table_of(location: tuple[int | str, ...]) -> tuple[str, int | None]:
    tables = {field_name: table for table, field_name in RECORD_LIST.items()}
    if location and location[0] in tables:
        index = location[1] if len(location) > 1 and isinstance(location[1], int) else None
        return tables[str(location[0])], None if index is None else index + 1
    return "documents", None


def _figure_problems(doc: dict[str, Any], rows: dict[str, list[Row]]) -> Iterator[Problem]:
    doc_id = doc["document_id"]
    fix = (f"re-extract it (`lps reprocess`) or {REINGEST.format(id=doc_id)}; if the figure is "
           "what the leaflet prints, the schema rule needs review")
    for table, table_rows in rows.items():
        for row in table_rows:
            for column in copied_columns(table):
                if row[column] != doc[column]:
                    yield Problem("figures", table, f"{column} is {row[column]!r} but the "
                                  f"document's is {doc[column]!r}", fix, doc_id,
                                  row["row_number"])
    try:
        rows_to_extraction(doc, rows)
    except ValidationError as error:
        for detail in error.errors():
            table, row_number = _table_of(tuple(detail["loc"]))
            column = ".".join(str(part) for part in detail["loc"][2:])
            where = f"{column}: " if column else ""
            yield Problem("figures", table, f"{where}{detail['msg']}", fix, doc_id, row_number)


def check_figures(db: Database) -> CheckResult:
    """Loaded documents' rows pass the record schemas again."""
    loaded = _query(db, "select * from documents where status = 'loaded' order by document_id")
    problems: list[Problem] = []
    figures = 0
    for doc in loaded:
        rows = _rows_of(db, doc["document_id"])
        figures += sum(len(table_rows) for table_rows in rows.values())
        problems.extend(_figure_problems(doc, rows))
    return CheckResult("figures", figures, "rows re-validated", problems)


#: Every check, in the order `verify_warehouse` runs them.
CHECKS: tuple[Callable[[Database], CheckResult], ...] = (
    check_integrity, check_foreign_keys, check_documents, check_rows, check_full_text,
    check_figures, check_digests, check_conflicts, check_schema,
)


def verify_warehouse(db: Database) -> VerifyReport:
    """Run every check. A check the damage stops from running is itself reported."""
    results = []
    for check in CHECKS:
        name = check.__name__.removeprefix("check_")
        try:
            results.append(check(db))
        except sqlite3.DatabaseError as error:
            results.append(CheckResult(name, 0, "items", [
                Problem(name, "(file)", f"the check could not run: {error}", RESTORE)
            ]))
    return VerifyReport(results)
