"""Template: Metropolitan Police Authority, 2010 edition (performance year 2009/10).

The one edition modelled on a real leaflet (Barnet 2009/10, `../shared/seed/`): the Chair's
message and Met Forward; the MPA's work and the force-wide "Looking back on 2009/10"; the
borough section (commander's message, initiatives, the table "How did <Borough> perform during
2009/10?", "Looking forward" with the priorities for 2010/11); contacts. The table has no header:
label | 'N offences or ±X%' | a mark beside achieved rows ('Target achieved' words, in some
print runs white on a filled badge, a drawn tick, or 'Yes'/'No'). It is read by geometry
(`extractors.table`), whatever order the producer drew it in.
"""

from __future__ import annotations

import re

from extractors.engine import Template
from extractors.figures import CHANGE_CELL_PATTERN
from extractors.marks import MarkVocabulary
from extractors.performance import ChangeTable
from extractors.priorities import REDUCTION_PRIORITIES
from extractors.table import TableVocabulary
from schemas.measures import MINUS_SIGNS, TABLE_LABELS

__all__ = ["EDITION", "HEADINGS", "NAME", "PERIODS", "PUBLISHER", "TEMPLATE", "detect", "parse"]

PERIODS = ("2009/10", "2010/11")

TEMPLATE = Template(
    name="mpa-2010",
    publisher="Metropolitan Police Authority",
    edition="2010",
    periods=PERIODS,
    headings={
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "met_forward": r"Met Forward: .+",
        "mpa_work": r"The MPA[’'`]?s work",
        "looking_back": r"Looking back on (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "local_initiatives": r"(?P<area>.+) local police initiatives",
        "performance": r"How did (?P<area>.+) perform during (?P<period>\d{4}/\d{2}) ?\?",
        "looking_forward": r"Looking forward",
        "have_your_say": r"Have your say on policing in London",
        "cpegs": r"Partnership working: CPEGs",
        "contacts": r"Useful contacts",
    },
    recognise=(rf"perform during {PERIODS[0]}|Looking back on {PERIODS[0]}",),
    recognise_pages=6,
    table=ChangeTable(TableVocabulary(
        labels=TABLE_LABELS,
        figure=CHANGE_CELL_PATTERN,
        figure_token=re.compile(
            rf"[{MINUS_SIGNS}+]?\d[\d,]*(?:\.\d+)?%?|offences?|or|[{MINUS_SIGNS}+]|%"),
        marks=MarkVocabulary({
            "target achieved": True, "achieved": True, "target not achieved": False,
            "not achieved": False, "yes": True, "no": False, "\u2713": True, "\u2714": True,
        }),
    )),
    table_heading=f"How did <borough> perform during {PERIODS[0]}?",
    priorities_section="looking_forward",
    priorities=REDUCTION_PRIORITIES,
    prose=("chair_message", "met_forward", "mpa_work", "looking_back", "commander_message",
           "local_initiatives", "looking_forward", "have_your_say", "cpegs", "contacts"),
    area_sections=("local_information", "local_initiatives"),
    force_results_section="looking_back",
    stray_figure=CHANGE_CELL_PATTERN,
)

NAME, PUBLISHER, EDITION = TEMPLATE.name, TEMPLATE.publisher, TEMPLATE.edition
HEADINGS = TEMPLATE.patterns
detect, parse = TEMPLATE.detect, TEMPLATE.parse
