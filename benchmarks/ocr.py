"""What reading scans by OCR costs: seconds per page, peak memory, pages skipped.

    .venv/bin/python -m benchmarks.ocr [--json FILE] PDF_OR_FOLDER ...

Default corpus: the 300 dpi clean scans of `build/scans/300` (`make accuracy-scans`). Each PDF
is read in this process by `pipeline.parse.extraction_or_reason` (rendering, OCR, the edition
readers, the gate), one at a time. For every page OCR reads it records the wall seconds of
rendering and OCR; it counts the pages skipped because they carry no ink (no OCR run: a page
with text is always read, since the edition readers need every heading), and the peak resident
memory of this process and of its largest child (the engine runs as a child process; the
kernel counts a child from its fork of this process, so that figure is an upper bound: Tesseract
alone measured 73 MB at 300 dpi with /usr/bin/time). Prints
the totals, the mean and the slowest page, and the documents loaded and refused.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from pipeline.parse import read_with_ocr
from pipeline.settings import Settings

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOB = "build/scans/300/pdfs/*-300-clean.pdf"


def _files(given: list[str]) -> list[Path]:
    if not given:
        return sorted(ROOT.glob(DEFAULT_GLOB))
    files: list[Path] = []
    for name in given:
        path = Path(name)
        files += sorted(path.glob("*.pdf")) if path.is_dir() else [path]
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__)
    parser.add_argument("pdfs", nargs="*", help=f"PDFs or folders (default {DEFAULT_GLOB})")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    files = _files(args.pdfs)
    if not files:
        print("no scans found (make them with: python -m fixtures.scans --out build/scans)",
              file=sys.stderr)
        return 1
    settings = Settings.from_env()
    options = settings.ocr_options()
    seconds: list[float] = []
    skipped = loaded = refused = 0
    started = time.monotonic()
    for path in files:
        result, reader = read_with_ocr(path.read_bytes(), settings.max_pages, options)
        if reader is None:
            print(f"OCR is switched off: {result}", file=sys.stderr)
            return 1
        seconds += list(reader.seconds.values())
        skipped += len(reader.skipped)
        if isinstance(result, str):
            refused += 1
            print(f"  refused {path.name}: {result[:110]}", file=sys.stderr)
        else:
            loaded += 1
    wall = time.monotonic() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        "documents": len(files), "loaded": loaded, "refused": refused,
        "pages_read_by_ocr": len(seconds), "pages_skipped_no_ink": skipped,
        "seconds_per_page_mean": round(statistics.mean(seconds), 2) if seconds else None,
        "seconds_per_page_max": round(max(seconds), 2) if seconds else None,
        "wall_seconds": round(wall, 1),
        "peak_rss_mb_process": round(own, 1), "peak_rss_mb_engine": round(child, 1),
        "dpi": options.dpi,
    }
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
