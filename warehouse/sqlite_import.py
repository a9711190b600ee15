"""Importing sqlite-utils without pandas and numpy, which the warehouse never hands it.

sqlite-utils imports pandas and numpy when they are installed, only to map their scalar types
to column types. The warehouse writes Python values (from Pydantic records), never pandas or
numpy ones, yet the import cost every command that opens the warehouse about half a second
(measured: 0.45 s of a 1.9 s `lps extract`, the same in every `lps ingest`). So sqlite-utils
is imported when this module is (the warehouse package imports it first), with the two hidden;
a later `import pandas` elsewhere (the release packager) works as usual, and a process that has
imported them already keeps them.
"""

from __future__ import annotations

import sys

__all__ = ["import_sqlite_utils"]

#: Optional imports of sqlite-utils the warehouse has no use for.
_UNUSED = ("pandas", "numpy")


def import_sqlite_utils() -> None:
    """Import sqlite-utils (once per process) without importing pandas or numpy for it."""
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in _UNUSED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, "") is None:
                del sys.modules[name]


import_sqlite_utils()
