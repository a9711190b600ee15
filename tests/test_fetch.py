"""Downloading into the raw store against a local server: what is retried, what is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from leaflet_server import PDFS, leaflet_server

from flows.fetch import FetchPolicy, fetch_url
from flows.manifest import BadManifest, read_manifest

FAST = FetchPolicy(timeout=0.3, retries=2, backoff=0.01, max_bytes=1_000_000, rate=1000)
BARNET = "2009-10/barnet.pdf"


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with leaflet_server() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=FAST.timeout) as open_client:
        yield open_client


def test_a_leaflet_is_stored_by_its_hash_with_its_origin(server, client, tmp_path: Path) -> None:
    url = f"{server.base}/pdf/{BARNET}"
    result = fetch_url(client, url, tmp_path, FAST)
    data = (PDFS / BARNET).read_bytes()
    assert result.reason is None and result.attempts == 1
    assert (tmp_path / f"{result.document_id}.pdf").read_bytes() == data
    fetch_url(client, url + "?again", tmp_path, FAST)
    sidecar = json.loads((tmp_path / f"{result.document_id}.json").read_text())
    assert [o["source"] for o in sidecar["origins"]] == [url, url + "?again"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{result.document_id}.pdf", f"{result.document_id}.json"])


@pytest.mark.parametrize(("path", "reason", "attempts", "transient"), [
    ("missing/x.pdf", "HTTP 404 Not Found", 1, False),
    ("down/x.pdf", "HTTP 503 Service Unavailable (after 3 attempts)", 3, True),
    ("html/x.pdf", "not a PDF: content type text/html", 1, False),
    ("huge/x.pdf", "too large: over 1000000 bytes, stopped", 1, False),
])
def test_failures_carry_their_reason(server, client, tmp_path: Path, path: str, reason: str,
                                     attempts: int, transient: bool) -> None:
    result = fetch_url(client, f"{server.base}/{path}", tmp_path, FAST)
    assert (result.reason, result.attempts, result.transient) == (reason, attempts, transient)
    assert result.document_id is None
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind


def test_timeouts_and_truncated_bodies_are_retried_then_reported(server, client,
                                                                 tmp_path: Path) -> None:
    slow = fetch_url(client, f"{server.base}/slow/{BARNET}", tmp_path, FAST)
    assert slow.reason == "timed out (ReadTimeout) (after 3 attempts)" and slow.transient
    cut = fetch_url(client, f"{server.base}/truncated/{BARNET}", tmp_path, FAST)
    assert cut.reason is not None and cut.reason.startswith("truncated or malformed response")
    assert cut.attempts == 3


def test_a_server_error_then_success_is_fetched(server, client, tmp_path: Path) -> None:
    result = fetch_url(client, f"{server.base}/flaky/{BARNET}?unit", tmp_path, FAST)
    assert result.document_id is not None and result.attempts == 2


def test_a_manifest_with_an_unknown_area_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,area,period\nhttp://x/a.pdf,Atlantis,2009/10\n")
    with pytest.raises(BadManifest) as error:
        read_manifest(manifest)
    assert str(error.value) == f"{manifest} item 1: unknown area 'Atlantis'"
