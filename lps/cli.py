"""The `lps` command: a thin layer over `flows.launch` and `pipeline`.

Domain errors become one-line messages with documented exit codes in `lps.errors`, and only
there. Prefect, the warehouse and the extractors are imported inside the commands that need
them, so `lps --help` stays instant and a re-run with nothing new never imports Prefect.
"""

from __future__ import annotations

import atexit
import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

import click

from lps import archive, prefect_server
from lps.errors import EXIT_CODES, friendly_errors
from lps.export import export
from lps.output import VERBOSE, report_time, say, timed
from lps.resolve import resolve
from lps.serve import serve
from lps.verify import verify

__all__ = ["main"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _stdout_to_devnull() -> None:
    """Whatever read our output stopped reading (`lps coverage | head`): say nothing more
    there, as Unix tools do (Python's documented way: the descriptor now writes nowhere)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _exit_now(line: str, code: int) -> None:
    """Print `line` and exit with `code` without the exit handlers: a stopped run has stopped
    what it started, and Prefect's handlers would send queued events to a server that may be
    gone (a retry loop)."""
    with suppress(OSError):
        sys.stdout.flush()
    with suppress(OSError):
        if code == 130 and sys.stderr.isatty():
            line = "\n" + line  # after the terminal's ^C
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    os._exit(code)


class _Program(click.Group):
    """The `lps` group, which exits as soon as the command is done when run as a program.

    Tearing down an interpreter that has imported Prefect (thousands of modules) took 0.5 s
    after the command had printed its result, time no report could include. Run from the
    command line (no `args` given), the exit handlers run (Prefect's, multiprocessing's,
    logging's, temporary files'), the output is flushed, and the process exits at once. Called
    with `args` (tests, `click.testing`), it behaves as any click group.

    Run from the command line it also answers signals (`pipeline.interrupt`): the first Ctrl-C
    or SIGTERM stops the command cleanly (a run keeps what it loaded and says so), exit 130 or
    143; a second exits at once. A closed pipe on stdout ends the command quietly, exit 0.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _stdout_to_devnull()
            ctx.exit(0)

    def main(self, args: Any = None, *rest: Any, **options: Any) -> Any:
        if args is not None:
            return super().main(args, *rest, **options)
        from lps import output
        from pipeline import interrupt

        interrupt.install()
        output.SAY_TIME = True
        try:
            super().main(*rest, **options)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0 if done.code is None else 1
            if isinstance(done.code, str):
                sys.stderr.write(done.code + "\n")
        except interrupt.RunStopped as stopped:
            _exit_now(stopped.line, stopped.code)
        except interrupt.Stop as stop:
            _exit_now(stop.why, stop.code)
        atexit._run_exitfuncs()
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _stdout_to_devnull()
        sys.stderr.flush()
        os._exit(code)


@click.group(cls=_Program, context_settings=_CONTEXT, epilog=EXIT_CODES)
@click.version_option(package_name="policing-summaries", prog_name="lps")
def main() -> None:
    """Turn Local Policing Summary PDF leaflets into a SQLite warehouse.

    \b
    Examples:
      lps ingest leaflets/                  # every .pdf under leaflets/, into ./lps.db
      lps ingest a.pdf b.pdf --db data.db   # two files, into data.db
      lps extract leaflets/barnet.pdf       # one leaflet's records as JSON
      lps verify --db data.db               # check the warehouse; exit 1 on any problem
      lps server start                      # keep a Prefect server up: runs start faster

    Query the warehouse with any SQLite tool, e.g. `sqlite-utils query lps.db "select ..."`.
    """
    from pipeline.timing import reset

    reset()  # one command per process, but tests run several in one


@main.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--db", "db_path", envvar="LPS_DB", default="lps.db", show_default=True,
              show_envvar=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Warehouse file (created if missing).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Extraction processes [default: one per CPU].")
@click.option("--dask-address", envvar="LPS_DASK_ADDRESS", show_envvar=True, default=None,
              metavar="tcp://HOST:PORT",
              help="Extract on the Dask cluster whose scheduler is at this address (its "
              "workers must see the same paths).")
@click.option("--allow-empty", is_flag=True,
              help="Succeed when PATHS hold no PDF (a scheduled run over a drop folder).")
@click.option("--follow-links", is_flag=True,
              help="Also read files in a folder that are links leading out of it (symbolic "
              "links to files elsewhere, hard links, other devices); refused by default.")
@VERBOSE
def ingest(paths: tuple[Path, ...], db_path: Path, workers: int | None,
           dask_address: str | None, allow_empty: bool, follow_links: bool,
           verbose: bool) -> None:
    """Extract PDFs into the warehouse; skip those already loaded.

    PATHS are files or folders. Folders are searched recursively for files ending in .pdf
    (any case); a file named explicitly is always attempted, whatever its name. Each document
    is identified by the sha256 of its bytes, so re-running skips what is loaded and the same
    leaflet under two names is loaded once. A document that cannot be extracted is recorded as
    quarantined with the reason; the run still succeeds (exit 0). One quarantined because its
    parse ran out of time or memory (LPS_PARSE_SECONDS, LPS_PARSE_MEMORY_MB) is tried again by
    the next run. The summary counts what this run did: a document another run loaded first
    counts as skipped, not loaded. PATHS holding no PDF at all are an error (exit 2) unless
    --allow-empty is given. A file found in a folder that is a symbolic link to a file outside
    it, a hard link with names outside it, or on another device, is not read: the summary says
    so, and nothing of it is recorded (--follow-links reads it).

    Runs a Prefect flow when there is something new to extract (nothing is started when there
    is not). With PREFECT_API_URL set, runs are recorded on that server, checked to answer
    before anything is written; otherwise on the server of `lps server start` when it is up,
    else on a temporary server started for the run. The summary gives the wall time from start
    to exit; -v breaks it down.

    \b
    Examples:
      lps ingest leaflets/
      lps ingest leaflets/2009-10 extra/barnet.PDF --db /data/lps.db --workers 2
      lps ingest /shared/leaflets --dask-address tcp://scheduler:8786
      lps ingest /srv/drop --allow-empty      # nightly, over a folder that may be empty
      LPS_DB=/data/lps.db lps ingest leaflets/ -v
    """
    from flows.launch import ingest as run
    from pipeline.settings import Settings

    with friendly_errors(db_path):
        settings = Settings.from_env()
        if follow_links:
            settings = settings.model_copy(update={"follow_links": True})
        summary = run([str(path) for path in paths], str(db_path), settings,
                      workers=workers, dask_address=dask_address, allow_empty=allow_empty,
                      say=say)
        # imported after the run has started its Prefect server (the extraction modules
        # pipeline.report brings in would delay the server's start by a quarter of a second)
        from pipeline.report import record_wall_time, summary_to_text

        summary = record_wall_time(db_path, summary, report_time(verbose))
    click.echo(summary_to_text(summary))


@main.command(epilog=EXIT_CODES)
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@VERBOSE
@timed
def extract(pdf: Path, verbose: bool) -> None:
    """Print one PDF's validated records as JSON; write nothing.

    The document is parsed in a child process with the limits of an ingest (LPS_MAX_BYTES,
    LPS_PARSE_SECONDS, LPS_PARSE_MEMORY_MB). On a document that cannot be extracted, prints
    the reason it would be quarantined with to stderr and exits 1.

    \b
    Examples:
      lps extract leaflets/barnet.pdf
      lps extract leaflets/barnet.pdf | jq '.performance[] | [.label, .change_pct]'
    """
    from pipeline.extract import too_large
    from pipeline.guard import extract_guarded
    from pipeline.settings import Settings

    with friendly_errors():
        settings = Settings.from_env()
        try:
            result = too_large(pdf.stat().st_size, settings) or extract_guarded(
                pdf.read_bytes(), settings)
        except OSError as error:
            raise click.ClickException(f"cannot read {pdf}: {error.strerror or error}"
                                       ) from error
    report_time(verbose)
    if isinstance(result, str):
        click.echo(f"{pdf}: {result}", err=True)
        sys.exit(1)
    click.echo(result.model_dump_json(indent=2))


main.add_command(serve)
main.add_command(verify)
main.add_command(resolve)
main.add_command(export)
main.add_command(prefect_server.server)
for _command in (archive.backfill, archive.coverage, archive.reprocess, archive.debug,
                 archive.evaluate):
    main.add_command(_command)

if __name__ == "__main__":  # `python -m lps.cli`, where the console script is not installed
    main()
