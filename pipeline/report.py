"""What an ingest run did, counted as it goes and reported once at the end.

The same `IngestSummary` is returned by the flow, published as a Prefect artifact (markdown) and
printed by `lps ingest`, so the three never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from flows.extraction import Extracted
from flows.sources import IngestPlan
from flows.writing import Written
from warehouse import TABLES

__all__ = ["IngestSummary", "NotLoaded", "Tally", "summary_to_markdown", "summary_to_text"]


class NotLoaded(BaseModel):
    """A file that was not loaded (quarantined or unreadable), and why."""

    model_config = ConfigDict(frozen=True)

    source: str
    reason: str
    document_id: str | None = None


class IngestSummary(BaseModel):
    """Counts of one run. `seen` = loaded + skipped + quarantined + unreadable."""

    model_config = ConfigDict(frozen=True)

    run_id: str
    flow_run_id: str | None
    warehouse: str
    started_at: str
    finished_at: str
    seconds: float
    seen: int
    loaded: int
    skipped: int
    quarantined: int
    unreadable: int
    rows_written: dict[str, int]
    rows_in_warehouse: dict[str, int]
    not_loaded: list[NotLoaded]


@dataclass
class Tally:
    """Running counts while batches land (the flow's only mutable state)."""

    seen: int = 0
    skipped: int = 0
    loaded: int = 0
    quarantined: int = 0
    unreadable: int = 0
    extracted: int = 0  # documents through extraction this run, for progress lines
    rows: Counter[str] = field(default_factory=Counter)
    not_loaded: list[NotLoaded] = field(default_factory=list)

    @classmethod
    def for_plan(cls, seen: int, plan: IngestPlan) -> Tally:
        """Start from what hashing decided: skipped and unreadable files are already counted."""
        tally = cls(seen=seen, skipped=len(plan.skipped))
        for item in plan.unreadable:
            tally.add_unreadable(item.source, item.reason)
        return tally

    def add_unreadable(self, source: str, reason: str) -> None:
        """Count a file that could not be read: reported, not written."""
        self.unreadable += 1
        self.not_loaded.append(NotLoaded(source=source, reason=reason))

    def add_extracted(self, item: Extracted) -> None:
        """Count an extraction that will not be written (its file could not be read again)."""
        if item.transient:
            self.extracted += 1
            self.add_unreadable(item.candidate.source, item.reason or "")

    def add(self, written: Written) -> None:
        """Count one document's write: a reason means it went to quarantine."""
        self.extracted += 1
        self.rows.update(written.outcome.rows)
        if written.reason is None:
            self.loaded += 1
        else:
            self.quarantined += 1
            self.not_loaded.append(NotLoaded(
                source=written.source, reason=written.reason, document_id=written.document_id,
            ))

    def counts(self) -> dict[str, int]:
        """The `runs` columns that count documents."""
        return {
            "seen": self.seen, "loaded": self.loaded, "skipped": self.skipped,
            "quarantined": self.quarantined, "unreadable": self.unreadable,
        }

    def rows_written(self) -> dict[str, int]:
        return {table: self.rows.get(table, 0) for table in TABLES if table != "runs"}


def summary_to_text(summary: IngestSummary) -> str:
    """Plain text for a terminal: the counts, then one line per file not loaded."""
    lines = [
        f"Ingested into {summary.warehouse} in {summary.seconds:.1f}s",
        f"  documents seen:        {summary.seen}",
        f"  loaded:                {summary.loaded}",
        f"  skipped (known/dupe):  {summary.skipped}",
        f"  quarantined:           {summary.quarantined}",
    ]
    if summary.unreadable:
        lines.append(f"  unreadable:            {summary.unreadable}")
    lines.append("  rows written / now in warehouse:")
    for table, written in summary.rows_written.items():
        lines.append(f"    {table:<17} {written:>6} / {summary.rows_in_warehouse.get(table, 0)}")
    if summary.not_loaded:
        lines.append("Not loaded:")
        lines.extend(f"  {item.source}: {item.reason}" for item in summary.not_loaded)
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_to_markdown(summary: IngestSummary) -> str:
    """Markdown for the Prefect artifact: the counts table, then the quarantine list."""
    lines = [
        f"# Ingest into `{summary.warehouse}`",
        "",
        f"Run `{summary.run_id}`, {summary.started_at} to {summary.finished_at} "
        f"({summary.seconds:.1f}s).",
        "",
        "| documents | count |",
        "|---|---:|",
        f"| seen | {summary.seen} |",
        f"| loaded | {summary.loaded} |",
        f"| skipped (already loaded, or a duplicate in this run) | {summary.skipped} |",
        f"| quarantined | {summary.quarantined} |",
        f"| unreadable | {summary.unreadable} |",
        "",
        "| table | rows written | rows in warehouse |",
        "|---|---:|---:|",
    ]
    lines.extend(
        f"| {table} | {written} | {summary.rows_in_warehouse.get(table, 0)} |"
        for table, written in summary.rows_written.items()
    )
    if summary.not_loaded:
        lines += ["", "## Not loaded", "", "| file | reason |", "|---|---|"]
        lines.extend(
            f"| {_cell(item.source)} | {_cell(item.reason)} |" for item in summary.not_loaded
        )
    return "\n".join(lines) + "\n"
