"""Which files an ingest takes, how they are named, and what counts as a duplicate."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from pipeline.plan import plan_paths, plan_readings
from pipeline.sources import (
    Candidate,
    DocumentHasher,
    NoDocuments,
    SourceNotFound,
    Unreadable,
    discover_files,
    document_id_for,
    read_candidate,
)


def touch(path: Path, data: bytes = b"%PDF-1.4") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_are_searched_recursively_for_pdfs_in_any_case(tmp_path: Path) -> None:
    a = touch(tmp_path / "a.pdf")
    b = touch(tmp_path / "sub" / "deeper" / "B.PDF")
    c = touch(tmp_path / "sub" / "c.Pdf")
    touch(tmp_path / "notes.txt")
    touch(tmp_path / "sub" / "pdf")  # no extension at all
    assert discover_files([tmp_path]) == [a, c, b]


def test_a_file_named_explicitly_is_taken_whatever_its_extension(tmp_path: Path) -> None:
    notes = touch(tmp_path / "notes.txt")
    leaflet = touch(tmp_path / "leaflet.pdf")
    assert discover_files([str(notes), leaflet]) == [notes, leaflet]


def test_each_file_is_taken_once(tmp_path: Path) -> None:
    leaflet = touch(tmp_path / "leaflet.pdf")
    assert discover_files([tmp_path, leaflet, str(leaflet)]) == [leaflet]


def test_relative_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leaflet = touch(tmp_path / "leaflet.pdf")
    monkeypatch.chdir(tmp_path)
    assert discover_files(["leaflet.pdf"]) == [leaflet]


def test_a_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFound) as error:
        discover_files([tmp_path, "no/such.pdf"])
    assert str(error.value) == "no such file or folder: no/such.pdf"


def test_a_document_is_named_by_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    data = b"%PDF-1.4 leaflet" * 100_000  # larger than one read chunk
    path = touch(tmp_path / "leaflet.pdf", data)
    expected = hashlib.sha256(data).hexdigest()
    assert document_id_for(data) == expected
    assert read_candidate(path) == Candidate(str(path), expected, len(data),
                                             path.stat().st_mtime_ns)
    hasher = DocumentHasher()
    for start in range(0, len(data), 4096):  # as a download arrives
        hasher.update(data[start : start + 4096])
    assert (hasher.document_id, hasher.size) == (expected, len(data))


def test_an_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like.pdf"
    folder.mkdir()
    result = read_candidate(folder)
    assert result == Unreadable(str(folder), "cannot read the file: Is a directory")


def test_plan_skips_known_documents_and_repeats_in_the_run() -> None:
    first = Candidate("/a/barnet.pdf", "b" * 64, 10)
    copy = Candidate("/b/barnet copy.pdf", "b" * 64, 10)
    known = Candidate("/a/brent.pdf", "c" * 64, 10)
    broken = Unreadable("/a/locked.pdf", "cannot read the file: Permission denied")
    plan = plan_readings([first, known, broken, copy], known={"c" * 64})
    assert plan.seen == 4
    assert plan.candidates == [first]
    assert plan.skipped == [known, copy]
    assert plan.unreadable == [broken]


def test_paths_with_no_pdf_are_an_error_unless_allowed(tmp_path: Path) -> None:
    """Before the warehouse is touched: no file is created."""
    touch(tmp_path / "drop" / "notes.txt")
    db_path = tmp_path / "lps.db"
    with pytest.raises(NoDocuments) as error:
        plan_paths([tmp_path / "drop"], db_path, "1.0")
    assert str(error.value) == (
        f"no PDF files in {tmp_path / 'drop'}: nothing to ingest (folders are searched for "
        "*.pdf; give --allow-empty when an empty drop folder is expected)")
    plan = plan_paths([tmp_path / "drop"], db_path, "1.0", allow_empty=True)
    assert (plan.seen, plan.candidates) == (0, [])
    assert not db_path.exists()


def test_a_fifo_or_device_named_explicitly_is_refused_without_a_read(tmp_path: Path) -> None:
    """A FIFO would hang the read and /dev/zero would never end it: both are refused by what
    they are, from the open descriptor (no writer ever opens the FIFO here)."""
    fifo = tmp_path / "leaflet.pdf"
    os.mkfifo(fifo)
    assert read_candidate(fifo) == Unreadable(
        str(fifo), "refused: it is a FIFO (named pipe), not a regular file")
    assert read_candidate(Path("/dev/zero")) == Unreadable(
        "/dev/zero", "refused: it is a character device, not a regular file")
    assert discover_files([tmp_path]) == []  # a folder's FIFO is no file to take
