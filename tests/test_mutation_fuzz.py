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
2. records are matched to the golden file by table and measure (never by a label found whole on
   one line: a wrapped label, a table read column by column or a force-wide sentence spread over
   lines would escape that). A record whose figures differ from its golden record's must be
   explained by the text: a line of the original that holds one of the golden record's numbers
   is gone from the mutated text, or a line of the mutated text that holds one of its new
   numbers is new; a changed achieved mark needs the mark words themselves to have changed;
3. a loaded document holds every record of its golden file: a record lost to damaged text must
   make the document quarantined (a damaged heading, a damaged label), never load without it.

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
from conftest import Fixture, figures_of, manifest, needs_fixtures
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


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_MARK_WORDS = re.compile(r"\b(?:achieved|yes|no)\b", re.IGNORECASE)
_FIGURE_FIELDS = ("change_count", "change_pct", "count_previous", "count_current", "value_pct",
                  "target_change_pct", "target_value_pct")


def _numbers(line: str) -> set[float]:
    return {float(token.replace(",", "")) for token in _NUMBER.findall(line)
            if token.replace(",", "").replace(".", "").isdigit()}


def _record_numbers(record: dict[str, object]) -> set[float]:
    return {abs(float(value)) for name in _FIGURE_FIELDS  # type: ignore[arg-type]
            if (value := record.get(name)) is not None}


def _explained(numbers: set[float], gone: list[str], new: list[str]) -> bool:
    """Whether a line holding one of `numbers` changed between the two texts."""
    return any(numbers & _numbers(line) for line in (*gone, *new))


def unexplained_differences(original_text: str, mutated_text: str,
                            golden: Extraction, got: Extraction) -> list[str]:
    """Differences between `got` and `golden` that the mutated text does not account for
    (rules 1 and 2 of the module docstring); [] when there are none. Records are matched by
    table and measure."""
    want, have = golden.model_dump(mode="json"), got.model_dump(mode="json")
    differences = _differences(want, have)
    if not differences:
        return []
    if mutated_text == original_text:
        return [f"same text, different records: {d}" for d in differences]
    original_lines, mutated_lines = set(original_text.splitlines()), set(
        mutated_text.splitlines())
    gone = [line for line in original_text.splitlines() if line not in mutated_lines]
    new = [line for line in mutated_text.splitlines() if line not in original_lines]
    marks_changed = sorted(_MARK_WORDS.findall(original_text.lower())) != sorted(
        _MARK_WORDS.findall(mutated_text.lower()))
    found = []
    for table in FIGURE_TABLES:
        golden_by_measure = {record["measure"]: record for record in want[table]}
        for record in have[table]:
            before = golden_by_measure.get(record["measure"])
            if before is None:
                if not _explained(_record_numbers(record), [], new):
                    found.append(f"{table}: {record} is in no golden record and its figures "
                                 "are on no changed line")
                continue
            figures = {name: record.get(name) for name in _FIGURE_FIELDS}
            if figures != {name: before.get(name) for name in _FIGURE_FIELDS} and not (
                    _explained(_record_numbers(before), gone, [])
                    or _explained(_record_numbers(record), [], new)):
                found.append(f"{table}: {record} differs from {before} in figures printed on "
                             "lines that are as in the original")
            if record.get("target_achieved") != before.get("target_achieved") and not (
                    marks_changed or _explained(_record_numbers(before), gone, new)):
                found.append(f"{table}: {record} has another achieved mark than {before}, "
                             "but no mark or figure of it changed in the text")
    return found


def lost_records(golden: Extraction, got: Extraction) -> int:
    """Golden figure records (performance, priorities, force results) whose measure `got`
    lacks in the same table."""
    return sum(
        len({r.measure for r in getattr(golden, table)} - {r.measure for r in getattr(got, table)})
        for table in FIGURE_TABLES
    )


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
    if figures_of(result) == golden:
        return "extracted as the golden file", []
    problems = unexplained_differences(_original_text(leaflet.path), document_text(mutated),
                                       golden, result)
    lost = lost_records(golden, result)
    if lost:  # a loaded document holds every record its template expects
        problems.append(f"{lost} record(s) lost, yet the document was not quarantined")
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
    elsewhere = text.replace("Theft from vehicles", "Theft from vehic1es")
    [flagged] = unexplained_differences(text, elsewhere, golden, wrong)
    assert flagged.startswith(f"performance: {changed.model_dump(mode='json')} differs")
    figure = f"{abs(first.change_count or 0):,}"
    assert figure in text
    explained = text.replace(figure, f"{abs(first.change_count or 0) + 1:,}", 1)
    assert unexplained_differences(text, explained, golden, wrong) == []
    assert unexplained_differences(text, text, golden, golden) == []


@needs_fixtures
def test_the_judge_matches_force_results_by_measure() -> None:
    leaflet = _barnet()
    golden = leaflet.expected()
    text = _original_text(leaflet.path)
    result = golden.force_results[0]
    moved = result.model_copy(update={"change_pct": (result.change_pct or 0) - 0.1,
                                      "label": result.label + " (wrapped)"})
    wrong = golden.model_copy(update={"force_results": [moved, *golden.force_results[1:]]})
    elsewhere = text.replace("Barnet", "Barnct", 1)
    assert any(f.startswith("force_results:")
               for f in unexplained_differences(text, elsewhere, golden, wrong))
    flipped = golden.model_copy(update={"performance": [
        golden.performance[0].model_copy(update={"target_achieved": True}),
        *golden.performance[1:]]})
    assert any("achieved mark" in f
               for f in unexplained_differences(text, elsewhere, golden, flipped))
    assert lost_records(golden, golden.model_copy(update={"force_results": []})) == len(
        golden.force_results)


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
