"""Mutation fuzz: damaged copies of the fixture leaflets never crash a run or load a wrong figure.

Each case takes a fixture leaflet, damages it with a seeded random mutation, and runs the real
guarded extraction (`pipeline.guard.GuardedExtractor`, the path `lps ingest` takes). Mutations:

- ``flip``: 1-8 random bits flipped anywhere (mostly inside compressed fonts and content);
- ``truncate``: the file cut at a random point (an interrupted download);
- ``insert`` / ``delete``: up to 64 random bytes inserted, or up to 256 removed, which shifts
  every byte offset after them (the cross-reference table then points at the wrong places);
- ``digit``: one ASCII digit of the raw file changed (object numbers, lengths, offsets,
  coordinates in uncompressed dictionaries);
- ``text``: one character inside a text-showing operator of a page's content changed, and the
  file rewritten properly by pypdf, so the document is well formed but *prints something else*
  (most often a digit of a figure).

Each case must end in a quarantine reason (a specific one: never "unexpected ...") or an
`Extraction`, and an `Extraction` must not hold a wrong figure. Judging "wrong" honestly: a
mutation may change what the document says, and then the right extraction differs from the
golden file. So when the extraction differs from the original's golden records:

1. the mutated document's text (pdfplumber's `extract_text` of every page, a reading independent
   of the templates' anchors, crops and parsers) must differ from the original's: same text
   but different records means the extractor read the same page differently, which is a bug;
2. a performance result, priority or force result that is not in the golden file (a changed
   figure, or a new record) must have its label on a line of the mutated text that the
   original lacks: a record whose printed line is intact must extract exactly as before.
   A golden record that is missing altogether is not a wrong figure but a lost one; it is
   counted in the tally ("records lost with damaged text"), and the 2,000-case run showed
   where it happens: a damaged section heading ("Priorities for (cid:69)009/10", "Looking
   8orward") makes the template miss the section, and its priorities are not loaded.
3. such a document may load only marked for review (`documents.needs_review`, a review item
   naming what was not read): the fuzz found priorities whose bullet was damaged, and a force
   result whose damaged label named no measure, loaded silently; both are now review items.

What this cannot see: a mutation that changes a glyph's picture but not its text mapping (or the
reverse, e.g. a damaged ToUnicode map) would change what a reader sees without changing the
text layer; judging that needs OCR of a rendering. The structural checks make such cases rare
(any corrupt compressed stream, where fonts and maps live, is quarantined before parsing).

`LPS_FUZZ_CASES=N` runs N cases (150 by default, about 30 s); `LPS_FUZZ_SEED` changes the seed.
Run with `-s` to see the tally.
"""

from __future__ import annotations

import io
import os
import random
import re
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from conftest import Fixture, manifest, needs_fixtures
from test_golden import _differences

from pipeline.guard import GuardedExtractor
from pipeline.settings import Settings
from schemas import Extraction

CASES = int(os.environ.get("LPS_FUZZ_CASES", "") or 150)
SEED = int(os.environ.get("LPS_FUZZ_SEED", "") or 20100401)
LEAFLETS = [f for f in manifest() if f.expected_status == "loaded"]
FIGURE_TABLES = ("performance", "priorities", "force_results")

Mutation = Callable[[random.Random, bytes], bytes]


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _insert(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]


def _delete(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 256):]


def _other_digit(rng: random.Random, digit: int) -> bytes:
    return bytes([rng.choice([d for d in b"0123456789" if d != digit])])


def _digit(rng: random.Random, data: bytes) -> bytes:
    at = rng.choice([m.start() for m in re.finditer(rb"\d", data)])
    return data[:at] + _other_digit(rng, data[at]) + data[at + 1:]


_TEXT_BLOCK = re.compile(rb"\bBT\b.*?\bET\b", re.S)
_STRING = re.compile(rb"\(((?:[^()\\]|\\.)+)\)|(?<!<)<([0-9A-Fa-f]+)>")


def _shown_strings(raw: bytes) -> list[tuple[int, int]]:
    """Spans of the string operands inside a content stream's text objects (BT ... ET)."""
    return [
        match.span(1) if match.group(1) is not None else match.span(2)
        for block in _TEXT_BLOCK.finditer(raw)
        for match in _STRING.finditer(raw, block.start(), block.end())
    ]


def _text(rng: random.Random, data: bytes) -> bytes:
    """One character of a string a text operator shows, changed (a digit, when the chosen
    string has one, to another digit), in a properly rewritten file."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    pages = list(writer.pages)
    rng.shuffle(pages)
    for page in pages:
        contents = page.get_contents()
        raw = contents.get_data() if contents is not None else b""
        spans = _shown_strings(raw)
        if spans:
            break
    assert contents is not None and spans, "no page shows any text"
    start, end = rng.choice(spans)
    digits = [i for i in range(start, end) if raw[i:i + 1].isdigit()]
    at = rng.choice(digits) if digits else rng.randrange(start, end)
    hexadecimal = raw[start - 1:start] == b"<"
    new = (_other_digit(rng, raw[at]) if raw[at:at + 1].isdigit()
           else bytes([rng.choice(b"0123456789abcdef" if hexadecimal else b"0123456789")]))
    contents.set_data(raw[:at] + new + raw[at + 1:])
    page.replace_contents(contents)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


MUTATIONS: dict[str, Mutation] = {
    "flip": _flip, "truncate": _truncate, "insert": _insert, "delete": _delete,
    "digit": _digit, "text": _text,
}


def document_text(data: bytes) -> str:
    """Every page's text as pdfplumber reads it, independent of any template."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@cache
def _original_text(path: Path) -> str:
    return document_text(path.read_bytes())


def _lines_with(label: str, text: str) -> list[str]:
    return [line for line in text.splitlines() if label in line]


def unexplained_differences(original_text: str, mutated_text: str,
                            golden: Extraction, got: Extraction) -> list[str]:
    """Differences between `got` and `golden` that the mutated text does not account for
    (rules 1 and 2 of the module docstring); [] when there are none.

    Records are matched whole, not by position. A record of `got` that is not in the golden
    file is a wrong figure unless the mutated text has a line with its label that the original
    lacks (the label's own line changed). A golden record missing from `got` is not a wrong
    figure: it is counted by `lost_records` (a damaged heading moves section boundaries, and a
    section's records go with it), and allowed only because rule 1 holds.
    """
    want, have = golden.model_dump(mode="json"), got.model_dump(mode="json")
    differences = _differences(want, have)
    if not differences:
        return []
    if mutated_text == original_text:
        return [f"same text, different records: {d}" for d in differences]
    original_lines = set(original_text.splitlines())
    found = []
    for table in FIGURE_TABLES:
        for record in have[table]:
            printed = _lines_with(record["label"], mutated_text)
            if record not in want[table] and printed and set(printed) <= original_lines:
                found.append(f"{table}: {record} was loaded though its printed line(s) "
                             f"{printed!r} are as in the original")
    return found


def lost_records(golden: Extraction, got: Extraction) -> int:
    """Golden figure records (performance, priorities, force results) of which `got` has no
    record with the same label or the same measure (a record with its label or measure but other
    figures or wording is changed, not lost: '7.6% reduction in robbery' read as '7.7% ...')."""
    lost = 0
    for table in FIGURE_TABLES:
        labels = {other.label for other in getattr(got, table)}
        measures = {other.measure for other in getattr(got, table)} - {None}
        lost += sum(record.label not in labels and record.measure not in measures
                    for record in getattr(golden, table))
    return lost


def run_case(guard: GuardedExtractor, rng: random.Random, leaflet: Fixture, kind: str
             ) -> tuple[str, list[str]]:
    """(outcome, problems) of one mutated copy of `leaflet`."""
    original = leaflet.path.read_bytes()
    mutated = MUTATIONS[kind](rng, original)
    result = guard.extract(mutated)
    if isinstance(result, str):
        if not result or result.startswith("unexpected"):
            return "quarantined", [f"unspecific reason: {result!r}"]
        return "quarantined", []
    golden = leaflet.expected()
    if result == golden:
        return "extracted as the golden file", []
    problems = unexplained_differences(_original_text(leaflet.path), document_text(mutated),
                                       golden, result)
    lost = lost_records(golden, result)
    if lost:
        if not result.review:  # loaded, but flagged: `documents.needs_review` = 1
            problems.append(f"{lost} record(s) lost and the document not marked for review")
        return "extracted, records lost with damaged text", problems
    figures_changed = any(getattr(result, table) != getattr(golden, table)
                          for table in FIGURE_TABLES)
    return ("extracted a figure as its text now reads" if figures_changed
            else "extracted prose as its text now reads"), problems


@needs_fixtures
@pytest.mark.timeout(max(300, CASES))  # about 0.3 s a case; a long run must not be cut short
def test_mutated_leaflets_are_quarantined_or_extracted_right() -> None:
    rng = random.Random(SEED)
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    with GuardedExtractor(Settings(parse_seconds=20.0)) as guard:
        for case in range(CASES):
            leaflet, kind = rng.choice(LEAFLETS), rng.choice(sorted(MUTATIONS))
            seed = rng.randrange(2**32)
            outcome, problems = run_case(guard, random.Random(seed), leaflet, kind)
            outcomes[kind, outcome] += 1
            failures += [f"case {case} ({kind} of {leaflet.path.name}, seed {seed}): {p}"
                         for p in problems]
    print(f"\n{CASES} mutation cases (seed {SEED}):")
    for (kind, outcome), count in sorted(outcomes.items()):
        print(f"  {kind:9} {outcome:42} {count:5}")
    print("\n".join(failures))
    assert failures == []
    extracted = sum(n for (_k, outcome), n in outcomes.items() if outcome != "quarantined")
    assert 0 < extracted < CASES  # neither everything refused nor nothing damaged


def _barnet() -> Fixture:
    return next(f for f in LEAFLETS if f.path.parts[-2:] == ("2009-10", "barnet.pdf"))


@needs_fixtures
def test_the_judge_flags_a_changed_figure_whose_line_is_intact() -> None:
    leaflet = _barnet()
    golden = leaflet.expected()
    text = _original_text(leaflet.path)
    first = golden.performance[0]
    changed = first.model_copy(update={"change_count": (first.change_count or 0) + 1})
    wrong = golden.model_copy(update={"performance": [changed, *golden.performance[1:]]})
    assert unexplained_differences(text, text, golden, wrong)[0].startswith("same text")
    edited = text.replace("Theft from vehicles", "Theft from vehic1es")
    label = first.label
    assert label in text
    flagged = unexplained_differences(text, edited, golden, wrong)
    assert [f.split(" was loaded ")[0] for f in flagged] == [
        f"performance: {changed.model_dump(mode='json')}"
    ]
    assert lost_records(golden, wrong) == 0  # changed, not lost
    assert lost_records(golden, golden.model_copy(update={"performance": []})) == len(
        golden.performance)
    moved = text.replace(label, label + " (revised)")
    assert unexplained_differences(text, moved, golden, wrong) == []
    assert unexplained_differences(text, text, golden, golden) == []


@needs_fixtures
def test_a_text_mutation_changes_what_the_leaflet_says_and_nothing_else() -> None:
    leaflet = _barnet()
    original = leaflet.path.read_bytes()
    mutated = _text(random.Random(7), original)
    before, after = _original_text(leaflet.path), document_text(mutated)
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert len(changed) == 1
    a, b = changed[0]
    assert len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1
