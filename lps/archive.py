"""`lps` commands for archivists and template authors: backfill, coverage, reprocess, debug,
evaluate. Thin: each parses options, calls `flows`, and turns domain errors into one line."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import replace
from pathlib import Path

import click

__all__ = ["backfill", "coverage", "debug", "evaluate", "reprocess"]

_DB = click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True, show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Warehouse file.",
)
_RAW = click.option(
    "--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Raw store [default: $LPS_RAW, else raw/ beside the warehouse].",
)


def _warehouse(db_path: Path, *, writable: bool = True):  # type: ignore[no-untyped-def]
    from warehouse import WarehouseUnavailable, open_warehouse

    try:
        return open_warehouse(db_path, writable=writable)
    except WarehouseUnavailable as error:
        raise click.ClickException(str(error)) from error


def _raw(db_path: Path, raw_dir: Path | None) -> Path:
    from flows.rawstore import default_raw_dir

    return raw_dir or default_raw_dir(db_path)


@click.command()
@click.argument("manifest", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url-template", metavar="URL",
              help="Fetch one URL per period and borough (placeholders above).")
@click.option("--periods", help="Comma-separated periods for --url-template, e.g. 2009/10,2010/11.")
@click.option("--boroughs", help="Comma-separated boroughs for --url-template [default: all 32].")
@_DB
@_RAW
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a transient failure (connection, timeout, 5xx, 429).")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True,
              help="Downloads at once.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=2.0,
              show_default=True, help="Requests per second, at most.")
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Refuse files larger than this [default: $LPS_MAX_BYTES, else 50 MB].")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
def backfill(manifest: Path | None, url_template: str | None, periods: str | None,
             boroughs: str | None, db_path: Path, raw_dir: Path | None, timeout: float,
             retries: int, concurrency: int, rate: float, max_mb: float | None,
             workers: int | None) -> None:
    """Download leaflets into the raw store and ingest them (resumable).

    MANIFEST is a CSV file with a header row, or a JSON list of objects, each item giving
    `url` (or `path`, a local file) and optionally the `area` and `period` it should be. Or
    give --url-template with --periods (and --boroughs) to fetch one URL per period and
    borough, each expected to be that area and period. Placeholders, shown for Kensington and
    Chelsea 2009/10:

    \b
      {period}        2009-10
      {year}          2009     first year of the performance year
      {edition}       2010     year the leaflet was published
      {borough}       kensington-and-chelsea
      {borough_name}  Kensington and Chelsea

    Every file is kept unedited as RAW/<sha256>.pdf beside RAW/<sha256>.json (each URL or
    path it came from, and when). Only transient failures (connection, timeout, truncated
    body, 5xx, 429) are retried, with backoff. Failures (404, 5xx after retries, not a PDF,
    too large) are recorded per URL in the `fetches` table and the run carries on. Run it
    again to resume: a URL fetched, or refused for good, before is not asked again. The
    report ends with each failure, each document that is not the area or period its item
    expected, and each one quarantined.

    \b
    Examples:
      lps backfill leaflets.csv --db lps.db
      lps backfill leaflets.json --raw /archive/raw --rate 1 --concurrency 2
      lps backfill --url-template 'https://archive.example/{edition}/{borough}.pdf' \\
          --periods 2007/08,2008/09,2009/10,2010/11
      lps backfill --url-template 'https://host/{period}/{borough}.pdf' \\
          --periods 2009/10 --boroughs Barnet,Camden

    \b
    A CSV manifest:
      url,area,period
      https://archive.example/2010/barnet.pdf,Barnet,2009/10
      https://archive.example/2010/camden.pdf,,
    """
    from flows.backfill import run_backfill
    from flows.fetch import FetchPolicy
    from flows.manifest import BadManifest, items_from_template, read_manifest
    from flows.runtime import PrefectApiUnavailable

    if (manifest is None) == (url_template is None):
        raise click.UsageError("give a MANIFEST or --url-template, not both")
    try:
        if manifest is not None:
            items = read_manifest(manifest)
        else:
            if not periods:
                raise click.UsageError("--url-template needs --periods")
            items = items_from_template(url_template or "", periods.split(","),
                                        boroughs.split(",") if boroughs else None)
    except BadManifest as error:
        raise click.ClickException(str(error)) from error
    _warehouse(db_path).close()
    policy = FetchPolicy(timeout=timeout, retries=retries, concurrency=concurrency, rate=rate)
    if max_mb is not None:
        policy = replace(policy, max_bytes=int(max_mb * 1_000_000))
    try:
        summary = run_backfill(items, str(db_path), str(_raw(db_path, raw_dir)), policy, workers)
    except PrefectApiUnavailable as error:
        raise click.ClickException(str(error)) from error
    except sqlite3.Error as error:
        raise click.ClickException(f"warehouse {db_path}: {error}") from error
    click.echo(summary.to_text())


@click.command()
@_DB
def coverage(db_path: Path) -> None:
    """Show which boroughs and years are loaded, quarantined or missing.

    Prints the borough x period matrix, one row per borough (all 32) and one column per period
    any document or manifest mentions: L loaded, Q quarantined (found, but not read: see the
    `documents` table for why), . missing (still to be found). The same data is the
    warehouse's `coverage` view. A quarantined document, having no area or period of its own,
    is placed by what its manifest item expected; one that neither says nor was expected to be
    anything is listed after the matrix, with why it has no cell.

    \b
    Examples:
      lps coverage --db lps.db
      sqlite-utils query lps.db "select * from coverage where status != 'loaded'"
    """
    with _warehouse(db_path) as db:
        rows = list(db.query("SELECT area, period, status FROM coverage"))
        unplaced = list(db.query("SELECT source, why_not_in_matrix FROM coverage_unplaced"))
    periods = sorted({row["period"] for row in rows})
    if not periods:
        click.echo("no documents yet" if not unplaced else "no leaflet placed yet")
        _echo_unplaced(unplaced)
        return
    cells = {(row["area"], row["period"]): row["status"] for row in rows}
    areas = sorted({row["area"] for row in rows})
    mark = {"loaded": "L", "quarantined": "Q", "missing": "."}
    width = max(len(a) for a in areas)
    click.echo(" " * width + "  " + "  ".join(periods))
    for area in areas:
        click.echo(area.ljust(width) + "  " + "  ".join(
            mark[cells.get((area, p), "missing")].center(len(p)) for p in periods))
    totals = {s: sum(v == s for v in cells.values()) for s in mark}
    click.echo(f"{totals['loaded']} loaded, {totals['quarantined']} quarantined, "
               f"{totals['missing']} missing")
    _echo_unplaced(unplaced)


def _echo_unplaced(unplaced: list[dict[str, str]]) -> None:
    """Quarantined documents no cell counts, each with why (the `coverage_unplaced` view)."""
    if not unplaced:
        return
    many = len(unplaced) != 1
    click.echo(f"{len(unplaced)} quarantined document{'s' if many else ''} "
               f"{'are' if many else 'is'} not in the matrix (see the coverage_unplaced view):")
    for row in unplaced:
        click.echo(f"  {row['source']}: {row['why_not_in_matrix']}")


@click.command()
@_DB
@_RAW
def reprocess(db_path: Path, raw_dir: Path | None) -> None:
    """Re-extract documents from the raw store after the extractors change.

    Documents written by another extractor version than the current one (loaded or
    quarantined: a new template may now read them) are extracted again from
    RAW/<sha256>.pdf, or the path they were ingested from, with no network. Each document's
    rows are replaced in one transaction together with its `extraction_history` row: the
    previous and new extractor versions, when, the rows before and after, and how many figure
    rows changed. A document whose bytes are nowhere to be found is listed and left as it was.
    Running it again does nothing until the extractor version changes again.

    \b
    Examples:
      lps reprocess --db lps.db
      lps reprocess --db lps.db --raw /archive/raw
      sqlite-utils query lps.db "select * from extraction_history where figures_changed"
    """
    from extractors import EXTRACTOR_VERSION
    from flows.reprocess import reprocess_all

    counts = {"loaded": 0, "quarantined": 0, "missing": 0, "changed": 0}
    with _warehouse(db_path) as db:
        for outcome in reprocess_all(db, _raw(db_path, raw_dir), EXTRACTOR_VERSION):
            counts[outcome.status] += 1
            counts["changed"] += outcome.rows_changed > 0
            if outcome.status != "loaded":
                click.echo(f"{outcome.document_id[:12]} {outcome.status}: {outcome.reason}")
    click.echo(f"reprocessed with {EXTRACTOR_VERSION}: {counts['loaded']} loaded "
               f"({counts['changed']} with changed figures), {counts['quarantined']} "
               f"quarantined, {counts['missing']} without raw bytes")


@click.command()
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--page", "pages", type=click.IntRange(min=1), multiple=True,
              help="Page to draw (repeatable) [default: all].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("debug"), show_default=True, help="Folder for the PNGs.")
def debug(pdf: Path, pages: tuple[int, ...], out_dir: Path) -> None:
    """Draw what the template found over each page, as PNGs.

    Writes OUT/<name>-<page>.png for each page (or each --page), drawn over the page with
    pdfplumber: grey, every word; blue, each section the template's anchors found (named at
    its top left); purple, each table the template reads (its outline, and thinner, the
    boundaries of its columns and cells); green, each line a figure was read from; orange,
    the word holding each figure. Written in red across the top of the first page drawn:
    why the document was refused (no template recognised it, or the template raised) and
    every review item. A number printed on the page without an orange box was not read.

    \b
    Examples:
      lps debug leaflets/barnet.pdf                 # debug/barnet-1.png ...
      lps debug leaflets/barnet.pdf --page 3 --out /tmp/look
    """
    from extractors import ExtractionError
    from flows.debug import draw_pages

    try:
        paths = draw_pages(pdf.read_bytes(), out_dir, list(pages) or None, stem=pdf.stem)
    except ExtractionError as error:
        raise click.ClickException(f"{pdf}: {error}") from error
    except IndexError as error:
        raise click.ClickException(f"{pdf}: {error}") from error
    for path in paths:
        click.echo(str(path))


@click.command()
@click.argument("pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--truth", "truth_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of golden JSON files, matched to PDFs by relative path.")
def evaluate(pdf_dir: Path, truth_dir: Path) -> None:
    """Score extraction against truth files; exit 1 when any figure is wrong.

    Truth files are hand-checked golden JSON (as in fixtures/golden); TRUTH_DIR/<rel>.json is
    compared with PDF_DIR/<rel>.pdf, figure by figure (each number or yes/no of each record).
    Prints field-level accuracy over all, per template and per measure; then every WRONG figure
    (extracted but different: there must be none), every missed one (in the truth, not
    extracted) and every refused file. Exits 1 when any figure is wrong, else 0.

    \b
    Examples:
      lps evaluate fixtures/pdfs --truth fixtures/golden
      lps evaluate new-edition/pdfs --truth new-edition/truth && echo trusted
    """
    from flows.evaluate import BadTruth, evaluate_folder

    try:
        result = evaluate_folder(pdf_dir, truth_dir)
    except BadTruth as error:
        raise click.ClickException(str(error)) from error
    click.echo(result.to_text())
    if result.wrong:
        sys.exit(1)
