"""The content-addressed raw store: `<raw>/<sha256>.pdf`, unedited, beside `<sha256>.json`.

The sidecar lists every place and time the bytes were obtained from, so nothing is lost and
re-extraction needs no network. A backfill fetches into it; an ingest keeps a copy of every
leaflet it reads there (`keep_files`), so any document can be found again by its hash wherever
it was read from (`lps serve` serves it without `--pdfs`). Files are written to a temporary
name and renamed, so a store never holds half a file under a real name.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.safety import safe_raw_path
from pipeline.sources import Candidate, DocumentHasher
from warehouse import utc_now

__all__ = [
    "has_origin",
    "keep_files",
    "kept_files",
    "raw_path",
    "store_file",
    "stored_origins",
    "write_part",
]

_SIDECAR_LOCK = threading.Lock()


def raw_path(raw_dir: Path, sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return safe_raw_path(raw_dir, f"{sha256}.pdf")


def _note_origin(raw_dir: Path, sha256: str, origin: str, size: int) -> None:
    sidecar = raw_dir / f"{sha256}.json"
    with _SIDECAR_LOCK:
        data: dict[str, Any] = {"sha256": sha256, "size_bytes": size, "origins": []}
        if sidecar.exists():
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        data["origins"].append({"source": origin, "fetched_at": utc_now()})
        handle, name = tempfile.mkstemp(dir=raw_dir, suffix=".json.part")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
        os.replace(name, sidecar)


def store_file(raw_dir: Path, part: Path, sha256: str, origin: str) -> Path:
    """Move a temporary file of `write_part` to its content address and note where it came
    from. The part is this function's from here: when the address is refused (`UnsafeInput`:
    a symlink planted in the store), it is deleted before the error goes on."""
    try:
        target = raw_path(raw_dir, sha256)
    except ValueError:
        part.unlink(missing_ok=True)
        raise
    size = part.stat().st_size
    if target.exists():
        part.unlink()  # same bytes: one file, one more origin
    else:
        os.replace(part, target)
    _note_origin(raw_dir, sha256, origin, size)
    return target


def write_part(raw_dir: Path, chunks: Iterable[bytes]) -> tuple[Path, str, int]:
    """Write `chunks` to a temporary file in the store, hashing them: the file (to `store_file`
    or delete), its sha256 and its size. When the chunks raise, nothing is left behind."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    hasher = DocumentHasher()
    handle, name = tempfile.mkstemp(dir=raw_dir, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                hasher.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), hasher.document_id, hasher.size


def has_origin(raw_dir: Path, sha256: str, origin: str) -> bool:
    """Whether the store holds these bytes and already lists `origin` among their sources (not
    at an address it refuses, such as a planted symlink: storing there says why)."""
    sidecar = raw_dir / f"{sha256}.json"
    try:
        stored = raw_path(raw_dir, sha256).is_file()
    except ValueError:
        return False
    if not stored or not sidecar.is_file():
        return False
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        return any(str(o["source"]) == origin for o in data["origins"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # unreadable sidecar: copying again rewrites it


def stored_origins(raw_dir: Path) -> dict[str, str]:
    """Every source a stored file came from -> its sha256, read from the sidecars.

    What lets a backfill interrupted before it wrote to the warehouse resume without asking for
    the files it had already fetched: the store itself says where each came from.
    """
    origins: dict[str, str] = {}
    for sidecar in sorted(raw_dir.glob("*.json")) if raw_dir.is_dir() else []:
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            sha256 = str(data["sha256"])
            if not raw_path(raw_dir, sha256).is_file():
                continue
            origins.update({str(o["source"]): sha256 for o in data["origins"]})
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a sidecar of ours (or half-written): the file is fetched again
    return origins


def keep_files(raw_dir: Path, files: Iterable[tuple[Path, str, str]]) -> int:
    """Keep a copy of each `(path, sha256, origin)` in the store, once; the number copied.

    A file whose bytes the store holds already costs one `stat`. The copy is hashed as it is
    written and kept only when its hash is the one given: a file that changed since it was
    hashed is not stored under a name that is not its own. A file that cannot be read is
    skipped (the ingest reports it)."""
    copied = 0
    for path, sha256, origin in files:
        try:
            if raw_path(raw_dir, sha256).is_file():
                continue
            with path.open("rb") as source:
                part, digest, _size = write_part(raw_dir, iter(lambda: source.read(1 << 20), b""))
            if digest != sha256:
                part.unlink(missing_ok=True)
                continue
            store_file(raw_dir, part, sha256, origin)
        except (OSError, ValueError):  # unreadable, or an address the store refuses
            continue
        copied += 1
    return copied


def kept_files(candidates: Iterable[Candidate]) -> list[tuple[Path, str, str]]:
    """What `keep_files` takes for planned files: each file, its hash and its name."""
    return [(candidate.file, candidate.document_id, candidate.source)
            for candidate in candidates]
