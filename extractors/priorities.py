"""Next year's priorities: '2.6% reduction in serious acquisitive crime' -> -2.6.

A bullet may hold two priorities separated by a comma, as the 2010 leaflets print them. A priority
with no figure ('challenging targets for sanction detection rates') keeps a null target.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.errors import InconsistentDocument
from extractors.figures import direction_sign
from extractors.layout import Line
from extractors.sections import is_bullet, list_items, text_of
from schemas.measures import MEASURE_BY_LABEL, Measure, measure_for_label, normalise_label
from schemas.records import Priority, ReviewItem

__all__ = ["measure_named_in", "priority_from_text", "read_priorities", "split_priorities"]

_HEADING = re.compile(r"Priorities for (?P<period>\d{4}/\d{2})")
_TARGET = re.compile(
    r"(?P<pct>\d+(?:\.\d+)?)\s?%\s+(?P<dir>reduction|increase)\s+in\s+(?P<what>.+)", re.IGNORECASE
)
_SPLIT = re.compile(r",\s+(?=\d+(?:\.\d+)?\s?%\s+(?:reduction|increase)\b)", re.IGNORECASE)


def split_priorities(item: str) -> list[str]:
    """'1.0% reduction in X, 3.0% reduction in Y' -> the two priorities."""
    return [part.strip().rstrip(";,.") for part in _SPLIT.split(item) if part.strip()]


def measure_named_in(text: str) -> Measure | None:
    """The known measure whose label appears in `text` (the longest label wins)."""
    folded = f" {normalise_label(text)} "
    found = [label for label in MEASURE_BY_LABEL if f" {label} " in folded]
    return MEASURE_BY_LABEL[max(found, key=len)] if found else None


def priority_from_text(text: str, period: str, page: int) -> Priority:
    """One priority from its printed text."""
    match = _TARGET.fullmatch(text)
    if match:
        target = direction_sign(match.group("dir")) * float(match.group("pct"))
        measure = measure_for_label(match.group("what")) or measure_named_in(match.group("what"))
    else:
        target, measure = None, measure_named_in(text)
    return Priority(measure=measure, label=text, period=period, target_change_pct=target,
                    page=page)


def read_priorities(
    lines: Sequence[Line], target_period: str, review: list[ReviewItem]
) -> list[Priority]:
    """The priorities listed under 'Priorities for <year>' in the Looking forward section."""
    start = next((i for i, line in enumerate(lines) if _HEADING.search(line.text)), None)
    if start is None:
        review.append(ReviewItem(item="missing_section", detail=f"Priorities for {target_period}"))
        return []
    heading = _HEADING.search(lines[start].text)
    assert heading is not None
    if heading.group("period") != target_period:
        raise InconsistentDocument(
            f"priorities are for {heading.group('period')}, expected {target_period}",
            page=lines[start].page,
        )
    body = lines[start + 1 :]
    unlisted = [line for line in body[: next((i for i, line in enumerate(body)
                                              if is_bullet(line)), len(body))]]
    if unlisted:
        # The list starts right under its heading; text before the first bullet is a priority
        # whose bullet was not printed or not read. Loaded without it, the document says so.
        review.append(ReviewItem(item="unlisted_text", detail=text_of(unlisted),
                                 page=unlisted[0].page))
    priorities = []
    for item, page in list_items(body):
        for text in split_priorities(item):
            priority = priority_from_text(text, target_period, page)
            if priority.measure is None:
                review.append(ReviewItem(item="unknown_label", detail=text, page=page))
            priorities.append(priority)
    return priorities
