"""A stream's whole filter chain decoded within a byte cap, to judge it before pdfminer does.

pdfminer decodes a stream in one go, each filter's output whole in memory, with no limit: a
few KB of `[/ASCII85Decode /FlateDecode]` or `/LZWDecode` can become gigabytes. This module
decodes the same chain as a pipeline of generators over 64 KB pieces and stops as soon as any
stage has produced more than the cap (`extractors.limits.MAX_CONTENT_BYTES`): whatever the
stream claims, the check decodes at most the cap (and a piece) per stage and holds a few pieces
at a time, pdfminer's LZW table aside (it grows with the output, so it stays under the cap).

How each filter is decoded here, and why:

- FlateDecode (Fl): `zlib.decompressobj` with `max_length`, as pdfminer inflates, but bounded.
- ASCII85Decode (A85): `base64.a85decode` (what pdfminer calls) on whole 5-digit groups, with
  pdfminer's own end markers (`start_re`, `end_re`); pdfminer's `ascii85decode` takes only
  the whole input at once.
- ASCIIHexDecode (AHx): `binascii.unhexlify` on whole pairs, as pdfminer, a piece at a time.
- LZWDecode (LZW): pdfminer's own `LZWDecoder`, one code at a time, reading the pieces as a
  file.
- RunLengthDecode (RL): by hand, run by run. pdfminer's `rldecode` takes the whole input and
  builds a list of every output byte; bounding it would mean walking the runs, which is the
  decoding.
- DCTDecode, JPXDecode, JBIG2Decode: passed on as they are. pdfminer never decodes them either,
  so their output is their input, already measured; a filter after one is decoded as usual.
- CCITTFaxDecode, Crypt, or a filter pdfminer does not know: the check ends there, the stages
  before it measured. pdfminer refuses all of them but CCITT G4, whose decoder is pure Python
  at several steps per output byte: within the parse-time limit it cannot produce more than a
  few MB, and a /Columns too wide for memory (it builds a list of one entry per pixel of a row)
  meets the guard's memory cap (`fixtures/generator/hostile.fax_width_bomb`).

Predictors (`/DecodeParms /Predictor`) are not applied: they never make data larger. Every
stage's output counts against the cap, not only the last, because pdfminer holds each stage
whole. A stage that cannot decode its input is reported as corrupt, naming the filter: pdfminer
would raise on it, or (Flate, LZW) silently keep the part before the damage.
"""

from __future__ import annotations

import base64
import binascii
import collections
import io
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from pdfminer.ascii85 import end_re as a85_end_marker
from pdfminer.ascii85 import start_re as a85_start_marker
from pdfminer.lzw import CorruptDataError, LZWDecoder
from pdfminer.pdftypes import (
    LITERALS_ASCII85_DECODE,
    LITERALS_ASCIIHEX_DECODE,
    LITERALS_DCT_DECODE,
    LITERALS_FLATE_DECODE,
    LITERALS_JBIG2_DECODE,
    LITERALS_JPX_DECODE,
    LITERALS_LZW_DECODE,
    LITERALS_RUNLENGTH_DECODE,
)
from pdfminer.psparser import PSLiteral

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["TOO_LARGE", "decoding_problem"]

#: What `decoding_problem` returns for a stream that decodes past the cap.
TOO_LARGE = "too large"

#: The size of the pieces that flow between stages.
_PIECE = 64 * 1024

Pieces = Iterator[bytes]


class _TooLarge(Exception):
    """A stage produced more than the cap."""


class _Corrupt(Exception):
    """A stage cannot decode its input."""


class _Damaged(Exception):
    """A stage cannot decode its input: the message names the filter."""


def _pieces(data: bytes) -> Pieces:
    for start in range(0, len(data), _PIECE):
        yield data[start : start + _PIECE]


def _inflated(pieces: Pieces) -> Pieces:
    """Flate, at most `_PIECE` bytes per call: a bomb is never inflated further than asked."""
    inflater = zlib.decompressobj()
    for piece in pieces:
        while not inflater.eof:
            out = inflater.decompress(piece, _PIECE)
            piece = inflater.unconsumed_tail
            if out:
                yield out
            if not piece and len(out) < _PIECE:  # input used up and no output held back
                break
        if inflater.eof:  # as zlib.decompress (pdfminer), whatever follows the end is ignored
            return
    raise _Corrupt("it ends before its compressed data does")


#: White space as pdfminer's `\s` (ASCIIHex) and as `base64.a85decode` ignores it (ASCII85).
_HEX_SPACE = b" \t\n\r\f\v"
_A85_SPACE = b" \t\n\r\v"


def _unhexed(pieces: Pieces) -> Pieces:
    """ASCIIHex: pairs of digits, white space ignored, '>' the end (an odd last digit is
    followed by a 0), as `pdfminer.ascii85.asciihexdecode`."""
    odd = b""
    for piece in pieces:
        digits = odd + piece.translate(None, _HEX_SPACE)
        end = digits.find(b">")
        if end != -1:
            digits = digits[:end]
            yield binascii.unhexlify(digits + b"0" * (len(digits) % 2))
            return
        whole = len(digits) - len(digits) % 2
        yield binascii.unhexlify(digits[:whole])
        odd = digits[whole:]
    yield binascii.unhexlify(odd)  # an odd digit without '>' fails here, as in pdfminer


def _whole_groups(digits: bytes) -> int:
    """The length of the longest start of `digits` that is whole ASCII85 groups ('z' or five
    digits), taking every 'z' to end a group (one that does not makes a85decode raise)."""
    start = digits.rfind(b"z") + 1
    return start + (len(digits) - start) // 5 * 5


def _ascii85_decoded(pieces: Pieces) -> Pieces:
    """ASCII85 as `pdfminer.ascii85.ascii85decode` (its markers stripped: a leading '<~' or '~',
    a trailing '~>' or '~'), whole groups at a time; the last two digits are held back until
    the end, since they may be the end marker."""
    pending = b""
    started = False
    for piece in pieces:
        pending += piece.translate(None, _A85_SPACE)
        if not started:
            if len(pending) < 2:
                continue
            pending, started = a85_start_marker.sub(b"", pending, count=1), True
        cut = _whole_groups(pending[:-2])
        yield base64.a85decode(pending[:cut])
        pending = pending[cut:]
    if not started:
        pending = a85_start_marker.sub(b"", pending, count=1)
    yield base64.a85decode(a85_end_marker.sub(b"", pending, count=1))


def _run_length_decoded(pieces: Pieces) -> Pieces:
    """RunLength: a length byte n, then n + 1 bytes to copy (n < 128) or one byte to repeat
    257 - n times (n > 128); 128, or the end of the data, ends it."""
    rest = b""
    for piece in pieces:
        data, at, out = rest + piece, 0, bytearray()
        while at < len(data):
            length = data[at]
            if length == 128:
                yield bytes(out)
                return
            end = at + (length + 2 if length < 128 else 2)
            if end > len(data):
                break  # the run goes on in the next piece
            out += data[at + 1 : end] if length < 128 else data[at + 1 : end] * (257 - length)
            at = end
            if len(out) >= _PIECE:
                yield bytes(out)
                out.clear()
        yield bytes(out)
        rest = data[at:]
    if rest:
        raise _Corrupt("it ends inside a run")


class _PiecesFile(io.RawIOBase):
    """The pieces of a stage as a file, for pdfminer's LZW decoder (which reads one)."""

    def __init__(self, pieces: Pieces) -> None:
        self._pieces = pieces
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._rest:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._rest = piece
        view = memoryview(buffer)
        size = min(len(view), len(self._rest))
        view[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def _lzw_decoded(pieces: Pieces) -> Pieces:
    """LZW by pdfminer's `LZWDecoder`, one code at a time. Its table keeps every string it
    builds, so it grows with the output: stopping at the cap bounds it too. A code that is not
    in the table is corrupt (pdfminer's own loop would stop there silently, or raise)."""
    decoder = LZWDecoder(io.BufferedReader(_PiecesFile(pieces), _PIECE))
    out = bytearray()
    while True:
        try:
            code = decoder.readbits(decoder.nbits)
        except EOFError:
            break
        try:
            out += decoder.feed(code)
        except (CorruptDataError, IndexError, TypeError):
            raise _Corrupt(f"code {code} is not in its table") from None
        if len(out) >= _PIECE:
            yield bytes(out)
            out.clear()
    yield bytes(out)


_Stage = Callable[[Pieces], Pieces]

_STAGES: dict[PSLiteral, tuple[str, _Stage]] = {
    **dict.fromkeys(LITERALS_FLATE_DECODE, ("FlateDecode", _inflated)),
    **dict.fromkeys(LITERALS_ASCII85_DECODE, ("ASCII85Decode", _ascii85_decoded)),
    **dict.fromkeys(LITERALS_ASCIIHEX_DECODE, ("ASCIIHexDecode", _unhexed)),
    **dict.fromkeys(LITERALS_LZW_DECODE, ("LZWDecode", _lzw_decoded)),
    **dict.fromkeys(LITERALS_RUNLENGTH_DECODE, ("RunLengthDecode", _run_length_decoded)),
}

#: Image codecs pdfminer hands on undecoded.
_PASSED_ON = frozenset((*LITERALS_DCT_DECODE, *LITERALS_JPX_DECODE, *LITERALS_JBIG2_DECODE))


def _capped(pieces: Pieces, cap: int) -> Pieces:
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > cap:
            raise _TooLarge
        yield piece


def _named(pieces: Pieces, name: str) -> Pieces:
    """The stage's pieces, its decoding errors turned into `_Damaged` naming the filter (an
    earlier stage's `_Damaged` passes through unchanged)."""
    try:
        yield from pieces
    except (_Corrupt, zlib.error, ValueError) as error:
        raise _Damaged(f"{name}: {error}") from error


def decoding_problem(data: bytes, filters: Sequence[Any], cap: int) -> str | None:
    """`TOO_LARGE` when a stage of decoding `data` through `filters` (resolved filter names,
    first applied first) produces more than `cap` bytes, 'corrupt: <filter>: <what>' when a
    stage cannot decode its input, else None. Decodes at most `cap + 1` bytes per stage and
    holds a few 64 KB pieces at a time (pdfminer's LZW table aside, which stays under the cap)."""
    pieces = _pieces(data)
    for name in filters:
        known = isinstance(name, PSLiteral)
        if known and name in _PASSED_ON:
            continue
        stage = _STAGES.get(name) if known else None
        if stage is None:
            break  # CCITTFax, Crypt or a name pdfminer does not know: see the module docstring
        label, decode = stage
        pieces = _capped(_named(decode(pieces), label), cap)
    try:
        collections.deque(pieces, maxlen=0)
    except _TooLarge:
        return TOO_LARGE
    except _Damaged as error:
        return f"corrupt: {error}"
    return None
