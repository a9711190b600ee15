"""A Datasette plugin for `lps serve`: one line on stderr per request answered with a 4xx.

A query stopped at the time limit is a 4xx too: Datasette's CSV left it uncaught (HTTP 500,
with a traceback), so it is answered here with 400 and a message saying so (issue 20, item 10),
and logged in one line like the others.

Datasette prints a rich traceback (with every local variable) for every exception when `rich`
is installed, as it is here (a dependency of Prefect): 182 lines for one 404. With this plugin a
page that does not exist, or a bad query, is logged as `404 GET /path: Database not found`; a
5xx is still printed in full by Datasette's own handler, since that is a bug to look at.
Registered by `lps.serve`, not through `datasette/plugins/`, because it is about the command's
output, not about what is served.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from datasette.database import QueryInterrupted  # type: ignore[import-untyped]
from datasette.utils.asgi import Base400, Response  # type: ignore[import-untyped]

from datasette import hookimpl  # type: ignore[attr-defined]

__all__ = ["TIME_LIMIT", "handle_exception", "install", "is_csv_request"]

NAME = "lps-one-line-errors"

#: What a query over `sql_time_limit_ms` is told.
TIME_LIMIT = ("query took longer than {seconds:g} s, the most `lps serve` gives one query: "
              "simplify it, or select fewer rows (LIMIT)")


class _Tracebacks:
    """Datasette's handler prints every 5xx with `traceback.print_exc()`; a query stopped at
    the time limit is answered with 400 here, so it is not printed as one."""

    @staticmethod
    def print_exc(*args: Any, **kwargs: Any) -> None:
        if not isinstance(sys.exc_info()[1], QueryInterrupted):
            traceback.print_exc(*args, **kwargs)


@hookimpl(tryfirst=True)  # type: ignore[untyped-decorator]
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Log a client error in one line; Datasette's handler then renders the error page. A
    query stopped at the time limit is answered here: 400, in plain text."""
    if isinstance(exception, QueryInterrupted):
        seconds = float(datasette.setting("sql_time_limit_ms") or 1000) / 1000
        message = TIME_LIMIT.format(seconds=seconds)
        sys.stderr.write(f"400 {request.method} {request.full_path}: {message}\n")
        sys.stderr.flush()
        return Response.text(f"error: {message}\n", status=400)
    if isinstance(exception, Base400):
        message = exception.args[0] if exception.args else ""
        sys.stderr.write(f"{exception.status} {request.method} {request.full_path}: "
                         f"{message}\n")
        sys.stderr.flush()
    return None


def install() -> None:
    """Register the plugin (once) and turn off Datasette's rich traceback printing; its
    handler still prints a 5xx with `traceback.print_exc()`."""
    # Imported here, not at the top: imported before `datasette.plugins` (which the imports
    # above load), `datasette.handle_exception` is registered half-initialised (a circular
    # import) and Datasette has no error page; the plugin files import this module first.
    import datasette.handle_exception as datasette_errors  # type: ignore[import-untyped]

    from datasette.plugins import pm  # type: ignore[attr-defined]

    datasette_errors.rich = None
    datasette_errors.traceback = _Tracebacks
    if pm.get_plugin(NAME) is None:
        pm.register(sys.modules[__name__], name=NAME)


def is_csv_request(scope: Any) -> bool:
    """Whether an ASGI request asks for CSV (a `.csv` path or `_format=csv`): the one test the
    CSV plugins share (`lps_csv_errors`, `lps_csv_guard`)."""
    query = scope.get("query_string", b"")
    return str(scope.get("path", "")).endswith(".csv") or b"_format=csv" in query
