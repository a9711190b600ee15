"""Pure text parsers for the figures leaflets print: counts, percentages and their signs.

Leaflets print a fall with any of three minus glyphs (U+2212, en dash, hyphen) or, in some print
runs, with no sign at all. A parser here never guesses a sign: an unsigned figure comes back
with `signed=False` so the caller can take the sign from the document's own words or refuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from extractors.errors import InconsistentDocument
from pdfpage.digits import describe, strange_character
from schemas.measures import MINUS_SIGNS, RATE_MEASURES, measure_for_label
from schemas.records import PerformanceResult

__all__ = [
    "CHANGE_CELL_PATTERN",
    "ChangeCell",
    "FigureError",
    "SignedFigure",
    "direction_sign",
    "parse_change_cell",
    "parse_count",
    "parse_percent",
    "parse_signed",
    "rate_figures",
    "sign_of",
    "valid_result",
]

_SIGN = f"[{MINUS_SIGNS}+]"  # hyphen first: a literal, not a range
# ASCII digits only: `\d` would take any script's digits, and int() reads them ("4٠3" -> 403)
_COUNT = r"[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+"
_PERCENT = r"[0-9]+(?:\.[0-9]+)?"
_SIGNED = re.compile(
    rf"(?P<sign>[{MINUS_SIGNS}+])?\s?(?P<magnitude>[0-9][0-9,]*(?:\.[0-9]+)?)(?P<pct>\s?%)?"
)

#: "432 offences or +16.6%", "−1,204 offences or −6.3%", "427 offences or 12.5%".
CHANGE_CELL_PATTERN = re.compile(
    rf"(?P<count_sign>{_SIGN})?\s?(?P<count>{_COUNT})\s+offences?\s+or\s+"
    rf"(?P<pct_sign>{_SIGN})?\s?(?P<pct>{_PERCENT})\s?%"
)


class FigureError(ValueError):
    """A figure that cannot be read with certainty."""


@dataclass(frozen=True)
class ChangeCell:
    """A change as printed: magnitudes, and the sign when the cell itself gives one."""

    count: int
    pct: float
    sign: int | None
    """+1 or -1 when printed on the count or the percentage, None when the cell has no sign."""

    @property
    def signed(self) -> bool:
        return self.sign is not None or (self.count == 0 and self.pct == 0)

    def with_sign(self, sign: int) -> tuple[int, float]:
        """The signed (count, percent) pair."""
        return sign * self.count, sign * self.pct


def sign_of(glyph: str | None) -> int | None:
    """+1 for '+', -1 for any minus glyph, None for no glyph."""
    if not glyph:
        return None
    if glyph == "+":
        return 1
    if glyph in MINUS_SIGNS:
        return -1
    raise FigureError(f"{glyph!r} is not a sign")


def direction_sign(word: str) -> int:
    """The sign a word of direction gives: 'fewer' and 'reduction' are falls."""
    falls = {"fewer", "reduction", "reduce", "down", "decrease", "less", "lower"}
    rises = {"more", "increase", "up", "rise", "higher"}
    folded = word.lower()
    if folded in falls:
        return -1
    if folded in rises:
        return 1
    raise FigureError(f"{word!r} gives no direction")


def _printed_digits(text: str) -> None:
    """FigureError naming a digit-like character no edition prints (`pdfpage.digits`)."""
    strange = strange_character(text)
    if strange is not None:
        raise FigureError(f"{text!r} holds {describe(strange)}, which is not a digit or sign "
                          "this edition prints")


def parse_count(text: str) -> int:
    """'1,204' -> 1204. Thousands separators must be well placed ('1,20' is refused)."""
    _printed_digits(text)
    if not re.fullmatch(_COUNT, text):
        raise FigureError(f"{text!r} is not a count")
    return int(text.replace(",", ""))


def parse_percent(text: str) -> float:
    """'12.5%' or '12.5 %' -> 12.5 (magnitude only)."""
    _printed_digits(text)
    match = re.fullmatch(rf"({_PERCENT})\s?%?", text.strip())
    if not match:
        raise FigureError(f"{text!r} is not a percentage")
    return float(match.group(1))


def parse_change_cell(text: str) -> ChangeCell:
    """Read a change cell such as '−427 offences or −12.5%'.

    Raises FigureError when the text is not a change cell or its two signs disagree.
    """
    _printed_digits(text)
    match = CHANGE_CELL_PATTERN.fullmatch(" ".join(text.split()))
    if not match:
        raise FigureError(f"{text!r} is not a change like 'N offences or X%'")
    count_sign = sign_of(match.group("count_sign"))
    pct_sign = sign_of(match.group("pct_sign"))
    if count_sign is not None and pct_sign is not None and count_sign != pct_sign:
        raise FigureError(f"{text!r}: the count and the percentage have opposite signs")
    sign = count_sign if count_sign is not None else pct_sign
    count = parse_count(match.group("count"))
    pct = parse_percent(match.group("pct"))
    if count == 0 and pct != 0:
        raise FigureError(f"{text!r}: no change in offences but a non-zero percentage")
    return ChangeCell(count=count, pct=pct, sign=sign)


class SignedFigure:
    """A figure as printed: its magnitude, its sign (None when unsigned) and whether it was a %."""

    __slots__ = ("magnitude", "percent", "sign")

    def __init__(self, magnitude: float, sign: int | None, percent: bool) -> None:
        self.magnitude = magnitude
        self.sign = sign
        self.percent = percent

    def value(self, default_sign: int | None = None) -> float:
        """The signed value; FigureError when the figure has no sign and no default is given."""
        sign = self.sign if self.sign is not None else default_sign
        if sign is None and self.magnitude != 0:
            raise FigureError(f"{self.magnitude} is printed without a sign")
        return (sign or 1) * self.magnitude


def parse_signed(text: str, *, percent: bool) -> SignedFigure:
    """'−1,204' or '+3.2%' (any minus glyph); `percent` says whether a '%' must follow."""
    _printed_digits(text)
    match = _SIGNED.fullmatch(" ".join(text.split()))
    if not match or bool(match.group("pct")) != percent:
        kind = "a percentage" if percent else "a count"
        raise FigureError(f"{text!r} is not {kind}")
    raw = match.group("magnitude")
    magnitude = parse_percent(raw) if percent else float(parse_count(raw))
    return SignedFigure(magnitude, sign_of(match.group("sign")), percent)


def valid_result(template: str, fields: dict[str, object]) -> PerformanceResult:
    """A PerformanceResult of `fields`, or InconsistentDocument naming the rule the row breaks."""
    page = fields.get("page")
    try:
        return PerformanceResult.model_validate(fields)
    except ValidationError as error:
        raise InconsistentDocument(
            f"performance table row '{fields.get('label')}' is not valid: "
            f"{error.errors()[0]['msg']}", page=page if isinstance(page, int) else None,
            template=template,
        ) from error


def rate_figures(label: str, target_text: str, result_text: str, *, is_count: bool,
                 count_form: str) -> dict[str, object] | None:
    """A rate row's figures (a result and a target in percent), or None for a count row.

    Header-table editions mix both kinds of row; which one a row is follows from its measure,
    and its result must be printed that way: a rate printed as a count, or a count printed as
    a bare percentage (`count_form` says what a count looks like), is a FigureError."""
    rate = measure_for_label(label) in RATE_MEASURES
    if is_count:
        if rate:
            raise FigureError(f"{result_text!r} is a count, but '{label}' is a rate")
        return None
    if not rate:
        raise FigureError(f"{result_text!r} is not {count_form}")
    return {"change_count": None, "change_pct": None,
            "value_pct": parse_signed(result_text, percent=True).value(1),
            "target_value_pct": parse_signed(target_text, percent=True).value(1)}

