"""Scoring extraction against truth files (the golden JSON format), figure by figure.

A figure is one numeric or yes/no field of one record: `performance` row "Burglary", field
`change_pct`. Records are matched by table, label (ward and rank for ward priorities) and the
occurrence of that label, so one missing row does not shift every row after it. A figure is
*right*, *wrong* (extracted, but different: these must never happen) or *missed* (in the truth,
not extracted). A figure the extraction holds that the truth has no place for (a record read
twice, two rows merged into one under a new label, a field the leaflet does not print) is
*wrong* too, with nothing expected: a score that matched only the truth's records would not see
it. A leaflet is *fully loaded* when it loads with every truth figure right, and
*quarantined* when it is refused. Scores are kept per template, per measure and, given each
leaflet's layout parameters, per parameter value.

Every PDF is parsed in the guard's child (`pipeline.guard`), with the limits of an ingest, on
a few children at once. The PDF folder and the truth folder must match one to one
(`<pdf_dir>/<rel>.pdf` with `<truth_dir>/<rel>.json`); anything else is `CannotEvaluate`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.extract import extract_each, too_large
from pipeline.guard import GuardedExtractor
from pipeline.settings import Settings
from pipeline.sources import is_pdf_name
from schemas import Extraction

__all__ = [
    "CannotEvaluate",
    "Evaluation",
    "Figure",
    "LeafletScore",
    "evaluate_folder",
    "figures_of",
    "read_params",
    "score",
]

_TABLES = ("performance", "priorities", "force_results", "ward_priorities")
_FIELDS = ("change_count", "change_pct", "target_achieved", "count_previous", "count_current",
           "value_pct", "target_change_pct", "target_value_pct", "rank")
_NOT_GIVEN = "(not given)"


class CannotEvaluate(Exception):
    """Nothing can be scored: no pairs, folders that do not match, a bad truth or params file."""


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
class LeafletScore:
    """One leaflet's outcome: loaded or quarantined (with why), and its figures."""

    name: str  # relative name without extension, as in the params file
    template: str
    status: str  # 'loaded' or 'quarantined'
    reason: str | None = None
    figures: int = 0
    right: int = 0
    wrong: int = 0
    missed: int = 0

    @property
    def fully_loaded(self) -> bool:
        return self.status == "loaded" and self.right == self.figures and self.wrong == 0


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@dataclass
class Evaluation:
    right: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, name) -> n
    total: Counter[tuple[str, str]] = field(default_factory=Counter)
    wrong: list[Figure] = field(default_factory=list)
    missed: list[Figure] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    leaflets: list[LeafletScore] = field(default_factory=list)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return len(self.leaflets)

    def accuracy(self, kind: str) -> dict[str, float]:
        return {name: self.right[(k, name)] / n for (k, name), n in sorted(self.total.items())
                if k == kind}

    def group(self, leaflets: list[LeafletScore]) -> dict[str, Any]:
        """Leaflets, fully loaded share, figures right share, wrong values, quarantined share."""
        figures = sum(s.figures for s in leaflets)
        return {
            "leaflets": len(leaflets),
            "fully_loaded": sum(s.fully_loaded for s in leaflets),
            "fully_loaded_share": _share(sum(s.fully_loaded for s in leaflets), len(leaflets)),
            "figures": figures,
            "figures_right": sum(s.right for s in leaflets),
            "figures_right_share": _share(sum(s.right for s in leaflets), figures),
            "wrong_values": sum(s.wrong for s in leaflets),
            "missed": sum(s.missed for s in leaflets),
            "quarantined": sum(s.status == "quarantined" for s in leaflets),
            "quarantined_share": _share(sum(s.status == "quarantined" for s in leaflets),
                                        len(leaflets)),
        }

    def by_parameter(self) -> dict[str, dict[str, dict[str, Any]]]:
        """For each layout parameter, each of its values' `group` figures."""
        names = sorted({name for values in self.params.values() for name in values})
        table: dict[str, dict[str, dict[str, Any]]] = {}
        for name in names:
            groups: dict[str, list[LeafletScore]] = defaultdict(list)
            for leaflet in self.leaflets:
                value = self.params.get(leaflet.name, {}).get(name, _NOT_GIVEN)
                groups[str(value)].append(leaflet)
            table[name] = {value: self.group(groups[value]) for value in sorted(groups)}
        return table

    def to_json(self) -> dict[str, Any]:
        """The whole score, as `lps evaluate --json` writes it."""
        return {
            **self.group(self.leaflets),
            "by_template": self.accuracy("template"),
            "by_measure": self.accuracy("measure"),
            "by_parameter": self.by_parameter(),
            "wrong": [asdict(f) for f in self.wrong],
            "missed_figures": [asdict(f) for f in self.missed],
            "refused": [{"file": file, "reason": reason} for file, reason in self.refused],
            "per_leaflet": [{**asdict(s), "fully_loaded": s.fully_loaded}
                            for s in self.leaflets],
        }

    def _parameter_lines(self) -> Iterator[str]:
        for name, values in self.by_parameter().items():
            width = max(len(name), *(len(v) for v in values))
            yield f"by {name}:"
            yield (f"  {'value':<{width}}  leaflets  fully loaded  figures right  "
                   "wrong values  quarantined")
            for value, g in values.items():
                yield (f"  {value:<{width}}  {g['leaflets']:>8}  "
                       f"{_percent(g['fully_loaded_share']):>12}  "
                       f"{_percent(g['figures_right_share']):>13}  {g['wrong_values']:>12}  "
                       f"{_percent(g['quarantined_share']):>11}")

    def to_text(self) -> str:
        right, total = self.right[("all", "all")], self.total[("all", "all")]
        lines = [f"{self.files} files, {total} figures: {right} right, {len(self.wrong)} wrong, "
                 f"{len(self.missed)} missed ({right / total:.1%})" if total else
                 f"{self.files} files, no figures"]
        overall = self.group(self.leaflets)
        lines.append(
            f"leaflets: {overall['fully_loaded']} fully loaded "
            f"({_percent(overall['fully_loaded_share'])}), {overall['quarantined']} quarantined "
            f"({_percent(overall['quarantined_share'])})")
        for kind in ("template", "measure"):
            lines.append(f"by {kind}:")
            lines += [f"  {name}: {score:.1%} of {self.total[(kind, name)]}"
                      for name, score in self.accuracy(kind).items()]
        lines += self._parameter_lines()
        lines += [f"WRONG {f.file}: {f.table} {f.record!r} {f.field}: expected {f.expected!r}, "
                  f"found {f.found!r}" if f.expected is not None else
                  f"WRONG {f.file}: {f.table} {f.record!r} {f.field}: found {f.found!r}, which "
                  "the leaflet does not print" for f in self.wrong]
        refused = dict(self.refused)
        lines += [f"missed {f.file}: {f.table} {f.record!r} {f.field}: {f.expected!r}"
                  for f in self.missed if f.file not in refused]
        missed_in = Counter(f.file for f in self.missed if f.file in refused)
        lines += [f"refused {file}: {reason} (its {missed_in[file]} figures missed)"
                  for file, reason in self.refused]
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


def score(result: Evaluation, file: str, truth: Extraction, found: Extraction | None
          ) -> LeafletScore:
    """Add one file's figures to `result`; the file's own score."""
    got = figures_of(found) if found is not None else {}
    template = truth.document.template
    leaflet = LeafletScore(name=str(Path(file).with_suffix("")), template=template,
                           status="loaded" if found is not None else "quarantined")
    expected_figures = figures_of(truth)
    for (table, record, name), (measure, expected) in expected_figures.items():
        value = got.get((table, record, name), (None, None))[1]
        figure = Figure(file, table, record, name, measure, expected, value)
        ok = value == expected
        for kind, label in (("all", "all"), ("template", template), ("measure", measure)):
            result.total[(kind, label)] += 1
            result.right[(kind, label)] += ok
        leaflet.figures += 1
        leaflet.right += ok
        if value is None:
            result.missed.append(figure)
            leaflet.missed += 1
        elif not ok:
            result.wrong.append(figure)
            leaflet.wrong += 1
    for (table, record, name), (measure, value) in got.items():
        if (table, record, name) not in expected_figures:  # read; the leaflet has no such figure
            result.wrong.append(Figure(file, table, record, name, measure, None, value))
            leaflet.wrong += 1
    result.leaflets.append(leaflet)
    return leaflet


def _named(folder: Path, matches: Any) -> dict[str, Path]:
    return {str(path.relative_to(folder).with_suffix("")): path
            for path in sorted(folder.rglob("*")) if path.is_file() and matches(path)}


def _pairs(pdf_dir: Path, truth_dir: Path) -> list[tuple[str, Path, Path]]:
    """(name, pdf, truth) for each leaflet; `CannotEvaluate` unless the folders match."""
    pdfs = _named(pdf_dir, is_pdf_name)
    truths = _named(truth_dir, lambda path: path.suffix.lower() == ".json")
    if not pdfs and not truths:
        raise CannotEvaluate(f"nothing to compare: no PDFs in {pdf_dir} and no truth files "
                             f"in {truth_dir}")
    problems = []
    if no_truth := sorted(set(pdfs) - set(truths)):
        problems.append(f"{len(no_truth)} PDF(s) with no truth file in {truth_dir}: "
                        + ", ".join(str(pdfs[n].relative_to(pdf_dir)) for n in no_truth))
    if no_pdf := sorted(set(truths) - set(pdfs)):
        problems.append(f"{len(no_pdf)} truth file(s) with no PDF in {pdf_dir}: "
                        + ", ".join(str(truths[n].relative_to(truth_dir)) for n in no_pdf))
    if problems:
        raise CannotEvaluate("the PDF folder and the truth folder do not match: "
                             + "; ".join(problems))
    return [(name, pdfs[name], truths[name]) for name in sorted(pdfs)]


def _truth(path: Path) -> Extraction:
    try:
        return Extraction.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise CannotEvaluate(f"truth file {path} is not valid golden JSON: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise CannotEvaluate(f"cannot read truth file {path}: {error}") from error


def read_params(path: Path) -> dict[str, dict[str, Any]]:
    """A params file: a JSON object mapping each leaflet's relative name (no extension) to an
    object of its layout parameters. Raises `CannotEvaluate` for anything else."""

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CannotEvaluate(f"cannot read params file {path}: {error}") from error
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CannotEvaluate(f"params file {path}: expected a JSON object mapping each "
                             "leaflet's name to an object of its layout parameters")
    return data


def _parse(pdf: Path, guard: GuardedExtractor) -> Extraction | str:
    try:
        size = pdf.stat().st_size
        return too_large(size, guard.settings) or guard.extract(pdf.read_bytes())
    except OSError as error:
        return f"cannot read the file: {error.strerror or error}"


def evaluate_folder(pdf_dir: Path, truth_dir: Path, settings: Settings,
                    params: Mapping[str, dict[str, Any]] | None = None,
                    workers: int | None = None) -> Evaluation:
    """Score every `<pdf_dir>/<rel>.pdf` against `<truth_dir>/<rel>.json`."""
    pairs = _pairs(pdf_dir, truth_dir)
    truths = {name: _truth(truth) for name, _pdf, truth in pairs}  # all valid before parsing
    given = dict(params or {})
    if unknown := sorted(set(given) - set(truths)):
        raise CannotEvaluate("the params file names leaflets that are not compared: "
                             + ", ".join(unknown))
    result = Evaluation(params=given)
    for (name, pdf, _truth_path), outcome in extract_each(
            pairs, lambda pair, guard: _parse(pair[1], guard), settings, workers):
        relative = str(pdf.relative_to(pdf_dir))
        found = None if isinstance(outcome, str) else outcome
        leaflet = score(result, relative, truths[name], found)
        if isinstance(outcome, str):
            result.refused.append((relative, outcome))
            leaflet.reason = outcome
    return result
