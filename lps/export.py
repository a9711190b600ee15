"""`lps export`: a citable release of the warehouse (thin: the work is `release.export_release`).

pandas, pyarrow and frictionless are imported only when the command runs, so `lps --help` stays
instant.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lps.errors import EXIT_CODES

if TYPE_CHECKING:
    from warehouse.findings import Problem

__all__ = ["export"]


def _refuse_unverified(db_path: Path, problems: Sequence[Problem]) -> None:
    """A release is evidence: one of a warehouse that fails `lps verify` is refused, naming
    the first finding."""
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise click.ClickException(
            f"refused: {db_path} fails `lps verify`: [{first.check}] {first.table}: "
            f"{first.what}{more}; run `lps verify --db {db_path}` for the report and fixes")


@click.command(epilog=EXIT_CODES)
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True, show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Warehouse file.",
)
@click.option("--release-version", "release_version", metavar="VERSION", default=None,
              help="The release's version, e.g. 2024.1 [default: the date, 2024.05.01].")
@click.option("--no-record", is_flag=True, default=False,
              help="Do not record the release in the warehouse's `releases` table.")
@click.option("--previous", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="The previous release's folder: the changelog then lists the "
              "documents added, removed or re-read since.")
def export(out: Path, db_path: Path, release_version: str | None, no_record: bool,
           previous: Path | None) -> None:
    """Write a citable release of the warehouse into the new folder OUT.

    The warehouse must pass `lps verify` (its values, its schema): a release of one that does
    not is refused, naming what is wrong. OUT gets a Frictionless Data Package
    (datapackage.json and data/*.csv, every field typed and described, the `measures` codebook
    among them), the same tables as Parquet (parquet/*.parquet), a borough x year CSV per
    measure (wide/<measure>.csv, in the package too), a README, CITATION.cff, LICENSE (the
    code's), DATA-LICENCE.md (which rows are real and which synthetic, under which licence),
    METHODS.md (from the codebook), CHANGELOG.md (against the previous release) and SHA256SUMS
    (a sha256 per file). The package carries the release's version, date and the checksum of
    the warehouse's data, and is validated with frictionless before it is kept. The release is
    recorded in the warehouse's `releases` table (shown on the `lps serve` home page); making
    a version again from the same data writes the same files, from other data is refused.

    \b
    Examples:
      lps export release-2024.1 --release-version 2024.1
      lps export /tmp/look --no-record            # a look, not a release
      lps export release-2024.2 --release-version 2024.2 --previous release-2024.1
      frictionless validate release-2024.1/datapackage.json
    """
    from release import ReleaseError, export_release
    from warehouse import WarehouseUnavailable, open_warehouse
    from warehouse.verify import verify_warehouse

    if not db_path.is_file():
        raise click.ClickException(f"no warehouse at {db_path}: run `lps ingest` first, or "
                                   "pass --db")
    try:
        db = open_warehouse(db_path, writable=not no_record)
    except WarehouseUnavailable as error:
        raise click.ClickException(str(error)) from error
    try:
        _refuse_unverified(db_path, verify_warehouse(db).problems)
        exported = export_release(db, out, release_version, record=not no_record,
                                  previous=previous)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from error
    except sqlite3.OperationalError as error:  # e.g. an unmigrated, read-only warehouse
        raise click.ClickException(f"warehouse {db_path}: {error}") from error
    except OSError as error:  # a full disk, a folder that may not be written
        raise click.ClickException(
            f"cannot write the release to {out}: {error.strerror or error}"
            f"{f' ({error.filename})' if error.filename else ''}; nothing was kept or "
            "recorded") from error
    finally:
        db.close()
    release = exported.release
    click.echo(f"Release {release.version} ({release.released_at}) written to {out}")
    click.echo(f"  warehouse data checksum: {release.warehouse_sha256}")
    click.echo(f"  leaflets: {release.documents_loaded} loaded, "
               f"{release.documents_quarantined} quarantined")
    for name, rows in exported.rows.items():
        click.echo(f"  data/{name}.csv: {rows} rows")
    click.echo(f"  wide/: {len(exported.wide)} measures ({', '.join(exported.wide)})")
    click.echo("  validated with frictionless: valid")
    click.echo("  recorded in the warehouse's releases table" if not no_record
               else "  not recorded (--no-record)")
    if exported.absolute_sources:
        click.echo(f"warning: {exported.absolute_sources} documents have an absolute local path "
                   "as their source (ingested before sources were stored as given); the release "
                   "shows those paths", err=True)
