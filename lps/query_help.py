"""Help for the canned queries in `lps serve`: valid values to choose from, and what to say when a
value typed into a URL is not one of them.

Pure functions over lists the Datasette plugin reads from the warehouse (`datasette/plugins/
lps_site.py`), so the wording is tested without a server. A measure typed as a printed label
("burglary") is recognised through the same label table the extractors use.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from schemas.areas import area_by_name
from schemas.measures import measure_for_label

__all__ = ["Choices", "codebook_for", "hints_for", "normalise_period", "optional_params"]

_PERIOD_LIKE = re.compile(r"\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})\s*")


@dataclass(frozen=True)
class Choices:
    """The valid values of the parameters a canned query may take."""

    measures: Sequence[tuple[str, str]]  # (slug, name)
    periods: Sequence[str]
    areas: Sequence[str]

    def for_param(self, name: str) -> list[tuple[str, str]]:
        """(value, label) pairs to offer for parameter `name`; [] for free text."""
        if name == "measure":
            return [(slug, f"{label} ({slug})") for slug, label in self.measures]
        if name == "period":
            return [(period, period) for period in self.periods]
        if name == "area":
            return [(area, area) for area in self.areas]
        if name == "scope":
            return [("borough", "borough (what each borough wrote)"),
                    ("London-wide", "London-wide (printed alike in every leaflet)")]
        return []


def optional_params(sql: str) -> frozenset[str]:
    """Parameters a query treats as "all" when empty (its SQL tests `:name = ''`)."""
    return frozenset(re.findall(r":(\w+)\s*=\s*''", sql))


def normalise_period(value: str) -> str | None:
    """`2009/10` for '2009-10', '2009/2010' or ' 2009 / 10 '; None when it is not a year pair."""
    match = _PERIOD_LIKE.fullmatch(value)
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    return f"{start}/{int(end) % 100:02d}"


def _close(value: str, candidates: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)


def _measure_hint(value: str, choices: Choices) -> str | None:
    slugs = dict(choices.measures)
    if value in slugs:
        return None
    guess = measure_for_label(value)
    suggestion: str | None = (
        str(guess.value) if guess is not None and guess.value in slugs else None
    )
    if suggestion is None:
        by_name = {name.lower(): slug for slug, name in choices.measures}
        close = _close(value.lower(), [*slugs, *by_name])
        suggestion = by_name.get(close[0], close[0]) if close else None
    said = f"No measure is called “{value}”: measures are slugs such as residential_burglary."
    if suggestion:
        said += f" Did you mean {suggestion} ({slugs[suggestion]})?"
    return said + " Choose one from the list."


def _period_hint(value: str, choices: Choices) -> str | None:
    if value.strip().replace("-", "/") in choices.periods:  # what the queries accept
        return None
    known = ", ".join(choices.periods) or "none yet"
    normal = normalise_period(value)
    if normal is None:
        return (f"“{value}” is not a financial year: write it like 2009/10 (April 2009 to "
                f"March 2010). Years with figures: {known}.")
    if normal in choices.periods:
        return f"Write the financial year “{value}” as {normal}."
    return f"No loaded leaflet reports on {normal}. Years with figures: {known}."


def _area_hint(value: str, choices: Choices) -> str | None:
    if value.strip().lower() in {area.lower() for area in choices.areas}:
        return None
    found = area_by_name(value)
    if found is not None and found.name in choices.areas:
        return f"Borough names are spelt as the London Datastore does: {found.name}."
    close = _close(value.strip().title(), choices.areas)
    said = f"No London borough is called “{value}”."
    if close:
        said += f" Did you mean {close[0]}?"
    return said + " Choose one from the list."


def hints_for(params: Mapping[str, str], choices: Choices) -> list[str]:
    """What to tell a researcher about the values given for measure, period and area."""
    check = {"measure": _measure_hint, "period": _period_hint, "area": _area_hint}
    hints = []
    for name, value in params.items():
        if name in check and value and value.strip():
            hint = check[name](value, choices)
            if hint:
                hints.append(hint)
    return hints


def codebook_for(
    codebook: Sequence[Mapping[str, object]],
    rows: Iterable[Mapping[str, object]] | None,
    columns: Sequence[str],
    params: Mapping[str, str],
) -> list[Mapping[str, object]]:
    """The codebook entries for the measures a result shows (its `measure` column), or, when it
    has none, for the measure its parameters name."""
    wanted: set[object] = set()
    if "measure" in columns and rows is not None:
        wanted = {row["measure"] for row in rows if row["measure"]}
    if not wanted and params.get("measure"):
        wanted = {params["measure"].strip()}
    return [entry for entry in codebook if entry["measure"] in wanted]
