"""Extraction scored on layouts nobody tuned on: 40 layout-randomised leaflets every run.

The seeds 6000-6039 were never looked at while the extractor was written (tuning used seeds
below 1000; `make accuracy` scores 400 more, 1000-1299 and 7000-7099). Each leaflet is drawn by one of four
producers (reportlab platypus, reportlab canvas word by word, WeasyPrint, Chromium) with its
own drawing order, minus glyph, mark, columns, table place, fonts, priorities style and page
(`fixtures/randomised`). The bar is the issue's: no wrong value ever; at least 99.5% of all
figures right; the rest quarantined with a reason, at most one leaflet in 40.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.randomised.generate import generate
from flows.evaluate import evaluate_folder

SEEDS = range(6000, 6040)


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("unseen")
    generate(SEEDS, out, jobs=1, log=lambda _message: None)
    return out


@pytest.mark.timeout(600)
def test_unseen_layouts_load_right_or_are_refused(unseen: Path) -> None:
    result = evaluate_folder(unseen / "pdfs", unseen / "truth")
    assert result.files == len(SEEDS)
    right, total = result.right[("all", "all")], result.total[("all", "all")]
    print(f"\n{result.files} unseen leaflets: {right}/{total} figures right, "
          f"{len(result.wrong)} wrong, {len(result.refused)} quarantined")
    for file, reason in result.refused:
        print(f"  quarantined {file}: {reason}")
    assert [f"{f.file} {f.table} {f.record} {f.field}: {f.expected} != {f.found}"
            for f in result.wrong] == []
    assert len(result.refused) <= 1
    assert right >= 0.995 * total
