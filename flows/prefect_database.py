"""A new Prefect home starts from a database migrated once, when the project was built.

Prefect creates a new `prefect.db` by running every one of its Alembic migrations (about 160 on
SQLite), which took 7 s of a first-ever run's 17 s on this project's 2-core machine. The result
is the same for every home: the schema at the installed Prefect's head revision and the block
types it registers. So it is made once (`make prefect-database`, which runs
`flows.server.build_database_template`), stored compressed beside this module under the
installed Prefect version, and copied into a home that has no database yet.

The copy is safe to be wrong about: Prefect still runs its migrations on start, and on a
database already at head they cost nothing, while one behind would be brought up to date. A
template only ever serves the Prefect version it was made by (a newer template's revision would
be unknown to an older Prefect); with no template for the installed version, Prefect migrates as
before. No Prefect import here: the version comes from the package metadata.
"""

from __future__ import annotations

import importlib.metadata
import lzma
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["TEMPLATES", "seed_database", "template_for"]

#: Where the templates live, one per Prefect version: `prefect-<version>.db.xz`.
TEMPLATES = Path(__file__).resolve().parent / "prefect_db"


def template_for(version: str | None = None) -> Path:
    """The template's path for `version` (default: the installed Prefect), existing or not."""
    version = version or importlib.metadata.version("prefect")
    return TEMPLATES / f"prefect-{version}.db.xz"


def seed_database(home: Path) -> bool:
    """Give `home` the installed Prefect's template database when it has none yet; True if it
    did. Call it holding the home's start lock: the copy is written beside the target and
    renamed, so no server ever opens half a file."""
    target = home / "prefect.db"
    template = template_for()
    if target.exists() or not template.exists():
        return False
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=home, prefix=".prefect.db.", delete=False) as copy:
        try:
            with lzma.open(template) as packed:
                shutil.copyfileobj(packed, copy)
            copy.flush()
            os.fsync(copy.fileno())
        except BaseException:
            Path(copy.name).unlink(missing_ok=True)
            raise
    os.replace(copy.name, target)
    return True
