"""Downloading into the raw store against a local server: what is retried, what is refused."""

from __future__ import annotations

import json
import time
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


# --- hostile servers: every failure is the URL's, with a reason; none is retried for ever -------


def test_a_redirect_loop_is_refused_once_with_its_chain(server, client, tmp_path: Path) -> None:
    url = f"{server.base}/loop/{BARNET}?unit"
    result = fetch_url(client, url, tmp_path, FAST)
    assert (result.document_id, result.transient, result.attempts) == (None, False, 1)
    assert result.reason == (f"redirect loop: {url} -> {server.base}/loop2/{BARNET} -> "
                             f"{server.base}/loop/{BARNET} -> {server.base}/loop2/{BARNET}")
    assert server.requests[f"/loop/{BARNET}?unit"] == 1  # asked once: a loop is an answer
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("target", "scheme"), [
    ("data:application/pdf;base64,JVBERi0xLjQK", "data"),
    ("file:///etc/passwd", "file"),
    ("ftp://127.0.0.1/barnet.pdf", "ftp"),
])
def test_a_redirect_out_of_http_is_refused_for_good(server, client, tmp_path: Path,
                                                     target: str, scheme: str) -> None:
    url = f"{server.base}/to/x.pdf?{target}"
    result = fetch_url(client, url, tmp_path, FAST)
    assert result.reason == (f"refused redirect to {target!r}: scheme {scheme!r} is not http "
                             "or https")
    assert (result.transient, result.attempts) == (False, 1)  # never asked again
    assert server.requests[f"/to/x.pdf?{target}"] == 1
    assert list(tmp_path.iterdir()) == []


def test_a_redirect_to_another_port_is_refused_before_it_is_asked(server, client,
                                                                   tmp_path: Path) -> None:
    with leaflet_server() as other:
        port = other.server_address[1]
        target = f"{other.base}/pdf/{BARNET}"
        result = fetch_url(client, f"{server.base}/to/x.pdf?{target}", tmp_path, FAST)
        assert sum(other.requests.values()) == 0  # the other service never heard from us
    assert result.reason == (f"refused redirect to {target!r}: port {port} is neither the "
                             f"first URL's ({server.server_address[1]}) nor the default for "
                             "http (80)")
    assert (result.document_id, result.transient) == (None, False)


def test_a_redirect_with_credentials_is_refused_and_they_are_not_kept(server, client,
                                                                      tmp_path: Path) -> None:
    port = server.server_address[1]
    target = f"http://archivist:s3cret@127.0.0.1:{port}/pdf/{BARNET}?credentials"
    result = fetch_url(client, f"{server.base}/to/x.pdf?{target}", tmp_path, FAST)
    assert result.reason == (f"refused redirect to 'http://***@127.0.0.1:{port}/pdf/{BARNET}"
                             "?credentials': it carries credentials")
    assert result.transient is False
    assert server.requests[f"/pdf/{BARNET}?credentials"] == 0


def test_a_redirect_within_the_rules_is_followed(server, client, tmp_path: Path) -> None:
    """Same host and port, relative Location: followed, and stored under the manifest's URL."""
    url = f"{server.base}/to/x.pdf?/pdf/{BARNET}"
    result = fetch_url(client, url, tmp_path, FAST)
    assert result.reason is None and result.attempts == 1
    assert (tmp_path / f"{result.document_id}.pdf").read_bytes() == (PDFS / BARNET).read_bytes()
    sidecar = json.loads((tmp_path / f"{result.document_id}.json").read_text())
    assert [o["source"] for o in sidecar["origins"]] == [url]


def test_a_body_whose_compression_is_corrupt_is_refused(server, client, tmp_path: Path) -> None:
    result = fetch_url(client, f"{server.base}/gzip/{BARNET}", tmp_path, FAST)
    assert result.reason == ("corrupt body: it says Content-Encoding: gzip but does not decode "
                             "(Error -3 while decompressing data: incorrect header check); the "
                             "server's copy is damaged")
    assert (result.transient, result.attempts) == (False, 1)
    assert list(tmp_path.iterdir()) == []


def test_a_trickling_server_is_cut_off_at_the_deadline(server, client, tmp_path: Path) -> None:
    """One byte every 0.1 s, each read well within the 0.3 s timeout: only the overall
    deadline (1 s here, 120 s by default) stops it, and it is transient (asked again later)."""
    size = (PDFS / BARNET).stat().st_size
    started = time.monotonic()
    result = fetch_url(client, f"{server.base}/trickle/{BARNET}", tmp_path,
                       replace(FAST, deadline=1.0, retries=0))
    took = time.monotonic() - started
    assert 1.0 <= took < 2.5  # the deadline, not the server's 10 s of trickling
    assert result.reason is not None and result.transient and result.attempts == 1
    received = int(result.reason.split()[2].replace(",", ""))
    assert 1 <= received <= 20
    assert result.reason == (f"too slow: {received} of {size:,} bytes received when the 1 s "
                             "deadline of one download ran out (--deadline) (after 1 attempts)")
    assert list(tmp_path.iterdir()) == []


def test_the_deadline_covers_a_download_that_is_not_yet_answering(server, client,
                                                                  tmp_path: Path) -> None:
    """`/slow` answers after 1 s: with a 5 s read timeout, the 0.5 s deadline still wins."""
    started = time.monotonic()
    result = fetch_url(client, f"{server.base}/slow/{BARNET}?deadline", tmp_path,
                       replace(FAST, timeout=5.0, deadline=0.5, retries=0))
    assert time.monotonic() - started < 2.0
    assert result.reason == ("too slow: 0 bytes received when the 0.5 s deadline of one "
                             "download ran out (--deadline) (after 1 attempts)")


# --- manifests that contradict themselves -----------------------------------------------------


def test_one_url_twice_with_different_expectations_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("url,area,period\n"
                        "http://h/barnet.pdf,Barnet,2009/10\n"
                        "http://h/camden.pdf,Camden,2009/10\n"
                        "http://h/barnet.pdf,Barnet,2010/11\n")
    with pytest.raises(BadManifest) as error:
        read_manifest(manifest)
    assert str(error.value) == (
        f"{manifest}: items 1 and 3 both name http://h/barnet.pdf but expect different things "
        "(area Barnet, period 2009/10; area Barnet, period 2010/11): keep one")
    manifest.write_text("path,area\nleaflets/a.pdf,Barnet\n./leaflets/a.pdf,\n")
    with pytest.raises(BadManifest) as error:
        read_manifest(manifest)
    assert str(error.value) == (
        f"{manifest}: items 1 and 2 both name {tmp_path}/leaflets/a.pdf but expect different "
        "things (area Barnet; nothing): keep one")
    manifest.write_text("url,area\nhttp://h/barnet.pdf,Barnet\nhttp://h/barnet.pdf,barnet\n")
    assert len(read_manifest(manifest)) == 2  # the same expectation twice is no contradiction


def test_a_url_template_that_gives_one_url_for_two_boroughs_is_refused() -> None:
    with pytest.raises(BadManifest) as error:
        items_from_template("http://h/{period}.pdf", ["2009/10"], ["Barnet", "Camden"])
    assert str(error.value) == (
        "--url-template: items 1 and 2 both name http://h/2009-10.pdf but expect different "
        "things (area Barnet, period 2009/10; area Camden, period 2009/10): keep one")
