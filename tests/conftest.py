"""Shared fixtures: one Prefect test server for the session, and the fixture leaflets.

`prefect_test_harness` starts a Prefect API on a temporary database; it takes ~20 s on two
cores (a new database is migrated), so it runs once per session and only when a test asks.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.server import QUIET_ENVIRONMENT
from schemas import Extraction

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PDFS = FIXTURES / "pdfs"
MANIFEST = FIXTURES / "manifest.json"


@dataclass(frozen=True)
class Fixture:
    """One entry of fixtures/manifest.json."""

    path: Path
    expected_status: str
    expected_error: str | None
    golden: Path | None
    tags: tuple[str, ...]

    def expected(self) -> Extraction:
        """The golden records this leaflet must extract to."""
        assert self.golden is not None, f"{self.path.name} has no golden file"
        return load_golden(self.golden)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, for a server a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_golden(path: Path) -> Extraction:
    """A golden JSON file (fixtures/golden/...) as the validated Extraction it records."""
    return Extraction.model_validate_json(path.read_text(encoding="utf-8"))


def figures_of(extraction: Extraction | str) -> Extraction | str:
    """An extraction without its cells and PDF metadata (provenance, which golden files do not
    record), to compare with a golden file; a quarantine reason as it is (a plain `str`)."""
    if isinstance(extraction, str):
        return str(extraction)
    return extraction.model_copy(update={"cells": [], "pdf": None})


def manifest() -> list[Fixture]:
    """Every fixture the generator wrote, or [] before it has run."""
    if not MANIFEST.exists():
        return []
    entries: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return [
        Fixture(
            path=FIXTURES / entry["path"],
            expected_status=entry["expected_status"],
            expected_error=entry.get("expected_error"),
            golden=FIXTURES / entry["golden"] if entry.get("golden") else None,
            tags=tuple(entry.get("tags", ())),
        )
        for entry in entries
    ]


needs_fixtures = pytest.mark.skipif(
    not (PDFS / "2009-10").is_dir(), reason="fixture PDFs not generated yet (fixtures/generate.py)"
)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A Prefect API for the whole session; flows and tasks run against it, not ~/.prefect.

    With the quiet settings of the servers `lps` starts (telemetry off: on a new database its
    first write races the server's own start-up writes and logs `database is locked`), given
    to the harness's server through the environment it inherits.
    """
    added = {k: v for k, v in QUIET_ENVIRONMENT.items() if k not in os.environ}
    os.environ.update(added)
    try:
        with prefect_test_harness(server_startup_timeout=120):
            yield
    finally:
        for key in added:
            os.environ.pop(key, None)

