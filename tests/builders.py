"""Small, valid `schemas.Extraction` objects built in code, for tests that need no PDF."""

from __future__ import annotations

import hashlib
from typing import Any

from schemas import (
    DocumentInfo,
    Extraction,
    ForceResult,
    Measure,
    PerformanceResult,
    Priority,
    ReviewItem,
    Section,
)

__all__ = ["document_id_of", "make_extraction"]


def document_id_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_extraction(
    area: str = "Barnet", area_code: str = "E09000003", *, review: bool = False, **changes: Any
) -> Extraction:
    """A two-row Barnet-like leaflet; `changes` replace whole fields of the Extraction."""
    fields: dict[str, Any] = {
        "document": DocumentInfo(
            publisher="Metropolitan Police Authority", area=area, area_code=area_code,
            period="2009/10", template="mpa-2010", page_count=4, commander="Neil Basu",
        ),
        "performance": [
            PerformanceResult(
                measure=Measure.residential_burglary, label="Residential burglary",
                change_count=-427, change_pct=-16.2, target_achieved=True, page=3,
            ),
            PerformanceResult(
                measure=Measure.robbery, label="Robbery", change_count=12, change_pct=1.5,
                target_achieved=False, page=3,
            ),
        ],
        "priorities": [
            Priority(
                measure=Measure.robbery, label="Reduce robbery by 2.6%", period="2010/11",
                target_change_pct=-2.6, page=4,
            ),
        ],
        "force_results": [
            ForceResult(
                measure=Measure.most_serious_violence, label="Most serious violence down 8.4%",
                period="2009/10", change_pct=-8.4, target_change_pct=-3.0,
                target_achieved=True, page=2,
            ),
        ],
        "sections": [
            Section(name="commander_message", heading="Message from Borough Commander Neil Basu",
                    text="427 fewer burglaries than last year.", page=3),
            Section(name="looking_forward", heading="Looking forward",
                    text="Priorities for 2010/11 Reduce robbery by 2.6%", page=4),
        ],
        "review": [ReviewItem(item="unknown_label", detail="Hate crime", page=3)] if review else [],
    }
    fields.update(changes)
    return Extraction(**fields)
