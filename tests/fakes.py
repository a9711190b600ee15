"""A stand-in extractor, so orchestration tests don't depend on the real extractor's progress.

Files whose bytes are `%PDF-fake <Borough>` "extract" to a small valid leaflet of that borough;
anything else goes to the real extractor (so bad files get the real quarantine reasons).
Installed with monkeypatch, it works for flows run with one worker (a thread in this process).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import make_extraction

from extractors import extract_document
from flows import extraction
from schemas import Extraction, area_by_name

__all__ = ["FAKE_PREFIX", "fake_leaflet", "install_fake_extractor"]

FAKE_PREFIX = b"%PDF-fake "


def fake_leaflet(path: Path, borough: str) -> Path:
    """Write a fake leaflet for `borough` at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(FAKE_PREFIX + borough.encode())
    return path


def _fake_extract(data: bytes) -> Extraction:
    if not data.startswith(FAKE_PREFIX):
        return extract_document(data)
    area = area_by_name(data[len(FAKE_PREFIX):].decode())
    assert area is not None
    return make_extraction(area.name, area.code)


def install_fake_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction, "extract_document", _fake_extract)
