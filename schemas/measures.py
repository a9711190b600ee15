"""Canonical measures and the one place where printed labels are mapped to them.

Leaflets print the same measure under several labels ("Total robbery", "Robbery"). Labels are
normalised once (`normalise_label`) and looked up in one table (`MEASURE_BY_LABEL`); a label that
is not in the table is never guessed at: `measure_for_label` returns None and the caller records it
for review with the label named.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "MEASURE_BY_LABEL",
    "MINUS_SIGNS",
    "RATE_MEASURES",
    "TABLE_LABELS",
    "Measure",
    "measure_for_label",
    "normalise_label",
]

#: Every glyph a leaflet uses for a minus sign: hyphen-minus, en dash, minus sign, em dash.
MINUS_SIGNS = "-\u2013\u2212\u2014"


class Measure(StrEnum):
    """A performance measure, by its canonical slug."""

    residential_burglary = "residential_burglary"
    robbery = "robbery"
    theft_from_vehicles = "theft_from_vehicles"
    theft_of_vehicles = "theft_of_vehicles"
    serious_youth_violence = "serious_youth_violence"
    knife_crime = "knife_crime"
    gun_crime = "gun_crime"
    most_serious_violence = "most_serious_violence"
    serious_acquisitive_crime = "serious_acquisitive_crime"
    sanction_detections = "sanction_detections"
    public_confidence = "public_confidence"
    victim_satisfaction_gap = "victim_satisfaction_gap"
    motor_vehicle_crime = "motor_vehicle_crime"
    total_notifiable_offences = "total_notifiable_offences"
    criminal_damage = "criminal_damage"


#: Measures reported as a rate in percent (a value against a target value), not as a count.
RATE_MEASURES: frozenset[Measure] = frozenset(
    {Measure.sanction_detections, Measure.public_confidence, Measure.victim_satisfaction_gap}
)


_DASHES = re.compile(f"[{MINUS_SIGNS}\u2010\u2011]")


def normalise_label(label: str) -> str:
    """Lower-case, fold dashes and '&', drop punctuation and collapse white space."""
    text = _DASHES.sub(" ", label.lower()).replace("&", " and ")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


MEASURE_BY_LABEL: dict[str, Measure] = {
    "residential burglary": Measure.residential_burglary,
    "burglary": Measure.residential_burglary,
    "burglary dwelling": Measure.residential_burglary,
    "total robbery": Measure.robbery,
    "robbery": Measure.robbery,
    "theft from vehicles": Measure.theft_from_vehicles,
    "theft from motor vehicles": Measure.theft_from_vehicles,
    "theft from motor vehicle crime": Measure.theft_from_vehicles,
    "theft or taking of vehicles": Measure.theft_of_vehicles,
    "theft of vehicles": Measure.theft_of_vehicles,
    "theft or taking of motor vehicles": Measure.theft_of_vehicles,
    "serious youth violence": Measure.serious_youth_violence,
    "knife crime": Measure.knife_crime,
    "gun crime": Measure.gun_crime,
    "most serious violence": Measure.most_serious_violence,
    "serious acquisitive crime": Measure.serious_acquisitive_crime,
    "sanction detections": Measure.sanction_detections,
    "sanction detection rates": Measure.sanction_detections,
    "sanction detection rate": Measure.sanction_detections,
    "public confidence": Measure.public_confidence,
    "victim satisfaction gap": Measure.victim_satisfaction_gap,
    "satisfaction gap": Measure.victim_satisfaction_gap,
    "motor vehicle crime": Measure.motor_vehicle_crime,
    "total notifiable offences": Measure.total_notifiable_offences,
    "all notifiable offences": Measure.total_notifiable_offences,
    "criminal damage": Measure.criminal_damage,
}

#: Labels a performance table row may carry: every known label. A row whose label is not one
#: of them is refused, never loaded without its measure.
TABLE_LABELS: frozenset[str] = frozenset(MEASURE_BY_LABEL)


def measure_for_label(label: str) -> Measure | None:
    """The measure a printed label stands for, or None when the label is not known."""
    return MEASURE_BY_LABEL.get(normalise_label(label))
