"""Hostile inputs are refused by cheap checks, each with a reason a person can act on.

The committed bombs (fixtures/pdfs/bad/bomb-*.pdf) are small on disk and must be refused in well
under a second without the guard's time or memory limits, because every direct extractor test
(test_golden) and every ingest of the bad folder (test_cli) opens them. Bombs that only a limit
can stop are built in tests/test_guard.py.

The inputs built here (bombs behind a chain of filters, a PDF with a ZIP joined on, looping
cross-reference tables) go through a real guarded child with 128 MB of address space (a leaflet
parses in about 65 MB): a check that decoded a bomb, or recursed without end, would run out of
memory or time there instead of giving its own reason.
"""

from __future__ import annotations

import base64
import binascii
import io
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator

import pdfplumber
import pypdf
import pytest
from conftest import PDFS, ROOT, figures_of, load_golden
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfplumber.utils.exceptions import PdfminerException

from extractors.limits import MAX_CONTENT_BYTES, MAX_PAGES
from fixtures.generator import hostile
from pipeline.guard import GuardedExtractor
from pipeline.parse import OUT_OF_MEMORY, TOO_DEEP, extraction_or_reason
from pipeline.settings import Settings
from schemas import Extraction

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


SIZE_REASON = REASONS["bomb-inflating-stream.pdf"]
BARNET = PDFS / "2009-10" / "barnet.pdf"


@pytest.fixture(scope="module")
def guard() -> Iterator[GuardedExtractor]:
    """One guarded child for the module, started before any test times a document."""
    with GuardedExtractor(Settings(parse_seconds=20.0, parse_memory_mb=128)) as child:
        assert child.extract(b"") == (
            "empty file (0 bytes): nothing to read; fetch the leaflet again")
        yield child


def _barnet() -> Extraction:
    return load_golden(ROOT / "fixtures" / "golden" / "2009-10" / "barnet.json")


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
    """Read once into the settings, passed to the guarded child as an argument: the child's
    environment no longer matters."""
    monkeypatch.setenv("LPS_MAX_PAGES", "3")
    settings = Settings.from_env()
    monkeypatch.delenv("LPS_MAX_PAGES")
    with GuardedExtractor(settings) as child:
        reason = child.extract((PDFS / "2009-10" / "barnet.pdf").read_bytes())
    assert reason == (
        "too many pages for a leaflet (4; at most 3): not a Local Policing Summary "
        "(or a PDF bomb); not parsed"
    )
    assert isinstance(extraction_or_reason((PDFS / "2009-10" / "barnet.pdf").read_bytes()),
                      Extraction)  # the default cap of 40


@pytest.mark.parametrize(("filters", "encode"), [
    (b"/FlateDecode", zlib.compress),
    (b"[/ASCII85Decode/FlateDecode]", lambda data: hostile.ascii85(zlib.compress(data))),
    (b"[/ASCIIHexDecode/FlateDecode]", lambda data: hostile.ascii_hex(zlib.compress(data))),
])
def test_content_just_under_the_cap_is_parsed_and_just_over_is_not(
    filters: bytes, encode: Callable[[bytes], bytes],
) -> None:
    def page(size: int) -> bytes:
        return hostile.one_page(hostile.stream(b"/Filter" + filters, encode(b" " * size)))

    over = extraction_or_reason(page(MAX_CONTENT_BYTES + 1))
    assert isinstance(over, str) and over.startswith("page 1's content inflates to more than")
    under = extraction_or_reason(page(1024))
    assert under == (
        "no text: its first pages show no words (none in a text layer, none OCR could read "
        "in an image); find the original PDF, or a clearer scan (300 dpi, straight)"
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
        "no text: its first pages show no words (none in a text layer, none OCR could read "
        "in an image); find the original PDF, or a clearer scan (300 dpi, straight)"
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
    def exhausted(data: bytes, max_pages: int, *reader: object) -> None:
        raise error

    monkeypatch.setattr("pipeline.parse.extract_document", exhausted)
    assert extraction_or_reason(b"%PDF-1.4") == reason


# --- bombs behind a chain of filters ------------------------------------------------------------

CHAIN_BOMBS: dict[str, Callable[[], bytes]] = {
    "[/ASCII85Decode /FlateDecode] 1 GiB": hostile.ascii85_flate_bomb,
    "[/ASCIIHexDecode /FlateDecode] 1 GiB": hostile.ascii_hex_flate_bomb,
    "/LZWDecode 1 GiB": hostile.lzw_bomb,
    "[/FlateDecode /RunLengthDecode] 512 MB": hostile.run_length_bomb,
}


@pytest.mark.parametrize("name", sorted(CHAIN_BOMBS))
def test_a_bomb_behind_any_filter_chain_is_refused_by_the_size_check_in_little_memory(
    guard: GuardedExtractor, name: str,
) -> None:
    """Before, only a first Flate filter was measured: these reached pdfminer, which held 1 to
    2 GB before the memory cap stopped it (LZW: still decoding at 2 minutes)."""
    bomb = CHAIN_BOMBS[name]()
    assert len(bomb) < 2_500_000
    started = time.perf_counter()
    assert guard.extract(bomb) == SIZE_REASON
    assert time.perf_counter() - started < 2.0


def _page_content(pdf: bytes) -> bytes:
    """Page 1's content as pdfminer decodes it."""
    document = PDFDocument(PDFParser(io.BytesIO(pdf)))
    page = resolve1(resolve1(document.catalog["Pages"])["Kids"][0])
    data: bytes = resolve1(page["Contents"]).get_data()
    return data


def test_the_chain_bombs_are_what_they_claim() -> None:
    """Smaller builds of the same bombs, decoded by pdfminer itself: spaces, at least as many
    MB as asked (each bomb above is built the same way at 1 GiB, or 512 MB)."""
    megabytes = 20 * 1024 * 1024
    for build in (hostile.ascii85_flate_bomb, hostile.ascii_hex_flate_bomb, hostile.lzw_bomb):
        content = _page_content(build(20))
        assert len(content) >= megabytes and content.strip(b" ") == b"", build.__name__
    assert _page_content(hostile.run_length_bomb(megabytes // 128)) == b" " * megabytes
    raw = hostile.ascii85_flate_bomb(1024)
    stream = raw[raw.index(b"stream\n") + 7 : raw.index(b"\nendstream")]
    assert base64.a85decode(stream[:-2]) == hostile.deflated_spaces(1024)


CHAINS: dict[str, tuple[list[str], Callable[[bytes], bytes]]] = {
    "ASCII85 Flate": (["ASCII85Decode", "FlateDecode"],
                      lambda data: hostile.ascii85(zlib.compress(data))),
    "ASCIIHex Flate": (["ASCIIHexDecode", "FlateDecode"],
                       lambda data: hostile.ascii_hex(zlib.compress(data))),
    "ASCII85 LZW": (["ASCII85Decode", "LZWDecode"],
                    lambda data: hostile.ascii85(hostile.lzw_encoded(data))),
    "Flate RunLength": (["FlateDecode", "RunLengthDecode"],
                        lambda data: zlib.compress(hostile.run_length_encoded(data))),
}


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_a_leaflet_whose_streams_go_through_another_filter_chain_loads_the_same(
    guard: GuardedExtractor, name: str,
) -> None:
    """Barnet with its page content, fonts and font maps decoded and encoded again: every stage
    of the check decodes real data, under the cap, without refusing it."""
    filters, encode = CHAINS[name]
    data = hostile.reencoded(BARNET.read_bytes(), filters, encode)
    assert f"/Filter [ /{filters[0]} /{filters[1]} ]".encode() in data
    assert figures_of(guard.extract(data)) == _barnet()


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_a_leaflet_locked_only_by_an_owner_password_is_measured_deciphered_and_loads(
    guard: GuardedExtractor, algorithm: str,
) -> None:
    """A "no copying" restriction: encrypted, with an empty password to open, which pdfminer
    uses. Before, the check measured the enciphered bytes and refused it as corrupt."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(BARNET))
    writer.encrypt(user_password="", owner_password="mpa-owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    assert b"/Encrypt" in out.getvalue()
    assert figures_of(guard.extract(out.getvalue())) == _barnet()


@pytest.mark.parametrize(("filters", "data", "problem"), [
    (b"[/ASCII85Decode/FlateDecode]", b"ab~cd~>", "ASCII85Decode: Non-Ascii85 digit found: ~"),
    (b"[/ASCIIHexDecode/FlateDecode]", b"4G>", "ASCIIHexDecode: Non-hexadecimal digit found"),
    (b"/LZWDecode", b"\x80\x10e\x80", "LZWDecode: code 300 is not in its table"),  # clear, A, 300
    (b"/RunLengthDecode", b"\x05abc", "RunLengthDecode: it ends inside a run"),
    (b"[/ASCIIHexDecode/FlateDecode]", binascii.hexlify(zlib.compress(b"BT ET")[:-3]) + b">",
     "FlateDecode: it ends before its compressed data does"),
])
def test_a_stream_a_filter_cannot_decode_is_refused_naming_the_filter(
    guard: GuardedExtractor, filters: bytes, data: bytes, problem: str,
) -> None:
    pdf = hostile.one_page(hostile.stream(b"/Filter" + filters, data))
    assert guard.extract(pdf) == (
        f"damaged PDF: page 1's content is corrupt: {problem}, so its text cannot be trusted; "
        "download it again"
    )


# --- what follows the end of the PDF ------------------------------------------------------------

APPENDED = ("data after the end of the PDF: {kind} ({size:,} bytes) is appended after its "
            "end-of-file marker (a file that is two things at once, which is not trusted); not "
            "parsed; obtain the leaflet on its own")


def test_a_pdf_with_a_zip_appended_is_refused_as_such(guard: GuardedExtractor) -> None:
    """Before: 'truncated PDF' (no %%EOF in the last 2 KB). pdfplumber reads the leaflet and
    zipfile the archive, each ignoring the other: refused, since a polyglot can carry a payload
    past a check made by either."""
    barnet = BARNET.read_bytes()
    data = hostile.with_zip_appended(barnet)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["payload.txt"]
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 4
    assert guard.extract(data) == APPENDED.format(kind="a ZIP archive",
                                                  size=len(data) - len(barnet) + 1)


def test_a_zip_that_hides_the_pdfs_end_in_its_comment_is_refused(
    guard: GuardedExtractor,
) -> None:
    data = hostile.with_zip_hidden(BARNET.read_bytes())
    assert data.endswith(b"%%EOF\n")
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["payload.txt"]
    assert guard.extract(data) == (
        "a PDF that is also a ZIP archive (its directory, at the end, hides the PDF's end in a "
        "comment): a file that is two things at once, which is not trusted; not parsed; obtain "
        "the leaflet on its own"
    )


def test_other_data_after_the_end_is_named_and_white_space_is_not_refused(
    guard: GuardedExtractor,
) -> None:
    barnet = BARNET.read_bytes()
    html = b"<html><body>Service unavailable</body></html>\n"
    assert guard.extract(barnet + html) == APPENDED.format(kind="an HTML page",
                                                            size=len(html) + 1)
    assert figures_of(guard.extract(barnet + b"\x00\r\n " * 2048)) == _barnet()


def test_an_update_cut_short_after_the_first_end_is_truncated(guard: GuardedExtractor) -> None:
    data = BARNET.read_bytes() + b"12 0 obj\n<</Type/Annot/Subtype/Text/Contents(upd"
    assert guard.extract(data) == (
        f"truncated PDF: the file ({len(data):,} bytes) stops before its end-of-file marker; "
        "download it again"
    )


# --- cross-reference chains ---------------------------------------------------------------------


def _section_offsets(data: bytes) -> list[int]:
    """Where each cross-reference section starts, in file order."""
    offsets, at = [], data.find(b"xref\n")
    while at != -1:
        if data[at - 5 : at] != b"start":
            offsets.append(at)
        at = data.find(b"xref\n", at + 1)
    return offsets


def test_a_cross_reference_table_that_names_itself_by_prev_is_refused_as_a_loop(
    guard: GuardedExtractor,
) -> None:
    """Before: 'damaged PDF: pdfminer cannot parse it (maximum recursion depth exceeded)'."""
    for data in (hostile.xref_chain(BARNET.read_bytes(), 0, loop=True),
                 hostile.xref_chain(hostile.one_page(hostile.stream(b"", b"")), 0, loop=True)):
        [offset] = _section_offsets(data)
        started = time.perf_counter()
        assert guard.extract(data) == (
            f"damaged PDF: its cross-reference table (xref) loops: the section at byte "
            f"{offset:,} points back (/Prev) to itself, so a reader following it never ends; "
            "download it again or re-save it from the original"
        )
        assert time.perf_counter() - started < 2.0


def test_two_sections_that_name_each_other_are_refused_as_a_loop(
    guard: GuardedExtractor,
) -> None:
    data = hostile.xref_chain(BARNET.read_bytes(), 1, loop=True)
    first, update = _section_offsets(data)
    assert guard.extract(data) == (
        f"damaged PDF: its cross-reference table (xref) loops: the section at byte {first:,} "
        f"points back (/Prev) to the one at byte {update:,}, already read, so a reader following "
        "it never ends; download it again or re-save it from the original"
    )


def test_a_chain_of_too_many_updates_is_named_and_a_few_updates_are_read(
    guard: GuardedExtractor,
) -> None:
    barnet = BARNET.read_bytes()
    assert guard.extract(hostile.xref_chain(barnet, 1500)) == (
        "damaged PDF: its cross-reference table (xref) is a chain of 1,501 sections (one per "
        "saved revision), too many to follow; re-save it from the original"
    )
    assert figures_of(guard.extract(hostile.xref_chain(barnet, 3))) == _barnet()
