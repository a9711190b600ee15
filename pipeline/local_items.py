"""Reading a manifest's `path` items: regular files inside the folders a manifest may read.

A manifest is input from outside like a URL is, so a `path` item may only name a regular file
under the manifest's own folder, or under a folder given with `lps backfill --allow-root`
(`ManifestItem.roots`). `../../../../etc/passwd`, `/proc/self/environ`, a symlink that leads out
of those folders, a hard link (its other names may be anywhere: `/etc/passwd` linked into the
folder), a file on another device than its folder (a mount), a FIFO (which would hang the read),
a device (`/dev/zero` never ends) and a file over the byte cap are refused with the reason,
before a byte is read: the kind and size are checked with `os.stat`, then the file is opened
with `O_NONBLOCK | O_NOFOLLOW` and checked again on the open descriptor, so a file swapped in
between cannot slip through either.

`read_local_item` hashes the file as planning does (`pipeline.sources.Candidate`, or
`Unreadable` with the reason); `copy_local_items` reads it again (`local_chunks`: the same checks
and the same cap) into the raw store, filing it only if its bytes are still those planning hashed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from pipeline.fetch import FetchResult
from pipeline.rawstore import has_origin, store_file, write_part
from pipeline.safety import UnsafeInput
from pipeline.sources import (
    Candidate,
    DocumentHasher,
    Unreadable,
    not_a_regular_file,
    shown_name,
)

__all__ = ["check_local_item", "copy_local_items", "local_chunks", "read_local_item", "root_of"]

_CHUNK = 1 << 20
#: File systems whose "files" are the kernel's, not documents: never read, whatever the roots.
_SPECIAL = ("/proc", "/sys")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def root_of(path: str, roots: Sequence[str]) -> str | None:
    """The first of `roots` that `path` lies in, by its spelling (`..` resolved, symlinks not)."""
    spelled = os.path.abspath(path)
    return next((root for root in roots if _inside(spelled, os.path.abspath(root))), None)


def _kind_problem(info: os.stat_result, max_bytes: int, root: str) -> str | None:
    problem = not_a_regular_file(info.st_mode)
    if problem is not None:
        return problem
    if info.st_nlink > 1:  # its other names may be anywhere: /etc/passwd linked in
        return (f"a hard link (the file has {info.st_nlink} names), which may lead out of "
                "the folders a manifest may read")
    try:
        device = os.stat(root).st_dev
    except OSError as error:
        return f"cannot read the folder {root}: {error.strerror or error}"
    if info.st_dev != device:
        return f"it lies on another device than the folder {root} (a mount inside it)"
    if info.st_size > max_bytes:
        return f"too large: {info.st_size:,} bytes, limit {max_bytes:,}"
    return None


def check_local_item(path: str, roots: Sequence[str], max_bytes: int) -> str:
    """The real path of a manifest `path` item that may be read; raises `UnsafeInput` naming
    the path and the rule otherwise (see the module docstring)."""
    allowed = ", ".join(roots) or "none"
    if root_of(path, roots) is None:
        raise UnsafeInput(f"refused: outside the folders a manifest may read ({allowed}); "
                          "give --allow-root DIR to allow another")
    real = os.path.realpath(path)
    root = next((os.path.realpath(root) for root in roots
                 if _inside(real, os.path.realpath(root))), None)
    if root is None:
        raise UnsafeInput(f"refused: a symlink to {shown_name(Path(real))}, outside the folders "
                          f"a manifest may read ({allowed})")
    special = next((prefix for prefix in _SPECIAL if _inside(real, prefix)), None)
    if special is not None:
        raise UnsafeInput(f"refused: {special} holds the kernel's files, not leaflets")
    try:
        info = os.stat(real)
    except OSError as error:
        raise UnsafeInput(f"cannot read the file: {error.strerror or error}") from error
    problem = _kind_problem(info, max_bytes, root)
    if problem is not None:
        raise UnsafeInput(f"refused: {problem}")
    return real


def _root_of_real(real: str, roots: Sequence[str]) -> str:
    return next((os.path.realpath(root) for root in roots
                 if _inside(real, os.path.realpath(root))), real)


@contextmanager
def _opened(path: str, roots: Sequence[str], max_bytes: int) -> Iterator[int]:
    real = check_local_item(path, roots, max_bytes)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(real, flags)
    except OSError as error:  # swapped for a symlink since the check (ELOOP), or gone
        raise UnsafeInput(f"cannot read the file: {error.strerror or error}") from error
    try:
        info = os.fstat(handle)
        problem = _kind_problem(info, max_bytes, _root_of_real(real, roots))
        if problem is not None:
            raise UnsafeInput(f"refused: {problem}")
        yield handle
    finally:
        os.close(handle)


def local_chunks(path: str, roots: Sequence[str], max_bytes: int) -> Iterator[bytes]:
    """The file's bytes in chunks, checked as `check_local_item` says; raises `UnsafeInput` when
    it is refused, unreadable, or grows past `max_bytes` while read."""
    with _opened(path, roots, max_bytes) as handle:
        total = 0
        while True:
            try:
                chunk = os.read(handle, _CHUNK)
            except OSError as error:
                raise UnsafeInput(f"cannot read the file: {error.strerror or error}") from error
            if not chunk:
                return
            total += len(chunk)
            if total > max_bytes:
                raise UnsafeInput(f"refused: too large: more than {max_bytes:,} bytes")
            yield chunk


def read_local_item(path: str, roots: Sequence[str], max_bytes: int) -> Candidate | Unreadable:
    """Hash a manifest `path` item (the one hash of it a backfill makes), or say why not."""
    hasher = DocumentHasher()
    try:
        for chunk in local_chunks(path, roots, max_bytes):
            hasher.update(chunk)
        info = os.stat(path)
    except (UnsafeInput, OSError) as error:
        reason = str(error) if isinstance(error, UnsafeInput) else (
            f"cannot read the file: {error.strerror or error}")
        return Unreadable(shown_name(Path(path)), reason)
    return Candidate(shown_name(Path(path)), hasher.document_id, hasher.size, info.st_mtime_ns)


_CHANGED = "the file changed while the backfill ran; run it again"


def _copy_one(reading: Candidate, raw: Path, roots: Sequence[str], max_bytes: int
              ) -> FetchResult:
    if has_origin(raw, reading.document_id, reading.source):
        return FetchResult(reading.source, reading.document_id, reading.size_bytes)
    if not reading.unchanged():
        return FetchResult(reading.source, reason=_CHANGED, transient=True)
    try:
        part, sha, size = write_part(raw, local_chunks(reading.source, roots, max_bytes))
        if sha != reading.document_id:
            os.unlink(part)
            return FetchResult(reading.source, reason=_CHANGED, transient=True)
        store_file(raw, part, sha, reading.source)  # refuses a store with a planted symlink
    except UnsafeInput as error:
        return FetchResult(reading.source, reason=str(error))
    return FetchResult(reading.source, sha, size)


def copy_local_items(readings: Sequence[Candidate | Unreadable], raw: Path,
                     roots: Mapping[str, Sequence[str]], max_bytes: int) -> list[FetchResult]:
    """Copy each file planning read into the raw store (`roots`: each path's folders), or say
    why not: refused or unreadable at planning, refused now, or changed since it was hashed.
    A file the store holds from this very path already is not copied again."""
    return [FetchResult(reading.source, reason=reading.reason)
            if isinstance(reading, Unreadable)
            else _copy_one(reading, raw, roots.get(reading.source, ()), max_bytes)
            for reading in readings]
