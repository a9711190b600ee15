"""Scoring extraction against truth files (the golden JSON format), figure by figure.

A figure is one numeric or yes/no field of one record: `performance` row "Burglary", field
`change_pct`. Records are matched by table, label (ward and rank for ward priorities) and the
occurrence of that label, so one missing row does not shift every row after it. A figure is
*right*, *wrong* (extracted, but different: these must never happen) or *missed* (in the truth,
not extracted). Scores are kept per template and per measure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flows.extraction import extraction_or_reason
from schemas import Extraction

__all__ = ["BadTruth", "Evaluation", "Figure", "evaluate_folder", "figures_of", "score"]

_TABLES = ("performance", "priorities", "force_results", "ward_priorities")
_FIELDS = ("change_count", "change_pct", "target_achieved", "count_previous", "count_current",
           "value_pct", "target_change_pct", "target_value_pct", "rank")


class BadTruth(Exception):
    """A truth file that is not a valid golden file: nothing can be scored against it."""


@dataclass(frozen=True)
class Figure:
    """Where one figure is: file, table, record key, field; with the truth and what was found."""

    file: str
    table: str
    record: str
    field: str
    measure: str
    expected: Any
    found: Any = None


@dataclass
class Evaluation:
    right: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, name) -> n
    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    wrong: list[Figure] = field(default_factory=list)
    missed: list[Figure] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    files: int = 0

    def accuracy(self, kind: str) -> dict[str, float]:
        return {name: self.right[(k, name)] / n for (k, name), n in sorted(self.total.items())
                if k == kind}

    def to_text(self) -> str:
        right, total = self.right[("all", "all")], self.total[("all", "all")]
        lines = [f"{self.files} files, {total} figures: {right} right, {len(self.wrong)} wrong, "
                 f"{len(self.missed)} missed ({right / total:.1%})" if total else
                 f"{self.files} files, no figures"]
        for kind in ("template", "measure"):
            lines.append(f"by {kind}:")
            lines += [f"  {name}: {score:.1%} of {self.total[(kind, name)]}"
                      for name, score in self.accuracy(kind).items()]
        lines += [f"WRONG {f.file}: {f.table} {f.record!r} {f.field}: expected {f.expected!r}, "
                  f"found {f.found!r}" for f in self.wrong]
        lines += [f"missed {f.file}: {f.table} {f.record!r} {f.field}: {f.expected!r}"
                  for f in self.missed]
        lines += [f"refused {file}: {reason}" for file, reason in self.refused]
        return "\n".join(lines)


def _records(extraction: Extraction) -> Iterator[tuple[str, str, Any]]:
    for table in _TABLES:
        seen: Counter[str] = Counter()
        for record in getattr(extraction, table):
            label = (f"{record.ward} #{record.rank}" if table == "ward_priorities"
                     else f"{record.label} ({getattr(record, 'period', '')})")
            seen[label] += 1
            yield table, label + (f" [{seen[label]}]" if seen[label] > 1 else ""), record


def figures_of(extraction: Extraction) -> dict[tuple[str, str, str], tuple[str, Any]]:
    """(table, record, field) -> (measure, value) for every figure the extraction holds."""
    return {
        (table, key, name): (str(getattr(record, "measure", None) or "unmapped"),
                             getattr(record, name))
        for table, key, record in _records(extraction)
        for name in _FIELDS
        if getattr(record, name, None) is not None
    }


def score(result: Evaluation, file: str, truth: Extraction, found: Extraction | None) -> None:
    """Add one file's figures to `result`."""
    got = figures_of(found) if found is not None else {}
    template = truth.document.template
    for (table, record, name), (measure, expected) in figures_of(truth).items():
        value = got.get((table, record, name), (None, None))[1]
        figure = Figure(file, table, record, name, measure, expected, value)
        ok = value == expected
        for kind, label in (("all", "all"), ("template", template), ("measure", measure)):
            result.total[(kind, label)] += 1
            result.right[(kind, label)] += ok
        if value is None:
            result.missed.append(figure)
        elif not ok:
            result.wrong.append(figure)


def evaluate_folder(pdf_dir: Path, truth_dir: Path) -> Evaluation:
    """Score every truth file `<truth>/<rel>.json` against `<pdf_dir>/<rel>.pdf`."""
    result = Evaluation()
    for truth_file in sorted(truth_dir.rglob("*.json")):
        relative = truth_file.relative_to(truth_dir).with_suffix(".pdf")
        try:
            truth = Extraction.model_validate_json(truth_file.read_text(encoding="utf-8"))
        except ValidationError as error:
            raise BadTruth(f"truth file {truth_file} is not valid golden JSON: {error}") from error
        pdf = pdf_dir / relative
        result.files += 1
        outcome = extraction_or_reason(pdf.read_bytes()) if pdf.is_file() else "no such PDF"
        if isinstance(outcome, str):
            result.refused.append((str(relative), outcome))
        score(result, str(relative), truth, None if isinstance(outcome, str) else outcome)
    return result
