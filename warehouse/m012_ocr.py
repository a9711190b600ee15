"""Migration m012 (issue 18), frozen once shipped: how each document was read.

A leaflet is read from its text layer, or, when its pages are pictures (a scan), by OCR of the
page images, checked against an OCR layer it carried or not. `documents` gains:

| column | what |
|---|---|
| `read_by` | 'text layer', 'ocr' or 'ocr checked against layer'; NULL for a quarantined document |
| `ocr_engine`, `ocr_engine_version` | the OCR engine (e.g. 'tesseract', '5.3.0'); NULL if none |
| `ocr_min_confidence` | the lowest confidence (0-1) of a figure OCR read; NULL for a text layer |

Every document loaded before this migration was read from its text layer (there was no OCR),
so its `read_by` is set to 'text layer'. The columns are provenance, not figures: the digests
of `warehouse.digests` do not cover them, so a warehouse sealed before keeps verifying.
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["STATEMENTS", "apply"]

#: Every statement, in order.
STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE [documents] ADD COLUMN [read_by] TEXT CHECK ([read_by] IN "
    "('text layer', 'ocr', 'ocr checked against layer'))",
    "ALTER TABLE [documents] ADD COLUMN [ocr_engine] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [ocr_engine_version] TEXT",
    "ALTER TABLE [documents] ADD COLUMN [ocr_min_confidence] REAL CHECK "
    "([ocr_min_confidence] BETWEEN 0 AND 1)",
    "UPDATE [documents] SET [read_by] = 'text layer' WHERE [status] = 'loaded'",
)


def apply(db: Database) -> None:
    """Add the columns and say how the documents already loaded were read."""
    for statement in STATEMENTS:
        db.execute(statement)
