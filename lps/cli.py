"""The `lps` command: a thin layer over `flows` and `extractors`.

Domain errors (an unusable warehouse, an unreadable PDF) become one-line messages here and only
here. Prefect is imported inside the commands that need it, so `lps --help` stays instant.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from lps import archive
from lps.export import export
from lps.serve import serve
from lps.verify import verify

__all__ = ["main"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=_CONTEXT)
@click.version_option(package_name="policing-summaries", prog_name="lps")
def main() -> None:
    """Turn Local Policing Summary PDF leaflets into a SQLite warehouse.

    \b
    Examples:
      lps ingest leaflets/                  # every .pdf under leaflets/, into ./lps.db
      lps ingest a.pdf b.pdf --db data.db   # two files, into data.db
      lps extract leaflets/barnet.pdf       # one leaflet's records as JSON
      lps verify --db data.db               # check the warehouse; exit 1 on any problem

    Query the warehouse with any SQLite tool, e.g. `sqlite-utils query lps.db "select ..."`.
    """


@main.command()
@click.argument(
    "paths", nargs=-1, required=True,
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True,
    show_envvar=True, type=click.Path(path_type=Path),
    help="Warehouse file (created if missing).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None,
    help="Extraction processes [default: one per CPU].",
)
@click.option(
    "--dask-address", envvar="LPS_DASK_ADDRESS", show_envvar=True, default=None,
    metavar="tcp://HOST:PORT",
    help="Extract on the Dask cluster whose scheduler is at this address (its workers must "
    "see the same paths).",
)
def ingest(
    paths: tuple[Path, ...], db_path: Path, workers: int | None, dask_address: str | None
) -> None:
    """Extract PDFs into the warehouse; skip those already loaded.

    PATHS are files or folders. Folders are searched recursively for files ending in .pdf
    (any case); a file named explicitly is always attempted, whatever its name. Each document
    is identified by the sha256 of its bytes, so re-running skips what is loaded and the same
    leaflet under two names is loaded once. A document that cannot be extracted is recorded as
    quarantined with the reason; the run still succeeds (exit 0).

    Runs a Prefect flow. With PREFECT_API_URL set, runs are recorded on that server; otherwise a
    temporary server is started for the run.

    \b
    Examples:
      lps ingest leaflets/
      lps ingest leaflets/2009-10 extra/barnet.PDF --db /data/lps.db --workers 2
      lps ingest /shared/leaflets --dask-address tcp://scheduler:8786
      LPS_DB=/data/lps.db lps ingest leaflets/
    """
    from warehouse import WarehouseUnavailable, open_warehouse

    try:  # fail in a second, before any server starts, when the warehouse is unusable
        open_warehouse(db_path).close()
    except WarehouseUnavailable as error:
        raise click.ClickException(str(error)) from error

    from flows.fastpath import run_ingest_lazily  # Prefect only if there is work (fast re-run)
    from flows.sources import SourceNotFound
    from flows.summary import summary_to_text

    try:
        summary = run_ingest_lazily(
            [str(path) for path in paths], str(db_path), workers, dask_address
        )
    except (WarehouseUnavailable, SourceNotFound) as error:
        raise click.ClickException(str(error)) from error
    except sqlite3.Error as error:  # e.g. another writer held the warehouse past the timeout
        raise click.ClickException(f"warehouse {db_path}: {error}") from error
    except _prefect_api_unavailable() as error:  # evaluated only when an error gets this far
        raise click.ClickException(str(error)) from error
    click.echo(summary_to_text(summary))


def _prefect_api_unavailable() -> type[Exception]:
    """`flows.runtime.PrefectApiUnavailable`, imported (with Prefect) only when needed."""
    from flows.runtime import PrefectApiUnavailable

    return PrefectApiUnavailable


@main.command()
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def extract(pdf: Path) -> None:
    """Print one PDF's validated records as JSON; write nothing.

    On a document that cannot be extracted, prints the reason it would be quarantined with to
    stderr and exits 1.

    \b
    Examples:
      lps extract leaflets/barnet.pdf
      lps extract leaflets/barnet.pdf | jq '.performance[] | [.label, .change_pct]'
    """
    from flows.extraction import extraction_or_reason

    try:
        data = pdf.read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read {pdf}: {error.strerror or error}") from error
    result = extraction_or_reason(data)
    if isinstance(result, str):
        click.echo(f"{pdf}: {result}", err=True)
        sys.exit(1)
    click.echo(result.model_dump_json(indent=2))


main.add_command(serve)
main.add_command(verify)
main.add_command(export)
for _command in (archive.backfill, archive.coverage, archive.reprocess, archive.debug,
                 archive.evaluate):
    main.add_command(_command)

if __name__ == "__main__":  # `python -m lps.cli`, where the console script is not installed
    main()
