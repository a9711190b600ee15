"""A measure's label printed with a ligature glyph whose text a re-distiller lost.

A typesetter draws 'fi', 'fl', 'ff', 'ffi' or 'ffl' as one glyph; its text is the ligature's
code point (U+FB00-U+FB04), and a re-distiller that writes the map a byte short leaves one
wrong letter in its place: Ghostscript turns U+FB01 into U+00FB, so 'public confidence' reads
'public conûdence'. Which ligature it was is lost, so nothing is guessed from the letter: a
label is read only when exactly one expansion of its odd letters names a known measure (the
measures' labels are a closed list), and the sentence's figures are matched by the grammar
as they always are. Words outside a measure's label are left as printed.
"""

from __future__ import annotations

import itertools
import re

from schemas.measures import MEASURE_BY_LABEL, normalise_label

__all__ = ["LIGATURE_LABEL_PATTERN", "repaired_label"]

#: The letter runs a Latin ligature glyph draws.
_LIGATURE_LETTERS = ("ffi", "ffl", "ff", "fi", "fl")
#: A letter that is not ASCII, standing where a ligature glyph was drawn.
_ODD_LETTER = r"[^\W\d_A-Za-z]"
_LIGATURE = re.compile("|".join(_LIGATURE_LETTERS))


def _tolerant(label: str) -> str:
    """`label` as a pattern in which each ligature's letters may be one odd letter."""
    parts = []
    last = 0
    for match in _LIGATURE.finditer(label):
        parts.append(re.escape(label[last:match.start()]))
        parts.append(f"(?:{match.group(0)}|{_ODD_LETTER})")
        last = match.end()
    parts.append(re.escape(label[last:]))
    return "".join(parts).replace("\\ ", "[ -]")


#: Any measure's printed label, longest first, spaces or hyphens between words, each ligature's
#: letters also matched by one odd letter (resolve the match with `repaired_label`).
LIGATURE_LABEL_PATTERN = "(?:{})".format("|".join(
    _tolerant(label) for label in sorted(MEASURE_BY_LABEL, key=len, reverse=True)))


def repaired_label(printed: str) -> str | None:
    """`printed` with each odd letter read as the one ligature that makes it a known measure's
    label ('public conûdence' is 'public confidence'); `printed` itself when it has no odd
    letter; None when no expansion, or more than one, names a measure."""
    label, bracket, aside = printed.partition(" (")  # an aside is left as printed
    odd = [index for index, char in enumerate(label) if re.fullmatch(_ODD_LETTER, char)]
    if not odd:
        return printed
    readings = set()
    for letters in itertools.product(_LIGATURE_LETTERS, repeat=len(odd)):
        text = label
        for index, run in sorted(zip(odd, letters, strict=True), reverse=True):
            text = text[:index] + run + text[index + 1:]
        if normalise_label(text) in MEASURE_BY_LABEL:
            readings.add(text)
    return readings.pop() + bracket + aside if len(readings) == 1 else None
