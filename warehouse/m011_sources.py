"""Migration m011 (issue 19, item 4), frozen: `documents.source_name`, a name that tells leaflets
apart.

FROZEN once shipped, like `warehouse.m008_digests`; change the schema with a new migration.

`documents.source` is stored relative to the folder an ingest was started from
(`warehouse.sources`), so three editions' leaflets ingested from their own folders were all
`barnet.pdf`. `source_name` keeps the folder the file was in beside its name
(`2009-10/barnet.pdf`), or for a URL the last two parts of its path; the loader writes it from
the path as given (`warehouse.sources.source_name_for`). A warehouse loaded before this
migration gets it from `source` as stored, which names the folder when it has one.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlsplit

from sqlite_utils import Database

__all__ = ["apply", "name_from_stored_source"]


def name_from_stored_source(source: str) -> str:
    """The name m011 gives a document already loaded, from its stored `source` (frozen here:
    the loader's rule may change, this one must not)."""
    parts = urlsplit(source)
    path = PurePosixPath(parts.path if len(parts.scheme) > 1 and parts.netloc else source)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def apply(db: Database) -> None:
    db.execute("ALTER TABLE [documents] ADD COLUMN [source_name] TEXT")
    rows = db.execute("SELECT document_id, source FROM documents").fetchall()
    db.conn.executemany("UPDATE documents SET source_name = ? WHERE document_id = ?",
                        [(name_from_stored_source(source), document_id)
                         for document_id, source in rows])
