"""Citable releases of the warehouse: `lps export` (see `release.package.export_release`).

Usage::

    from release import export_release
    from warehouse import open_warehouse

    exported = export_release(open_warehouse("lps.db"), Path("release-2024.1"), "2024.1")
"""

from release.checksum import warehouse_checksum
from release.package import Exported, export_release
from release.releases import Release, ReleaseError, latest_release

__all__ = [
    "Exported",
    "Release",
    "ReleaseError",
    "export_release",
    "latest_release",
    "warehouse_checksum",
]
