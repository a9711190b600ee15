"""Benchmark per-leaflet extraction time, against a naive pdfplumber pass over the same files.

    python -m benchmarks.extraction [--repeat 3] [--json FILE] [PDF ...]

In one process, for every leaflet (default: the bundled fixture leaflets of every edition):

(a) floor: open with pdfplumber and call `extract_words()` and `extract_tables()` on each page;
(b) `extractors.extract_document(bytes)`: the real extractor, all checks included.

It prints the mean seconds per leaflet of each and the ratio b/a. The ratio, not the seconds,
is what compares across runs and machines: both sides slow down together on a busy machine. A
change to the extractors should keep b/a within 1.2x of the figure recorded before it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pdfplumber

from extractors import ExtractionError, extract_document

ROOT = Path(__file__).resolve().parent.parent
EDITION_DIRS = ("2007-08", "2008-09", "2009-10", "2010-11")


def _floor(data: bytes) -> None:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.extract_tables()


def _extract(data: bytes) -> None:
    with contextlib.suppress(ExtractionError):  # a refusal costs time too, and counts
        extract_document(data)


def _timed(function: Any, documents: list[bytes], repeat: int) -> float:
    """Best-of-`repeat` seconds for one pass over all documents, per document."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for data in documents:
            function(data)
        runs.append(time.perf_counter() - start)
    return min(runs) / len(documents)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    paths = args.pdfs or sorted(
        path for name in EDITION_DIRS for path in (ROOT / "fixtures" / "pdfs" / name).glob("*.pdf")
    )
    documents = [path.read_bytes() for path in paths]
    floor = _timed(_floor, documents, args.repeat)
    extractor = _timed(_extract, documents, args.repeat)
    result = {
        "leaflets": len(documents),
        "floor_s_per_leaflet": round(floor, 4),
        "extract_s_per_leaflet": round(extractor, 4),
        "ratio_extract_to_floor": round(extractor / floor, 3),
        "loadavg": os.getloadavg()[0],
        "median_pages": statistics.median(len(pdfplumber.open(p).pages) for p in paths[:20]),
    }
    print(f"{len(documents)} leaflets: floor {floor:.3f} s/leaflet, extractor "
          f"{extractor:.3f} s/leaflet, ratio {extractor / floor:.2f} "
          f"(load {result['loadavg']:.1f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
