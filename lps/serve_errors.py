"""A Datasette plugin for `lps serve`: one line on stderr per request answered with a 4xx.

Datasette prints a rich traceback (with every local variable) for every exception when `rich`
is installed, as it is here (a dependency of Prefect): 182 lines for one 404. With this plugin a
page that does not exist, or a bad query, is logged as `404 GET /path: Database not found`; a
5xx is still printed in full by Datasette's own handler, since that is a bug to look at.
Registered by `lps.serve`, not through `datasette/plugins/`, because it is about the command's
output, not about what is served.
"""

from __future__ import annotations

import sys
from typing import Any

import datasette.handle_exception as datasette_errors  # type: ignore[import-untyped]
from datasette.utils.asgi import Base400  # type: ignore[import-untyped]

from datasette import hookimpl  # type: ignore[attr-defined]

__all__ = ["handle_exception", "install"]

NAME = "lps-one-line-errors"


@hookimpl(tryfirst=True)  # type: ignore[untyped-decorator]
def handle_exception(datasette: Any, request: Any, exception: Exception) -> None:
    """Log a client error in one line; Datasette's handler then renders the error page."""
    if isinstance(exception, Base400):
        message = exception.args[0] if exception.args else ""
        sys.stderr.write(f"{exception.status} {request.method} {request.full_path}: "
                         f"{message}\n")
        sys.stderr.flush()


def install() -> None:
    """Register the plugin (once) and turn off Datasette's rich traceback printing; its
    handler still prints a 5xx with `traceback.print_exc()`."""
    from datasette.plugins import pm  # type: ignore[attr-defined]

    datasette_errors.rich = None
    if pm.get_plugin(NAME) is None:
        pm.register(sys.modules[__name__], name=NAME)
