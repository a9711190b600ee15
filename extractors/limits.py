"""Cheap structural checks on an opened PDF, before any page is interpreted.

pdfminer trusts a file: it follows a page tree of any size, inflates a content stream of any
size into memory, and rebuilds a broken cross-reference table by scanning for objects. Each
check here costs milliseconds and refuses a file that would cost minutes or gigabytes, or whose
structure had to be guessed, with a reason that says which:

- a cross-reference table pdfminer could only rebuild by scanning ("repair"): objects may come
  from a stale revision of the file, so no figure read from it can be trusted;
- more pages than a leaflet could have (`max_pages`, default `MAX_PAGES`; the pipeline passes
  its `LPS_MAX_PAGES` setting), judged from the page tree's declared count and then by walking at
  most that many pages;
- a compressed stream that decodes past `MAX_CONTENT_BYTES` (a compression bomb), measured
  through its whole filter chain (`[/ASCII85Decode /FlateDecode]`, LZW, run-length, ...) by
  `extractors.filters`, which decodes at most that many bytes a stage, or that does not decode
  cleanly (a corrupt stream, which pdfminer would silently salvage in part, or fail on later).

The parse-time and memory limits that catch everything else live in `pipeline.guard`, and
every limit is validated once, with the others, by `pipeline.settings`.
"""

from __future__ import annotations

import itertools
from typing import Any

from pdfminer.pdfdocument import PDFXRefFallback
from pdfminer.pdfpage import PDFPage
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import LIT

from extractors.errors import UnreadableDocument
from extractors.filters import TOO_LARGE, decoding_problem

__all__ = ["MAX_CONTENT_BYTES", "MAX_PAGES", "check_structure"]

#: A leaflet has four or five pages; anything far longer is not one, and must not tie up a worker.
MAX_PAGES = 40

#: Most bytes one page's content may inflate to (a leaflet page's is well under 1 MB).
MAX_CONTENT_BYTES = 16 * 1024 * 1024

_IMAGE = LIT("Image")


def _too_many_pages(count: int, cap: int) -> UnreadableDocument:
    return UnreadableDocument(
        f"too many pages for a leaflet ({count:,}; at most {cap}): not a Local Policing "
        "Summary (or a PDF bomb); not parsed"
    )


def _check_xref(document: Any) -> None:
    if any(isinstance(xref, PDFXRefFallback) for xref in document.xrefs):
        raise UnreadableDocument(
            "damaged PDF: its cross-reference table (xref) is missing or broken, and it opens "
            "only by repair (scanning the file for objects), so its text cannot be trusted; "
            "download it again or re-save it from the original"
        )


def _check_declared_pages(document: Any, cap: int) -> None:
    tree = resolve1(document.catalog.get("Pages"))
    count = resolve1(tree.get("Count")) if isinstance(tree, dict) else None
    if isinstance(count, int) and count > cap:
        raise _too_many_pages(count, cap)


def _content_streams(page: PDFPage) -> list[PDFStream]:
    contents = resolve1(page.attrs.get("Contents"))
    items = contents if isinstance(contents, list) else [contents]
    return [stream for stream in map(resolve1, items) if isinstance(stream, PDFStream)]


def _stream_problem(stream: PDFStream) -> str | None:
    """The stream's decoding problem (`extractors.filters`), measured on its data as pdfminer
    will decode it: deciphered first when the file is encrypted (with an empty user password,
    as a publisher's "no copying" restriction is, pdfminer opens it)."""
    data = stream.rawdata
    if data is None:  # already decoded by pdfminer
        return None
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    filters = [name for name, _params in stream.get_filters()]
    return decoding_problem(data, filters, MAX_CONTENT_BYTES)


def _refusal(problem: str, what: str) -> UnreadableDocument:
    if problem == TOO_LARGE:
        return UnreadableDocument(
            f"{what} inflates to more than {MAX_CONTENT_BYTES // (1024 * 1024)} MB (a "
            "leaflet's largest is under 1 MB): a compression bomb or a damaged file; not parsed"
        )
    return UnreadableDocument(
        f"damaged PDF: {what} is {problem}, so its text cannot be trusted; download it again"
    )


def _check_content(page: PDFPage, number: int) -> None:
    for stream in _content_streams(page):
        problem = _stream_problem(stream)
        if problem:
            raise _refusal(problem, f"page {number}'s content")


def _check_every_stream(document: Any) -> None:
    """Every compressed stream but images (fonts, maps, forms) inflates cleanly and within the
    cap: pdfminer salvages what it can from a corrupt stream and carries on with a warning,
    which would load text (and figures) the file does not really hold. Images are skipped: the
    extractor never decodes them (`pdfpage.chars`), and a large photo is no bomb."""
    for xref in document.xrefs:
        for objid in xref.get_objids():
            stream = document.getobj(objid)
            if isinstance(stream, PDFStream) and resolve1(stream.get("Subtype")) is not _IMAGE:
                problem = _stream_problem(stream)
                if problem:
                    raise _refusal(problem, f"compressed stream {objid}")


def check_structure(document: Any, max_pages: int = MAX_PAGES) -> None:
    """Raise `UnreadableDocument` when a pdfminer `PDFDocument` fails a cheap check above."""
    _check_xref(document)
    cap = max_pages
    _check_declared_pages(document, cap)
    pages = list(itertools.islice(PDFPage.create_pages(document), cap + 1))
    if len(pages) > cap:
        raise UnreadableDocument(
            f"too many pages for a leaflet (more than {cap}): not a Local Policing Summary "
            "(or a PDF bomb); not parsed"
        )
    for number, page in enumerate(pages, start=1):
        _check_content(page, number)
    _check_every_stream(document)
