"""What every command prints about itself: its wall time, and with `-v` where it went."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from pipeline.interrupt import Stop

__all__ = ["VERBOSE", "report_time", "say", "timed"]

P = ParamSpec("P")
R = TypeVar("R")

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


#: Whether commands say their wall time and progress lines: set by the `lps` program
#: (`lps.cli`), not when a command is called as a function (tests, `click.testing`), whose
#: output is compared whole.
SAY_TIME = False


def say(line: str) -> None:
    """A progress line for a person at the program ("starting Prefect…"), on stderr; not when
    a command is called as a function."""
    if SAY_TIME:
        click.echo(line, err=True)


def _say_time() -> None:
    if not SAY_TIME:
        return
    from pipeline.timing import since_start

    click.echo(f"in {since_start():.1f}s (start to exit)", err=True)


def timed(command: Callable[P, R]) -> Callable[P, R]:
    """A command that says its wall time when it ends (on stderr, so its output stays what a
    pipe expects): `in 1.2s (start to exit)`, also when it exits with a code of its own
    (`lps verify` finding a problem) or is stopped by a signal (`lps serve`, which runs until
    Ctrl-C). A command stopped by an error says only the error."""

    @functools.wraps(command)
    def timed_command(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = command(*args, **kwargs)
        except (SystemExit, Stop):  # an exit code of its own; Ctrl-C ending `lps serve`
            _say_time()
            raise
        _say_time()
        return result

    return timed_command
