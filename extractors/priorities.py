"""Next year's priorities: '2.6% reduction in serious acquisitive crime' -> -2.6.

Leaflets print them one to three to a line, after bullets, numbers or none, separated by
commas ('1.0% reduction in most serious violence, 3.0% reduction in serious youth violence'),
and some with no figure ('challenging targets for sanction detection rates across specific crime
types'). The reader matches the edition's grammar (`PriorityGrammar`) against the section's text
(`extractors.stream`), so neither the line breaks nor the column the list stands in matter:

- a priority with a figure must name one of the measures' labels exactly, followed by a
  separator, a new line or the end: '2.0% reduction in gun crime and knife crime' names no
  single measure and is refused, never read as gun crime or knife crime;
- other text in the list is a priority with no figure only when it names exactly one measure;
  any other text there is refused with its words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.cells import box_cell
from extractors.errors import InconsistentDocument
from extractors.figures import direction_sign
from extractors.layout import Line
from extractors.stream import BREAK, TextStream, stream_of
from schemas.measures import MEASURE_BY_LABEL, Measure, measure_for_label, normalise_label
from schemas.records import FigureCell, Priority

__all__ = [
    "LABEL_PATTERN",
    "REDUCTION_PRIORITIES",
    "PriorityError",
    "PriorityGrammar",
    "measure_named_in",
    "read_priorities",
    "read_priority_cells",
    "split_priorities",
]

#: Any measure's printed label, longest first, spaces or hyphens between words.
LABEL_PATTERN = "(?:{})".format("|".join(
    re.escape(label).replace("\\ ", "[ -]") for label in
    sorted(MEASURE_BY_LABEL, key=len, reverse=True)))
_SEPARATOR = re.compile(rf"\s*(?:[,;]|{re.escape(BREAK)}|\.(?=\s|$))")


@dataclass(frozen=True)
class PriorityGrammar:
    """How an edition prints a priority with a figure, and the heading above the list.

    `item` has the groups `pct`, `dir` (a word of direction) and `what` (built on
    `LABEL_PATTERN`); `heading`, when set, is the words inside the section that the list
    follows ('Priorities for 2010/11'), with a `period` group."""

    item: re.Pattern[str]
    heading: re.Pattern[str] | None


#: The MPA editions' list: '2.6% reduction in serious acquisitive crime' under 'Priorities for
#: 2010/11' (2009, 2010 and 2011 editions).
REDUCTION_PRIORITIES = PriorityGrammar(
    item=re.compile(rf"(?P<pct>\d+(?:\.\d+)?)\s?%\s+(?P<dir>reduction|increase)\s+in\s+"
                    rf"(?P<what>{LABEL_PATTERN})(?![\w-])", re.IGNORECASE),
    heading=re.compile(r"Priorities for (?P<period>\d{4}/\d{2})"),
)


class PriorityError(ValueError):
    """A priority that cannot be read with certainty."""


def measure_named_in(text: str) -> Measure | None:
    """The one measure whose label appears in `text`; None when none or several do."""
    folded = f" {normalise_label(text)} "
    found = {MEASURE_BY_LABEL[label] for label in MEASURE_BY_LABEL if f" {label} " in folded}
    return found.pop() if len(found) == 1 else None


def _clean(text: str) -> str:
    return " ".join(text.replace(BREAK, " ").split()).strip(" ,;.")


def _free_items(stream: TextStream, start: int, stop: int, period: str) -> list[Priority]:
    """Priorities with no figure in stream.text[start:stop]."""
    items = []
    for part in re.finditer(rf"[^{re.escape(BREAK)}]+?(?:\.(?=\s|$)|(?={re.escape(BREAK)})|$)",
                            stream.text[start:stop]):
        text = _clean(part.group(0))
        if not text:
            continue
        measure = measure_named_in(text)
        if measure is None:
            raise PriorityError(f"'{text}' is no priority that names one measure")
        items.append(Priority(measure=measure, label=text, period=period,
                              target_change_pct=None, page=stream.page_at(start + part.start())))
    return items


def split_priorities(stream: TextStream, grammar: PriorityGrammar, period: str,
                     start: int = 0) -> list[Priority]:
    """Every priority in the stream from `start`, in order; PriorityError for any text it
    cannot read."""
    return [priority for priority, _ in _split(stream, grammar, period, start)]


#: Where a priority's figure was read in the stream: (start, stop) of its percentage and its
#: word of direction ('2.6% reduction', 'Reduce ... by 5%').
Span = tuple[int, int]


def _split(stream: TextStream, grammar: PriorityGrammar, period: str,
           start: int) -> list[tuple[Priority, Span | None]]:
    priorities: list[tuple[Priority, Span | None]] = []
    position = start
    for match in grammar.item.finditer(stream.text, start):
        priorities.extend((item, None) for item in
                          _free_items(stream, position, match.start(), period))
        measure = measure_for_label(match.group("what"))
        assert measure is not None  # the pattern allows known labels only
        after = stream.text[match.end():]
        separator = _SEPARATOR.match(after)
        follows = len(after) - len(after.lstrip())
        if after.strip() and separator is None and not stream.starts_line(match.end() + follows):
            word = after.split()[0]
            raise PriorityError(
                f"'{_clean(match.group(0))} {word} …' names no single measure")
        target = direction_sign(match.group("dir")) * float(match.group("pct"))
        end = max(match.end("pct"), match.end("dir"))
        percent = re.compile(r"\s?%").match(stream.text, end)
        span = (min(match.start("pct"), match.start("dir")), percent.end() if percent else end)
        priorities.append((Priority(measure=measure, label=_clean(match.group(0)),
                                    period=period, target_change_pct=target,
                                    page=stream.page_at(match.start())), span))
        position = match.end() + (separator.end() if separator else 0)
    priorities.extend((item, None) for item in
                      _free_items(stream, position, len(stream.text), period))
    return priorities


def read_priorities(lines: Sequence[Line], grammar: PriorityGrammar, target_period: str, *,
                    template: str) -> list[Priority]:
    """The priorities in a section's lines (after the grammar's heading, when it has one).

    Raises InconsistentDocument naming the text when the heading is missing or for another
    year, or when any priority cannot be read whole."""
    return read_priority_cells(lines, grammar, target_period, template=template)[0]


def read_priority_cells(lines: Sequence[Line], grammar: PriorityGrammar, target_period: str,
                        *, template: str) -> tuple[list[Priority], list[FigureCell]]:
    """The priorities of `read_priorities`, and where each target figure was read (its
    percentage and word of direction; the sign is the word's)."""
    stream = stream_of(lines)
    start, page = 0, (lines[0].page if lines else None)
    if grammar.heading is not None:
        heading = grammar.heading.search(stream.text)
        if heading is None:
            raise InconsistentDocument(f"no list headed '{grammar.heading.pattern}' was found",
                                       template=template)
        start, page = heading.end(), stream.page_at(heading.start())
        before = grammar.item.search(stream.text, 0, heading.start())
        if before is not None:  # reading order put a priority above its own list's heading
            raise InconsistentDocument(
                f"a priority ('{_clean(before.group(0))}') stands before the heading "
                f"'{heading.group(0)}' it belongs under, so the list was not read in order; "
                "not loaded", page=page, template=template)
        if heading.group("period") != target_period:
            raise InconsistentDocument(
                f"priorities are for {heading.group('period')}, expected {target_period}",
                page=page, template=template,
            )
    try:
        found = _split(stream, grammar, target_period, start)
    except PriorityError as error:
        raise InconsistentDocument(f"priorities for {target_period}: {error}", page=page,
                                   template=template) from error
    if not found:
        raise InconsistentDocument(f"no priority for {target_period} was found", page=page,
                                   template=template)
    cells = [box_cell("priorities", row, "target_change_pct", stream.box_of(*span),
                      _clean(stream.text[span[0]:span[1]]), "word")
             for row, (_, span) in enumerate(found) if span is not None]
    return [priority for priority, _ in found], cells
