"""The fixture generator reproduces the committed fixtures, and they cover what the README promises.

One module-scoped regeneration into a temporary directory (about 20 s) backs the comparisons;
the coverage checks read the committed files, so a stale commit fails here before it misleads
the extractor tests.
"""

from __future__ import annotations

import json
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pdfplumber
import pypdf
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `fixtures` is not an installed package
    sys.path.insert(0, str(ROOT))

from fixtures.generate import FIXTURES_DIR, MANIFEST, generate_all  # noqa: E402
from fixtures.generator import styles  # noqa: E402
from schemas import Extraction  # noqa: E402

MINUS_GLYPHS = {"\u2212": "minus-u2212", "\u2013": "minus-u2013", "-": "minus-hyphen"}


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixtures")
    generate_all(out, log=lambda _line: None)
    return out


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = _load(FIXTURES_DIR / MANIFEST)
    return entries


@pytest.fixture(scope="module")
def leaflets(manifest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in manifest if entry["expected_status"] == "loaded"]


@pytest.fixture(scope="module")
def leaflets_2009_10(manifest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 32 borough leaflets of 2009/10 (one is expected quarantined: an unconfirmed sign)."""
    return [entry for entry in manifest if entry["path"].startswith("pdfs/2009-10/")]


#: Folder of each edition's leaflets -> the template that must extract them.
EDITIONS = {"2007-08": "mpa-2008", "2008-09": "mpa-2009", "2009-10": "mpa-2010",
            "2010-11": "mpa-2011"}


@pytest.fixture(scope="module")
def goldens(leaflets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["path"]: _load(FIXTURES_DIR / entry["golden"]) for entry in leaflets}


def _relative_files(root: Path, folder: str) -> set[str]:
    return {p.relative_to(root).as_posix() for p in (root / folder).rglob("*") if p.is_file()}


# --- regeneration -------------------------------------------------------------------------------


def test_regenerated_golden_is_identical(regenerated: Path) -> None:
    committed = _relative_files(FIXTURES_DIR, "golden")
    assert committed == _relative_files(regenerated, "golden")
    changed = [p for p in sorted(committed)
               if (FIXTURES_DIR / p).read_bytes() != (regenerated / p).read_bytes()]
    assert changed == [], "golden files differ from a fresh run: re-run python -m fixtures.generate"


@pytest.mark.parametrize("producer", ["reportlab", "weasyprint", None])
def test_regenerated_pdfs_are_byte_identical(
    regenerated: Path, manifest: list[dict[str, Any]], producer: str | None
) -> None:
    paths = [entry["path"] for entry in manifest if entry["producer"] == producer]
    assert paths
    changed = [p for p in paths
               if (FIXTURES_DIR / p).read_bytes() != (regenerated / p).read_bytes()]
    assert changed == []


def test_regenerated_manifest_is_identical(regenerated: Path) -> None:
    assert (regenerated / MANIFEST).read_bytes() == (FIXTURES_DIR / MANIFEST).read_bytes()


# --- manifest and golden ------------------------------------------------------------------------


def test_manifest_lists_every_fixture_file(manifest: list[dict[str, Any]]) -> None:
    listed = [entry["path"] for entry in manifest]
    assert len(listed) == len(set(listed))
    assert set(listed) == _relative_files(FIXTURES_DIR, "pdfs")
    goldens = {entry["golden"] for entry in manifest if entry["golden"]}
    assert goldens == _relative_files(FIXTURES_DIR, "golden")


def test_manifest_entries_are_consistent(manifest: list[dict[str, Any]]) -> None:
    for entry in manifest:
        assert entry["producer"] in {"reportlab", "weasyprint", None}, entry
        if entry["expected_status"] == "loaded":
            assert entry["golden"] and entry["producer"] and entry["expected_error"] is None
        else:
            assert entry["expected_status"] == "quarantined"
            assert entry["golden"] is None and entry["expected_error"], entry
    statuses = Counter(entry["expected_status"] for entry in manifest)
    assert statuses == {"loaded": 56, "quarantined": 17}


def test_every_golden_validates_as_extraction_of_its_edition(
    goldens: dict[str, dict[str, Any]],
) -> None:
    assert len(goldens) == 56  # 57 leaflets load; Sutton 2009/10 is refused (unconfirmed sign)
    for path, golden in goldens.items():
        extraction = Extraction.model_validate(golden)
        provenance = {"cells", "pdf"}  # not in golden files: where figures stand, not what
        assert extraction.model_dump(mode="json", exclude=provenance) == golden, path
        assert extraction.document.template == EDITIONS[path.split("/")[1]], path


def test_each_edition_has_enough_boroughs_from_both_producers(
    leaflets: list[dict[str, Any]],
) -> None:
    for folder in EDITIONS:
        entries = [e for e in leaflets if e["path"].startswith(f"pdfs/{folder}/")]
        names = {Path(e["path"]).stem for e in entries}
        assert len(entries) >= 8, folder
        assert {"barnet", "lambeth", "westminster", "kensington-and-chelsea"} <= names, folder
        assert {e["producer"] for e in entries} == {"reportlab", "weasyprint"}, folder
        tags = {tag for entry in entries for tag in entry["tags"]}
        assert set(MINUS_GLYPHS.values()) <= tags, folder
        assert {"thousands-separator", "no-thousands-separator"} <= tags or folder == "2009-10"


def test_2009_10_goldens_have_the_2010_sections(goldens: dict[str, dict[str, Any]]) -> None:
    for path, golden in goldens.items():
        if not path.startswith("pdfs/2009-10/"):
            continue
        extraction = Extraction.model_validate(golden)
        assert [s.name for s in extraction.sections] == [
            "chair_message", "met_forward", "mpa_work", "looking_back", "commander_message",
            "local_initiatives", "looking_forward", "have_your_say", "cpegs", "contacts",
        ]
        assert len(extraction.force_results) == 6


def test_page_count_matches_golden(goldens: dict[str, dict[str, Any]]) -> None:
    for path, golden in goldens.items():
        pages = len(pypdf.PdfReader(FIXTURES_DIR / path).pages)
        assert pages == golden["document"]["page_count"], path
        assert max(s["page"] for s in golden["sections"]) == pages, path


def test_barnet_golden_carries_the_seed_figures(goldens: dict[str, dict[str, Any]]) -> None:
    golden = goldens["pdfs/2009-10/barnet.pdf"]
    assert golden["document"]["commander"] == "Neil Basu"
    rows = [(r["label"], r["change_count"], r["change_pct"], r["target_achieved"])
            for r in golden["performance"]]
    assert rows == [
        ("Residential burglary", 432, 16.6, False),
        ("Total robbery", 73, 8.2, False),
        ("Theft from vehicles", -427, -12.5, True),
        ("Theft or taking of vehicles", -172, -17.1, True),
        ("Serious youth violence", 31, 15.9, False),
        ("Knife crime", 65, 19.1, False),
        ("Gun crime", 12, 12.4, False),
    ]
    assert [(p["measure"], p["target_change_pct"]) for p in golden["priorities"]] == [
        ("serious_acquisitive_crime", -2.6), ("most_serious_violence", -1.0),
        ("serious_youth_violence", -3.0), ("gun_crime", -5.0), ("knife_crime", -5.5),
        ("sanction_detections", None),
    ]
    assert golden["review"] == []


# --- variant coverage ---------------------------------------------------------------------------


def test_both_producers_are_used(leaflets_2009_10: list[dict[str, Any]]) -> None:
    producers = Counter(entry["producer"] for entry in leaflets_2009_10)
    assert producers["reportlab"] >= 1 and producers["weasyprint"] >= 1
    assert producers == {"reportlab": 16, "weasyprint": 16}


def test_variants_are_covered(
    leaflets_2009_10: list[dict[str, Any]], goldens: dict[str, dict[str, Any]]
) -> None:
    leaflets = leaflets_2009_10
    tagged = Counter(tag for entry in leaflets for tag in entry["tags"])
    assert tagged["thousands"] >= 3
    assert tagged["long-message"] >= 2 and tagged["extra-row"] >= 2
    assert tagged["missing-row"] >= 2 and tagged["label-wrap"] >= 1
    assert tagged["count-signed"] >= 1 and tagged["pct-signed-only"] >= 1
    assert all(tagged[tag] >= 3 for tag in MINUS_GLYPHS.values())
    assert tagged["criminal-damage-row"] == 1 and tagged["unsigned-unconfirmed"] == 1
    for entry in leaflets:
        if "unsigned-unconfirmed" in entry["tags"]:  # refused: no golden records
            assert (entry["expected_status"], entry["golden"]) == ("quarantined", None)
            continue
        golden = goldens[entry["path"]]
        assert golden["review"] == []
        measures = [row["measure"] for row in golden["performance"]]
        assert ("criminal_damage" in measures) == ("criminal-damage-row" in entry["tags"])
        table_page = golden["performance"][0]["page"]
        assert table_page == (4 if "long-message" in entry["tags"] else 3), entry["path"]
        measures = [row["measure"] for row in golden["performance"]]
        assert ("most_serious_violence" in measures) == ("extra-row" in entry["tags"])
        assert ("gun_crime" not in measures) == ("missing-row" in entry["tags"])


def test_each_minus_glyph_survives_extraction(leaflets_2009_10: list[dict[str, Any]],
                                              goldens: dict[str, dict[str, Any]]) -> None:
    """pdfplumber reads each glyph back from one leaflet per glyph and producer (6 pages)."""
    leaflets = leaflets_2009_10
    checked = 0
    for glyph, tag in MINUS_GLYPHS.items():
        for producer in ("reportlab", "weasyprint"):
            entry = next(e for e in leaflets if tag in e["tags"] and e["producer"] == producer)
            golden = goldens[entry["path"]]
            with pdfplumber.open(FIXTURES_DIR / entry["path"]) as pdf:
                text = pdf.pages[golden["performance"][0]["page"] - 1].extract_text()
            falls = [row for row in golden["performance"] if (row["change_pct"] or 0) < 0]
            for row in falls:
                printed = f"offences or {glyph}{abs(row['change_pct']):.1f}%"
                assert printed in text, (entry["path"], row["label"])
            assert not set(text) & {"\ufb00", "\ufb01", "\ufb02", "\ufb03"}, "ligature glyph"
            checked += bool(falls)
    assert checked == 6


@pytest.mark.parametrize("slug", ["barnet", "croydon", "newham", "kensington-and-chelsea"])
def test_golden_sections_read_from_the_columns(slug: str) -> None:
    """Each section's heading and text are a run of the PDF's words, read column by column."""
    golden = _load(FIXTURES_DIR / f"golden/2009-10/{slug}.json")
    words: list[str] = []
    with pdfplumber.open(FIXTURES_DIR / f"pdfs/2009-10/{slug}.pdf") as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            band = {1: styles.COVER_BAND_H, 3: styles.LOCAL_BAND_H}.get(number, 0.0)
            top, middle = styles.MARGIN_TOP + band + 1, page.width / 2
            for box in ((0, top, middle, page.height), (middle, top, page.width, page.height)):
                words += [w["text"] for w in page.crop(box).extract_words() if w["text"] != "•"]
    text = " ".join(words)
    for section in golden["sections"]:
        assert f"{section['heading']} {section['text']}" in text, section["name"]


# --- bad inputs ---------------------------------------------------------------------------------


def test_bad_inputs_are_what_they_claim() -> None:
    bad = FIXTURES_DIR / "pdfs/bad"
    assert (bad / "empty.pdf").read_bytes() == b""
    assert (bad / "not-a-pdf.pdf").read_bytes().startswith(b"<!DOCTYPE html>")
    assert zipfile.ZipFile(bad / "zip-archive.pdf").namelist()
    assert (bad / "image.pdf").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    barnet = (FIXTURES_DIR / "pdfs/2009-10/barnet.pdf").read_bytes()
    truncated = (bad / "truncated.pdf").read_bytes()
    assert barnet.startswith(truncated) and len(truncated) < len(barnet) // 2
    assert pypdf.PdfReader(bad / "encrypted.pdf").is_encrypted
    with pdfplumber.open(bad / "scanned.pdf") as pdf:
        assert len(pdf.pages) == 4
        assert all(not page.chars and page.images for page in pdf.pages)
    with pdfplumber.open(bad / "unrelated.pdf") as pdf:
        assert "Local Policing Summary" not in pdf.pages[0].extract_text()
    with pdfplumber.open(bad / "no-performance-table.pdf") as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
        assert "local information" in text and "perform during" not in text
    with pdfplumber.open(bad / "contradicts-itself.pdf") as pdf:
        text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
        assert "Theft from vehicles +427 offences or +12.5%" in text
        assert "427 fewer car break ins (12.5% reduction)" in text


def test_encrypted_leaflet_opens_with_its_password() -> None:
    reader = pypdf.PdfReader(FIXTURES_DIR / "pdfs/bad/encrypted.pdf")
    assert reader.decrypt("mpa2010")
    assert "Local Policing Summary" in reader.pages[0].extract_text()
