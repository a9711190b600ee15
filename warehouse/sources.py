"""How a document's `source` is written: as given, never as an absolute path on this machine.

A source is where the leaflet was read from, as a researcher can use it anywhere: a URL exactly as
given, or a local path relative to the *ingest root* (the folder an ingest was started from), with
`/` separators. `/home/alice/leaflets/2009-10/barnet.pdf` ingested with root `/home/alice` is
stored as `leaflets/2009-10/barnet.pdf`, so a CSV or a release names no one's home folder, and
`lps serve --pdfs /home/alice` (or the raw store) finds the file again.

The loader (`warehouse.load`) passes every source it writes through `source_as_given` with the
root its caller gives; a caller that gives none keeps the previous behaviour (the source is
written as passed).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath, PurePosixPath
from urllib.parse import urlsplit

__all__ = ["SourceOutsideRoot", "ingest_root_for", "is_url", "source_as_given",
           "source_name_for"]


class SourceOutsideRoot(ValueError):
    """A local source that is not inside the ingest root it was said to be under."""


def is_url(source: str) -> bool:
    """Whether `source` is a URL (a scheme and a host), not a local path."""
    parts = urlsplit(source)
    return len(parts.scheme) > 1 and bool(parts.netloc)


def source_as_given(source: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> str:
    """`source` as the warehouse stores it: a URL unchanged; a path relative to `root`.

    A relative path is taken to be relative to the root already and is only written with `/`.
    An absolute path must lie inside `root` (raises `SourceOutsideRoot` otherwise). With no
    root, the source is returned as it was passed (the loader's behaviour before roots).
    """
    text = os.fspath(source)
    if root is None or is_url(text):
        return text
    path = Path(text)
    if not path.is_absolute():
        return PurePosixPath(*PurePath(text).parts).as_posix()
    base = Path(os.path.abspath(root))
    try:
        relative = Path(os.path.abspath(path)).relative_to(base)
    except ValueError:
        raise SourceOutsideRoot(f"{text} is not inside the ingest root {base}") from None
    return relative.as_posix()


def ingest_root_for(given: str | os.PathLike[str], cwd: str | os.PathLike[str]) -> Path:
    """The ingest root of a path named on the command line (or in a manifest).

    The working directory when `given` lies inside it, so `lps ingest fixtures/pdfs` stores
    `fixtures/pdfs/2009-10/barnet.pdf`, as typed; otherwise the folder named (or, for a file
    named, its folder), so `lps ingest /shared/leaflets` stores `2009-10/barnet.pdf`.
    """
    base = Path(os.path.abspath(cwd))
    path = Path(os.path.abspath(Path(cwd) / given))
    if path == base or base in path.parents:
        return base
    return path if path.is_dir() else path.parent


def source_name_for(source: str | os.PathLike[str]) -> str:
    """A name that tells leaflets apart (`documents.source_name`): the folder a file was in and
    its name (`/srv/leaflets/2009-10/barnet.pdf` -> `2009-10/barnet.pdf`), or the last two
    parts of a URL's path. Taken from the path as given to the loader (absolute, from `lps
    ingest`), before it is made relative to the ingest root, so a file at the root still has
    its folder."""
    text = os.fspath(source)
    if is_url(text):
        path = PurePosixPath(urlsplit(text).path)
    else:
        path = PurePosixPath(*PurePath(text).parts) if text else PurePosixPath()
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name
