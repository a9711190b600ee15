"""Template: Metropolitan Police Authority, 2009 edition (performance year 2008/09).

Modelled without a real copy (on the Home Office guidance of the time). Three A4 pages in two
columns: the Chair's message and 'Policing London in 2008/09'; the borough section
(commander's message, the table 'How did <Borough> do against its targets in 2008/09?', 'Looking
ahead' with the priorities for 2009/10); 'Have your say' and contacts. The table is
`Measure | Target | Result | Achieved?` and mixes crime counts (target '−5.0%', result
'−87 offences (−3.2%)') and rates (sanction detection rate, public confidence: target '20.0%',
result '21.4%'). The printed 'Yes'/'No' must agree with the row's own target and result.
"""

from __future__ import annotations

import re

from extractors.engine import Template
from extractors.figures import FigureError, parse_signed, rate_figures
from extractors.grid import GridReader, GridRow
from extractors.priorities import REDUCTION_PRIORITIES
from extractors.sections import FoundSection
from schemas.records import SignSource

__all__ = ["EDITION", "HEADINGS", "NAME", "PERIODS", "PUBLISHER", "TEMPLATE", "detect", "parse",
           "row_figures"]

PERIODS = ("2008/09", "2009/10")
HEADER = ("Measure", "Target", "Result", "Achieved?")
#: The column each figure is read from: targets in the second, results in the third.
COLUMNS = {"target_change_pct": 1, "target_value_pct": 1, "change_count": 2, "change_pct": 2,
           "value_pct": 2}
_COUNT_RESULT = re.compile(r"(?P<count>\S+) offences? \((?P<pct>[^)]+)\)")


def row_figures(row: GridRow) -> dict[str, object]:
    """A row's figures; FigureError when a cell cannot be read with certainty."""
    label, target_text, result_text, _mark = row.cells
    counted = _COUNT_RESULT.fullmatch(" ".join(result_text.split()))
    rate = rate_figures(label, target_text, result_text, is_count=counted is not None,
                        count_form="a change like '−87 offences (−3.2%)'")
    if rate is not None:
        return rate
    assert counted is not None  # rate_figures returns or raises for a row with no count
    count = parse_signed(counted.group("count"), percent=False)
    pct = parse_signed(counted.group("pct"), percent=True)
    if count.sign is not None and pct.sign is not None and count.sign != pct.sign:
        raise FigureError(f"{result_text!r}: the count and the percentage disagree in sign")
    sign = count.sign if count.sign is not None else pct.sign
    return {"change_count": int(count.value(sign)), "change_pct": pct.value(sign),
            "target_change_pct": parse_signed(target_text, percent=True).value()}


def row_signs(row: GridRow) -> dict[str, SignSource]:
    """How the signs of a row `row_figures` read were known: all printed (a count row's
    change on its count or its percentage); none for a zero or a rate."""
    figures = row_figures(row)
    return {name: "printed" if figures.get(name) else "none"
            for name in ("change_count", "change_pct", "target_change_pct")
            if figures.get(name) is not None}


def _yes_no(section: FoundSection, template: str) -> dict[str, bool]:
    return {"Yes": True, "No": False}


TEMPLATE = Template(
    name="mpa-2009",
    publisher="Metropolitan Police Authority",
    edition="2009",
    periods=PERIODS,
    headings={
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "about": r"Policing London in (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": (
            r"How did (?P<area>.+) do against its targets in (?P<period>\d{4}/\d{2}) ?\?"
        ),
        "looking_forward": r"Looking ahead",
        "have_your_say": r"Have your say",
        "contacts": r"Useful contacts",
    },
    recognise=(rf"do against its targets in {PERIODS[0]}",),
    recognise_pages=3,
    table=GridReader(HEADER, row_figures, marks=_yes_no, columns=COLUMNS,
                     signs=row_signs),
    table_heading=f"How did <borough> do against its targets in {PERIODS[0]}?",
    priorities_section="looking_forward",
    priorities=REDUCTION_PRIORITIES,
    prose=("chair_message", "about", "commander_message", "looking_forward", "have_your_say",
           "contacts"),
)

NAME, PUBLISHER, EDITION = TEMPLATE.name, TEMPLATE.publisher, TEMPLATE.edition
HEADINGS = TEMPLATE.patterns
detect, parse = TEMPLATE.detect, TEMPLATE.parse
