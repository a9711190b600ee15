"""`lps resolve`: choose which of a borough's conflicting documents for a year the views show.

Thin: `warehouse.conflicts.resolve` records the choice and its lineage; this module opens the
warehouse, passes the note along and says what was chosen and set aside.
"""

from __future__ import annotations

from pathlib import Path

import click

from lps.errors import EXIT_CODES

__all__ = ["resolve"]


@click.command(epilog=EXIT_CODES)
@click.argument("document")
@click.option("--note", help="Why this one: kept with the choice (e.g. 'the revised leaflet').")
@click.option(
    "--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True, show_envvar=True,
    type=click.Path(dir_okay=False, path_type=Path), help="Warehouse file.",
)
def resolve(document: str, note: str | None, db_path: Path) -> None:
    """Choose DOCUMENT for its borough and year where loaded documents disagree.

    When two or more loaded documents for the same borough, year and template give different
    figures, none of them is in the researchers' views (`lps coverage` marks the cell C; `lps
    verify` and the `conflicts` view list them, with the figures that differ). DOCUMENT (its
    id, or the first 6 or more characters of it) becomes the one the views show; the others
    are set aside, and documents with its very figures are its duplicates. The choice is
    recorded with its lineage (`resolutions`, `resolution_documents`: what was chosen and set
    aside, when, and --note). It stands until a document with figures it did not see is
    loaded, which reopens the conflict; run it again to choose otherwise.

    \b
    Examples:
      lps verify                                  # lists each conflict and its documents
      lps resolve a936cedbeaf8 --note "revised edition, robbery corrected"
      sqlite-utils query lps.db "select * from resolutions"
    """
    from lps.errors import friendly_errors
    from warehouse import open_warehouse, utc_now
    from warehouse.conflicts import resolve as record_choice
    from warehouse.conflicts import short

    with friendly_errors(db_path), open_warehouse(db_path, must_exist=True) as db:
        done = record_choice(db, document, note, utc_now())
    set_aside = ", ".join(short(doc) for doc in done.set_aside)
    click.echo(f"{done.name}: chose {short(done.chosen)} (resolution {done.resolution_id}); "
               f"set aside {set_aside}")
    if done.duplicates:
        click.echo("  the same figures as the chosen one, not shown twice: "
                   + ", ".join(short(doc) for doc in done.duplicates))
    click.echo(f"The views now show the figures of {short(done.chosen)}.")
