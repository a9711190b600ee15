"""`lps` commands for archivists and template authors: backfill, coverage, reprocess, debug,
evaluate. Thin: each parses options, calls `flows.launch` or `pipeline`, and leaves turning
domain errors into one line to `lps.errors`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from lps.errors import EXIT_CODES, InputError, friendly_errors
from lps.output import VERBOSE as _VERBOSE
from lps.output import report_time as _report_time
from lps.output import say, timed

__all__ = ["backfill", "coverage", "debug", "evaluate", "reprocess"]

_DB = click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True, show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Warehouse file.",
)
_RAW = click.option(
    "--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Raw store [default: $LPS_RAW, else raw/ beside the warehouse].",
)


@click.command(epilog=EXIT_CODES)
@click.argument("manifest", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url-template", metavar="URL",
              help="Fetch one URL per period and borough (placeholders above).")
@click.option("--periods", help="Comma-separated periods for --url-template, e.g. 2009/10,2010/11.")
@click.option("--boroughs", help="Comma-separated boroughs for --url-template [default: all 32].")
@_DB
@_RAW
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Seconds to wait for a connection or for each read.")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True), default=120.0,
              show_default=True,
              help="Seconds one download may take in all (its redirects and its body).")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Retries of a transient failure (connection, timeout, 5xx, 429).")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True,
              help="Downloads at once.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=2.0,
              show_default=True, help="Requests per second, at most.")
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Refuse files larger than this [default: $LPS_MAX_BYTES, else 50 MB].")
@click.option("--allow-root", "allow_roots", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Another folder `path` items may be read from (repeatable) [default: only "
              "the manifest's folder].")
@click.option("--retry-refused", is_flag=True,
              help="Ask again the URLs an earlier run refused for good (404, not a PDF, a "
              "refused redirect...), e.g. once the archive has fixed them.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
@_VERBOSE
def backfill(manifest: Path | None, url_template: str | None, periods: str | None,
             boroughs: str | None, db_path: Path, raw_dir: Path | None, timeout: float,
             deadline: float, retries: int, concurrency: int, rate: float,
             max_mb: float | None, allow_roots: tuple[Path, ...], retry_refused: bool,
             workers: int | None, verbose: bool) -> None:
    """Download leaflets into the raw store and ingest them (resumable).

    MANIFEST is a CSV file with a header row, or a JSON list of objects, each item giving
    `url` (or `path`, a local file) and optionally the `area` and `period` it should be. One
    URL or path given twice with different expectations is an error (exit 2). A `path` must be
    a regular file under the manifest's folder (or an --allow-root folder), no larger than
    --max-mb: any other (`../`, a symlink leading out, /proc, a FIFO, a device) is refused
    before it is opened, and counted as failed. Or give --url-template with --periods (and
    --boroughs) to fetch one URL per period and borough, each expected to be that area and
    period. Placeholders, shown for Kensington and Chelsea 2009/10:

    \b
      {period}        2009-10
      {year}          2009     first year of the performance year
      {edition}       2010     year the leaflet was published
      {borough}       kensington-and-chelsea
      {borough_name}  Kensington and Chelsea

    Every file is kept unedited as RAW/<sha256>.pdf beside RAW/<sha256>.json (each URL or
    path it came from, and when). Redirects are followed only to http(s) URLs without
    credentials, on the first URL's port or the default one, and not from a public host to a
    private one; each download, redirects included, must finish within --deadline. Only
    transient failures (connection, timeout, truncated body, over the deadline, 5xx, 429) are
    retried, with backoff. Every failure (404, 5xx after retries, not a PDF, too large, a
    corrupt compressed body, a refused redirect or a redirect loop) is recorded per URL in the
    `fetches` table with its reason, and the run carries on. Run it again to resume: a URL
    fetched, or refused for good, before is not asked again (--retry-refused asks those refused
    again); a transient failure is. The
    report ends with each failure, each document that is not the area or period its item
    expected, and each one quarantined, then the wall time from start to exit (-v breaks it
    down). A run with nothing to fetch, copy or extract starts no Prefect at all.

    \b
    Examples:
      lps backfill leaflets.csv --db lps.db
      lps backfill leaflets.json --raw /archive/raw --rate 1 --concurrency 2
      lps backfill --url-template 'https://archive.example/{edition}/{borough}.pdf' \\
          --periods 2007/08,2008/09,2009/10,2010/11
      lps backfill --url-template 'https://host/{period}/{borough}.pdf' \\
          --periods 2009/10 --boroughs Barnet,Camden
      lps backfill scans.csv --allow-root /archive/scans --deadline 300

    \b
    A CSV manifest:
      url,area,period
      https://archive.example/2010/barnet.pdf,Barnet,2009/10
      https://archive.example/2010/camden.pdf,,
    """
    from flows.launch import backfill as run
    from pipeline.fetch import FetchPolicy
    from pipeline.manifest import items_from_template, read_manifest
    from pipeline.settings import Settings

    if manifest is None and url_template is None:
        raise click.UsageError("give a MANIFEST file or --url-template (with --periods)")
    if manifest is not None and url_template is not None:
        raise click.UsageError("give a MANIFEST file or --url-template, not both")
    if url_template is None and (periods or boroughs):
        raise click.UsageError("--periods and --boroughs go with --url-template")
    if url_template is not None and not periods:
        raise click.UsageError("--url-template needs --periods")
    if url_template is not None and allow_roots:
        raise click.UsageError("--allow-root goes with a MANIFEST (a template has no paths)")
    with friendly_errors(db_path):
        settings = Settings.from_env()
        if manifest is not None:
            items = read_manifest(manifest, allow_roots)
        else:
            items = items_from_template(url_template or "", (periods or "").split(","),
                                        boroughs.split(",") if boroughs else None)
        max_bytes = int(max_mb * 1_000_000) if max_mb is not None else settings.max_bytes
        policy = FetchPolicy(timeout=timeout, deadline=deadline, retries=retries,
                             concurrency=concurrency, rate=rate, max_bytes=max_bytes,
                             retry_refused=retry_refused)
        raw = raw_dir or settings.raw_dir(db_path)
        summary = run(items, str(db_path), str(raw), policy, settings, workers=workers,
                      say=say)
    seconds = _report_time(verbose)
    click.echo(summary.to_text())
    click.echo(f"in {seconds:.1f}s (start to exit)")


@click.command(epilog=EXIT_CODES)
@_DB
@timed
def coverage(db_path: Path) -> None:
    """Show which boroughs and years are loaded, quarantined or missing.

    Prints the borough x period matrix, one row per borough (all 32) and one column per period
    any document or manifest mentions: L loaded, C conflict (loaded documents that give
    different figures, none of them in the views until one is chosen with `lps resolve`), Q
    quarantined (found, but not read: see the `documents` table for why), . missing (still to
    be found). The same data is the warehouse's `coverage` view. A quarantined document, having
    no area or period of its own, is placed by what its manifest item expected; one that
    neither says nor was expected to be anything is listed after the matrix, with why it has
    no cell. Each conflict is listed after the matrix with the figures that differ. Reads the
    warehouse and writes nothing; a --db that does not exist is an error (exit 2).

    \b
    Examples:
      lps coverage --db lps.db
      sqlite-utils query lps.db "select * from coverage where status != 'loaded'"
    """
    from warehouse import open_warehouse
    from warehouse.conflicts import unresolved_conflicts

    with friendly_errors(db_path):
        db = open_warehouse(db_path, writable=False)
    with db:
        if "coverage" not in db.view_names():
            raise click.ClickException(f"{db_path} was built by an older version and has no "
                                       "coverage view: run `lps ingest` on it once to bring "
                                       "it up to date")
        rows = list(db.query("SELECT area, period, status FROM coverage"))
        unplaced = list(db.query("SELECT source, why_not_in_matrix FROM coverage_unplaced"))
        conflicts = unresolved_conflicts(db)
    periods = sorted({row["period"] for row in rows})
    if not periods:
        click.echo("no documents yet" if not unplaced else "no leaflet placed yet")
        _echo_unplaced(unplaced)
        return
    cells = {(row["area"], row["period"]): row["status"] for row in rows}
    areas = sorted({row["area"] for row in rows})
    mark = {"loaded": "L", "conflict": "C", "quarantined": "Q", "missing": "."}
    width = max(len(a) for a in areas)
    click.echo(" " * width + "  " + "  ".join(periods))
    for area in areas:
        click.echo(area.ljust(width) + "  " + "  ".join(
            mark[cells.get((area, p), "missing")].center(len(p)) for p in periods))
    totals = {s: sum(v == s for v in cells.values()) for s in mark}
    conflicted = f"{totals['conflict']} in conflict, " if totals["conflict"] else ""
    click.echo(f"{totals['loaded']} loaded, {conflicted}{totals['quarantined']} quarantined, "
               f"{totals['missing']} missing")
    _echo_conflicts(conflicts)
    _echo_unplaced(unplaced)


def _echo_conflicts(conflicts: list[Any]) -> None:
    """Each borough and year whose loaded documents disagree, with what differs."""
    if not conflicts:
        return
    from warehouse.conflicts import short

    click.echo(f"{len(conflicts)} borough-year(s) in conflict, not in the views until one "
               "document is chosen with `lps resolve DOCUMENT_ID` (see the conflicts view):")
    for conflict in conflicts:
        ids = ", ".join(short(doc) for doc in conflict.document_ids)
        click.echo(f"  {conflict.name}: documents {ids} differ: "
                   + "; ".join(conflict.differences))


def _echo_unplaced(unplaced: list[dict[str, str]]) -> None:
    """Quarantined documents no cell counts, each with why (the `coverage_unplaced` view)."""
    if not unplaced:
        return
    many = len(unplaced) != 1
    click.echo(f"{len(unplaced)} quarantined document{'s' if many else ''} "
               f"{'are' if many else 'is'} not in the matrix (see the coverage_unplaced view):")
    for row in unplaced:
        click.echo(f"  {row['source']}: {row['why_not_in_matrix']}")


@click.command(epilog=EXIT_CODES)
@_DB
@_RAW
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
@_VERBOSE
def reprocess(db_path: Path, raw_dir: Path | None, workers: int | None, verbose: bool) -> None:
    """Re-extract documents from the raw store after the extractors change.

    Documents written by another extractor version than the current one (loaded or
    quarantined: a new template may now read them) are extracted again from
    RAW/<sha256>.pdf, or the path they were ingested from, with no network. Each document's
    rows are replaced in one transaction together with its `extraction_history` row: the
    previous and new extractor versions, when, the rows before and after, and how many figure
    rows changed. A document whose bytes are nowhere to be found is listed and left as it was.
    Each document is parsed in a child process with the limits of an ingest (LPS_PARSE_SECONDS,
    LPS_PARSE_MEMORY_MB). A document whose parse runs out of time or memory is never
    quarantined for it: it keeps its rows and its version, the attempt is recorded in
    `extraction_history` with status 'failed', the command exits 1, and the next run tries it
    again (as it does a document an ingest quarantined for time or memory). Otherwise running
    it again does nothing until the extractor version changes again. A --db that does not exist
    is an error (exit 2), never a new empty warehouse.

    \b
    Examples:
      lps reprocess --db lps.db
      lps reprocess --db lps.db --raw /archive/raw
      sqlite-utils query lps.db "select * from extraction_history where figures_changed"
    """
    from extractors import EXTRACTOR_VERSION
    from pipeline.reprocess import reprocess_all
    from pipeline.settings import Settings
    from warehouse import open_warehouse

    counts = {"loaded": 0, "quarantined": 0, "failed": 0, "missing": 0, "changed": 0}
    with friendly_errors(db_path):
        settings = Settings.from_env()
        with open_warehouse(db_path, must_exist=True) as db:
            for outcome in reprocess_all(db, raw_dir or settings.raw_dir(db_path),
                                         EXTRACTOR_VERSION, settings, workers):
                counts[outcome.status] += 1
                counts["changed"] += outcome.rows_changed > 0
                if outcome.status == "failed":
                    click.echo(f"{outcome.document_id[:12]} failed, kept as it was: "
                               f"{outcome.reason}")
                elif outcome.status != "loaded":
                    click.echo(f"{outcome.document_id[:12]} {outcome.status}: {outcome.reason}")
    seconds = _report_time(verbose)
    failed = (f"{counts['failed']} failed for time or memory (kept as they were; run again, "
              "perhaps with a larger LPS_PARSE_SECONDS or LPS_PARSE_MEMORY_MB), "
              if counts["failed"] else "")
    click.echo(f"reprocessed with {EXTRACTOR_VERSION}: {counts['loaded']} loaded "
               f"({counts['changed']} with changed figures), {counts['quarantined']} "
               f"quarantined, {failed}{counts['missing']} without raw bytes, in {seconds:.1f}s")
    if counts["failed"]:
        sys.exit(1)


@click.command(epilog=EXIT_CODES)
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--page", "pages", type=click.IntRange(min=1), multiple=True,
              help="Page to draw (repeatable) [default: all].")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("debug"), show_default=True, help="Folder for the PNGs.")
@timed
def debug(pdf: Path, pages: tuple[int, ...], out_dir: Path) -> None:
    """Draw what the template found over each page, as PNGs.

    Writes OUT/<name>-<page>.png for each page (or each --page), drawn over the page with
    pdfplumber: every word filled in the colour of its role (furniture, heading, column
    heading, label, figure, mark, note, stamp, prose, hidden; a legend at the top right);
    blue, each section the template's anchors found (named at its top left); purple, each
    table the template reads (its outline, and thinner, the boundaries of its columns and
    cells); green, each line a figure was read from; orange, the word holding each figure.
    Written in red across the top of the first page drawn: why the document was refused (no
    template recognised it, or the template raised) and every review item; the refusal
    again at the foot of the page it names. A number printed on the page without an orange
    box was not read. The file is read in a child process with the limits of an ingest
    (LPS_PARSE_SECONDS, LPS_PARSE_MEMORY_MB), so no file can hang it or exhaust the machine.

    \b
    Examples:
      lps debug leaflets/barnet.pdf                 # debug/barnet-1.png ...
      lps debug leaflets/barnet.pdf --page 3 --out /tmp/look
    """
    from pipeline.debug import draw_pages
    from pipeline.guarded_call import CallFailed, GuardStopped, call_guarded
    from pipeline.settings import Settings

    with friendly_errors():
        settings = Settings.from_env()
    try:  # parsed in the guard's child, with its limits, like every command that parses
        paths = call_guarded(draw_pages, (pdf.read_bytes(), out_dir, list(pages) or None,
                                          pdf.stem), settings)
    except (CallFailed, GuardStopped) as error:
        raise click.ClickException(f"{pdf}: {error}") from error
    for path in paths:
        click.echo(str(path))


@click.command(epilog=EXIT_CODES)
@click.argument("pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--truth", "truth_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of golden JSON files, matched to PDFs by relative path.")
@click.option("--params", "params_file", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON object: each leaflet's relative name (no extension) -> its layout "
              "parameters; adds a table per parameter.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the whole score to this file, as JSON.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
@_VERBOSE
def evaluate(pdf_dir: Path, truth_dir: Path, params_file: Path | None, json_file: Path | None,
             workers: int | None, verbose: bool) -> None:
    """Score extraction against truth files; exit 1 when any figure is wrong.

    Truth files are hand-checked golden JSON (as in fixtures/golden); TRUTH_DIR/<rel>.json is
    compared with PDF_DIR/<rel>.pdf, figure by figure (each number or yes/no of each record).
    The two folders must match: a PDF with no truth file, or a truth file with no PDF, is an
    error that names them (exit 2), as is a pair of folders with nothing to compare. Each PDF
    is parsed in a child process with the limits of an ingest.

    Prints the figures right, wrong (extracted but different: there must be none) and missed
    (in the truth, not extracted); the leaflets fully loaded (loaded with every figure right)
    and the share quarantined; accuracy per template and per measure; with --params, one table
    per layout parameter (leaflets, fully loaded %, figures right %, wrong values,
    quarantined %); then every WRONG figure, every missed one and every refused file. Exits 1
    when any figure is wrong, else 0.

    \b
    A params file:
      {"2009-10/barnet": {"producer": "chromium", "mark": "badge"},
       "2009-10/camden": {"producer": "weasyprint", "mark": "tick"}}

    \b
    Examples:
      lps evaluate fixtures/pdfs/2010-11 --truth fixtures/golden/2010-11
      lps evaluate unseen/pdfs --truth unseen/truth --params unseen/params.json --json score.json
      lps evaluate new-edition/pdfs --truth new-edition/truth && echo trusted
    """
    from pipeline.evaluate import evaluate_folder, read_params
    from pipeline.settings import Settings

    with friendly_errors():
        params = read_params(params_file) if params_file is not None else None
        result = evaluate_folder(pdf_dir, truth_dir, Settings.from_env(), params, workers)
        if json_file is not None:
            score: dict[str, Any] = {"pdf_dir": str(pdf_dir), "truth_dir": str(truth_dir),
                                     **result.to_json()}
            try:
                json_file.write_text(json.dumps(score, indent=2) + "\n", encoding="utf-8")
            except OSError as error:
                raise InputError(f"cannot write {json_file}: {error.strerror or error}"
                                 ) from error
    seconds = _report_time(verbose)
    click.echo(result.to_text())
    click.echo(f"in {seconds:.1f}s (start to exit)")
    if result.wrong:
        sys.exit(1)
