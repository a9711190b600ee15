"""The render check as a stage: a document loads only if the rendered page shows its figures.

After extraction, in the guard's child (under its limits of time and memory), each figure the
extractors read (`Extraction.cells`: page, box, the text printed there) is checked against what
PDFium draws in its box (`pdfpage.render_check`). Any disagreement quarantines the whole
document with one line naming the figure, what the text layer says and what the page shows. A
cell read twice (a change cell gives both the count and the percentage) is checked once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pdfpage.render_check import Claim, check_claims
from schemas import Extraction
from schemas.records import FigureCell

__all__ = ["MARK_FIELDS", "claims_of", "render_check_reason", "shown_figures_reason"]

#: Fields read from a mark (a tick, words such as "Target achieved"), not from digits.
MARK_FIELDS = frozenset({"target_achieved"})


def _label(extraction: Extraction, cell: FigureCell) -> str:
    rows = getattr(extraction, cell.table)
    label = getattr(rows[cell.row], "label", None) if cell.row < len(rows) else None
    return f"'{label}'" if label else f"{cell.table} row {cell.row + 1}"


def claims_of(extraction: Extraction) -> list[Claim]:
    """One claim per distinct cell (page, box, text), named by its row and fields."""
    return _claims(extraction.cells, lambda cell: _label(extraction, cell))


def _claims(cells: Iterable[FigureCell], label: Callable[[FigureCell], str]) -> list[Claim]:
    fields: dict[tuple[int, tuple[float, ...], str], list[FigureCell]] = {}
    for cell in cells:
        if cell.read_by != "text layer":  # OCR'd figures are checked against the image there
            continue
        key = (cell.page, (cell.x0, cell.top, cell.x1, cell.bottom), cell.text)
        fields.setdefault(key, []).append(cell)
    claims = []
    for (page, box, text), cells in fields.items():
        names = "/".join(dict.fromkeys(cell.field for cell in cells))
        claims.append(Claim(page=page, box=(box[0], box[1], box[2], box[3]), text=text,
                            name=f"{label(cells[0])} {names}",
                            figure=any(cell.field not in MARK_FIELDS for cell in cells)))
    return claims


def shown_figures_reason(data: bytes, figures: Sequence[tuple[str, FigureCell]]
                         ) -> str | None:
    """Why the rendered pages do not show `figures` (cells with their rows' labels, read
    before the document was found to contradict itself) as read, or None."""
    labels = {id(cell): f"'{label}'" for label, cell in figures}
    claims = _claims([cell for _, cell in figures], lambda cell: labels[id(cell)])
    return check_claims(data, claims) if claims else None


def render_check_reason(data: bytes, extraction: Extraction) -> str | None:
    """Why the rendered pages do not show the extraction's figures as read, or None."""
    claims = claims_of(extraction)
    return check_claims(data, claims) if claims else None
