"""What every command prints about itself: its wall time, and with `-v` where it went."""

from __future__ import annotations

import click

__all__ = ["VERBOSE", "report_time"]

#: `-v`: print where the command's wall time went (to stderr).
VERBOSE = click.option("-v", "--verbose", is_flag=True,
                       help="Print where the wall time went, phase by phase (to stderr).")


def report_time(verbose: bool) -> float:
    """The command's wall time from process start; its breakdown on stderr with `-v`."""
    from pipeline.timing import breakdown, since_start

    total = since_start()
    if verbose:
        click.echo(breakdown(total), err=True)
    return total
