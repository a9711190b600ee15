"""`lps server start|stop|status`: the long-lived local Prefect server that runs reuse.

Thin: `flows.server.LocalServer` starts Prefect's own `prefect server start` detached and
remembers where it listens; this module prints what happened and chooses the exit code.
"""

from __future__ import annotations

import sys

import click

from lps.errors import EXIT_CODES, friendly_errors

__all__ = ["server"]


@click.group(epilog=EXIT_CODES)
def server() -> None:
    """Keep a local Prefect server running, so that runs start in seconds.

    With no PREFECT_API_URL set, every `lps ingest` and `lps backfill` that has something to
    do records its flow run on this server while it answers, instead of starting (and
    waiting for) a temporary server of its own; the history of every run stays in its UI. Its
    database, log (lps-server.log) and address (lps-server.json) live in the Prefect home of
    lps: $PREFECT_HOME, else ~/.cache/lps/prefect. Stop it at any time: runs then go back to a
    temporary server.

    \b
    Examples:
      lps server start              # http://127.0.0.1:4200/ (the UI and the API)
      lps server start --port 4300
      lps server status             # exit 0 when it answers, 1 when it does not
      lps server stop
    """


@server.command(epilog=EXIT_CODES)
@click.option("--port", type=click.IntRange(1, 65535), default=4200, show_default=True,
              help="Port on 127.0.0.1.")
def start(port: int) -> None:
    """Start the server in the background; return once it answers.

    A new Prefect home starts from a database migrated when lps was built.

    \b
    Examples:
      lps server start
      lps server start --port 4300
    """
    from flows.server import LocalServer

    running = LocalServer.running()
    if running is not None:
        click.echo(f"already running at {running.api_url} (pid {running.pid})")
        return
    with friendly_errors():
        started = LocalServer.start(port)
    click.echo(f"Prefect server running at {started.api_url} (pid {started.pid}); its UI is "
               f"at {started.api_url.removesuffix('/api')}/. Runs without PREFECT_API_URL "
               "now use it; stop it with `lps server stop`.")


@server.command(epilog=EXIT_CODES)
def status() -> None:
    """Say whether the server is running; exit 1 when it is not.

    \b
    Examples:
      lps server status && echo "runs will use it"
    """
    from flows.server import LocalServer, prefect_home

    known = LocalServer.read()
    if known is None:
        click.echo(f"not running (no server started by `lps server start` in {prefect_home()})")
        sys.exit(1)
    elif LocalServer.running() is None:
        click.echo(f"not answering at {known.api_url} (pid {known.pid}): runs use a temporary "
                   "server; `lps server stop` then `lps server start` to restart it")
        sys.exit(1)
    else:
        click.echo(f"running at {known.api_url} (pid {known.pid}, since {known.started_at}); "
                   f"log: {known.log}")


@server.command(epilog=EXIT_CODES)
def stop() -> None:
    """Stop the server.

    \b
    Examples:
      lps server stop
    """
    from flows.server import LocalServer

    known = LocalServer.read()
    if known is None:
        click.echo("not running: nothing to stop")
        return
    if known.stop():
        click.echo(f"stopped the server at {known.api_url} (pid {known.pid})")
    else:
        click.echo(f"the server at {known.api_url} (pid {known.pid}) had already stopped")

