"""The head start reads planned files before the flow runs; the flow's tasks take its results.

A result taken from the head start is the one it read (the file may be gone since), a candidate
it does not hold is extracted by the task itself, and a closed head start begins nothing more.
"""

from __future__ import annotations

import shutil
from concurrent.futures import CancelledError
from pathlib import Path

import pytest
from conftest import PDFS, needs_fixtures

from pipeline import head_start
from pipeline.extract import extract_batch
from pipeline.head_start import HeadStart, extract_batch_ahead
from pipeline.settings import Settings
from pipeline.sources import Candidate, read_candidate


def _candidates(folder: Path, names: list[str]) -> list[Candidate]:
    folder.mkdir()
    found = []
    for name in names:
        path = folder / f"{name}.pdf"
        shutil.copyfile(PDFS / "2009-10" / f"{name}.pdf", path)
        candidate = read_candidate(path)
        assert isinstance(candidate, Candidate)
        found.append(candidate)
    return found


@needs_fixtures
def test_a_task_takes_what_the_head_start_read_and_extracts_the_rest(tmp_path: Path) -> None:
    held, other = _candidates(tmp_path / "inbox", ["barnet", "camden"])
    ahead = HeadStart([held], Settings(), workers=1)
    ahead.begin()
    try:
        reading = ahead._results[held]
        read = reading.result(timeout=60)
        held.file.unlink()  # read already: a task that read it again would find it gone
        taken = extract_batch_ahead([held, other], Settings())
    finally:
        ahead.close()
    assert taken[0] is read and taken[0].extraction is not None
    assert taken[1] == extract_batch([other], Settings())[0]
    assert taken[1].extraction is not None and taken[1].candidate == other
    assert ahead.take(held) is None  # taken once
    assert head_start._current is None  # closed: no task takes from it any more


@needs_fixtures
def test_a_closed_head_start_begins_nothing_and_a_task_waiting_is_told(
        tmp_path: Path) -> None:
    candidates = _candidates(tmp_path / "inbox", ["barnet", "camden", "hackney"])
    ahead = HeadStart(candidates, Settings(), workers=1)  # not begun: nothing read yet
    waiting = ahead.take(candidates[2])
    assert waiting is not None
    ahead.close()
    ahead.begin()  # a late begin reads nothing, and no task takes from it
    assert head_start._current is None
    with pytest.raises(CancelledError):
        waiting.result(timeout=5)
    assert ahead.take(candidates[0]) is None


def test_with_no_head_start_a_task_extracts_its_batch_itself(tmp_path: Path) -> None:
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4" + b" " * 92)
    candidate = read_candidate(path)
    assert isinstance(candidate, Candidate)
    assert head_start._current is None
    [result] = extract_batch_ahead([candidate], Settings(max_bytes=99))
    assert result.reason == "too large for a leaflet (100 bytes; at most 99): not parsed"


@needs_fixtures
def test_a_candidate_taken_before_it_is_read_is_still_read(tmp_path: Path) -> None:
    """A task may take a candidate's result before a reader reaches it (the flow starts while
    the head start is still at work); the reader must still read it, or the task waits
    forever."""
    candidates = _candidates(tmp_path / "inbox", ["barnet", "camden"])
    ahead = HeadStart(candidates, Settings(), workers=1)
    taken = [ahead.take(candidate) for candidate in candidates]
    ahead.begin()
    try:
        results = [future.result(timeout=60) for future in taken if future is not None]
    finally:
        ahead.close()
    assert [result.candidate for result in results] == candidates
    assert all(result.extraction is not None for result in results)
