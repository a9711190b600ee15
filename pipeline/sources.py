"""Finding the files to ingest, and naming each by the sha256 of its bytes.

Plain functions with no Prefect in them, so the rules (which files count, what is a duplicate)
are tested directly; `flows.ingest` wraps them in tasks.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Candidate",
    "IngestPlan",
    "SourceNotFound",
    "Unreadable",
    "discover_files",
    "document_id_for",
    "is_pdf_name",
    "plan_ingest",
    "read_candidate",
]

_CHUNK = 1 << 20


class SourceNotFound(Exception):
    """A path given to ingest does not exist: the caller asked for something that isn't there."""


@dataclass(frozen=True)
class Candidate:
    """A file to ingest: where it is, and the identity of its bytes when they were read."""

    source: str
    document_id: str
    size_bytes: int


@dataclass(frozen=True)
class Unreadable:
    """A file whose bytes could not be read, so it has no document_id to quarantine under."""

    source: str
    reason: str


def is_pdf_name(path: Path) -> bool:
    """Whether a file found inside a folder is taken: a `.pdf` extension, in any case."""
    return path.suffix.lower() == ".pdf"


def _absolute(path: Path) -> Path:
    # abspath rather than resolve(): keep the name the user sees, not the symlink's target.
    return Path(os.path.abspath(path))


def discover_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files to ingest from `paths`, each once, as absolute paths.

    A file named explicitly is always taken, whatever its extension (someone asked for it).
    A folder is searched recursively for `.pdf` files (any case), in sorted order.
    Raises `SourceNotFound` for a path that does not exist, before anything is ingested.
    """
    found: dict[Path, None] = {}
    for given in paths:
        path = _absolute(Path(given))
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and is_pdf_name(child):
                    found.setdefault(child, None)
        elif path.exists():
            found.setdefault(path, None)
        else:
            raise SourceNotFound(f"no such file or folder: {given}")
    return list(found)


def document_id_for(data: bytes) -> str:
    """A document's identity: the sha256 hex digest of its bytes."""
    return hashlib.sha256(data).hexdigest()


def read_candidate(path: Path) -> Candidate | Unreadable:
    """Hash a file's bytes in chunks (leaflets are small, folders of them are not)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as error:
        return Unreadable(str(path), f"cannot read the file: {error.strerror or error}")
    return Candidate(str(path), digest.hexdigest(), size)


@dataclass(frozen=True)
class IngestPlan:
    """What a run will do with the files it found."""

    candidates: list[Candidate]  # new bytes, to extract (each document once)
    skipped: list[Candidate]  # already loaded, or the same bytes as an earlier file this run
    unreadable: list[Unreadable]


def plan_ingest(
    readings: Iterable[Candidate | Unreadable], known: Collection[str]
) -> IngestPlan:
    """Keep the first file of each document not already loaded (`known` ids); skip the rest."""
    candidates: list[Candidate] = []
    skipped: list[Candidate] = []
    unreadable: list[Unreadable] = []
    planned: set[str] = set()
    for reading in readings:
        if isinstance(reading, Unreadable):
            unreadable.append(reading)
        elif reading.document_id in known or reading.document_id in planned:
            skipped.append(reading)
        else:
            planned.add(reading.document_id)
            candidates.append(reading)
    return IngestPlan(candidates, skipped, unreadable)
