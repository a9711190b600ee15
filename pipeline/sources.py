"""Finding the files to ingest, and naming each document by the sha256 of its bytes.

The one place a document's identity is computed: `document_id_for` (bytes in memory),
`DocumentHasher` (bytes as they stream in, for downloads) and `read_candidate` (a file on disk,
read in chunks). A file is hashed once per run: later stages check that it has not changed by
its size and modification time (`Candidate.unchanged`), not by hashing it again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from warehouse.sources import ingest_root_for

__all__ = [
    "Candidate",
    "DocumentHasher",
    "NoDocuments",
    "SourceNotFound",
    "Unreadable",
    "discover_files",
    "document_id_for",
    "is_pdf_name",
    "not_a_regular_file",
    "read_candidate",
    "roots_of",
    "shown_name",
]

_CHUNK = 1 << 20

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def not_a_regular_file(mode: int) -> str | None:
    """What a file of `mode` is when it is no regular file ("it is a FIFO (named pipe), not a
    regular file"), else None. A FIFO would hang a read and a device would never end one."""
    for test, kind in _KINDS:
        if test(mode):
            return f"it is {kind}, not a regular file"
    return None if stat.S_ISREG(mode) else "it is not a regular file"


class SourceNotFound(Exception):
    """A path given to ingest does not exist: the caller asked for something that isn't there."""


class NoDocuments(Exception):
    """The paths given hold no PDF at all: nothing to ingest."""


class DocumentHasher:
    """A document's identity computed as its bytes arrive (a download); `size` counts them."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self.size += len(chunk)

    @property
    def document_id(self) -> str:
        return self._digest.hexdigest()


def document_id_for(data: bytes) -> str:
    """A document's identity: the sha256 hex digest of its bytes."""
    hasher = DocumentHasher()
    hasher.update(data)
    return hasher.document_id


@dataclass(frozen=True)
class Candidate:
    """A file to ingest: where it is, the identity of its bytes, and its size and modification
    time when they were read (to notice a file changed since, without hashing it again)."""

    source: str
    document_id: str
    size_bytes: int
    mtime_ns: int = 0
    #: The folder the source is stored relative to (`warehouse.sources`); None: stored as is.
    root: str | None = None
    #: The file's name as bytes (latin-1 text, so it survives JSON) when it is not valid UTF-8:
    #: `source` is then the name shown with escapes ('bar\\xffnet.pdf'), which opens nothing.
    raw_name: str | None = None

    @property
    def file(self) -> Path:
        """The path to open."""
        if self.raw_name is not None:
            return Path(os.fsdecode(self.raw_name.encode("latin-1")))
        return Path(self.source)

    def unchanged(self) -> bool:
        """Whether the file still has the size and modification time it had when hashed."""
        try:
            info = os.stat(self.file)
        except OSError:
            return False
        return (info.st_size, info.st_mtime_ns) == (self.size_bytes, self.mtime_ns)


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


def roots_of(paths: Iterable[str | Path], files: Iterable[Path]) -> dict[Path, str]:
    """Each discovered file's ingest root (`warehouse.sources.ingest_root_for`): the working
    directory when the path it was found under lies inside it, else that path's folder."""
    cwd = Path.cwd()
    given = [(_absolute(Path(path)), ingest_root_for(path, cwd)) for path in paths]
    roots = {}
    for file in files:
        for path, root in given:
            if file == path or path in file.parents:
                roots[file] = str(root)
                break
    return roots


def shown_name(path: Path) -> str:
    """A path as text that can be printed, stored and sent anywhere: a name whose bytes are not
    valid UTF-8 is shown with escapes ('bar\\xffnet.pdf') instead of stopping the run."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_candidate(path: Path, root: str | None = None,
                   identity: tuple[int, int] | None = None) -> Candidate | Unreadable:
    """Hash a file's bytes in chunks (leaflets are small, folders of them are not).

    Opened without blocking and checked on the open descriptor: a FIFO or a device named
    `*.pdf` (or given by name) is refused with what it is, never read. `identity`, the device
    and inode `pipeline.links` checked, refuses a file swapped for another since the check."""
    hasher = DocumentHasher()
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(descriptor, "rb") as handle:
            info = os.fstat(descriptor)
            problem = not_a_regular_file(info.st_mode)
            if problem is not None:
                return Unreadable(shown_name(path), f"refused: {problem}")
            if identity is not None and (info.st_dev, info.st_ino) != identity:
                return Unreadable(shown_name(path), "refused: the file was replaced by "
                                  "another since it was checked; ingest it again")
            while chunk := handle.read(_CHUNK):
                hasher.update(chunk)
    except OSError as error:
        return Unreadable(shown_name(path), f"cannot read the file: {error.strerror or error}")
    name = shown_name(path)
    raw = os.fsencode(path).decode("latin-1") if name != str(path) else None
    return Candidate(name, hasher.document_id, hasher.size, info.st_mtime_ns, root, raw)
