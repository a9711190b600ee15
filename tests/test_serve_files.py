"""`lps serve` hands out only the files of its places, under the names they were stored as.

A real `lps serve` on loopback, over the sample warehouse (whose document ids are the sha256 of
their short names, so a file holding the name has the document's bytes). Only a regular file in
the raw store or under `--pdfs` is served, whatever its bytes: before, an absolute source outside
them (a secret an older ingest recorded through a planted symlink) and a symlink planted in the
raw store were served (issue 20, item 4). The download's name is the stored name, quoted as
RFC 6266 says (issue 20, items 10 and 11): before, it was HTML-escaped, and a name holding CR LF
made the server drop the download.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, free_port
from sample_warehouse import DOCUMENT_IDS, build_sample_warehouse

from lps.leaflet_files import content_disposition


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    """The warehouse, its raw store, the one folder given with --pdfs, and a folder elsewhere."""
    base = tmp_path_factory.mktemp("serve-files")
    db = build_sample_warehouse(base / "lps.db")
    raw, root, elsewhere = base / "raw", base / "root", base / "elsewhere"
    for folder in (raw, root, elsewhere):
        folder.mkdir()
    (elsewhere / "secret").write_bytes(b"barnet-2009")
    (elsewhere / "other").write_bytes(b"lambeth-2009")
    (raw / f"{DOCUMENT_IDS['lambeth-2009']}.pdf").symlink_to(elsewhere / "other")
    (root / "bad\r\nname.pdf").write_bytes(b"hackney-2009")
    (root / 'a&b<c>"d é.pdf').write_bytes(b"lambeth-2010")
    with sqlite3.connect(db) as conn:
        for name, source in (("barnet-2009", str(elsewhere / "secret")),
                             ("hackney-2009", "bad\r\nname.pdf"),
                             ("lambeth-2010", 'a&b<c>"d é.pdf')):
            conn.execute("UPDATE documents SET source = ? WHERE document_id = ?",
                         [source, DOCUMENT_IDS[name]])
    return db, raw, root, elsewhere


@pytest.fixture(scope="module")
def server(places: tuple[Path, Path, Path, Path]) -> Iterator[str]:
    db, raw, root, _ = places
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lps.cli", "serve", "--db", str(db), "--port", str(port),
         "--raw", str(raw), "--pdfs", str(root)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/-/versions.json").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _leaflet(url: str, name: str) -> httpx.Response:
    return httpx.get(f"{url}/-/leaflets/{DOCUMENT_IDS[name]}.pdf", timeout=30)


def test_an_absolute_source_outside_the_served_folders_is_not_served(
        server: str, places: tuple[Path, Path, Path, Path]) -> None:
    response = _leaflet(server, "barnet-2009")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")  # not the file
    secret = places[3] / "secret"
    assert (f"{secret}: outside the raw store and the folders served (--pdfs): not served"
            in response.text)


def test_a_symlink_planted_in_the_raw_store_is_not_served(
        server: str, places: tuple[Path, Path, Path, Path]) -> None:
    response = _leaflet(server, "lambeth-2009")
    assert response.status_code == 404
    planted = places[1] / f"{DOCUMENT_IDS['lambeth-2009']}.pdf"
    assert (f"{planted}: outside the raw store and the folders served (--pdfs): not served"
            in response.text)


def test_a_name_with_cr_lf_is_downloaded_under_a_safe_name(server: str) -> None:
    response = _leaflet(server, "hackney-2009")
    assert response.status_code == 200
    assert response.content == b"hackney-2009"
    assert response.headers["content-disposition"] == (
        "inline; filename=\"bad__name.pdf\"; filename*=UTF-8''bad%0D%0Aname.pdf")


def test_the_download_name_is_the_stored_name_not_html(server: str) -> None:
    response = _leaflet(server, "lambeth-2010")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        "inline; filename=\"a&b<c>_d _.pdf\"; "
        "filename*=UTF-8''a%26b%3Cc%3E%22d%20%C3%A9.pdf")


def test_content_disposition_of_a_plain_name() -> None:
    assert content_disposition("barnet.pdf", "attachment") == (
        "attachment; filename=\"barnet.pdf\"; filename*=UTF-8''barnet.pdf")
