"""Files found in a folder are the folder's own: links that lead out of it are not read.

`lps ingest DIR` takes every `.pdf` under DIR. Someone who can write into DIR (a drop folder, a
shared archive) could plant `shadow.pdf -> /etc/shadow`, or a hard link to `/etc/passwd`: the
ingest would read it as the user running it, record it (quarantined, with its hash) and `lps
serve` would then hand it out. So a file found inside a folder is refused, with the reason and
before a byte of it is read, when:

- it is a symbolic link whose target lies outside the folder (a link to another file inside it
  is read: that file is the folder's own);
- it has hard links (`st_nlink` > 1) that are not all among the names found in the folder (its
  other names, wherever they are, are as much the file as this one);
- it lies on another device than the folder (a mount inside the folder leads anywhere).

Unless `lps ingest --follow-links` says the links are wanted (`Settings.follow_links`). A file
named explicitly on the command line is always read (the person named it), as before.
`FolderFile` remembers the device and inode that were checked, so `pipeline.sources` can refuse
a file swapped in between the check and the read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FOLLOW_HINT", "FolderFile", "check_folder_files"]

#: How a refusal ends: what to do when the link is wanted.
FOLLOW_HINT = "give --follow-links to read it"


@dataclass(frozen=True)
class FolderFile:
    """A file found inside a folder that may be read: the device and inode checked, or the
    reason it is refused (then nothing of it is read)."""

    folder: str
    identity: tuple[int, int] | None = None
    refused: str | None = None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _folder_of(file: Path, folders: Sequence[Path]) -> Path | None:
    return next((folder for folder in folders if folder in file.parents), None)


def _names_in(folder: Path) -> Counter[tuple[int, int]]:
    """How many names each file (device, inode) has inside `folder`, symbolic links aside."""
    names: Counter[tuple[int, int]] = Counter()
    for top, _dirs, entries in os.walk(folder):
        for entry in entries:
            try:
                info = os.lstat(os.path.join(top, entry))
            except OSError:
                continue
            if not os.path.islink(os.path.join(top, entry)):
                names[(info.st_dev, info.st_ino)] += 1
    return names


def _check(file: Path, folder: Path, names: dict[Path, Counter[tuple[int, int]]]
           ) -> FolderFile:
    real_folder = os.path.realpath(folder)
    shown = str(folder)
    try:
        if file.is_symlink():
            target = os.path.realpath(file)
            if not _inside(target, real_folder):
                return FolderFile(shown, refused=f"refused: a symbolic link to {target}, outside "
                                  f"the folder {shown} being ingested; {FOLLOW_HINT}")
        info = os.stat(file)
        device = os.stat(real_folder).st_dev
    except OSError as error:
        return FolderFile(shown, refused=f"cannot read the file: {error.strerror or error}")
    identity = (info.st_dev, info.st_ino)
    if info.st_dev != device:
        return FolderFile(shown, refused=f"refused: it lies on another device than the folder "
                          f"{shown} being ingested (a mount inside it); {FOLLOW_HINT}")
    if info.st_nlink > 1:
        if folder not in names:  # walked once per folder, and only when a file has links
            names[folder] = _names_in(folder)
        outside = info.st_nlink - names[folder][identity]
        if outside > 0:
            return FolderFile(shown, refused=f"refused: a hard link (the file has "
                              f"{info.st_nlink} names, {outside} of them outside the folder "
                              f"{shown} being ingested); {FOLLOW_HINT}")
    return FolderFile(shown, identity)


def check_folder_files(paths: Iterable[str | Path], files: Sequence[Path]
                       ) -> dict[Path, FolderFile]:
    """For each of `files` found inside one of the folders in `paths` (absolute, as
    `pipeline.sources.discover_files` gives them): whether it may be read (see the module).
    Files named explicitly are not in the answer: they are read as named."""
    folders = [Path(os.path.abspath(path)) for path in paths if Path(path).is_dir()]
    placed = {file: folder for file in files
              if (folder := _folder_of(file, folders)) is not None}
    names: dict[Path, Counter[tuple[int, int]]] = {}
    return {file: _check(file, folder, names) for file, folder in placed.items()}
