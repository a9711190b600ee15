"""The `releases` table: which release was made from which data, and when.

A version names one state of the data for good: making the same version again from the same
data is a no-op (it keeps its first date), and from different data is refused.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass

__all__ = ["Release", "ReleaseError", "check_version", "latest_release", "record_release"]

_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


class ReleaseError(Exception):
    """A release cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Release:
    """One row of `releases`."""

    version: str
    released_at: str
    warehouse_sha256: str
    documents_loaded: int
    documents_quarantined: int
    extractor_versions: str
    lps_version: str


def check_version(version: str) -> str:
    """`version` if it can name a release (and a folder): letters, digits, '.', '_', '-'."""
    if not _VERSION.fullmatch(version):
        raise ReleaseError(
            f"release version {version!r} is not usable: use letters, digits, '.', '_' and '-' "
            "(at most 64), starting with a letter or digit, e.g. 2024.1"
        )
    return version


def _release(row: sqlite3.Row | tuple[object, ...] | None) -> Release | None:
    return None if row is None else Release(*row)


def find_release(conn: sqlite3.Connection, version: str) -> Release | None:
    return _release(conn.execute(
        "SELECT version, released_at, warehouse_sha256, documents_loaded, "
        "documents_quarantined, extractor_versions, lps_version FROM releases WHERE version = ?",
        [version],
    ).fetchone())


def latest_release(conn: sqlite3.Connection) -> Release | None:
    """The most recent release recorded in the warehouse, or None (or no `releases` table)."""
    try:
        return _release(conn.execute(
            "SELECT version, released_at, warehouse_sha256, documents_loaded, "
            "documents_quarantined, extractor_versions, lps_version FROM releases "
            "ORDER BY released_at DESC, version DESC LIMIT 1"
        ).fetchone())
    except sqlite3.OperationalError:  # a warehouse from before releases existed
        return None


def record_release(conn: sqlite3.Connection, release: Release) -> Release:
    """Record `release`, or return the one already recorded under its version and checksum.

    Raises `ReleaseError` when the version was released before from other data.
    """
    existing = find_release(conn, release.version)
    if existing is not None:
        if existing.warehouse_sha256 != release.warehouse_sha256:
            raise ReleaseError(
                f"release {release.version} was made on {existing.released_at} from other data "
                f"({existing.warehouse_sha256}; the warehouse is now "
                f"{release.warehouse_sha256}): give the new release a new --release-version"
            )
        return existing
    row = asdict(release)
    conn.execute(
        f"INSERT INTO releases ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
        list(row.values()),
    )
    return release
