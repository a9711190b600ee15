"""Hostile inputs are refused by cheap checks, each with a reason a person can act on.

The committed bombs (fixtures/pdfs/bad/bomb-*.pdf) are small on disk and must be refused in well
under a second without the guard's time or memory limits, because every direct extractor test
(test_golden) and every ingest of the bad folder (test_cli) opens them. Bombs that only a limit
can stop are built in tests/test_guard.py.
"""

from __future__ import annotations

import time
import zlib

import pytest
from conftest import PDFS
from pdfplumber.utils.exceptions import PdfminerException

from extractors.limits import MAX_CONTENT_BYTES, MAX_PAGES
from fixtures.generator import hostile
from pipeline.parse import OUT_OF_MEMORY, TOO_DEEP, extraction_or_reason

BAD = PDFS / "bad"

XREF_REASON = (
    "damaged PDF: its cross-reference table (xref) is missing or broken, and it opens only by "
    "repair (scanning the file for objects), so its text cannot be trusted; download it again "
    "or re-save it from the original"
)
REASONS = {
    "jpeg-image.pdf": "not a PDF: the file is a JPEG image; find the PDF itself (a download may "
                      "have saved an error page or an archive instead)",
    "image.pdf": "not a PDF: the file is a PNG image; find the PDF itself (a download may "
                 "have saved an error page or an archive instead)",
    "not-a-pdf.pdf": "not a PDF: the file is an HTML page; find the PDF itself (a download may "
                     "have saved an error page or an archive instead)",
    "broken-xref.pdf": XREF_REASON,
    "bomb-many-pages.pdf": "too many pages for a leaflet (2,000; at most 40): not a Local "
                           "Policing Summary (or a PDF bomb); not parsed",
    "bomb-inflating-stream.pdf": "page 1's content inflates to more than 16 MB (a leaflet's "
                                 "largest is under 1 MB): a compression bomb or a damaged file; "
                                 "not parsed",
    "bomb-deep-nesting.pdf": "damaged PDF: page 1 nests its objects too deeply to parse (forms "
                             "within forms, hundreds deep: a PDF bomb?); not loaded",
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_hostile_fixture_is_quarantined_quickly_with_its_reason(name: str) -> None:
    started = time.perf_counter()
    assert extraction_or_reason((BAD / name).read_bytes()) == REASONS[name]
    assert time.perf_counter() - started < 2.0


def test_hostile_fixtures_are_what_they_claim() -> None:
    """Each file is the attack its name says, not something refused for an easier reason."""
    assert (BAD / "jpeg-image.pdf").read_bytes().startswith(b"\xff\xd8\xff")
    pages = (BAD / "bomb-many-pages.pdf").read_bytes()
    assert pages.count(b"<</Type/Page/") == 2000 and b"/Count 2000>>" in pages
    barnet = (PDFS / "2009-10" / "barnet.pdf").read_bytes()
    broken = (BAD / "broken-xref.pdf").read_bytes()
    assert len(broken) == len(barnet) and broken != barnet
    assert sum(a != b for a, b in zip(broken, barnet, strict=True)) <= 10  # only the offset
    raw = (BAD / "bomb-inflating-stream.pdf").read_bytes()
    stream = raw[raw.index(b"stream\n") + 7 : raw.index(b"\nendstream")]
    assert len(zlib.decompress(zlib.decompress(stream))) == 200 * 1024 * 1024
    for path in BAD.glob("bomb-*.pdf"):
        assert path.stat().st_size < 200_000, path.name


def test_a_page_tree_that_hides_its_size_is_still_refused() -> None:
    """/Count says 1, the tree holds 2,000 pages: the walk stops one page past the cap."""
    data = hostile.many_pages(2000).replace(b"/Count 2000", b"/Count 1   ")
    started = time.perf_counter()
    assert extraction_or_reason(data) == (
        f"too many pages for a leaflet (more than {MAX_PAGES}): not a Local Policing Summary "
        "(or a PDF bomb); not parsed"
    )
    assert time.perf_counter() - started < 2.0


def test_the_page_cap_follows_lps_max_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LPS_MAX_PAGES", "3")
    reason = extraction_or_reason((PDFS / "2009-10" / "barnet.pdf").read_bytes())
    assert reason == (
        "too many pages for a leaflet (4; at most 3): not a Local Policing Summary "
        "(or a PDF bomb); not parsed"
    )


def test_content_just_under_the_cap_is_parsed_and_just_over_is_not() -> None:
    def page(size: int) -> bytes:
        content = hostile.stream(b"/Filter/FlateDecode", zlib.compress(b" " * size))
        return hostile.one_page(content)

    over = extraction_or_reason(page(MAX_CONTENT_BYTES + 1))
    assert isinstance(over, str) and over.startswith("page 1's content inflates to more than")
    under = extraction_or_reason(page(1024))
    assert under == (
        "no text layer: the pages hold only images (a scan?); run OCR on it or find the "
        "original PDF"
    )


def test_a_large_image_is_not_mistaken_for_a_bomb() -> None:
    """Images are never decoded by the extractor, so a 40 MB photo passes the stream checks and
    the file is judged on its text (here: it has none)."""
    image = hostile.stream(b"/Type/XObject/Subtype/Image/Width 4000/Height 3500/ColorSpace"
                           b"/DeviceRGB/BitsPerComponent 8/Filter/FlateDecode",
                           hostile.deflated_spaces(40))
    data = hostile.one_page(hostile.stream(b"", b"q 595 0 0 842 0 0 cm /Im Do Q"),
                            b"<</XObject<</Im 5 0 R>>>>", [image])
    assert extraction_or_reason(data) == (
        "no text layer: the pages hold only images (a scan?); run OCR on it or find the "
        "original PDF"
    )


def test_a_corrupt_stream_beside_the_page_content_is_refused_before_parsing() -> None:
    """A flipped byte in the first stream after a font descriptor (not page content): pdfminer
    would salvage part of it with only a logged warning."""
    barnet = (PDFS / "2009-10" / "barnet.pdf").read_bytes()
    start = barnet.index(b"stream\n", barnet.index(b"/FontFile")) + 7
    damaged = barnet[:start + 100] + bytes([barnet[start + 100] ^ 0xFF]) + barnet[start + 101:]
    reason = extraction_or_reason(damaged)
    assert isinstance(reason, str)
    assert reason.startswith("damaged PDF: compressed stream ") and reason.endswith(
        "so its text cannot be trusted; download it again")


@pytest.mark.parametrize(("error", "reason"), [
    (PdfminerException(RecursionError("maximum recursion depth exceeded")), TOO_DEEP),
    (MemoryError(), OUT_OF_MEMORY),
    (PdfminerException(MemoryError()), OUT_OF_MEMORY),
])
def test_an_exhausted_parser_anywhere_gets_a_plain_reason(
    monkeypatch: pytest.MonkeyPatch, error: Exception, reason: str,
) -> None:
    """Wherever pdfminer runs out of stack or memory (wrapped by pdfplumber or not), the reason
    says so rather than 'unexpected PdfminerException'."""
    def exhausted(data: bytes) -> None:
        raise error

    monkeypatch.setattr("pipeline.parse.extract_document", exhausted)
    assert extraction_or_reason(b"%PDF-1.4") == reason
