"""Domain errors turned into one-line messages and exit codes: here, at the edge, and only here.

Exit codes, the same for every command (`lps --help` and the README list them):

- 0: done (also when whatever read its output stopped reading: `lps coverage | head`);
- 1: the command ran and found something wrong (a problem in the warehouse, a wrong figure, a
  document that would be quarantined), or could not finish (a warehouse that cannot be written,
  a Prefect server that stopped answering during the run, a server that would not start);
- 2: it was given something it cannot use: an unknown option, a path, folder or warehouse that
  does not exist, nothing to work on, an invalid `LPS_*` setting, a Prefect API
  (PREFECT_API_URL) or Dask cluster that does not answer, a worker set up wrongly;
- 130, 143: stopped by Ctrl-C (SIGINT) or SIGTERM, after keeping what it had loaded
  (`pipeline.interrupt`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import click

__all__ = ["EXIT_CODES", "InputError", "friendly_errors"]

EXIT_CODES = """\b
Exit codes (every command):
  0  done
  1  something was found wrong (a problem, a wrong figure, a document refused), or the command
     could not finish (warehouse not writable, Prefect server gone during the run)
  2  unusable input: an unknown option, a missing path, folder or warehouse, nothing to work
     on, an invalid LPS_* setting, a Prefect API or Dask cluster not answering, a worker set
     up wrongly
  130  stopped by Ctrl-C; 143 by SIGTERM (what was loaded is kept; run it again to go on)
  A closed pipe (`lps coverage | head`) ends a command quietly, exit 0."""


class InputError(click.ClickException):
    """The command was given something it cannot use: exit code 2."""

    exit_code = 2


def _input_errors() -> tuple[type[Exception], ...]:
    from flows.dask_check import ClusterUnusable
    from flows.runtime import PrefectApiUnavailable
    from pipeline.evaluate import CannotEvaluate
    from pipeline.manifest import BadManifest
    from pipeline.settings import BadSetting
    from pipeline.sources import NoDocuments, SourceNotFound
    from warehouse import WarehouseMissing
    from warehouse.conflicts import NothingToResolve, UnknownDocument

    return (WarehouseMissing, SourceNotFound, NoDocuments, BadSetting, CannotEvaluate,
            BadManifest, UnknownDocument, NothingToResolve, PrefectApiUnavailable,
            ClusterUnusable)


def _failures() -> tuple[type[Exception], ...]:
    from flows.runtime import PrefectServerGone
    from flows.server import ServerError
    from warehouse import WarehouseUnavailable

    return (WarehouseUnavailable, PrefectServerGone, ServerError)


@contextmanager
def friendly_errors(db_path: object = None) -> Iterator[None]:
    """Turn the pipeline's errors raised in the block into `lps`'s one-line messages."""
    try:
        yield
    except click.ClickException:
        raise
    except sqlite3.Error as error:  # e.g. another writer held the warehouse past the timeout
        raise click.ClickException(f"warehouse {db_path}: {error}") from error
    except Exception as error:
        if isinstance(error, _input_errors()):
            raise InputError(str(error)) from error
        if isinstance(error, _failures()):
            raise click.ClickException(str(error)) from error
        raise
