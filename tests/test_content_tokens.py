"""The quick content-stream reader (`pdfpage.content_tokens`) gives exactly pdfminer's objects.

Compared object by object, type included (1, 1.0 and True are told apart), with pdfminer's own
`PDFContentParser` on every page of every bundled PDF (the leaflets of every producer, the
clean-room corpus, the hostile files) and on random streams built from the tokens and the
corners of the syntax; where the quick reader gives up, the page is read by pdfminer's parser.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfminer.pdfinterp import PDFContentParser, PDFPageInterpreter
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, stream_value
from pdfminer.psexceptions import PSEOF
from pdfminer.psparser import PSKeyword, PSLiteral

from pdfpage.content_tokens import (
    QUICK_MAX_BYTES,
    QuickContentParser,
    stream_objects,
    stream_tokens,
)

ROOT = Path(__file__).resolve().parent.parent
PDFS = sorted((ROOT / "fixtures").rglob("*.pdf"))


def _plain(obj: Any) -> Any:
    """`obj` with every value tagged with its type, so 1, 1.0 and True differ."""
    if isinstance(obj, list):
        return ("list", [_plain(item) for item in obj])
    if isinstance(obj, dict):
        return ("dict", {key: _plain(value) for key, value in obj.items()})
    if isinstance(obj, PSLiteral):
        return ("literal", obj.name)
    if isinstance(obj, PSKeyword):
        return ("keyword", obj.name)
    if isinstance(obj, PDFStream):
        return ("stream", obj.rawdata)
    return (type(obj).__name__, obj)


def _read(parser: PDFContentParser) -> tuple[list[Any], str | None]:
    """Every (position, object) the parser gives, and the exception that ended it (not EOF)."""
    found: list[Any] = []
    try:
        while True:
            pos, obj = parser.nextobject()
            found.append((pos, _plain(obj)))
    except PSEOF:
        return found, None
    except Exception as error:  # pdfminer's own failures must be the same failures
        return found, type(error).__name__


def _streams(datas: Sequence[bytes]) -> list[PDFStream]:
    streams = []
    for number, data in enumerate(datas, start=1):
        stream = PDFStream({}, data)
        stream.objid = number
        streams.append(stream)
    return streams


def _both(streams: Sequence[object]) -> tuple[Any, Any]:
    try:
        theirs = _read(PDFContentParser(streams))
    except PSEOF:
        theirs = ([], None)
    try:
        ours = _read(QuickContentParser(streams))
    except PSEOF:
        ours = ([], None)
    return theirs, ours


def _pages(per_producer: int = 1) -> list[tuple[str, list[object]]]:
    """The pages (up to 12 a file) of `per_producer` bundled PDFs of each producer, spread
    over the sorted list. All 1,004 pages of the 242 PDFs pdfminer opens read the same too,
    but take a minute: pdfminer's parser is the slow side."""
    by_producer: dict[str, list[Path]] = {}
    for path in PDFS:
        try:
            with pdfplumber.open(path) as pdf:
                producer = str(pdf.metadata.get("Producer", ""))
        except Exception:  # the damaged and hostile files pdfminer cannot open at all
            continue
        by_producer.setdefault(producer, []).append(path)
    chosen: list[tuple[str, list[object]]] = []
    for paths in by_producer.values():
        for path in paths[:: max(1, len(paths) // per_producer)][:per_producer]:
            try:
                with pdfplumber.open(path) as pdf:
                    pages = itertools.islice(PDFPage.create_pages(pdf.doc), 12)
                    for number, page in enumerate(pages, start=1):
                        for stream in page.contents:
                            stream_value(stream).get_data()
                        chosen.append((f"{path.relative_to(ROOT)} p{number}", page.contents))
            except Exception:  # a hostile file that opens but whose pages do not
                continue
    return chosen


def test_every_bundled_page_reads_to_pdfminers_objects() -> None:
    pages = _pages()
    assert len(pages) > 25  # WeasyPrint, ReportLab, Skia, LibreOffice, Ghostscript, Qt, pypdf
    quick = small = 0
    for name, streams in pages:
        theirs, ours = _both(streams)
        assert ours == theirs, name
        datas = [stream_value(stream).get_data() for stream in streams]
        if sum(map(len, datas)) <= QUICK_MAX_BYTES:  # not the hostile files' inflated pages
            small += 1
            quick += stream_tokens(datas) is not None
    # the quick reader is what reads them: none of the producers' pages needs pdfminer's
    assert quick == small > 20


_PIECES = [
    b" ", b"\n", b"\r", b"\r\n", b"\t", b"\x00", b"\x0c", b"%a comment\n", b"%", b"/F1", b"/",
    b"/a#20b", b"/caf\xc3\xa9", b"/\xff", b"12", b"-3.5", b"+4", b"-.5", b".25", b"5.", b".",
    b"-", b"+", b"1.2.3", b"--7", b"(a)", b"(a(b)c)", b"(\\101)", b"(\\1)", b"(\\0123)",
    b"(\\777)", b"(\\n\\t\\b\\f\\r\\(\\)\\\\)", b"(\\q)", b"(\\\n)", b"(\\\r\n)", b"(\\\r)",
    b"(", b")", b"\\", b"<48656c6c6f>", b"<4>", b"<41 4>", b"< 4 1 >", b"<>", b"<<", b">>",
    b">", b"<", b"<0G>", b"[", b"]", b"{", b"}", b"Tj", b"TJ", b"T*", b"true", b"false", b"BI",
    b"ID", b"EI", b"'", b'"', b"\x80", b"#", b"*", b"BT", b"d0", b"Tj\x00", b"/K<</A 1>>",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=3), max_size=12)
                .map(b"".join), min_size=1, max_size=3))
def test_random_streams_read_as_pdfminer_reads_them(datas: list[bytes]) -> None:
    theirs, ours = _both(_streams(datas))
    assert ours == theirs


@pytest.mark.parametrize(("data", "why"), [
    (b"/a#20b Tf", "a name with a '#' escape"),
    (b"BI /W 1 /H 1 ID \x00 EI", "an inline image"),
    (b"(\\777) Tj", "an octal escape over 255"),
    (b"(a\\\r\nb) Tj", "a backslash before a carriage return"),
    (b"(open", "a string still open at the stream's end"),
    (b"<4142", "a hex string still open at the stream's end"),
])
def test_what_only_pdfminer_reads_is_left_to_it(data: bytes, why: str) -> None:
    assert stream_tokens([data]) is None, why
    theirs, ours = _both(_streams([data]))
    assert ours == theirs


def test_a_token_carried_across_streams_is_left_to_pdfminer() -> None:
    # pdfminer reads '/' at one stream's end and 'F1' at the next's start as one name
    datas = [b"BT /", b"F1 12 Tf ET"]
    assert stream_tokens(datas) is None
    theirs, ours = _both(_streams(datas))
    assert ours == theirs
    assert ("literal", "F1") in [obj for _, obj in theirs[0]]


def test_a_page_of_more_content_than_a_leaflet_is_read_by_pdfminer_as_it_goes() -> None:
    """Its tokens are not all held at once (a 16 MB page of '1 ' would be 8 million)."""
    unit = b"1 0 0 1 0 0 cm\n"
    large = unit * (QUICK_MAX_BYTES // len(unit) + 1)
    assert stream_tokens([large]) is None
    assert stream_tokens([large[: QUICK_MAX_BYTES - QUICK_MAX_BYTES % len(unit)]]) is not None


def test_objects_are_built_as_pdfminer_builds_them() -> None:
    tokens = stream_tokens([b"[(a) -250 (b)] TJ << /MCID 3 /Alt (x) >> BDC ] 1 0 0 1 5 6 cm"])
    assert tokens is not None
    objects = [_plain(obj) for _, obj in stream_objects(tokens)]
    assert objects == [
        ("list", [("bytes", b"a"), ("int", -250), ("bytes", b"b")]), ("keyword", b"TJ"),
        ("dict", {"MCID": ("int", 3), "Alt": ("bytes", b"x")}), ("keyword", b"BDC"),
        ("int", 1), ("int", 0), ("int", 0), ("int", 1), ("int", 5), ("int", 6),
        ("keyword", b"cm"),
    ]


def test_pdfminers_execute_is_the_one_copied() -> None:
    """`pdfpage.content._Interpreter.execute` is pdfminer's `execute` with its parser swapped:
    when pdfminer's changes, this fails, and the copy must be brought in line (then the digest
    below updated)."""
    source = inspect.getsource(PDFPageInterpreter.execute)
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    assert digest == "20909827cdb83ad1", digest
