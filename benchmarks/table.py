"""The benchmark figures of several runs as one Markdown table (for docs/scaling.md).

    .venv/bin/python -m benchmarks.table benchmarks/results/*.json

One row per JSON file written by `benchmarks.ingest --json`, in order of N. The load columns
say how contended the machine was (on 2 cores, a load above 2 means other work competed): a
figure measured under a heavy load is slower than the same code on an idle machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "results_to_markdown"]

_COLUMNS = (
    ("N", "n"),
    ("(a) floor docs/s", "a_docs_per_second"),
    ("(e) own extractor docs/s", "e_docs_per_second"),
    ("(b) ingest docs/s", "b_docs_per_second"),
    ("b/a wall", "ratio_b_over_a"),
    ("b/a CPU", "cpu_ratio_b_over_a"),
    ("b/e wall", "ratio_b_over_e"),
    ("b/e CPU", "cpu_ratio_b_over_e"),
    ("b'/a wall (lps server)", "ratio_b_lps_server_over_a"),
    ("b'/e wall (lps server)", "ratio_b_lps_server_over_e"),
    ("(c) re-run s", "c_rerun_seconds"),
    ("(d) one new, lps server s", "d_one_new_lps_server_seconds"),
    ("(d) one new, temporary server s", "d_one_new_temporary_server_seconds"),
    ("(f) first-ever run s", "f_first_ever_seconds"),
    ("(g) backfill again s", "g_backfill_again_seconds"),
    ("load during (b)", "b_load_1min_mean"),
)


def _cell(figures: dict[str, Any], key: str) -> str:
    value = figures.get(key)
    return "n/a" if value is None else str(value)


def results_to_markdown(results: list[dict[str, Any]]) -> str:
    """A Markdown table of benchmark results, one row per run, sorted by N."""
    lines = ["| " + " | ".join(title for title, _ in _COLUMNS) + " |",
             "|" + "---|" * len(_COLUMNS)]
    for figures in sorted(results, key=lambda f: int(f["n"])):
        lines.append("| " + " | ".join(_cell(figures, key) for _, key in _COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    paths = [Path(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    results = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    sys.stdout.write(results_to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
