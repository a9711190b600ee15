"""Turn a borough performance table into `PerformanceResult` records.

Signs come from the cell ('−12.5%'), else from the commander's message ('427 fewer car break
ins'), else the figure is refused (null, with a review item). A message that contradicts a signed
table figure makes the whole document untrustworthy.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from extractors.crosscheck import Mention, find_mentions, percent_agrees
from extractors.errors import InconsistentDocument
from extractors.figures import FigureError, parse_change_cell
from extractors.layout import Line
from extractors.table import TableRow, read_change_table
from schemas.measures import measure_for_label, normalise_label
from schemas.records import PerformanceResult, ReviewItem

__all__ = ["mark_to_achieved", "read_performance"]


def mark_to_achieved(mark: str) -> bool | None:
    """'Target achieved' -> True, blank -> False, anything else -> None (not understood)."""
    folded = normalise_label(mark)
    if folded == "":
        return False
    if folded in {"target achieved", "achieved", "yes"}:
        return True
    return None


def _describe(sign: int, count: int) -> str:
    return f"{'+' if sign > 0 else '-'}{count:,} offences"


def _check_mention(row: TableRow, mention: Mention, sign: int | None, count: int, pct: float,
                   template: str) -> None:
    """Raise when the message states this row's figure differently."""
    agrees = (
        mention.sign != 0
        and mention.count == count
        and (sign is None or mention.sign == sign)
        and (mention.pct is None or percent_agrees(mention.pct, pct))
    )
    if not agrees:
        table = f"{_describe(sign, count)}" if sign is not None else f"{count:,} offences"
        raise InconsistentDocument(
            f"the commander's message says '{mention.text}' but the performance table gives "
            f"{table} ({row.cell}) for '{row.label}'",
            page=row.page,
            template=template,
        )


def read_performance(
    lines: Sequence[Line], message: str, review: list[ReviewItem], *, template: str
) -> list[PerformanceResult]:
    """The table's rows as records; review items are appended to `review`."""
    table = read_change_table(lines)
    for text, page in table.unread:
        review.append(ReviewItem(item="unread_text", detail=text, page=page))
    mentions = find_mentions(message)
    results = []
    for row in table.rows:
        try:
            cell = parse_change_cell(row.cell)
        except FigureError as error:
            raise InconsistentDocument(
                f"performance table row '{row.label}': {error}", page=row.page, template=template
            ) from error
        measure = measure_for_label(row.label)
        if measure is None:
            review.append(ReviewItem(item="unknown_label", detail=row.label, page=row.page))
        sign = cell.sign if cell.signed else None
        if cell.count == 0 and cell.pct == 0:
            sign = 1
        for mention in (m for m in mentions if measure is not None and m.measure == measure):
            _check_mention(row, mention, cell.sign, cell.count, cell.pct, template)
            sign = mention.sign
        achieved = mark_to_achieved(row.mark)
        if achieved is None:
            review.append(ReviewItem(item="unknown_mark", detail=f"{row.label}: {row.mark}",
                                     page=row.page))
        if sign is None:
            review.append(ReviewItem(item="unsigned_figure", detail=f"{row.label}: {row.cell}",
                                     page=row.page))
        count, pct = cell.with_sign(sign) if sign is not None else (None, None)
        try:
            results.append(
                PerformanceResult(measure=measure, label=row.label, change_count=count,
                                  change_pct=pct, target_achieved=achieved, page=row.page)
            )
        except ValidationError as error:
            raise InconsistentDocument(
                f"performance table row '{row.label}' is not valid: "
                f"{error.errors()[0]['msg']}", page=row.page, template=template,
            ) from error
    return results
