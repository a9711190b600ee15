"""Every fixture of every edition, extracted and compared with its golden file field by field.

Data-driven over fixtures/manifest.json: a leaflet must extract to exactly its golden records
(each record compared on its own, so a failure names the field), and a bad input must raise the
error class the manifest names.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Fixture, manifest, needs_fixtures

import extractors
from extractors import ExtractionError, extract_document

FIXTURES = manifest()
LEAFLETS = [f for f in FIXTURES if f.expected_status == "loaded"]
BAD = [f for f in FIXTURES if f.expected_status == "quarantined"]


def _id(fixture: Fixture) -> str:
    return f"{fixture.path.parent.name}/{fixture.path.stem}"


def _differences(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Field-by-field differences between two `model_dump(mode='json')` extractions (their
    `cells` and `pdf`, provenance rather than figures, left out)."""
    want = {key: value for key, value in want.items() if key not in ("cells", "pdf")}
    got = {key: value for key, value in got.items() if key not in ("cells", "pdf")}
    found = [f"key {key}" for key in sorted(set(want) ^ set(got))]
    for key in sorted(set(want) & set(got)):
        wanted, gotten = want[key], got[key]
        if isinstance(wanted, list):
            if len(wanted) != len(gotten):
                found.append(f"{key}: {len(wanted)} records expected, {len(gotten)} extracted")
            for index, (a, b) in enumerate(zip(wanted, gotten, strict=False)):
                found += [f"{key}[{index}].{field}: want {a[field]!r}, got {b.get(field)!r}"
                          for field in a if a[field] != b.get(field)]
        else:
            found += [f"{key}.{field}: want {wanted[field]!r}, got {gotten.get(field)!r}"
                      for field in wanted if wanted[field] != gotten.get(field)]
    return found


@needs_fixtures
@pytest.mark.parametrize("fixture", LEAFLETS, ids=_id)
def test_leaflet_extracts_to_its_golden_file(fixture: Fixture) -> None:
    want = fixture.expected().model_dump(mode="json")
    got = extract_document(fixture.path.read_bytes()).model_dump(mode="json")
    assert _differences(want, got) == []


@needs_fixtures
@pytest.mark.parametrize("fixture", BAD, ids=_id)
def test_bad_input_raises_its_error(fixture: Fixture) -> None:
    expected = getattr(extractors, str(fixture.expected_error))
    with pytest.raises(ExtractionError) as raised:
        extract_document(fixture.path.read_bytes())
    assert type(raised.value) is expected


def test_every_edition_is_covered() -> None:
    folders = {f.path.parent.name for f in LEAFLETS}
    assert folders == {"2007-08", "2008-09", "2009-10", "2010-11"}
    templates = {f.expected().document.template for f in LEAFLETS}
    assert templates == {t.NAME for t in extractors.TEMPLATES}


def test_differences_name_the_field() -> None:
    want = {"document": {"area": "Barnet"}, "performance": [{"change_count": -5}]}
    got = {"document": {"area": "Barnet"}, "performance": [{"change_count": 5}]}
    assert _differences(want, got) == ["performance[0].change_count: want -5, got 5"]
