"""Which characters make a figure: ASCII digits and the signs the editions print, nothing else.

Python reads any Unicode digit as a digit: `int("4٠3")` is 403 and `float("8٠2")` is 802.0, so
an Arabic-Indic zero (drawn like a middle dot: the page shows "+8·2%") would load as 802. A
figure's text is therefore matched with ASCII classes only, and a digit-like character in it
that no edition prints (another script's digits, fullwidth or superscript digits, a middle dot,
a fraction) is named so the document is refused, never read.
"""

from __future__ import annotations

import unicodedata

__all__ = ["FIGURE_CHARACTERS", "describe", "strange_character"]

#: What a figure of any edition is printed with: ASCII digits, '+', the minus forms of
#: `schemas.measures.MINUS_SIGNS` (hyphen, en dash, minus, em dash), thousands commas, the
#: decimal point and '%'.
FIGURE_CHARACTERS = frozenset("0123456789+-\u2212\u2013\u2014,.%")

_DIGIT_LIKE_NAMES = ("DIGIT", "DOT", "COMMA", "MINUS", "PLUS", "PERCENT", "FRACTION", "DASH",
                     "HYPHEN", "SEPARATOR", "STOP", "POINT", "ZERO", "NUMERAL", "NUMBER")


def strange_character(text: str) -> str | None:
    """The first character of `text` that is digit-like but not a digit or sign an edition
    prints (an Arabic-Indic or fullwidth digit, a superscript, a middle dot), or None. ASCII
    letters and spaces are not judged here (a cell may read "73 offences or +8.2%")."""
    for char in text:
        if char in FIGURE_CHARACTERS or char.isascii():
            continue
        name = unicodedata.name(char, "")
        if unicodedata.category(char).startswith("N") or any(
                word in name for word in _DIGIT_LIKE_NAMES):
            return char
    return None


def describe(char: str) -> str:
    """A character as a person can find it: "'٠' (ARABIC-INDIC DIGIT ZERO)"."""
    return f"'{char}' ({unicodedata.name(char, f'U+{ord(char):04X}')})"
