"""A file's chain of cross-reference sections, followed without recursion, to say why pdfminer
could not open it.

pdfminer reads the cross-reference section at `startxref`, then, recursively, each one its
trailer names by /XRefStm and /Prev, with no memory of where it has been: a /Prev that points
back to a section already read makes it recurse until Python's stack gives out ("maximum
recursion depth exceeded"), and so does a chain of a thousand revisions. `follow_xref_chain`
walks the same chain in the same order with pdfminer's own section readers, remembering every
offset it has read, so the reader (`extractors.reader`) can name which of the two it is.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from pdfminer.pdfdocument import PDFBaseXRef, PDFXRef, PDFXRefStream
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import int_value
from pdfminer.psexceptions import PSException

__all__ = ["MOST_SECTIONS", "XrefChain", "follow_xref_chain"]

#: Most sections followed before the chain is called too long (pdfminer manages about 990).
MOST_SECTIONS = 10_000

_STARTXREF = re.compile(rb"startxref\s*(\d+)")


@dataclass(frozen=True)
class XrefChain:
    """What following the chain found: `sections` read, and the first pointer back to a
    section already read (`loop_from` names it by /Prev or /XRefStm, `loop_key`, to the section
    at `loop_to`), if any."""

    sections: int
    loop_from: int | None = None
    loop_key: str = ""
    loop_to: int | None = None


def _section(parser: PDFParser, offset: int) -> dict[str, Any]:
    """The trailer of the section at `offset`, read as `PDFDocument.read_xref_from` reads it."""
    parser.seek(offset)
    parser.reset()
    position, token = parser.nexttoken()
    xref: PDFBaseXRef
    if isinstance(token, int):  # a cross-reference stream (PDF 1.5)
        parser.seek(position)
        parser.reset()
        xref = PDFXRefStream()
    else:
        if token is parser.KEYWORD_XREF:
            parser.nextline()
        xref = PDFXRef()
    xref.load(parser)
    return xref.get_trailer()


def follow_xref_chain(data: bytes) -> XrefChain | None:
    """Follow the chain from the last `startxref` (at most `MOST_SECTIONS` sections), or None
    when a section cannot be read (the file is damaged in some other way)."""
    found = list(_STARTXREF.finditer(data, max(0, len(data) - 4096)))
    if not found:
        return None
    parser = PDFParser(io.BytesIO(data))
    start = int(found[-1].group(1))
    read: set[int] = set()
    pending: list[tuple[int, int | None, str]] = [(start, None, "startxref")]
    while pending and len(read) < MOST_SECTIONS:
        offset, source, key = pending.pop()
        if offset in read:
            return XrefChain(len(read), source, key, offset)
        read.add(offset)
        try:
            trailer = _section(parser, offset)
            following = [(int_value(trailer[name]), offset, f"/{name}")
                         for name in ("Prev", "XRefStm") if name in trailer]
        except (PSException, ValueError, TypeError, KeyError):
            return None
        pending.extend(following)  # /XRefStm on top: pdfminer reads it before /Prev
    return XrefChain(len(read))
