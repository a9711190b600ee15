"""The 32 London boroughs policed by the Metropolitan Police, with their ONS codes.

The canonical names and codes come from the London Datastore's recorded-offences file
(`reference/london-recorded-offences.csv`, Open Government Licence), so the warehouse uses
the same spelling as the official statistics researchers will join it to.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "REFERENCE_CSV",
    "Area",
    "area_by_code",
    "area_by_name",
    "areas_named_in",
    "london_boroughs",
    "recorded_offences",
]

REFERENCE_CSV = Path(__file__).parent / "reference" / "london-recorded-offences.csv"


@dataclass(frozen=True)
class Area:
    """A police area: canonical name and ONS code."""

    name: str
    code: str


def _fold(name: str) -> str:
    """Fold a borough name for matching: case, '&' for 'and', hyphens and spaces."""
    return " ".join(name.lower().replace("&", " and ").replace("-", " ").split())


@cache
def london_boroughs() -> tuple[Area, ...]:
    """The 32 boroughs (codes E09000002 to E09000033), in code order."""
    with REFERENCE_CSV.open(newline="", encoding="utf-8") as handle:
        rows = {
            row["Code"]: row["Borough"]
            for row in csv.DictReader(handle)
            if row["Code"].startswith("E09") and row["Code"] != "E09000001"
        }
    return tuple(Area(name=name, code=code) for code, name in sorted(rows.items()))


#: Names leaflets commonly print for a borough besides its ONS name. Each names one borough
#: only; a short form that could mean two places is left out, so it is refused, not guessed.
ALIASES: dict[str, str] = {
    "City of Westminster": "Westminster",
    "Westminster City": "Westminster",
    "Richmond": "Richmond upon Thames",
    "Richmond-upon-Thames": "Richmond upon Thames",
    "Kingston": "Kingston upon Thames",
    "Kingston-upon-Thames": "Kingston upon Thames",
    "Royal Borough of Kensington and Chelsea": "Kensington and Chelsea",
    "Royal Borough of Kingston upon Thames": "Kingston upon Thames",
    "Royal Borough of Greenwich": "Greenwich",
    "Barking": "Barking and Dagenham",
    "Hammersmith": "Hammersmith and Fulham",
    "Kensington": "Kensington and Chelsea",
}
_PREFIXES = ("the london borough of ", "london borough of ", "the borough of ", "borough of ")


@cache
def _by_folded_name() -> dict[str, Area]:
    names = {_fold(area.name): area for area in london_boroughs()}
    for alias, name in ALIASES.items():
        names[_fold(alias)] = names[_fold(name)]
    return names


def area_by_name(name: str) -> Area | None:
    """The borough called `name` (its ONS name or a common printed form such as 'City of
    Westminster', 'Richmond' or 'Hammersmith & Fulham'; case, '&' and hyphens ignored), or None
    when it names no borough."""
    folded = _fold(name)
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            folded = folded[len(prefix):]
    return _by_folded_name().get(folded)


def areas_named_in(text: str) -> set[Area]:
    """Every borough a text names, by any of its names, as whole words ('Richmond upon Thames'
    is one borough, not two; 'Kingstonian' names none)."""
    folded = f" {_fold(text)} "
    folded = "".join(ch if ch.isalnum() or ch == " " else " " for ch in folded)
    folded = f" {' '.join(folded.split())} "
    return {area for name, area in _by_folded_name().items() if f" {name} " in folded}


def area_by_code(code: str) -> Area | None:
    """The borough with ONS code `code`, or None."""
    return next((area for area in london_boroughs() if area.code == code), None)


@cache
def recorded_offences() -> dict[tuple[str, str], int]:
    """Total recorded offences keyed by (ONS code, financial year such as '2009/10')."""
    totals: dict[tuple[str, str], int] = {}
    with REFERENCE_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["Code"].startswith("E09") or not row["Value"].strip():
                continue
            start = int(row["Year"][:4])
            totals[(row["Code"], f"{start}/{(start + 1) % 100:02d}")] = int(row["Value"])
    return totals
