"""Text cells a spreadsheet would run as formulas, made inert in every CSV the project writes.

A CSV is opened in Excel or LibreOffice more often than it is parsed, and a cell that begins
with `=`, `+`, `-`, `@`, a tab or a carriage return is taken there as a formula: a manifest URL
`=HYPERLINK("http://evil.example","open")` in `fetches.csv`, or a file name beginning with `=`
in `documents.csv`, would run when a researcher opens the export. Such a cell is written with a
leading apostrophe (`'=HYPERLINK(...)`), which the spreadsheet shows as text (the OWASP advice
for CSV injection).

A cell that is a plain number is left as it is, whatever its column: `-12.5`, `+3`, `-1,234`,
`-4.5e3` or `-12.5%` is read by a spreadsheet as a number, never a formula, so a negative
figure stays a number in a numeric column and nothing is lost in a text one. Only CSV is
changed: Parquet and JSON carry the value exactly as the warehouse holds it.

Used by `lps export` (`release.package`) and by `lps serve`'s CSV downloads (the Datasette
plugin `datasette/plugins/lps_csv_guard.py`).
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "neutralise_formula"]

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def neutralise_formula(text: str) -> str:
    """`text` as a CSV cell a spreadsheet will show and never run: a leading apostrophe before
    a formula-like start, unless the whole cell is a plain number."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
