"""A bad file becomes a quarantine reason, never an exception; work is split into batches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import make_extraction
from conftest import PDFS, ROOT, load_golden, needs_fixtures
from leaflets import copy_leaflet

from pipeline import parse as extraction
from pipeline.extract import (
    Extracted,
    batches_for,
    extract_batch,
    extract_candidate,
    extract_each,
    worker_count,
)
from pipeline.guard import GuardedExtractor
from pipeline.parse import extraction_or_reason
from pipeline.settings import Settings
from pipeline.sources import Candidate, read_candidate

EMPTY_REASON = "empty file (0 bytes): nothing to read; fetch the leaflet again"
NOT_A_PDF_REASON = (
    "not a PDF: the file is plain text; find the PDF itself "
    "(a download may have saved an error page or an archive instead)"
)


def test_an_empty_file_gets_the_extractors_reason() -> None:
    assert extraction_or_reason(b"") == EMPTY_REASON


def test_a_text_file_gets_the_extractors_reason() -> None:
    assert extraction_or_reason(b"Dear resident, this is not a leaflet.\n") == NOT_A_PDF_REASON


@needs_fixtures
def test_an_html_page_saved_as_pdf_gets_the_extractors_reason() -> None:
    data = (PDFS / "bad" / "not-a-pdf.pdf").read_bytes()
    assert extraction_or_reason(data) == (
        "not a PDF: the file is an HTML page; find the PDF itself "
        "(a download may have saved an error page or an archive instead)"
    )


def test_an_unexpected_exception_becomes_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(data: bytes, max_pages: int, *reader: object) -> None:
        raise KeyError("/Root")

    monkeypatch.setattr(extraction, "extract_document", explode)
    assert extraction_or_reason(b"%PDF-1.4") == "unexpected KeyError while extracting: '/Root'"


def test_invalid_records_become_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def invalid(data: bytes, max_pages: int, *reader: object) -> None:
        make_extraction(area="Barnet", area_code="E09000004")

    monkeypatch.setattr(extraction, "extract_document", invalid)
    assert extraction_or_reason(b"%PDF-1.4") == (
        "extracted DocumentInfo failed validation: Value error, 'Barnet' (E09000004) "
        "is not a known London borough"
    )


GOLDEN = ROOT / "fixtures" / "golden" / "2009-10"


@needs_fixtures
def test_extract_candidate_returns_the_records_parsed_in_the_guard(tmp_path: Path) -> None:
    path = copy_leaflet(tmp_path / "barnet.pdf", "Barnet")
    candidate = read_candidate(path)
    assert isinstance(candidate, Candidate)
    with GuardedExtractor(Settings()) as guard:
        extracted = extract_candidate(candidate, guard)
    assert extracted.extraction is not None and extracted.extraction.cells  # provenance, kept
    pdf = extracted.extraction.pdf  # the file's own metadata, read in the guard's child
    assert pdf is not None and pdf.creator == "policing-summaries fixtures"
    assert extracted == Extracted(candidate, extraction=load_golden(GOLDEN / "barnet.json")
                                  .model_copy(update={"cells": extracted.extraction.cells,
                                                      "pdf": pdf}))


def test_a_file_changed_since_hashing_is_transient_not_quarantined(tmp_path: Path) -> None:
    """Detected by size and modification time, without hashing the file again."""
    path = tmp_path / "barnet.pdf"
    path.write_bytes(b"%PDF-1.4 barnet")
    candidate = read_candidate(path)
    assert isinstance(candidate, Candidate)
    with GuardedExtractor(Settings()) as guard:
        path.write_bytes(b"%PDF-1.4 something else")
        result = extract_candidate(candidate, guard)
        assert result.transient
        assert result.reason == "the file changed while it was being ingested; ingest it again"
        path.write_bytes(b"%PDF-1.4 BARNET")  # same size, later modification time
        os.utime(path, ns=(candidate.mtime_ns + 10**9, candidate.mtime_ns + 10**9))
        assert extract_candidate(candidate, guard).reason == result.reason
        path.unlink()
        gone = extract_candidate(candidate, guard)
    assert gone.transient
    assert gone.reason == "cannot read the file: No such file or directory"


def test_a_file_over_the_byte_cap_is_quarantined_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4" + b" " * 92)
    candidate = read_candidate(path)
    assert isinstance(candidate, Candidate)
    [result] = extract_batch([candidate], Settings(max_bytes=99))
    assert (result.reason, result.transient) == (
        "too large for a leaflet (100 bytes; at most 99): not parsed", False)


@needs_fixtures
def test_extract_each_keeps_the_order_on_several_guarded_children() -> None:
    names = ["barnet", "camden", "hackney", "brent", "ealing"]
    pdfs = [PDFS / "2009-10" / f"{name}.pdf" for name in names]
    found = list(extract_each(pdfs, lambda pdf, guard: guard.extract(pdf.read_bytes()),
                              Settings(), workers=2))
    assert [pdf for pdf, _ in found] == pdfs
    assert [result.model_copy(update={"cells": [], "pdf": None}) for _, result in found] == [
        load_golden(GOLDEN / f"{name}.json") for name in names]


def test_extracted_holds_records_or_a_reason_not_both() -> None:
    candidate = Candidate("x.pdf", "a" * 64, 1)
    with pytest.raises(ValueError):
        Extracted(candidate)
    with pytest.raises(ValueError):
        Extracted(candidate, extraction=make_extraction(), reason="both")


def test_worker_count_never_exceeds_the_work() -> None:
    assert worker_count(4, 2) == 2
    assert worker_count(1, 100) == 1
    assert worker_count(None, 1) == 1
    assert worker_count(0, 0) == 1


def test_batches_spread_work_and_stay_small() -> None:
    candidates = [Candidate(f"{i}.pdf", f"{i:064d}", 1) for i in range(62)]
    batches = batches_for(candidates, workers=2, max_batch=20)
    assert [len(b) for b in batches] == [4] * 15 + [2]  # 8 a worker
    assert [c for batch in batches for c in batch] == candidates
    big = batches_for(candidates * 20, workers=2, max_batch=20)
    assert max(len(b) for b in big) == 20
    assert batches_for([], workers=2, max_batch=20) == []
