"""The clean-room corpus (fixtures/cleanroom): leaflets drawn by a generator that never read the
extractor, made by real producers (Chromium, WeasyPrint, wkhtmltopdf, LibreOffice, pypdf,
Ghostscript), scored through the same guarded parse `lps evaluate` uses.

(a) each named class fixture extracts to exactly its truth, field by field (`cells` left out);
(b) a fixed sample of the corpus: no wrong value, at most one refusal of a readable leaflet;
(c) the leaflets no person can read are quarantined.

Where the engine falls short of (a) and (b) today, the shortfall is listed below, each with what
happens: a defect, named so a fix shows (the test fails until the entry is struck), never a
licence for a wrong figure (every loaded figure is compared, every refusal's reason asserted).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from test_golden import _differences

from fixtures.cleanroom.__main__ import seeds_of
from fixtures.cleanroom.corpus import recipe_for_seed
from fixtures.cleanroom.post import SYNTHETIC
from pipeline.evaluate import Evaluation, score
from pipeline.guard import GuardedExtractor
from pipeline.settings import Settings
from schemas import Extraction

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "cleanroom"
CLASSES = ROOT / "classes"
CORPUS = ROOT / "corpus"
SIX_CLASSES = {"column-headings", "double-mark", "page-numbers", "running-furniture", "stamp",
               "heading-faces"}


def _params(folder: Path) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((folder / "params.json").read_text("utf-8"))
    return data


def _truth(folder: Path, name: str) -> Extraction:
    return Extraction.model_validate_json((folder / "truth" / f"{name}.json").read_text("utf-8"))


CLASS_PARAMS = _params(CLASSES)
CLASS_NAMES = sorted(n for n, p in CLASS_PARAMS.items() if p["expected"] == "loaded")
CLASS_UNREADABLE = sorted(n for n, p in CLASS_PARAMS.items() if p["expected"] == "quarantined")
CORPUS_PARAMS = _params(CORPUS)
READABLE = sorted(n for n, p in CORPUS_PARAMS.items() if p["expected"] == "loaded")
UNREADABLE = sorted(n for n, p in CORPUS_PARAMS.items() if p["expected"] == "quarantined")
#: Twelve readable leaflets, the same every run, spread over the corpus.
SAMPLE = READABLE[:: max(1, len(READABLE) // 12)][:12]


#: Readable class fixtures the engine does not yet read exactly (defects, issue 16): "prose"
#: where every figure is right but a section's text is not, else the start of the refusal's
#: reason.
KNOWN_CLASS_DEFECTS: dict[str, str] = {}
#: Readable leaflets of the sample refused today (defects), with the start of the reason: a
#: fall whose minus Ghostscript mapped to "2" (named against the commander's message, which
#: gives the fall), and a PDF/A copy stripped of its text's Unicode (read by OCR: its tables
#: now read whole, but the printer's slug at the foot of page 2, 'towerhamlets_2009-10_print.indd
#: 2 12/05/2010 14:32' in 6-point type, has '2009-10_' read '810' in its line and otherwise
#: alone, and the OCR gate refuses every line with a doubted figure, a slug's too).
KNOWN_SAMPLE_REFUSALS = {
    "cleanroom-0012": "the commander's message says '59 fewer offences of robbery (15.9% "
                      "reduction)' but the performance table gives 59 offences (59 offences or "
                      "215.9%)",
    "cleanroom-0063": "scanned leaflet not loaded: 2 problem(s) with figures read by OCR "
                      "(confidence needed: 0.80): page 2, line '810 print.indd 2 12/05/2010 "
                      "14:32': '810' 0.00",
}


@pytest.fixture(scope="module")
def guard() -> Iterator[GuardedExtractor]:
    with GuardedExtractor(Settings()) as extractor:
        yield extractor


def test_every_class_of_issue_16_has_a_named_fixture() -> None:
    classes = {CLASS_PARAMS[name]["class"] for name in CLASS_NAMES}
    assert classes >= SIX_CLASSES
    assert len({CLASS_PARAMS[name]["producer"] for name in CLASS_NAMES}) >= 6


@pytest.mark.parametrize("name", CLASS_NAMES)
def test_class_fixture_extracts_to_its_truth(name: str, guard: GuardedExtractor) -> None:
    found = guard.extract((CLASSES / "pdfs" / f"{name}.pdf").read_bytes())
    defect = KNOWN_CLASS_DEFECTS.get(name)
    if defect is not None and defect != "prose":
        assert isinstance(found, str) and found.startswith(defect), found
        return
    assert not isinstance(found, str), f"refused: {found}"
    want = _truth(CLASSES, name).model_dump(mode="json")
    differences = _differences(want, found.model_dump(mode="json"))
    if defect == "prose":  # every figure right; the defect is in the prose alone
        assert differences and all(d.startswith("sections") for d in differences), differences
    else:
        assert differences == []


def test_corpus_sample_loads_no_wrong_value_and_refuses_only_known_defects(
        guard: GuardedExtractor) -> None:
    result = Evaluation()
    refused = []
    for name in SAMPLE:
        found = guard.extract((CORPUS / "pdfs" / f"{name}.pdf").read_bytes())
        leaflet = score(result, name, _truth(CORPUS, name),
                        None if isinstance(found, str) else found)
        if isinstance(found, str):
            refused.append(name)
            assert found.startswith(KNOWN_SAMPLE_REFUSALS.get(name, "(not expected)")), found
        assert leaflet.wrong == 0, [f for f in result.wrong if f.file == name]
    assert len(SAMPLE) == 12
    assert refused == sorted(KNOWN_SAMPLE_REFUSALS)


@pytest.mark.parametrize("name", [f"classes/{n}" for n in CLASS_UNREADABLE]
                         + [f"corpus/{n}" for n in UNREADABLE[:4]])
def test_a_leaflet_no_person_can_read_is_quarantined(name: str, guard: GuardedExtractor
                                                     ) -> None:
    folder, _, stem = name.partition("/")
    found = guard.extract((ROOT / folder / "pdfs" / f"{stem}.pdf").read_bytes())
    why = _params(ROOT / folder)[stem]["why"]
    assert isinstance(found, str), f"loaded, but {why}"


def _creator(reader: PdfReader) -> str:
    return str(reader.metadata.get("/Creator", "")) if reader.metadata else ""


def test_every_leaflet_says_it_is_synthetic() -> None:
    pdfs = sorted((CLASSES / "pdfs").glob("*.pdf")) + sorted((CORPUS / "pdfs").glob("*.pdf"))
    creators = {pdf.name: _creator(PdfReader(pdf)) for pdf in pdfs}
    assert [name for name, creator in creators.items() if SYNTHETIC not in creator] == []
    assert len(pdfs) == len(CLASS_PARAMS) + len(CORPUS_PARAMS)


def test_a_seed_always_draws_the_same_recipe() -> None:
    assert seeds_of("1-3,7") == [1, 2, 3, 7]
    assert recipe_for_seed(41) == recipe_for_seed(41)
    assert recipe_for_seed(41).params() == CORPUS_PARAMS["cleanroom-0041"]
