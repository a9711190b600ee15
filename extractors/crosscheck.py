"""Check a document against itself: figures the commander's message repeats from the table.

A Borough Commander writes "427 fewer car break ins (12.5% reduction)"; the table prints
"427 offences or −12.5%" for Theft from vehicles. When the table's sign is missing the message
supplies it; when both are present they must agree, or the document is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.figures import direction_sign, parse_count
from schemas.measures import MEASURE_BY_LABEL, Measure, measure_for_label

__all__ = ["MESSAGE_PHRASES", "Mention", "find_mentions", "percent_agrees"]

#: How messages name the table's measures ("172 fewer cars stolen").
MESSAGE_PHRASES: dict[Measure, tuple[str, ...]] = {
    Measure.residential_burglary: ("burglaries", "residential burglaries"),
    Measure.robbery: ("robberies",),
    Measure.theft_from_vehicles: ("car break ins", "thefts from vehicles"),
    Measure.theft_of_vehicles: ("cars stolen", "vehicles stolen"),
    Measure.serious_youth_violence: ("victims of serious youth violence",),
    Measure.knife_crime: ("knife crimes",),
    Measure.gun_crime: ("gun crimes",),
}

_COUNT = r"\d{1,3}(?:,\d{3})+|\d+"


@dataclass(frozen=True)
class Mention:
    """A figure the message states for a table measure."""

    measure: Measure
    count: int
    sign: int
    pct: str | None
    text: str


def _pattern(phrase: str) -> re.Pattern[str]:
    words = r"[\s\-]+".join(re.escape(word) for word in phrase.split())
    return re.compile(
        rf"\b(?P<count>{_COUNT})\s+(?P<dir>fewer|more)\s+{words}\b"
        rf"(?:\s*\((?P<pct>\d+(?:\.\d+)?)\s?%\s+(?P<pdir>reduction|increase)\))?",
        re.IGNORECASE,
    )


_PATTERNS = [
    (measure, _pattern(phrase))
    for measure, phrases in MESSAGE_PHRASES.items()
    for phrase in phrases
]
#: A message that names the measure by the table's own label: "59 fewer offences of robbery
#: (15.9% reduction)", "33 more offences of theft from motor vehicles".
_LABELS = "|".join(r"[\s\-]+".join(re.escape(word) for word in label.split())
                   for label in sorted(MEASURE_BY_LABEL, key=len, reverse=True))
_LABELLED = re.compile(
    rf"\b(?P<count>{_COUNT})\s+(?P<dir>fewer|more)\s+offences\s+of\s+(?P<what>{_LABELS})\b"
    r"(?:\s*\((?P<pct>\d+(?:\.\d+)?)\s?%\s+(?P<pdir>reduction|increase)\))?",
    re.IGNORECASE,
)


def find_mentions(text: str) -> list[Mention]:
    """Every 'N fewer|more <phrase>' in `text` that names a table measure, by one of its
    message phrases or by its table label ('N fewer offences of <label>')."""
    mentions = []
    found = [(measure, match) for measure, pattern in _PATTERNS
             for match in pattern.finditer(text)]
    for match in _LABELLED.finditer(text):
        labelled = measure_for_label(match.group("what"))
        if labelled is not None:
            found.append((labelled, match))
    for measure, match in found:
        sign = direction_sign(match.group("dir"))
        if match.group("pdir") and direction_sign(match.group("pdir")) != sign:
            sign = 0  # the sentence contradicts itself; the caller refuses it
        mentions.append(
            Mention(
                measure=measure,
                count=parse_count(match.group("count")),
                sign=sign,
                pct=match.group("pct"),
                text=match.group(0),
            )
        )
    return mentions


def percent_agrees(stated: str, table_pct: float) -> bool:
    """Whether a percentage as the message rounds or truncates it ('17') agrees with 17.1."""
    decimals = len(stated.partition(".")[2])
    return bool(abs(abs(table_pct) - float(stated)) < 10.0 ** (-decimals) + 1e-9)
