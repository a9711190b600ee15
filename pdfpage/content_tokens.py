"""A page's content-stream tokens, read with one regular expression instead of pdfminer's
character-by-character state machine, giving exactly the tokens pdfminer gives.

Why: pdfminer's `PSBaseParser` reads a content stream through a chain of small methods, one or
more Python calls per byte run, each logging at debug level; on the leaflets that was about a
third of an extraction's time (measured: 2.8 s of 9.4 s over the 57 bundled leaflets). Reading
the same bytes with one compiled expression gives the same tokens at a fraction of the cost.

Exactly the same tokens, or none: `stream_tokens` mirrors pdfminer's tokeniser rule by rule
(numbers converted by the same `int`/`float` calls, so '-' and '.' alone give no token as there;
hex strings decoded by the same substitution, an odd last digit included; a single byte that
starts nothing becomes a one-byte keyword), and gives up (returns None) wherever pdfminer's
result depends on more than the bytes of one stream or on a rule it would take code to mirror:
a name with a '#' escape, an octal escape over 255 (pdfminer's assertion), a backslash before
a carriage return (pdfminer's reading of it depends on its 4096-byte buffer), a string or hex
string still open at the stream's end, an inline image (`BI` and `ID`, read by pdfminer from its
buffer by position), and, for all but a page's last stream, a last byte that leaves pdfminer in the
middle of a token it carries into the next stream ('<', '>', '/'); and a page's content over
`QUICK_MAX_BYTES`, whose tokens are not all held at once. Then the page is read by
pdfminer's own parser, as before. `tests/test_content_tokens.py` compares the two on every
bundled PDF and on random streams.

`stream_objects` is pdfminer's stack machine (`PSStackParser.nextobject` with
`PDFContentParser.do_keyword` and `flush`) over those tokens, the same objects in the same order
without its per-token calls and debug logging, and `QuickContentParser` is pdfminer's
`PDFContentParser` giving them; where `stream_tokens` gives up it is pdfminer's parser unchanged.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from pdfminer.pdfinterp import PDFContentParser
from pdfminer.pdftypes import stream_value
from pdfminer.psexceptions import PSEOF, PSSyntaxError
from pdfminer.psparser import (
    HEX_PAIR,
    KEYWORD_ARRAY_BEGIN,
    KEYWORD_ARRAY_END,
    KEYWORD_DICT_BEGIN,
    KEYWORD_DICT_END,
    KEYWORD_PROC_BEGIN,
    KEYWORD_PROC_END,
    KWD,
    LIT,
    PSBaseParserToken,
    PSLiteral,
    literal_name,
)
from pdfminer.utils import choplist

__all__ = ["QUICK_MAX_BYTES", "QuickContentParser", "stream_objects", "stream_tokens"]

Token = tuple[int, PSBaseParserToken]

# One alternative per branch of pdfminer's `PSBaseParser._parse_main`, in its order of tests.
# Whitespace is Python's bytes `\s` (pdfminer's NONSPC is `\S`); NUL separates tokens there too.
_TOKEN = re.compile(
    rb"(?P<space>[\s\x00]+)"
    rb"|(?P<comment>%[^\r\n]*)"
    rb"|/(?P<name>[^#/%\[\]()<>{}\s]*)(?P<escape>\#?)"
    rb"|(?P<number>[-+0-9][0-9]*)(?P<fraction>\.[0-9]*)?"
    rb"|(?P<float>\.[0-9]*)"
    rb"|(?P<keyword>[A-Za-z][^#/%\[\]()<>{}\s]*)"
    rb"|(?P<string>\()"
    rb"|<<"
    rb"|<(?P<hex>[\s0-9A-Fa-f]*)"
    rb"|>(?P<close>>?)"
    rb"|(?P<other>.)",
    re.DOTALL,
)
_STRING_STOP = re.compile(rb"[()\\]")
_OCTAL = re.compile(rb"[0-7]{1,3}")
_WHITESPACE = re.compile(rb"\s")
_ESCAPES = {ord("b"): 8, ord("t"): 9, ord("n"): 10, ord("f"): 12, ord("r"): 13,
            ord("("): 40, ord(")"): 41, ord("\\"): 92}
_TRUE, _FALSE = b"true", b"false"
_INLINE_IMAGE = (KWD(b"BI"), KWD(b"ID"))  # pdfminer's `do_keyword` reads these itself
_CARRIED = frozenset(b"<>/")  # a stream ending in one of these goes on into the next
#: Most bytes of content read here: the tokens are all held at once, where pdfminer reads them
#: as it goes. A leaflet page's content is at most 115 KB (the largest of the bundled PDFs);
#: a page of up to 16 MB (`extractors.limits`) is pdfminer's to read.
QUICK_MAX_BYTES = 1024 * 1024


class _GiveUp(Exception):
    """A byte sequence whose tokens pdfminer's own parser should give."""


def _string(data: bytes, start: int) -> tuple[bytes, int]:
    """The literal string whose '(' is at `start - 1`, as pdfminer reads it, and the index
    after its ')'."""
    depth, at, parts = 1, start, []
    while True:
        stop = _STRING_STOP.search(data, at)
        if stop is None:
            raise _GiveUp("a string still open at the stream's end")
        j = stop.start()
        parts.append(data[at:j])
        byte = data[j]
        if byte == 0x5C:  # a backslash
            following = data[j + 1 : j + 2]
            if not following:
                raise _GiveUp("a backslash at the stream's end")
            octal = _OCTAL.match(data, j + 1)
            if octal is not None:
                code = int(octal.group(), 8)
                if code > 255:
                    raise _GiveUp("an octal escape over 255")
                parts.append(bytes((code,)))
                at = octal.end()
                continue
            if following == b"\r":
                raise _GiveUp("a backslash before a carriage return")
            escaped = _ESCAPES.get(following[0])
            if escaped is not None:
                parts.append(bytes((escaped,)))
            at = j + 2  # any other escaped byte is dropped, as pdfminer drops it
            continue
        if byte == 0x28:  # '('
            depth += 1
            parts.append(b"(")
        else:
            depth -= 1
            if not depth:
                return b"".join(parts), j + 1
            parts.append(b")")
        at = j + 1


def _hex(digits: bytes) -> bytes:
    clean = _WHITESPACE.sub(b"", digits)
    if len(clean) % 2 == 0:
        return bytes.fromhex(clean.decode("ascii"))
    return HEX_PAIR.sub(lambda m: bytes((int(m.group(0), 16),)), clean)


def _tokens(data: bytes) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    at, end = 0, len(data)
    match = _TOKEN.match
    while at < end:
        found = match(data, at)
        assert found is not None  # the last alternative takes any byte
        kind = found.lastgroup
        start, at = at, found.end()
        if kind == "space" or kind == "comment":
            continue
        if kind == "escape":  # a name: its alternative always ends in this (empty) group
            if found.group("escape"):
                raise _GiveUp("a name with a '#' escape")
            raw = found.group("name")
            try:
                name: str | bytes = str(raw, "utf-8")
            except UnicodeDecodeError:
                name = raw
            append((start, LIT(name)))
        elif kind == "number" or kind == "fraction" or kind == "float":
            text = found.group()
            with contextlib.suppress(ValueError):  # '-', '+', '.', '-.' alone: no token there
                append((start, float(text) if b"." in text else int(text)))
        elif kind == "keyword":
            word = found.group("keyword")
            if word == _TRUE:
                append((start, True))
            elif word == _FALSE:
                append((start, False))
            else:
                keyword = KWD(word)
                if keyword in _INLINE_IMAGE:
                    raise _GiveUp("an inline image")
                append((start, keyword))
        elif kind == "string":
            text, at = _string(data, at)
            append((start, text))
        elif kind == "hex":
            if at >= end:
                raise _GiveUp("a hex string still open at the stream's end")
            append((start, _hex(found.group("hex"))))
        elif kind == "close":
            if found.group("close"):
                append((start, KEYWORD_DICT_END))
        elif kind == "other":
            append((start, KWD(found.group("other"))))
        elif found.group() == b"<<":
            append((start, KEYWORD_DICT_BEGIN))
    return tokens


def stream_tokens(datas: Sequence[bytes]) -> list[Token] | None:
    """The tokens pdfminer's `PDFContentParser` reads from these streams (a page's contents,
    in order), each with its offset in its own stream; None where only pdfminer's parser can
    say (see the module docstring)."""
    if sum(len(data) for data in datas) > QUICK_MAX_BYTES:
        return None
    tokens: list[Token] = []
    last = len(datas) - 1
    try:
        for index, data in enumerate(datas):
            if index < last and data and data[-1] in _CARRIED:
                raise _GiveUp("a token carried into the next stream")
            tokens.extend(_tokens(data))
    except _GiveUp:
        return None
    return tokens


_OPERAND = (int, float, bool, str, bytes, PSLiteral)
_OPENS = {KEYWORD_ARRAY_BEGIN: "a", KEYWORD_DICT_BEGIN: "d", KEYWORD_PROC_BEGIN: "p"}
_CLOSES = {KEYWORD_ARRAY_END: "a", KEYWORD_DICT_END: "d", KEYWORD_PROC_END: "p"}


def stream_objects(tokens: Sequence[Token]) -> Iterator[tuple[int, Any]]:
    """The objects pdfminer's `PDFContentParser.nextobject` builds from `tokens` (which hold no
    inline image), in its order: operands and operators at the top level one by one, arrays
    and procedures as lists, dictionaries as dicts; a closing bracket of the wrong kind is
    passed over and a dictionary of an odd length raises `PSSyntaxError`, as there."""
    context: list[tuple[int, str | None, list[tuple[int, Any]]]] = []
    kind: str | None = None
    stack: list[tuple[int, Any]] = []
    for pos, token in tokens:
        if isinstance(token, _OPERAND):
            stack.append((pos, token))
        elif token in _OPENS:
            context.append((pos, kind, stack))
            kind, stack = _OPENS[token], []
        elif token in _CLOSES:
            if kind != _CLOSES[token]:
                continue  # pdfminer's PSTypeError, passed over when not strict
            objs = [obj for (_, obj) in stack]
            (start, kind, stack) = context.pop()
            if token is KEYWORD_DICT_END:
                if len(objs) % 2 != 0:
                    raise PSSyntaxError(f"Invalid dictionary construct: {objs!r}")
                stack.append((start, {literal_name(k): v for (k, v) in choplist(2, objs)
                                      if v is not None}))
            else:
                stack.append((start, objs))
        else:  # an operator (`do_keyword`: any keyword but BI and ID is pushed)
            stack.append((pos, token))
        if not context:
            yield from stack
            stack = []


class QuickContentParser(PDFContentParser):
    """pdfminer's content parser reading its tokens from `stream_tokens` where it can."""

    def __init__(self, streams: Sequence[object]) -> None:
        super().__init__(streams)
        self._quick: Iterator[tuple[int, Any]] | None = None
        try:
            datas = [stream_value(stream).get_data() for stream in streams]
        except Exception:  # a stream that cannot be decoded: pdfminer fails on it in turn
            return
        tokens = stream_tokens(datas)
        if tokens is not None:
            self._quick = stream_objects(tokens)

    def nextobject(self) -> tuple[int, Any]:
        quick = self._quick
        if quick is None:
            return super().nextobject()
        for found in quick:
            return found
        raise PSEOF("Unexpected EOF")

