"""The force-wide 'Looking back' results, read from the sentences that state them.

The leaflet lists achievements ('a reduction in serious acquisitive crime ... of 3.5% or 6919
fewer crimes, exceeding the 2.5% reduction target') and then the targets missed. Each sentence
form has one pattern, matched against the section's text wherever it stands (`extractors.stream`:
bullets, columns and line breaks do not matter). Whether a target was met is read from the
sentence's own words ('exceeding', 'missing', 'this missed the target') or its own figures, and
checked against the list it stands in (before or after 'some targets were not met'): a sentence
whose verdict disagrees with its list is refused. A percentage left in the section that no form
explains is a result that was not read, and refuses the document: nothing is half-read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from extractors.errors import InconsistentDocument
from extractors.figures import direction_sign, parse_count
from extractors.layout import Line
from extractors.ligatures import LIGATURE_LABEL_PATTERN, repaired_label
from extractors.stream import BREAK, stream_of
from schemas.measures import Measure, measure_for_label
from schemas.records import ForceResult

__all__ = ["FORCE_FORMS", "force_result_from_match", "read_force_results"]

_N = r"\d{1,3}(?:,\d{3})+|\d+"
_P = r"\d+(?:\.\d+)?"
#: A measure's printed label, with an optional parenthesis ('(residential burglary, ...)'); a
#: ligature's letters may stand as the one wrong letter a re-distiller left
#: (`extractors.ligatures`).
_WHAT = rf"{LIGATURE_LABEL_PATTERN}(?: \([^)|]*\))?"

#: The sentence forms of force-wide results (the engine looks for strays with them too).
FORCE_FORMS = [
    # a reduction in X of 3.5% or 6919 fewer crimes, exceeding the 2.5% reduction target
    re.compile(
        rf"\ban? (?P<dir>reduction|increase) in (?P<what>{_WHAT}) of (?P<pct>{_P})\s?% or "
        rf"(?P<count>{_N}) (?P<cdir>fewer|more) crimes?, (?P<verdict>exceeding|missing|meeting) "
        rf"the (?P<target>{_P})\s?% (?P<tdir>reduction|increase) target",
        re.IGNORECASE,
    ),
    re.compile(  # a target to reduce X by 4.2%: there were 429 more crimes, a 14.2% increase
        rf"\ban? target to (?P<tdir>reduce|increase) (?P<what>{_WHAT}) by (?P<target>{_P})\s?%: "
        rf"there were (?P<count>{_N}) (?P<cdir>fewer|more) crimes?, an? (?P<pct>{_P})\s?% "
        r"(?P<dir>reduction|increase)",
        re.IGNORECASE,
    ),
    re.compile(  # public confidence across the MPS was 53.1% against a 51.4 % target
        rf"\b(?P<what>{_WHAT}) across the MPS was (?P<value>{_P})\s?% against an? "
        rf"(?P<target_value>{_P})\s?% target",
        re.IGNORECASE,
    ),
    re.compile(  # the gap between ... (78.8%) and ... (73.9%) was 4.9 percentage points: ...
        rf"\bthe (?P<what>gap between the satisfaction of [^|;:]+?) \((?P<first>{_P})%\) and "
        rf"[^|;:]+? \((?P<second>{_P})%\) was (?P<value>{_P}) percentage points: this "
        rf"(?P<verdict>missed|met) the target of an? (?P<target_value>{_P}) percentage point gap",
        re.IGNORECASE,
    ),
]
_NOT_MET = re.compile(r"targets were not met", re.IGNORECASE)
_PERCENT = re.compile(rf"{_P}\s?%")
_VERDICTS = {"exceeding": True, "meeting": True, "met": True, "missing": False, "missed": False}


def _signed(groups: dict[str, Any], size: str, direction: str) -> float | None:
    if groups.get(size) is None:
        return None
    return direction_sign(groups[direction]) * float(groups[size])


def _measure(what: str) -> Measure | None:
    if what.lower().startswith("gap between the satisfaction of"):
        return Measure.victim_satisfaction_gap
    return measure_for_label(re.sub(r"\s*\(.*?\)", "", what))


def force_result_from_match(match: re.Match[str], period: str, page: int) -> ForceResult:
    """The result one sentence states; ValueError when it cannot be trusted."""
    groups = match.groupdict()
    printed = " ".join(match.group(0).replace(BREAK, " ").split())
    what = " ".join(groups["what"].replace(BREAK, " ").split())
    label = repaired_label(what)
    if label is None:
        raise ValueError(f"'{printed}': '{what}' could be more than one measure's label")
    text = printed.replace(what, label, 1)
    measure = _measure(label)
    if measure is None:
        raise ValueError(f"'{text}' names no known measure")
    if groups.get("first") and groups.get("second"):
        gap = abs(float(groups["first"]) - float(groups["second"]))
        if abs(gap - float(groups["value"])) > 0.051:
            raise ValueError(f"'{text}': {groups['first']}% and {groups['second']}% are not "
                             f"{groups['value']} points apart")
    count = None
    if groups.get("count"):
        count = direction_sign(groups["cdir"]) * parse_count(groups["count"])
    value, target_value = groups.get("value"), groups.get("target_value")
    verdict = groups.get("verdict")
    fields: dict[str, Any] = {
        "measure": measure, "label": text, "period": period, "change_count": count,
        "change_pct": _signed(groups, "pct", "dir"),
        "value_pct": float(value) if value else None,
        "target_change_pct": _signed(groups, "target", "tdir"),
        "target_value_pct": float(target_value) if target_value else None,
        "target_achieved": _VERDICTS[verdict.lower()] if verdict else None, "page": page,
    }
    if fields["target_achieved"] is None:
        fields["target_achieved"] = _met_by_figures(fields, measure)
    try:
        return ForceResult.model_validate(fields)
    except ValidationError as error:
        raise ValueError(f"'{text}' is not valid: {error.errors()[0]['msg']}") from error


def _met_by_figures(fields: dict[str, Any], measure: Measure) -> bool:
    if fields["change_pct"] is not None and fields["target_change_pct"] is not None:
        return bool(fields["change_pct"] <= fields["target_change_pct"])
    if fields["value_pct"] is not None and fields["target_value_pct"] is not None:
        if measure is Measure.victim_satisfaction_gap:
            return bool(fields["value_pct"] <= fields["target_value_pct"])
        return bool(fields["value_pct"] >= fields["target_value_pct"])
    raise ValueError(f"'{fields['label']}' says neither whether the target was met nor the "
                     "figures to tell")


def read_force_results(lines: Sequence[Line], period: str, *, template: str
                       ) -> list[ForceResult]:
    """Every result the section states, each checked against the list it stands in."""
    stream = stream_of(lines)
    text = stream.text
    split = _NOT_MET.search(text)
    found: list[tuple[int, int, re.Match[str]]] = []
    for form in FORCE_FORMS:
        for match in form.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), match))
    results = []
    for start, _, match in sorted(found, key=lambda item: item[0]):
        page = stream.page_at(start)
        try:
            result = force_result_from_match(match, period, page)
        except ValueError as error:
            raise InconsistentDocument(f"force-wide result: {error}", page=page,
                                       template=template) from error
        listed_met = split is None or start < split.start()
        if split is not None and result.target_achieved != listed_met:
            said = "met" if result.target_achieved else "missed"
            raise InconsistentDocument(
                f"force-wide result '{result.label}' says the target was {said}, but it is "
                f"listed under {'achievements' if listed_met else 'targets not met'}",
                page=page, template=template,
            )
        results.append(result)
    leftover = text
    for start, end, _ in sorted(found, key=lambda item: item[0], reverse=True):
        leftover = leftover[:start] + " " + leftover[end:]
    unread = [match.group(0) for match in _PERCENT.finditer(leftover)]
    if unread:
        context = " ".join(leftover[max(0, leftover.find(unread[0]) - 80):
                                    leftover.find(unread[0]) + 20].replace(BREAK, " ").split())
        raise InconsistentDocument(
            f"force-wide results: a figure ({unread[0]}) in '… {context} …' fits no known "
            "sentence, so that result was not read", page=stream.page_at(0), template=template,
        )
    return results
