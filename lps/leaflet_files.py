"""Finding a document's PDF on this machine, for `lps serve` to serve at `/-/leaflets/<id>.pdf`.

A document is its bytes (`document_id` is their sha256), so the file served is whichever copy
has exactly those bytes: the raw store's `<raw>/<id>.pdf` first, then the document's `source`
and every other name it was seen under (`document_sources`). A relative source (stored as given,
relative to its ingest root) is looked for under each of the roots `lps serve` was given. A file
that is there but has other bytes (edited or replaced since the ingest) is never served.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOCUMENT_ID", "Located", "locate_leaflet"]

#: A document id: the sha256 hex digest of the PDF's bytes.
DOCUMENT_ID = re.compile(r"[0-9a-f]{64}")

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Located:
    """Where a document's bytes were found (`path`), or every place looked in and why not."""

    document_id: str
    known: bool  # the warehouse has the document
    path: Path | None
    looked: tuple[str, ...]  # each place tried, with what was wrong with it
    urls: tuple[str, ...]  # URLs it came from (not fetched: shown to the reader)
    name: str  # a file name for the download


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _candidates(source: str, roots: Sequence[Path]) -> list[Path]:
    path = Path(source)
    if path.is_absolute():
        return [path]
    return [root / path for root in roots]


def locate_leaflet(
    conn: sqlite3.Connection, document_id: str, raw_dir: Path | None, roots: Sequence[Path]
) -> Located:
    """Find the file holding `document_id`'s bytes. Reads the warehouse and the files only."""
    if not DOCUMENT_ID.fullmatch(document_id):
        return Located(document_id, False, None, (), (), "")
    row = conn.execute(
        "SELECT source FROM documents WHERE document_id = ?", [document_id]
    ).fetchone()
    if row is None:
        return Located(document_id, False, None, (), (), "")
    sources = [row[0]] + [
        other for (other,) in conn.execute(
            "SELECT source FROM document_sources WHERE document_id = ? ORDER BY first_seen_at",
            [document_id],
        ) if other != row[0]
    ]
    urls = tuple(s for s in sources if "://" in s)
    name = Path(sources[0].split("?")[0].rstrip("/")).name or f"{document_id}.pdf"
    places = [raw_dir / f"{document_id}.pdf"] if raw_dir is not None else []
    for source in sources:
        if "://" not in source:
            places += _candidates(source, roots)
    looked: list[str] = []
    for place in dict.fromkeys(places):
        if not place.is_file():
            looked.append(f"{place}: no such file")
            continue
        if _sha256(place) != document_id:
            looked.append(f"{place}: other bytes (changed since it was ingested)")
            continue
        return Located(document_id, True, place, tuple(looked), urls, name)
    return Located(document_id, True, None, tuple(looked), urls, name)
