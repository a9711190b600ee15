"""Migration m013 (issue 18), frozen once shipped: `coverage` shows how each cell was read.

An archivist digitising a box of printed leaflets wants to see, in the matrix of boroughs and
years, which cells stand on leaflets read by OCR from scans and which on PDFs' own text, without
opening each document. `coverage` gains one column, last (the views' columns are add-only: a
query or an export naming the columns before it keeps working).

`read_by`: how the leaflet the cell names (`document_id`) was read, 'text layer', 'ocr' or
'ocr checked against layer' (`documents.read_by`, m012); NULL when it names no loaded leaflet.

Each figure's own reading (and the engine's confidence) is in `figure_cells` (m009, m012).
The view is m009's definition with the column added; everything else about it is unchanged.
"""

from __future__ import annotations

from sqlite_utils import Database

from warehouse.m009_research2 import VIEWS as M009_VIEWS

__all__ = ["COVERAGE", "STATEMENTS", "apply"]

#: m009's `coverage`, each row with how the leaflet it names was read, last. The documents'
#: readings are looked up around m009's query (kept whole, its aggregates untouched).
COVERAGE = f"""
SELECT
    cells.*,
    CAST((
        SELECT shown.read_by FROM documents AS shown
        WHERE shown.document_id = cells.document_id AND shown.status = 'loaded'
    ) AS TEXT) AS read_by
FROM ({M009_VIEWS["coverage"].strip()}) AS cells
ORDER BY cells.period, cells.area
"""

#: Every statement, in order.
STATEMENTS: tuple[str, ...] = (
    "DROP VIEW IF EXISTS [coverage]",
    f"CREATE VIEW [coverage] AS {COVERAGE.strip()}",
)


def apply(db: Database) -> None:
    """Redefine `coverage` with `read_by`, and read it once so a broken view fails here."""
    for statement in STATEMENTS:
        db.execute(statement)
    db.execute("SELECT * FROM [coverage] LIMIT 0").fetchall()
