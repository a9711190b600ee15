"""The force-wide 'Looking back' results, read from the sentences that state them.

The leaflet lists achievements ('a reduction in serious acquisitive crime ... of 3.5% or 6919
fewer crimes, exceeding the 2.5% reduction target') and then the targets missed. Each sentence
form has one pattern; a sentence that fits none is put up for review, never half-read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from extractors.errors import InconsistentDocument
from extractors.figures import direction_sign, parse_count
from extractors.layout import Line
from extractors.priorities import measure_named_in
from extractors.sections import list_items
from schemas.measures import Measure
from schemas.records import ForceResult, ReviewItem

__all__ = ["force_result_from_text", "read_force_results"]

_N = r"\d{1,3}(?:,\d{3})+|\d+"
_P = r"\d+(?:\.\d+)?"

_FORMS = [
    # a reduction in X of 3.5% or 6919 fewer crimes, exceeding the 2.5% reduction target
    re.compile(
        rf"an? (?P<dir>reduction|increase) in (?P<what>.+?) of (?P<pct>{_P})\s?% or "
        rf"(?P<count>{_N}) (?P<cdir>fewer|more) crimes?, (?P<verdict>exceeding|missing|meeting) "
        rf"the (?P<target>{_P})\s?% (?P<tdir>reduction|increase) target",
        re.IGNORECASE,
    ),
    re.compile(  # a target to reduce X by 4.2%: there were 429 more crimes, a 14.2% increase
        rf"an? target to (?P<tdir>reduce|increase) (?P<what>.+?) by (?P<target>{_P})\s?%: "
        rf"there were (?P<count>{_N}) (?P<cdir>fewer|more) crimes?, an? (?P<pct>{_P})\s?% "
        r"(?P<dir>reduction|increase)",
        re.IGNORECASE,
    ),
    re.compile(  # public confidence across the MPS was 53.1% against a 51.4 % target
        rf"(?P<what>.+?) across the MPS was (?P<value>{_P})\s?% against an? "
        rf"(?P<target_value>{_P})\s?% target",
        re.IGNORECASE,
    ),
    re.compile(  # the gap between ... (78.8%) and ... (73.9%) was 4.9 percentage points: ...
        rf"the (?P<what>gap between the satisfaction of .+?) \((?P<first>{_P})%\) and .+? "
        rf"\((?P<second>{_P})%\) was (?P<value>{_P}) percentage points: this "
        rf"(?P<verdict>missed|met) the target of an? (?P<target_value>{_P}) percentage point gap",
        re.IGNORECASE,
    ),
]


def _signed(groups: dict[str, Any], size: str, direction: str) -> float | None:
    if groups.get(size) is None:
        return None
    return direction_sign(groups[direction]) * float(groups[size])


def force_result_from_text(text: str, period: str, page: int, met: bool) -> ForceResult | None:
    """The result one sentence states, or None when it fits no known form."""
    for form in _FORMS:
        match = form.fullmatch(text)
        if not match:
            continue
        groups = match.groupdict()
        what = re.sub(r"\s*\(.*?\)", "", groups["what"])
        measure = measure_named_in(what)
        if measure is None and "satisfaction" in what.lower():
            measure = Measure.victim_satisfaction_gap
        if groups.get("first") and groups.get("second"):
            gap = abs(float(groups["first"]) - float(groups["second"]))
            if abs(gap - float(groups["value"])) > 0.051:
                raise InconsistentDocument(
                    f"'{text}': {groups['first']}% and {groups['second']}% are not "
                    f"{groups['value']} points apart", page=page,
                )
        count = None
        if groups.get("count"):
            count = direction_sign(groups["cdir"]) * parse_count(groups["count"])
        value = groups.get("value")
        target_value = groups.get("target_value")
        return ForceResult(
            measure=measure,
            label=text,
            period=period,
            change_count=count,
            change_pct=_signed(groups, "pct", "dir"),
            value_pct=float(value) if value else None,
            target_change_pct=_signed(groups, "target", "tdir"),
            target_value_pct=float(target_value) if target_value else None,
            target_achieved=met,
            page=page,
        )
    return None


def read_force_results(
    lines: Sequence[Line], period: str, review: list[ReviewItem]
) -> list[ForceResult]:
    """Results listed before 'some targets were not met' were met; those after it were not."""
    running, split = "", len(lines)
    for index, line in enumerate(lines):  # the sentence may wrap over two lines
        running = f"{running} {line.text}"
        if "targets were not met" in " ".join(running.split()):
            split = index
            break
    results = []
    for part, met in ((lines[:split], True), (lines[split:], False)):
        for text, page in list_items(part):
            try:
                result = force_result_from_text(text, period, page, met)
            except ValidationError as error:
                raise InconsistentDocument(
                    f"force-wide result '{text}' is not valid: {error.errors()[0]['msg']}",
                    page=page,
                ) from error
            if result is None:
                review.append(ReviewItem(item="unread_force_result", detail=text, page=page))
                continue
            if result.measure is None:  # kept, but a person must say which measure it is
                review.append(ReviewItem(item="unknown_label", detail=text, page=page))
            results.append(result)
    return results
