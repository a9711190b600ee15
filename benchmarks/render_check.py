"""What the render check costs beside extraction, per document and per checked page.

    .venv/bin/python -m benchmarks.render_check [--n 40] [--rounds 3]

Builds the benchmark corpus (`benchmarks.corpus`, the leaflets `make bench` ingests) and, in
this process, for each leaflet: (a) `extract_document` and (b) the render check of its cells
(`pipeline.figure_check.render_check_reason`: the pages carrying figures rendered by PDFium with
and without text, every cell confirmed). The two alternate document by document, so a busy
machine slows both alike; each figure is CPU time of this process, the best of the rounds.
Prints the totals, the means per document and per checked page, and b/a: on top of today's
`make bench` ratio, ingest grows by about that share of its extraction time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import build_corpus
from extractors import extract_document
from pipeline.figure_check import claims_of, render_check_reason

__all__ = ["main"]


def _measure(datas: list[bytes]) -> tuple[float, float, int, int]:
    extract_cpu = check_cpu = 0.0
    pages = refused = 0
    for data in datas:
        started = time.process_time()
        extraction = extract_document(data)
        extract_cpu += time.process_time() - started
        started = time.process_time()
        reason = render_check_reason(data, extraction)
        check_cpu += time.process_time() - started
        pages += len({claim.page for claim in claims_of(extraction)})
        refused += reason is not None
    return extract_cpu, check_cpu, pages, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_check",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="leaflets of the bench corpus")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lps-render-check-") as folder:
        datas = [path.read_bytes() for path in build_corpus(Path(folder), args.n)]
    runs = [_measure(datas) for _ in range(args.rounds)]
    extract_cpu = min(run[0] for run in runs)
    check_cpu = min(run[1] for run in runs)
    _, _, pages, refused = runs[0]
    print(f"leaflets: {len(datas)}, pages checked: {pages}, refused by the check: {refused}")
    print(f"(a) extract_document: {extract_cpu:.2f} s CPU, "
          f"{1000 * extract_cpu / len(datas):.1f} ms a leaflet")
    print(f"(b) render check:     {check_cpu:.2f} s CPU, "
          f"{1000 * check_cpu / len(datas):.1f} ms a leaflet, "
          f"{1000 * check_cpu / max(pages, 1):.1f} ms a checked page")
    print(f"b/a: {check_cpu / extract_cpu:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
