"""The backfill flow end to end: 100+ URLs with failures, a resumed run, and coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import needs_fixtures
from leaflet_server import leaflet_server

from flows.backfill import backfill_flow
from flows.fetch import FetchPolicy
from flows.manifest import read_manifest
from warehouse import open_warehouse

pytestmark = [pytest.mark.usefixtures("prefect_api"), needs_fixtures]

FAST = FetchPolicy(timeout=0.3, retries=2, backoff=0.01, max_bytes=1_000_000, concurrency=4,
                   rate=1000)
GOOD = [("2009-10", "barnet"), ("2009-10", "camden"), ("2008-09", "lambeth"),
        ("2010-11", "brent"), ("2007-08", "hackney"), ("2009-10", "croydon")]
FAILING = {
    "missing/2009-10/nowhere.pdf": "HTTP 404 Not Found",
    "down/2009-10/ealing.pdf": "HTTP 503 Service Unavailable (after 3 attempts)",
    "slow/2009-10/bexley.pdf": "timed out (ReadTimeout) (after 3 attempts)",
    "html/2009-10/brent.pdf": "not a PDF: content type text/html",
    "huge/2009-10/harrow.pdf": "too large: over 1000000 bytes, stopped",
}


def _manifest(base: str, folder: Path) -> Path:
    entries = [
        {"url": f"{base}/pdf/{period}/{slug}.pdf?copy={n}", "area": slug,
         "period": period.replace("-", "/")}
        for n in range(18) for period, slug in GOOD
    ]
    entries += [{"url": f"{base}/{path}"} for path in FAILING]
    entries += [
        {"url": f"{base}/truncated/2009-10/enfield.pdf"},
        {"url": f"{base}/flaky/2009-10/greenwich.pdf", "area": "Greenwich", "period": "2009/10"},
        # the manifest says Hackney, the leaflet says Camden
        {"url": f"{base}/pdf/2009-10/camden.pdf?mislabelled", "area": "Hackney",
         "period": "2009/10"},
        {"url": f"{base}/pdf/bad/unrelated.pdf", "area": "Haringey", "period": "2010/11"},
    ]
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(entries))
    return manifest


def test_a_backfill_records_failures_and_resumes_without_fetching(tmp_path: Path) -> None:
    db_path, raw = tmp_path / "lps.db", tmp_path / "raw"
    with leaflet_server() as server:
        items = read_manifest(_manifest(server.base, tmp_path))
        assert len(items) == 117
        first = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw), policy=FAST,
                              workers=1)
        requests_after_first = sum(server.requests.values())
        second = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw),
                               policy=FAST, workers=1)
        second_requests = server.requests.total() - requests_after_first

    assert (first.items, first.downloaded, first.documents, first.loaded) == (117, 111, 8, 7)
    failures = dict(first.failures)
    assert {url.split("/", 3)[3]: failures[url] for url in failures
            if "truncated" not in url} == FAILING
    assert len(failures) == 6
    assert first.mismatches == [(f"{items[115].url}",
                                 "area is 'Camden', expected 'Hackney'")]
    assert [source for source, _ in first.quarantined] == [items[116].url]

    # the second run downloads nothing; only the transient failures are asked again
    assert (second.downloaded, second.already_fetched, second.loaded) == (0, 111, 0)
    assert second_requests == 3 * 3  # 503, slow and truncated, each with its retries
    assert len(second.failures) == 6

    db = open_warehouse(db_path)
    fetches = {row["url"]: row for row in db.table("fetches").rows}
    assert len(fetches) == 117  # one row per URL, with its outcome
    assert sum(row["status"] == "failed" for row in fetches.values()) == 6
    assert sorted(p.suffix for p in raw.iterdir()) == [".json"] * 8 + [".pdf"] * 8
    coverage = {(r["area"], r["period"]): r["status"] for r in db.query(
        "SELECT area, period, status FROM coverage WHERE status != 'missing'")}
    assert coverage[("Haringey", "2010/11")] == "quarantined"
    assert coverage[("Barnet", "2009/10")] == "loaded"
