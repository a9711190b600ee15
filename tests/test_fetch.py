"""Downloading into the raw store against a local server: what is retried, what is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from leaflet_server import PDFS, leaflet_server

from pipeline.backfill import fetch_urls, plan_backfill
from pipeline.fetch import FetchPolicy, fetch_url, open_client
from pipeline.manifest import BadManifest, ManifestItem, items_from_template, read_manifest

FAST = FetchPolicy(timeout=0.3, retries=2, backoff=0.01, max_bytes=1_000_000, rate=1000)
BARNET = "2009-10/barnet.pdf"


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with leaflet_server() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with open_client(FAST) as opened:
        yield opened


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
    ("huge/x.pdf", "download too large: more than 1,000,000 bytes; stopped", 1, False),
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
    assert server.requests[f"/flaky/{BARNET}?unit"] == 2  # the 500, then the 200
    assert (tmp_path / f"{result.document_id}.pdf").read_bytes() == (PDFS / BARNET).read_bytes()


def test_a_busy_server_is_given_the_time_it_asks_for(tmp_path: Path) -> None:
    with leaflet_server() as fresh, open_client(FAST) as own:
        result = fetch_url(own, f"{fresh.base}/busy/{BARNET}", tmp_path, FAST)
        first, second = fresh.started
    assert result.document_id is not None and result.attempts == 2
    assert second - first >= 0.95  # Retry-After: 1, though our own backoff is 0.01 s


def test_a_404_is_asked_once(server, client, tmp_path: Path) -> None:
    result = fetch_url(client, f"{server.base}/missing/once.pdf", tmp_path, FAST)
    assert (result.reason, result.transient) == ("HTTP 404 Not Found", False)
    assert server.requests["/missing/once.pdf"] == 1
    fetch_url(client, f"{server.base}/down/thrice.pdf", tmp_path, FAST)
    assert server.requests["/down/thrice.pdf"] == 1 + FAST.retries


def test_a_declared_size_over_the_cap_is_refused_before_reading(server, client,
                                                                tmp_path: Path) -> None:
    size = (PDFS / BARNET).stat().st_size
    small = replace(FAST, max_bytes=size - 1)
    result = fetch_url(client, f"{server.base}/pdf/{BARNET}?capped", tmp_path, small)
    assert result.reason == f"too large: {size} bytes declared, limit {size - 1}"
    assert list(tmp_path.iterdir()) == []


def test_concurrency_and_rate_are_enforced_at_the_server(tmp_path: Path) -> None:
    """12 downloads of 0.1 s each: never more than 3 at once; then 10 at 20 a second."""
    with leaflet_server() as fresh:
        urls = [f"{fresh.base}/hold/{BARNET}?n={n}" for n in range(12)]
        polite = replace(FAST, concurrency=3, rate=1000)
        results = fetch_urls(urls, str(tmp_path), polite)
        assert [r.reason for r in results] == [None] * 12
        assert fresh.max_in_flight == 3  # parallel, but no more than asked
    with leaflet_server() as fresh:
        urls = [f"{fresh.base}/pdf/{BARNET}?r={n}" for n in range(10)]
        fetch_urls(urls, str(tmp_path), replace(FAST, concurrency=4, rate=20))
        gaps = [b - a for a, b in zip(fresh.started, fresh.started[1:], strict=False)]
        assert len(fresh.started) == 10
        assert fresh.started[-1] - fresh.started[0] >= 9 / 20 * 0.9
        assert min(gaps) >= 1 / 20 * 0.5  # no burst: starts are spaced, not merely averaged


def test_csv_and_json_manifests_give_the_same_items(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(
        "\ufeffURL , Path,Area,Period\n"  # as a spreadsheet saves it: BOM, capitals, spaces
        "http://h/barnet.pdf,,barnet,2009-10\n"
        ",leaflets/camden.pdf,Camden,\n"
        "http://h/x.pdf,,,\n", encoding="utf-8")
    (tmp_path / "m.json").write_text(json.dumps([
        {"url": "http://h/barnet.pdf", "area": "Barnet", "period": "2009/10"},
        {"path": "leaflets/camden.pdf", "area": "camden"},
        {"url": "http://h/x.pdf"},
    ]))
    expected = [
        ManifestItem(url="http://h/barnet.pdf", area="Barnet", period="2009/10"),
        ManifestItem(path=str(tmp_path / "leaflets/camden.pdf"), area="Camden",
                     roots=(str(tmp_path),)),
        ManifestItem(url="http://h/x.pdf"),
    ]
    assert read_manifest(tmp_path / "m.csv") == expected
    assert read_manifest(tmp_path / "m.json") == expected


def test_a_url_template_gives_one_item_per_period_and_borough() -> None:
    template = "http://h/{edition}/{year}/{period}/{borough}/{borough_name}.pdf"
    items = items_from_template(template, ["2009/10", "2007-08", ""],
                                ["kensington and chelsea", "Barnet", ""])
    assert [(i.url, i.area, i.period) for i in items] == [
        ("http://h/2010/2009/2009-10/kensington-and-chelsea/Kensington and Chelsea.pdf",
         "Kensington and Chelsea", "2009/10"),
        ("http://h/2010/2009/2009-10/barnet/Barnet.pdf", "Barnet", "2009/10"),
        ("http://h/2008/2007/2007-08/kensington-and-chelsea/Kensington and Chelsea.pdf",
         "Kensington and Chelsea", "2007/08"),
        ("http://h/2008/2007/2007-08/barnet/Barnet.pdf", "Barnet", "2007/08"),
    ]
    assert len(items_from_template("http://h/{borough}.pdf", ["2010/11"])) == 32
    with pytest.raises(BadManifest) as error:
        items_from_template("http://h/{area}.pdf", ["2010/11"])
    assert str(error.value) == ("unknown placeholder 'area' in URL template; use {period}, "
                                "{year}, {edition}, {borough}, {borough_name}")


def test_a_manifest_with_an_unknown_area_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,area,period\nhttp://x/a.pdf,Atlantis,2009/10\n")
    with pytest.raises(BadManifest) as error:
        read_manifest(manifest)
    assert str(error.value) == f"{manifest} item 1: unknown area 'Atlantis'"


def test_a_run_stopped_before_recording_resumes_from_the_store(server, client,
                                                              tmp_path: Path) -> None:
    """Files fetched by a run killed before it wrote to the warehouse are not fetched again."""
    urls = [f"{server.base}/pdf/{BARNET}?stopped={n}" for n in range(3)]
    stored = fetch_url(client, urls[0], tmp_path, FAST)
    fetch_url(client, urls[1], tmp_path, FAST)
    (tmp_path / "junk.json").write_text("{not json")
    items = [ManifestItem(url=url) for url in urls] + [ManifestItem(path="/x.pdf")]
    plan = plan_backfill(items, tmp_path / "none.db", tmp_path)
    assert plan.urls == [urls[2]]
    assert plan.known == {urls[0]: stored.document_id, urls[1]: stored.document_id}
    assert [r.url for r in plan.recovered] == urls[:2]  # stored, never recorded
    (tmp_path / f"{stored.document_id}.pdf").unlink()  # a sidecar without its bytes is no copy
    assert len(plan_backfill(items, tmp_path / "none.db", tmp_path).urls) == 3
