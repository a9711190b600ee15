"""`lps` commands for archivists and template authors: backfill, coverage, reprocess, debug,
evaluate. Thin: each parses options, calls `flows`, and turns domain errors into one line."""

from __future__ import annotations

import sqlite3
import sys
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
@click.option("--url-template", help="URL with {period}, {year}, {borough}, {borough_name}.")
@click.option("--periods", help="Comma-separated periods for --url-template, e.g. 2009/10,2010/11.")
@click.option("--boroughs", help="Comma-separated boroughs [default: all 32].")
@_DB
@_RAW
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds per request.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a transient failure (connection, timeout, 5xx, 429).")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--rate", type=float, default=2.0, show_default=True, help="Requests per second.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
def backfill(manifest: Path | None, url_template: str | None, periods: str | None,
             boroughs: str | None, db_path: Path, raw_dir: Path | None, timeout: float,
             retries: int, concurrency: int, rate: float, workers: int | None) -> None:
    """Download leaflets into the raw store and ingest them (resumable).

    MANIFEST is a CSV (header: url or path, area, period) or JSON list of such objects. Or give
    --url-template with --periods. Every file is kept unedited as RAW/<sha256>.pdf with a
    <sha256>.json of where and when it was fetched. A URL fetched before is not fetched again;
    failures (404, 5xx after retries, not a PDF, too large, timeouts) are recorded in the
    `fetches` table with the reason, and the run carries on.

    \b
    Examples:
      lps backfill leaflets.csv --db lps.db
      lps backfill leaflets.json --raw /archive/raw --rate 1
      lps backfill --url-template 'http://host/{period}/{borough}.pdf' --periods 2009/10,2010/11
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

    Prints the borough x period matrix: L loaded, Q quarantined, . missing. The same data is the
    warehouse's `coverage` view. A quarantined document is placed by the area and period its
    manifest expected.

    \b
    Examples:
      lps coverage --db lps.db
      sqlite-utils query lps.db "select * from coverage where status != 'loaded'"
    """
    with _warehouse(db_path) as db:
        rows = list(db.query("SELECT area, period, status FROM coverage"))
    periods = sorted({row["period"] for row in rows})
    if not periods:
        click.echo("no documents yet")
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


@click.command()
@_DB
@_RAW
def reprocess(db_path: Path, raw_dir: Path | None) -> None:
    """Re-extract documents from the raw store after the extractors change.

    Documents written by another extractor version than the current one are extracted again
    from RAW/<sha256>.pdf (or the path they were ingested from), with no network. Each
    document's rows are replaced in one transaction and the change recorded in
    `extraction_history`, with whether any figure changed.

    \b
    Examples:
      lps reprocess --db lps.db
      lps reprocess --db lps.db --raw /archive/raw
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
              default=Path("debug"), show_default=True)
def debug(pdf: Path, pages: tuple[int, ...], out_dir: Path) -> None:
    """Draw what the template found over each page, as PNGs.

    Grey: words; blue: sections (named at their top left); green: lines a figure was read
    from; orange: the figure; red text at the top: a refusal or review item.

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
        raise click.ClickException(f"{pdf}: no such page") from error
    for path in paths:
        click.echo(str(path))


@click.command()
@click.argument("pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--truth", "truth_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of golden JSON files, matched to PDFs by relative path.")
def evaluate(pdf_dir: Path, truth_dir: Path) -> None:
    """Score extraction against truth files; exit 1 when any figure is wrong.

    Truth files are golden JSON (as in fixtures/golden); TRUTH/<rel>.json is compared with
    PDF_DIR/<rel>.pdf. Prints accuracy per template and per measure, every wrong figure and
    every missed one.

    \b
    Examples:
      lps evaluate fixtures/pdfs --truth fixtures/golden
    """
    from flows.evaluate import evaluate_folder

    result = evaluate_folder(pdf_dir, truth_dir)
    click.echo(result.to_text())
    if result.wrong:
        sys.exit(1)
