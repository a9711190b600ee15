"""`lps verify`: run `warehouse.verify` on a warehouse and print what it found.

Thin: the checks are library functions returning `Problem`s; this module only opens the file,
formats the report and chooses the exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lps.errors import EXIT_CODES
from lps.output import timed

if TYPE_CHECKING:  # imported by the command itself, so `lps --help` stays instant
    from warehouse.findings import Problem, VerifyReport

__all__ = ["report_to_text", "verify"]


def _problem_to_text(problem: Problem) -> str:
    where = problem.table
    if problem.document_id:
        where += f", document {problem.document_id}"
    if problem.row_number is not None:
        where += f", row {problem.row_number}"
    return f"  [{problem.check}] {where}: {problem.what}\n      fix: {problem.fix}"


def report_to_text(db_path: str, report: VerifyReport) -> str:
    """The report as `lps verify` prints it: what was checked, then each problem."""
    width = max(len(result.name) for result in report.results)
    lines = [f"{db_path}: " + ("ok" if report.ok else f"{len(report.problems)} problem(s)")]
    for result in report.results:
        verdict = "ok" if not result.problems else f"{len(result.problems)} problem(s)"
        lines.append(f"  {result.name:<{width}}  {verdict:<14} {result.checked} {result.unit}")
    if not report.ok:
        lines.append("")
        lines.extend(_problem_to_text(problem) for problem in report.problems)
    if report.notes:
        lines.append("")
        lines.extend(f"  note [{check}]: {note}" for check, note in report.notes)
    return "\n".join(lines)


@click.command(epilog=EXIT_CODES)
@click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True, show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Warehouse file.",
)
@click.option("--deep", is_flag=True,
              help="Also read every loaded document's PDF again and compare its figures, one "
              "by one, with the warehouse's.")
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None,
              help="Raw store for --deep [default: $LPS_RAW, else raw/ beside the warehouse].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes for --deep [default: one per CPU].")
@timed
def verify(db_path: Path, deep: bool, raw_dir: Path | None, workers: int | None) -> None:
    """Check the warehouse; exit 1 with a report when anything is wrong.

    Checks SQLite's integrity, foreign keys (and the references the schema leaves undeclared),
    that every loaded document has all its rows and every quarantined one none (no partly
    written document, no orphan row), that the sections full-text index matches the sections,
    and re-validates every loaded figure against the record schemas. Then the values: every
    document's rows must still have the digest recorded when it was written (a figure changed,
    two swapped, a mark flipped, a row or a whole document deleted, prose edited: each is named
    by document, table and row), and no borough and year may have loaded documents giving
    different figures with none chosen (`lps resolve`). And the schema: every table, view, index
    and trigger must be defined as the migrations sealed it (a view redefined by hand is named).
    Duplicates (the same figures) and digests taken at an upgrade rather than at load are listed
    as notes.

    With --deep, every loaded document written by the current extractor is also read again
    from its PDF (the raw store, else where it was ingested from), parsed with the limits of an
    ingest, and compared figure by figure: that catches a change whose digest was rewritten
    too. A document whose PDF is not found is listed as not compared.

    Writes nothing: the warehouse is opened read-only, and a copy this user may not write is
    checked as well as the original. Each problem names the table, the document and row, what
    is wrong and what to do.

    \b
    Examples:
      lps verify
      lps verify --db /data/lps.db
      lps verify --deep --raw /archive/raw
      LPS_DB=/data/lps.db lps verify && echo "warehouse is sound"
    """
    from lps.errors import friendly_errors
    from warehouse import open_warehouse
    from warehouse.findings import VerifyReport
    from warehouse.verify import verify_warehouse

    with friendly_errors(db_path):
        if deep:
            from extractors import EXTRACTOR_VERSION
            from pipeline.deep_verify import deep_check
            from pipeline.settings import Settings

            settings = Settings.from_env()
        db = open_warehouse(db_path, writable=False)
    try:
        report = verify_warehouse(db)
        if deep:
            raw = raw_dir or settings.raw_dir(db_path)
            deeper = deep_check(db, raw, EXTRACTOR_VERSION, settings, workers)
            report = VerifyReport([*report.results, deeper])
    finally:
        db.close()
    click.echo(report_to_text(str(db_path), report))
    if not report.ok:
        sys.exit(1)
