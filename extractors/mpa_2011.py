"""Template: Metropolitan Police Authority, 2011 edition (performance year 2010/11).

Modelled without a real copy (on the Home Office guidance of the time). Three A4 pages in two
columns: the message from Kit Malthouse and 'Policing London in 2010/11'; the borough section
(commander's message, the KPI table 'How did <Borough> perform in 2010/11?' with its key, the
Safer Neighbourhoods ward priorities); 'Looking forward' with the priorities for 2011/12 and
contacts. The KPI table is `Measure | 2010/11 target | Result | Achieved`: crime rows print a
target change and the result as '−4.1% (212 fewer)', rate rows a target and a result in
percent. The achieved column holds a symbol whose meaning the key under the table gives ('Key: ✓
target achieved ✗ target not achieved'); the symbols differ between print runs, so they are read
from the key, never assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.engine import Template
from extractors.errors import InconsistentDocument
from extractors.figures import (
    FigureError,
    direction_sign,
    parse_count,
    parse_signed,
    rate_figures,
)
from extractors.grid import CellBox, GridReader, GridRow, grid_cells, section_rows
from extractors.layout import Leaflet, Line, Word
from extractors.marks import SymbolKey
from extractors.priorities import REDUCTION_PRIORITIES
from extractors.sections import FoundSection
from pdfpage.settings import PageSettings
from schemas.records import SignSource, WardPriority

__all__ = ["EDITION", "HEADINGS", "NAME", "PERIODS", "PUBLISHER", "TEMPLATE", "WardTable",
           "detect", "parse", "read_key", "row_figures"]

PERIODS = ("2010/11", "2011/12")
HEADER = ("Measure", f"{PERIODS[0]} target", "Result", "Achieved")
WARD_HEADER = ("Ward", "Priorities")
KEY = re.compile(r"Key: (?P<yes>\S+) target achieved (?P<no>\S+) target not achieved")
#: The column each figure is read from: targets in the second, results in the third.
COLUMNS = {"target_change_pct": 1, "target_value_pct": 1, "change_count": 2, "change_pct": 2,
           "value_pct": 2}
_COUNT_RESULT = re.compile(r"(?P<pct>\S+) \((?P<count>[\d,]+) (?P<dir>fewer|more)\)")


def _word_at(line: Line, offset: int) -> Word:
    """The word of `line` whose text starts at `offset` of `line.text`."""
    position = 0
    for word in line.words:
        if position >= offset:
            return word
        position += len(word.text) + 1
    return line.words[-1]


def read_key(table: FoundSection, template: str = "mpa-2011") -> SymbolKey:
    """The achieved symbols the key under the KPI table defines: {'✓': True, '✗': False},
    with each symbol's ink where OCR read it as a letter (`extractors.marks.keyed_mark`)."""
    for line in table.lines:
        match = KEY.search(line.text)
        if match:
            if match.group("yes") == match.group("no"):
                raise InconsistentDocument(f"the key '{line.text}' uses one symbol for both",
                                           page=line.page, template=template)
            words = {True: _word_at(line, match.start("yes")),
                     False: _word_at(line, match.start("no"))}
            return SymbolKey({match.group("yes"): True, match.group("no"): False},
                             {meaning: word.ink for meaning, word in words.items() if word.ink})
    raise InconsistentDocument(
        f"'{table.heading}' has no key ('Key: <symbol> target achieved <symbol> target not "
        "achieved'), so its achieved marks cannot be read", page=table.page, template=template,
    )


def row_figures(row: GridRow) -> dict[str, object]:
    """A row's figures; FigureError when a cell cannot be read with certainty."""
    label, target_text, result_text, _mark = row.cells
    counted = _COUNT_RESULT.fullmatch(" ".join(result_text.split()))
    rate = rate_figures(label, target_text, result_text, is_count=counted is not None,
                        count_form="a result like '−4.1% (212 fewer)'")
    if rate is not None:
        return rate
    assert counted is not None  # rate_figures returns or raises for a row with no count
    sign = direction_sign(counted.group("dir"))
    pct = parse_signed(counted.group("pct"), percent=True)
    if pct.sign is not None and pct.magnitude and pct.sign != sign:
        raise FigureError(f"{result_text!r}: the percentage and the words disagree in sign")
    return {"change_count": sign * parse_count(counted.group("count")),
            "change_pct": pct.value(sign),
            "target_change_pct": parse_signed(target_text, percent=True).value()}


def row_signs(row: GridRow) -> dict[str, SignSource]:
    """How the signs of a row `row_figures` read were known: a change's from 'fewer' or
    'more' (its percentage printed signed or not), a target's printed."""
    figures = row_figures(row)
    if figures.get("change_count") is None:
        return {}
    pct = parse_signed(row.cells[2].split("(")[0], percent=True)
    target = parse_signed(row.cells[1], percent=True)
    return {"change_count": "word", "change_pct": "printed" if pct.sign is not None else "word",
            "target_change_pct": "printed" if target.sign is not None else "none"}


@dataclass(frozen=True)
class WardTable:
    """`Ward | Priorities`: one record per priority, 'Drug dealing; Anti-social behaviour'
    ranking 1 and 2."""

    header: tuple[str, ...] = WARD_HEADER

    def read(self, section: FoundSection, period: str, template: str, settings: PageSettings
             ) -> list[WardPriority]:
        """The priorities, ward by ward; InconsistentDocument naming the row when OCR's
        reading of any word of it, the ward's name or a priority, is in doubt: the warehouse
        keeps them as printed, and an apostrophe whose form the scan's ink does not show, or a
        word the engine read less surely than the gate asks (`pipeline.ocr`), would load text
        the page may not print."""
        rows = section_rows(section, self.header, template, settings)
        for row in rows:
            doubted = [word for cell in row.words for word in cell if word.doubt]
            if doubted:
                raise InconsistentDocument(
                    f"ward row '{row.cells[0]}': OCR's reading of '{doubted[0].text}' is in "
                    f"doubt ({doubted[0].doubt}), and ward names and priorities are kept as "
                    "printed", page=row.page, template=template)
        return [
            WardPriority(ward=row.cells[0], rank=rank, label=label, period=period,
                         page=row.page)
            for row in rows
            for rank, label in enumerate(
                (part.strip() for part in row.cells[1].split(";") if part.strip()), start=1
            )
        ]

    def cells(self, section: FoundSection, leaflet: Leaflet) -> list[CellBox]:
        return grid_cells(section.lines, self.header, leaflet.settings)


TEMPLATE = Template(
    name="mpa-2011",
    publisher="Metropolitan Police Authority",
    edition="2011",
    periods=PERIODS,
    headings={
        "title": r"Local Policing Summary(?: (?P<rest>.+))?",
        "chair_message": r"A message from (?P<chair>.+)",
        "about": r"Policing London in (?P<period>\d{4}/\d{2})",
        "local_information": r"(?P<area>.+): local information",
        "commander_message": r"Message from (?:the )?Borough Commander,? (?P<name>.+)",
        "performance": r"How did (?P<area>.+) perform in (?P<period>\d{4}/\d{2}) ?\?",
        "ward_priorities": r"Safer Neighbourhoods ward priorities",
        "looking_forward": r"Looking forward",
        "contacts": r"Useful contacts",
    },
    recognise=(rf"perform in {PERIODS[0]} ?\?",),
    recognise_pages=3,
    table=GridReader(HEADER, row_figures, marks=read_key, end=KEY, columns=COLUMNS,
                     signs=row_signs),
    table_heading=f"How did <borough> perform in {PERIODS[0]}?",
    priorities_section="looking_forward",
    priorities=REDUCTION_PRIORITIES,
    prose=("chair_message", "about", "commander_message", "looking_forward", "contacts"),
    wards_section="ward_priorities",
    wards=WardTable(),
)

NAME, PUBLISHER, EDITION = TEMPLATE.name, TEMPLATE.publisher, TEMPLATE.edition
HEADINGS = TEMPLATE.patterns
detect, parse = TEMPLATE.detect, TEMPLATE.parse
