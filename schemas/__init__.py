"""Pydantic v2 records for Local Policing Summaries, and the reference data behind them."""

from schemas.areas import Area, area_by_code, area_by_name, london_boroughs
from schemas.measures import RATE_MEASURES, Measure, measure_for_label, normalise_label
from schemas.records import (
    DocumentInfo,
    Extraction,
    ForceResult,
    PdfInfo,
    PerformanceResult,
    Priority,
    ReviewItem,
    Section,
    WardPriority,
    check_period,
)

__all__ = [
    "RATE_MEASURES",
    "Area",
    "DocumentInfo",
    "Extraction",
    "ForceResult",
    "Measure",
    "PdfInfo",
    "PerformanceResult",
    "Priority",
    "ReviewItem",
    "Section",
    "WardPriority",
    "area_by_code",
    "area_by_name",
    "check_period",
    "london_boroughs",
    "measure_for_label",
    "normalise_label",
]
