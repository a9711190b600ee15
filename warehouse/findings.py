"""What `lps verify`'s checks report: a `Problem` (where, what, what to do), each check's
`CheckResult`, and the `VerifyReport` of them all; and the fixes several checks suggest.

Kept apart from the checks so that checks in several modules (`warehouse.verify`,
`warehouse.verify_values`, `pipeline.deep_verify`) report the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["REINGEST", "RESTORE", "CheckResult", "Problem", "VerifyReport"]

REINGEST = (
    "delete the document (DELETE FROM documents WHERE document_id = '{id}' with "
    "PRAGMA foreign_keys=ON removes its rows too) and run `lps ingest` on its PDF again"
)
RESTORE = "restore the warehouse from a backup, or ingest the PDFs again into a new file"


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (`table`, `document_id`, `row_number`), what, and what to do."""

    check: str
    table: str
    what: str
    fix: str
    document_id: str | None = None
    row_number: int | None = None


@dataclass(frozen=True)
class CheckResult:
    """A check that ran: its name, what it covered (`checked` items of `unit`), its problems,
    and `notes`: what a reader should know that is not wrong (a duplicate left out of the
    views, a digest taken at an upgrade rather than at load)."""

    name: str
    checked: int
    unit: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VerifyReport:
    """Every check's result; `ok` when none found a problem."""

    results: list[CheckResult]

    @property
    def problems(self) -> list[Problem]:
        return [problem for result in self.results for problem in result.problems]

    @property
    def notes(self) -> list[tuple[str, str]]:
        """(check, note) for every note, in check order."""
        return [(result.name, note) for result in self.results for note in result.notes]

    @property
    def ok(self) -> bool:
        return not self.problems
