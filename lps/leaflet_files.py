"""Finding a document's PDF on this machine, for `lps serve` to serve at `/-/leaflets/<id>.pdf`.

A document is its bytes (`document_id` is their sha256), so the file served is whichever copy
has exactly those bytes: the raw store's `<raw>/<id>.pdf` first, then the document's `source`
and every other name it was seen under (`document_sources`). A relative source (stored as given,
relative to its ingest root) is looked for under each of the roots `lps serve` was given. A file
that is there but has other bytes (edited or replaced since the ingest) is never served.

Only files of their place are served (issue 20, item 4): a regular file whose real path lies in
the raw store or under one of the roots. An absolute source elsewhere (`/etc/shadow`, recorded
by an older ingest that followed a planted symlink), a symlink leading out, a FIFO or a device
is not, whatever its bytes. The file is opened once, without following a final symlink, and
the bytes served are the bytes hashed (`Located.data`), so a file swapped after the check is
never what is sent.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOCUMENT_ID", "Located", "content_disposition", "locate_leaflet"]

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
    data: bytes | None = None  # the bytes at `path`, read once and checked against the id


def content_disposition(name: str, kind: str = "inline") -> str:
    """A `Content-Disposition` header naming the download `name` as stored (RFC 6266): an
    ASCII `filename` with anything unsafe (controls such as CR LF, quotes, backslashes, other
    characters) replaced by `_`, and the name itself, percent-encoded, in `filename*`."""
    from urllib.parse import quote

    fallback = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _own_bytes(place: Path, folders: Sequence[str], document_id: str) -> bytes | str:
    """The bytes of `place` when it is a regular file of one of `folders` (real paths) holding
    exactly the document's bytes; else what is wrong with it."""
    real = os.path.realpath(place)
    if not any(_inside(real, folder) for folder in folders):
        return "outside the raw store and the folders served (--pdfs): not served"
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(real, flags)
    except FileNotFoundError:
        return "no such file"
    except OSError as error:
        return f"cannot read it: {error.strerror or error}"
    with open(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return "not a regular file: not served"
        chunks, digest = [], hashlib.sha256()
        try:
            while chunk := file.read(_CHUNK):
                digest.update(chunk)
                chunks.append(chunk)
        except OSError as error:
            return f"cannot read it: {error.strerror or error}"
    if digest.hexdigest() != document_id:
        return "other bytes (changed since it was ingested)"
    return b"".join(chunks)


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
    urls = tuple(s for s in sources if s.startswith(("http://", "https://")))
    name = Path(sources[0].split("?")[0].rstrip("/")).name or f"{document_id}.pdf"
    places = [raw_dir / f"{document_id}.pdf"] if raw_dir is not None else []
    for source in sources:
        if "://" not in source:
            places += _candidates(source, roots)
    folders = [os.path.realpath(folder) for folder in
               ([raw_dir] if raw_dir is not None else []) + list(roots)]
    looked: list[str] = []
    for place in dict.fromkeys(places):
        found = _own_bytes(place, folders, document_id)
        if isinstance(found, str):
            looked.append(f"{place}: {found}")
            continue
        return Located(document_id, True, place, tuple(looked), urls, name, found)
    return Located(document_id, True, None, tuple(looked), urls, name)
