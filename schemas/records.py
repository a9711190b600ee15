"""Validated records extracted from one Local Policing Summary.

These models are the contract between extractors (which build them from a PDF) and the
warehouse (which loads them). Validators state the rules a figure must obey before it may be
loaded: a wrong number in the warehouse is worse than a missing one.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from schemas.areas import area_by_code
from schemas.measures import Measure

__all__ = [
    "DocumentInfo",
    "Extraction",
    "FigureCell",
    "ForceResult",
    "PdfInfo",
    "PerformanceResult",
    "Period",
    "Priority",
    "Reading",
    "ReviewItem",
    "Section",
    "WardPriority",
    "check_period",
]

_PERIOD = re.compile(r"(\d{4})/(\d{2})", re.ASCII)  # fullmatch: no trailing newline


def check_period(value: str) -> str:
    """A financial year written `2009/10`: four digits, slash, the next year's last two digits."""
    match = _PERIOD.fullmatch(value)
    if not match:
        raise ValueError(f"period {value!r} is not a financial year like '2009/10'")
    start, end = int(match.group(1)), int(match.group(2))
    if (start + 1) % 100 != end:
        raise ValueError(f"period {value!r} does not span two consecutive years")
    return value


Period = Annotated[str, AfterValidator(check_period)]
Page = Annotated[int, Field(ge=1, description="1-based page number in the PDF")]


def _same_sign(count: int | None, pct: float | None) -> bool:
    if count is None or pct is None:
        return True
    if count == 0:
        return pct == 0
    return count * pct >= 0  # a percentage may round to 0.0 on a large base


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DocumentInfo(_Record):
    """What a leaflet says about itself."""

    publisher: str
    area: str
    area_code: str
    period: Period = Field(description="performance year reported on, e.g. 2009/10")
    template: str
    page_count: Annotated[int, Field(ge=1)]
    commander: str | None = None

    @model_validator(mode="after")
    def _known_area(self) -> Self:
        area = area_by_code(self.area_code)
        if area is None or area.name != self.area:
            raise ValueError(f"{self.area!r} ({self.area_code}) is not a known London borough")
        return self


class PerformanceResult(_Record):
    """One row of the borough performance table.

    Editions print different figures: the 2010 edition only the change; the 2008 edition the
    recorded offences of both years (`count_previous`, `count_current`); the 2009 and 2011
    editions the year's target (`target_change_pct`, or for a rate measure such as public
    confidence `value_pct` against `target_value_pct`). What a row does not print stays None.
    """

    measure: Measure | None = Field(description="None when the label maps to no known measure")
    label: str
    change_count: int | None = Field(description="signed change in offences on the year before")
    change_pct: float | None = Field(description="signed percentage change on the year before")
    target_achieved: bool | None
    page: Page
    count_previous: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="recorded offences in the year before the performance year"
    )
    count_current: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="recorded offences in the performance year"
    )
    value_pct: float | None = Field(
        default=None, description="the year's result of a rate measure, in percent (e.g. 21.4)"
    )
    target_change_pct: float | None = Field(
        default=None, description="the year's target change in percent: a 5% reduction is -5.0"
    )
    target_value_pct: float | None = Field(
        default=None, description="the year's target value of a rate measure, in percent"
    )

    @model_validator(mode="after")
    def _signs_agree(self) -> Self:
        if not _same_sign(self.change_count, self.change_pct):
            raise ValueError(
                f"{self.label!r}: change of {self.change_count} offences "
                f"disagrees in sign with {self.change_pct}%"
            )
        return self

    @model_validator(mode="after")
    def _counts_agree(self) -> Self:
        before, after = self.count_previous, self.count_current
        if before is None or after is None:
            return self
        if self.change_count is not None and after - before != self.change_count:
            raise ValueError(
                f"{self.label!r}: {after} - {before} is {after - before}, "
                f"not the stated change of {self.change_count}"
            )
        if self.change_pct is not None and before > 0 and not _rounds_to(
            (after - before) / before * 100, self.change_pct
        ):
            raise ValueError(
                f"{self.label!r}: {before} to {after} is a change of "
                f"{(after - before) / before * 100:.2f}%, not {self.change_pct}%"
            )
        return self

    @model_validator(mode="after")
    def _achieved_agrees(self) -> Self:
        met = _met_from_figures(self)
        if met is not None and self.target_achieved is not None and met != self.target_achieved:
            said = "met" if self.target_achieved else "missed"
            raise ValueError(f"{self.label!r}: the document says the target was {said}, "
                             "but its own figures say otherwise")
        return self


def _rounds_to(exact: float, printed: float) -> bool:
    """Whether `printed` is `exact` rounded to the printed value's one decimal place."""
    return abs(exact - printed) <= 0.05 + 1e-9


class WardPriority(_Record):
    """One Safer Neighbourhoods ward priority, as its ward panel ranked it."""

    ward: Annotated[str, Field(min_length=1)]
    rank: Annotated[int, Field(ge=1, description="1 for the ward's first priority")]
    label: Annotated[str, Field(min_length=1)]
    period: Period = Field(description="the year the priority is set for, e.g. 2011/12")
    page: Page


class Priority(_Record):
    """One priority for the year ahead."""

    measure: Measure | None
    label: str
    period: Period = Field(description="the target year, e.g. 2010/11")
    target_change_pct: float | None = Field(
        description="target change in percent: a '2.6% reduction' is -2.6; None when no figure"
    )
    page: Page


class ForceResult(_Record):
    """One force-wide ('Looking back') result against its target."""

    measure: Measure | None
    label: str
    period: Period
    change_count: int | None = None
    change_pct: float | None = None
    value_pct: float | None = None
    target_change_pct: float | None = None
    target_value_pct: float | None = None
    target_achieved: bool | None
    page: Page

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not _same_sign(self.change_count, self.change_pct):
            raise ValueError(f"{self.label!r}: count and percent change disagree in sign")
        met = _met_from_figures(self)
        if met is not None and self.target_achieved is not None and met != self.target_achieved:
            said = "met" if self.target_achieved else "missed"
            raise ValueError(f"{self.label!r}: the document says the target was {said}, "
                             "but its own figures say otherwise")
        return self


#: Percentage measures where a lower value is better (the gap should close).
_LOWER_IS_BETTER = {Measure.victim_satisfaction_gap}


def _met_from_figures(result: ForceResult | PerformanceResult) -> bool | None:
    """Whether the figures themselves show the target met, when they give enough to tell."""
    if result.change_pct is not None and result.target_change_pct is not None:
        return result.change_pct <= result.target_change_pct
    if result.value_pct is not None and result.target_value_pct is not None:
        if result.measure in _LOWER_IS_BETTER:
            return result.value_pct <= result.target_value_pct
        return result.value_pct >= result.target_value_pct
    return None


class Section(_Record):
    """The prose of one section, kept for full-text search."""

    name: str = Field(description="slug of the section, e.g. commander_message")
    heading: str
    text: str
    page: Page


class ReviewItem(_Record):
    """Something a person should look at: loaded, but not fully understood."""

    item: str = Field(description="short kind, e.g. unknown_label or unsigned_figure")
    detail: str
    page: Page | None = None


#: How a figure was read: from the PDF's text layer (confirmed by the rendered page where a
#: renderer was run), by the project's own OCR of the page image, or by OCR that agreed with an
#: OCR layer the PDF already carried.
ReadBy = Literal["text layer", "ocr", "ocr checked against layer"]

#: Where a figure's sign came from: printed with it, or (for an unsigned fall) from the
#: commander's message, from the counts of both years, or from the row's direction word.
SignSource = Literal["printed", "message", "counts", "word", "none"]


class FigureCell(_Record):
    """Where one figure of one record was read on its page: provenance, not a figure.

    `table` and `row` point at a record of the extraction (`performance[row]`, ...), `field`
    at its attribute (`change_count`, `change_pct`, `target_achieved`, ...). The box is in
    points from the page's top left, as pdfplumber gives it; `text` is the cell as printed.
    """

    table: Literal["performance", "priorities", "force_results", "ward_priorities"]
    row: Annotated[int, Field(ge=0)]
    field: str
    page: Page
    x0: float
    top: float
    x1: float
    bottom: float
    text: str = Field(description="the words of the cell as printed")
    sign_source: SignSource | None = Field(
        default=None, description="how the sign was known; None for figures without a sign")
    read_by: ReadBy = "text layer"
    confidence: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="the OCR engine's confidence, 0-1; None for a text layer")


class Reading(_Record):
    """How a document was read: from its text layer, or by OCR of its page images (checked
    against an OCR layer it carried, or not), with the engine and its version, the pages read
    by OCR and the lowest confidence of a figure OCR read. Provenance, not a figure."""

    read_by: ReadBy = "text layer"
    ocr_engine: str | None = None
    ocr_engine_version: str | None = None
    ocr_pages: list[Page] = Field(default_factory=list)
    min_confidence: Annotated[float, Field(ge=0, le=1)] | None = None


#: What the fixtures' generators write as the PDF's Creator: how a generated leaflet is known.
FIXTURES_CREATOR = "policing-summaries fixtures"


class PdfInfo(_Record):
    """What the PDF file says about itself in its document information dictionary: who made
    it, with what, and when. Provenance, not a figure: it tells a real leaflet from one this
    project's fixtures generated (`synthetic`)."""

    producer: str | None = None
    creator: str | None = None
    title: str | None = None
    subject: str | None = None
    created: str | None = Field(default=None, description="CreationDate as printed (D:...)")
    modified: str | None = Field(default=None, description="ModDate as printed (D:...)")

    @property
    def synthetic(self) -> bool:
        """Whether the bundled fixtures' generators made the file (they sign its Creator)."""
        return FIXTURES_CREATOR in (self.creator or "") or FIXTURES_CREATOR in (
            self.producer or "")


class Extraction(_Record):
    """Everything extracted from one leaflet.

    `cells` is provenance (where each figure stands on its page), not a figure: golden
    comparisons and scores leave it out. So is `pdf`, the file's own metadata, which the
    extract stage adds (`pipeline.parse`); extractors leave it None.
    """

    document: DocumentInfo
    performance: list[PerformanceResult]
    priorities: list[Priority]
    force_results: list[ForceResult]
    sections: list[Section]
    review: list[ReviewItem] = Field(default_factory=list)
    ward_priorities: list[WardPriority] = Field(default_factory=list)
    cells: list[FigureCell] = Field(default_factory=list)
    #: How the document was read; left out of dumps (golden files and `lps extract` JSON stay
    #: as they were), carried to the warehouse's documents row.
    reading: Reading = Field(default_factory=Reading, exclude=True)
    pdf: PdfInfo | None = Field(
        default=None, description="the file's own metadata, read by the extract stage")

    @model_validator(mode="after")
    def _one_rank_per_ward(self) -> Self:
        ranks = [(row.ward, row.rank) for row in self.ward_priorities]
        duplicated = sorted(
            {f"{ward} #{rank}" for ward, rank in ranks if ranks.count((ward, rank)) > 1}
        )
        if duplicated:
            raise ValueError(f"ward_priorities lists {', '.join(duplicated)} more than once")
        return self

    @model_validator(mode="after")
    def _one_row_per_measure(self) -> Self:
        for table, rows in (
            ("performance", self.performance),
            ("priorities", self.priorities),
            ("force_results", self.force_results),
        ):
            measures = [row.measure for row in rows if row.measure is not None]
            duplicated = sorted({m.value for m in measures if measures.count(m) > 1})
            if duplicated:
                raise ValueError(f"{table} lists {', '.join(duplicated)} more than once")
        return self
