"""What judging visibility costs: `read_page` against the text-only reader it replaced.

    .venv/bin/python -m benchmarks.visible_text [--rounds 3] [PDF ...]

Default corpus: every page of fixtures/pdfs/2009-10/*.pdf and fixtures/pdfs/2010-11/*.pdf. In one
process, for every page, times (a) the text-only reader `pdfpage.chars.page_chars` was before
it judged visibility (copied below as `text_only_chars`: paths and images dropped, no render mode,
clip or colour) and (b) `pdfpage.content.read_page` (visible characters, shapes, hidden
text, image area). Then (c) and (d): `extract_document` on each whole leaflet with the layout
reading through (a) and through (b). The two sides alternate page by page and round by round,
so a busy machine slows both alike; each figure is the CPU time of this process (not wall time:
other work on a shared machine does not count) and the best of the rounds. Prints the totals,
the per-page means and the ratios b/a and d/c.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTComponent, LTContainer
from pdfminer.pdfinterp import PDFPageInterpreter

from extractors import extract_document
from pdfpage.content import PageContent, read_page

__all__ = ["main", "text_only_chars"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOBS = ("fixtures/pdfs/2009-10/*.pdf", "fixtures/pdfs/2010-11/*.pdf")


class _TextOnlyAggregator(PDFPageAggregator):
    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        return None

    def render_image(self, *args: Any, **kwargs: Any) -> None:
        return None


def _layout_chars(objects: Iterable[LTComponent]) -> Iterator[LTChar]:
    for obj in objects:
        if isinstance(obj, LTContainer):
            yield from _layout_chars(obj)
        elif isinstance(obj, LTChar):
            yield obj


def text_only_chars(page: Any) -> list[dict[str, Any]]:
    """`pdfpage.chars.page_chars` as it was before visibility (commit 3145f87)."""
    pdf = page.pdf
    device = _TextOnlyAggregator(pdf.rsrcmgr, pageno=page.page_number, laparams=None)
    PDFPageInterpreter(pdf.rsrcmgr, device).process_page(page.page_obj)
    height = page.height
    mb_x0, mb_top = page.mediabox[:2]
    doctop = page.initial_doctop
    chars = []
    for obj in _layout_chars(device.get_result()):
        top = (height - obj.y1) + mb_top
        chars.append({
            "text": obj.get_text(), "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0, "top": top,
            "bottom": (height - obj.y0) + mb_top, "doctop": doctop + top,
            "upright": obj.upright, "fontname": obj.fontname, "size": obj.size,
        })
    return chars


def _text_only_content(page: Any) -> PageContent:
    """(a) dressed as `read_page`: every character, no shapes, nothing hidden."""
    return PageContent(text_only_chars(page), [], [], 0.0)


def _use_reader(reader: Callable[[Any], PageContent]) -> None:
    """Make every extractor module that holds `read_page` (directly, or through
    `pdfpage.chars.page_chars`) read pages with `reader`."""
    swapped = []
    for name, module in list(sys.modules.items()):
        namespace = vars(module)
        if name.startswith("extractors.") and namespace.get("read_page") in (
                read_page, _text_only_content):
            namespace["read_page"] = reader
            swapped.append(name)
    if "pdfpage.chars" not in swapped:
        raise RuntimeError("pdfpage.chars no longer reads through read_page")


def _time_pages(paths: list[Path], rounds: int) -> tuple[float, float, int]:
    """Best-of-rounds total seconds for (a) and (b) over every page, and the page count."""
    best_a = best_b = float("inf")
    pages = 0
    for round_number in range(rounds):
        total_a = total_b = 0.0
        pages = 0
        for path in paths:
            with pdfplumber.open(path) as pdf:
                for page in pdf.pages:
                    order: list[tuple[str, Callable[[Any], Any]]] = [
                        ("a", text_only_chars), ("b", read_page)]
                    if (pages + round_number) % 2:
                        order.reverse()
                    for side, reader in order:
                        start = time.process_time()
                        reader(page)
                        elapsed = time.process_time() - start
                        if side == "a":
                            total_a += elapsed
                        else:
                            total_b += elapsed
                    page.flush_cache()
                    pages += 1
        best_a, best_b = min(best_a, total_a), min(best_b, total_b)
    return best_a, best_b, pages


def _time_leaflets(paths: list[Path], rounds: int) -> tuple[float, float]:
    """Best-of-rounds total seconds of `extract_document` over every leaflet, the layout
    reading through the text-only reader (c) and through `read_page` (d)."""
    best_c = best_d = float("inf")
    datas = [path.read_bytes() for path in paths]
    try:
        for round_number in range(rounds):
            total_c = total_d = 0.0
            for index, data in enumerate(datas):
                order = [("c", _text_only_content), ("d", read_page)]
                if (index + round_number) % 2:
                    order.reverse()
                for side, reader in order:
                    _use_reader(reader)
                    start = time.process_time()
                    extract_document(data)
                    elapsed = time.process_time() - start
                    if side == "c":
                        total_c += elapsed
                    else:
                        total_d += elapsed
            best_c, best_d = min(best_c, total_c), min(best_d, total_d)
    finally:
        _use_reader(read_page)
    return best_c, best_d


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = args.pdfs or sorted(p for pattern in DEFAULT_GLOBS for p in ROOT.glob(pattern))
    load_before = os.getloadavg()[0]
    a, b, pages = _time_pages(paths, args.rounds)
    c, d = _time_leaflets(paths, args.rounds)
    load_after = os.getloadavg()[0]
    print(f"{len(paths)} leaflets, {pages} pages, CPU seconds, best of {args.rounds} rounds "
          f"(1-min load {load_before:.2f} before, {load_after:.2f} after)")
    print(f"(a) text-only page_chars:   {a:7.3f} s  {1000 * a / pages:6.1f} ms/page")
    print(f"(b) read_page (visible):    {b:7.3f} s  {1000 * b / pages:6.1f} ms/page")
    print(f"    ratio b/a: {b / a:.3f}")
    print(f"(c) extract_document, text-only reader: {c:7.3f} s  "
          f"{1000 * c / len(paths):6.1f} ms/leaflet")
    print(f"(d) extract_document, read_page:        {d:7.3f} s  "
          f"{1000 * d / len(paths):6.1f} ms/leaflet")
    print(f"    ratio d/c: {d / c:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
