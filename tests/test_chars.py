"""`pdfpage.chars.page_chars` gives exactly the words pdfplumber's own `page.extract_words`
gives (text, every box coordinate, font name and size), so the faster text-only reader changes
no extraction.

Both sides interpret each page in full (~0.3 s a page on two busy cores), so checking all 220-odd
fixture pages would take over a minute. The pages checked are every page of the longest leaflet
of each edition and producer (each template's layout as each renderer writes it, including the
table pushed to page 4 by a long message) and of the bad fixtures with odd pages (a scan, an
unrelated document, an unknown edition): every distinct way a fixture page is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
from conftest import PDFS, manifest, needs_fixtures
from pdfplumber.utils.text import extract_words

from pdfpage.chars import page_chars

#: The settings `extractors.layout.words_of_chars` uses.
WORD_SETTINGS: dict[str, Any] = {
    "x_tolerance": 1.5, "y_tolerance": 2, "keep_blank_chars": False,
    "extra_attrs": ["fontname", "size"],
}
#: Bad fixtures whose pages are real but odd: a scan (an image, no text), an unrelated document,
#: leaflets missing a section, contradicting themselves or of an unknown edition. (The others do
#: not open, or are PDF bombs that the extractor refuses before reading any page.)
ODD_PAGES = ("contradicts-itself.pdf", "no-performance-table.pdf", "scanned.pdf",
             "unknown-edition-2012.pdf", "unrelated.pdf")


def _producer_and_pages(path: Path) -> tuple[str, int]:
    with pdfplumber.open(path) as pdf:
        return str(pdf.metadata.get("Producer", "")).split()[0], len(pdf.pages)


def _checked_pdfs() -> list[Path]:
    """The longest leaflet of each (edition, producer), then the bad fixtures with odd pages."""
    longest: dict[tuple[str, str], tuple[int, Path]] = {}
    for fixture in manifest():
        folder = fixture.path.parent.name
        if folder == "bad":
            continue
        producer, pages = _producer_and_pages(fixture.path)
        key = (folder, producer)
        if key not in longest or pages > longest[key][0]:
            longest[key] = (pages, fixture.path)
    leaflets = [path for _, path in sorted(longest.values())]
    return leaflets + [PDFS / "bad" / name for name in ODD_PAGES]


def _pages(paths: list[Path]) -> Iterator[tuple[Path, Any]]:
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                yield path, page
                page.close()


@needs_fixtures
def test_page_chars_give_exactly_pdfplumbers_words() -> None:
    paths = _checked_pdfs()
    editions = {path.parent.name for path in paths}
    assert editions == {"2007-08", "2008-09", "2009-10", "2010-11", "bad"}
    assert len(paths) == 4 * 2 + len(ODD_PAGES)  # two producers per edition
    checked = words = 0
    for path, page in _pages(paths):
        expected = page.extract_words(**WORD_SETTINGS)
        got = extract_words(page_chars(page), **WORD_SETTINGS)
        where = f"{path.parent.name}/{path.name} page {page.page_number}"
        assert [w["text"] for w in got] == [w["text"] for w in expected], where
        assert got == expected, where  # boxes, doctop, direction, fontname, size: all keys
        checked += 1
        words += len(got)
    assert checked >= 40
    assert words > 5000  # the scan has none; every other page has real text


@needs_fixtures
def test_page_chars_keep_only_the_keys_the_layout_reads() -> None:
    path = manifest()[0].path
    with pdfplumber.open(path) as pdf:
        chars = page_chars(pdf.pages[0])
        reference = pdf.pages[0].chars
    assert set(chars[0]) == {"text", "x0", "x1", "top", "bottom", "doctop", "upright",
                             "fontname", "size", "color", "render", "alpha", "angle"}
    assert [c["text"] for c in chars] == [c["text"] for c in reference]
    # this page draws filled, opaque, level text
    assert {(c["render"], c["alpha"], c["angle"]) for c in chars} == {(0, 1.0, 0.0)}
    for key in set(chars[0]) - {"color", "render", "alpha", "angle"}:
        assert [c[key] for c in chars] == [c[key] for c in reference], key
    # the fill colour as RGB: these pages paint in DeviceRGB, as pdfplumber reports it
    assert [c["color"] for c in chars] == [tuple(c["non_stroking_color"]) for c in reference]
    assert {c["color"] for c in chars} == {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)}

