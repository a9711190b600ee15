"""The report stage: what an ingest run did, counted as it goes and recorded once at the end.

`finish` records the run (and the names skipped documents were seen under) and builds the one
`IngestSummary` that the flow returns and publishes as a Prefect artifact (markdown), that a run
with nothing to extract returns without Prefect, and that `lps ingest` prints. It ends with every
borough and year whose loaded documents now disagree, since none of them is in the views.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.extract import Extracted
from pipeline.load import Written, record_skipped_sources
from pipeline.plan import IngestPlan
from warehouse import TABLES, open_warehouse, record_run, table_counts, utc_now, write_transaction
from warehouse.conflicts import Conflict, short, unresolved_conflicts

__all__ = [
    "IngestSummary",
    "NotLoaded",
    "Tally",
    "finish",
    "record_wall_time",
    "summary_to_markdown",
    "summary_to_text",
]


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
    #: Each borough and year whose loaded documents now disagree, none chosen: not in the views.
    conflicts: list[str] = []


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

    started_at: str = field(default_factory=utc_now)
    clock: float = field(default_factory=time.monotonic)

    @classmethod
    def for_plan(cls, plan: IngestPlan) -> Tally:
        """Start from what planning decided: skipped and unreadable files are already counted."""
        tally = cls(seen=plan.seen, skipped=len(plan.skipped))
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
        """Count one document's write: a reason means it went to quarantine; a document the
        warehouse already held loaded (another run, running at the same time, wrote it first)
        counts as skipped, so `loaded` is what this run loaded."""
        self.extracted += 1
        self.rows.update(written.outcome.rows)
        if written.reason is None and written.outcome.status == "unchanged":
            self.skipped += 1
        elif written.reason is None:
            self.loaded += 1
        else:
            self.quarantined += 1
            self.not_loaded.append(NotLoaded(
                source=written.source, reason=written.reason, document_id=written.document_id,
            ))

    def land(self, extracted: list[Extracted], written: list[Written]) -> str:
        """Count a batch that was extracted and written; a progress line for the log."""
        for item in extracted:
            self.add_extracted(item)
        for outcome in written:
            self.add(outcome)
        return (f"{self.extracted} documents extracted: {self.loaded} loaded, "
                f"{self.quarantined} quarantined")

    def counts(self) -> dict[str, int]:
        """The `runs` columns that count documents."""
        return {
            "seen": self.seen, "loaded": self.loaded, "skipped": self.skipped,
            "quarantined": self.quarantined, "unreadable": self.unreadable,
        }

    def rows_written(self) -> dict[str, int]:
        return {table: self.rows.get(table, 0) for table in TABLES if table != "runs"}


def finish(db_path: str | Path, plan: IngestPlan, tally: Tally, flow_run_id: str | None = None
           ) -> IngestSummary:
    """Record the names skipped documents were seen under, and the run itself; the summary."""
    run: dict[str, Any] = {
        "run_id": uuid.uuid4().hex, "started_at": tally.started_at, "finished_at": utc_now(),
        **tally.counts(), "seconds": round(time.monotonic() - tally.clock, 3),
        "flow_run_id": flow_run_id,
    }
    with open_warehouse(db_path) as db:
        added = record_skipped_sources(db, plan.skipped)
        record_run(db, run)
        totals = table_counts(db)
        conflicts = [_conflict_line(conflict) for conflict in unresolved_conflicts(db)]
    tally.rows["document_sources"] += added
    return IngestSummary(  # files not loaded by name: batches finish in any order
        **run, warehouse=str(db_path), rows_written=tally.rows_written(),
        rows_in_warehouse=totals, conflicts=conflicts,
        not_loaded=sorted(tally.not_loaded, key=lambda item: item.source),
    )


def _conflict_line(conflict: Conflict) -> str:
    ids = ", ".join(short(doc) for doc in conflict.document_ids)
    return f"{conflict.name}: documents {ids} differ: {'; '.join(conflict.differences)}"


#: The heading of the list of conflicts, in text and markdown.
_CONFLICTS = ("In conflict, so not in the views until one document is chosen with `lps resolve "
              "DOCUMENT_ID`:")


def record_wall_time(db_path: str | Path, summary: IngestSummary, seconds: float
                     ) -> IngestSummary:
    """Set the run's `seconds` to the command's whole wall time, known only at its end (after
    the Prefect server has stopped); the summary with the same figure."""
    rounded = round(seconds, 3)
    with open_warehouse(db_path) as db, write_transaction(db):
        db.execute("UPDATE runs SET seconds = ? WHERE run_id = ?", [rounded, summary.run_id])
    return summary.model_copy(update={"seconds": rounded})


def summary_to_text(summary: IngestSummary) -> str:
    """Plain text for a terminal: the counts, then one line per file not loaded."""
    lines = [
        f"Ingested into {summary.warehouse} in {summary.seconds:.1f}s (start to exit)",
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
    if summary.conflicts:
        lines.append(_CONFLICTS)
        lines.extend(f"  {line}" for line in summary.conflicts)
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
    if summary.conflicts:
        lines += ["", "## Conflicts", "", _CONFLICTS, ""]
        lines.extend(f"- {_cell(line)}" for line in summary.conflicts)
    return "\n".join(lines) + "\n"
