"""The backfill flow: fetch a manifest's leaflets into the raw store, then ingest them.

Fetching is I/O and is done by `flows.fetch` (its own retries, on transient failures only).
Ingesting reuses `flows.ingest.ingest_flow` on the stored files, so extraction and loading are
exactly those of `lps ingest`. The warehouse's `fetches` table makes a backfill resumable: a URL
fetched before is not fetched again, nor is one refused for good (404, not a PDF, too large);
one that failed transiently (5xx, timeout) is tried again on the next run. A local path whose
bytes the store holds from that path already is not copied again, so a re-run of the same
manifest changes neither the store nor the warehouse.

A backfilled document's `source` is where it came from (the manifest's URL or path), never its
copy in the raw store: that is `<raw>/<document_id>.pdf` whatever the document, and the raw
store may move (`$LPS_RAW`), while the URL is what a researcher can cite and open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context

from extractors import EXTRACTOR_VERSION
from flows.fetch import FetchPolicy, FetchResult, RateLimiter, fetch_url
from flows.ingest import hash_and_skip_known, ingest_flow, prepare_warehouse
from flows.manifest import ManifestItem
from flows.rawstore import has_origin, raw_path, store_copy, stored_origins
from flows.runtime import local_prefect_api
from warehouse import open_warehouse, record_source, utc_now, write_transaction
from warehouse.archive import fetched_urls, record_expectation, record_fetch

__all__ = [
    "BackfillSummary",
    "backfill_flow",
    "check_expectations",
    "fetch_items",
    "items_to_fetch",
    "record_origins",
    "run_backfill",
]


@dataclass
class BackfillSummary:
    """What a backfill did, item by item where it matters."""

    items: int = 0
    downloaded: int = 0  # fetched over the network this run
    already_fetched: int = 0  # in the store from an earlier run, not fetched or copied again
    copied: int = 0  # local paths copied into the raw store this run
    failures: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    mismatches: list[tuple[str, str]] = field(default_factory=list)  # (source, detail)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    loaded: int = 0
    documents: int = 0  # distinct documents the manifest resolved to
    flow_run_id: str | None = None

    def to_text(self) -> str:
        lines = [
            f"{self.items} items: {self.downloaded} downloaded, {self.already_fetched} fetched "
            f"before, {self.copied} copied from disk, {len(self.failures)} failed",
            f"{self.documents} distinct documents: {self.loaded} newly loaded, "
            f"{len(self.quarantined)} quarantined, {len(self.mismatches)} not what the manifest "
            "expected",
        ]
        lines += [f"  failed: {source}: {reason}" for source, reason in self.failures]
        lines += [f"  unexpected: {source}: {detail}" for source, detail in self.mismatches]
        lines += [f"  quarantined: {source}: {reason}" for source, reason in self.quarantined]
        return "\n".join(lines)


def items_to_fetch(items: Sequence[ManifestItem], previous: dict[str, dict[str, Any]],
                   raw_dir: Path) -> tuple[list[ManifestItem], dict[str, str]]:
    """URL items to download now, and the document id of each already fetched.

    Not fetched again: a URL whose bytes are in the store (by the `fetches` table, or by the
    store's own sidecars when an earlier run stopped before recording), or one refused for good.
    """
    todo: list[ManifestItem] = []
    known: dict[str, str] = {}
    stored = stored_origins(raw_dir)
    for item in items:
        if item.url is None:
            continue
        row = previous.get(item.url)
        if row and row["status"] == "fetched" and raw_path(raw_dir, row["document_id"]).exists():
            known[item.url] = row["document_id"]
        elif row and row["status"] == "failed" and not row["transient"]:
            continue
        elif item.url in stored:
            known[item.url] = stored[item.url]
        elif item.url not in known:
            todo.append(item)
    return list({item.url: item for item in todo}.values()), known


@task(cache_policy=NO_CACHE)
def fetch_items(urls: list[str], raw_dir: str, policy: FetchPolicy) -> list[FetchResult]:
    """Download `urls` into the raw store, `policy.concurrency` at a time, rate-limited."""
    limiter = RateLimiter(policy.rate)
    timeout = httpx.Timeout(policy.timeout)
    headers = {"user-agent": "policing-summaries-backfill (+archival; polite)"}
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=True) as client, \
            ThreadPoolExecutor(max_workers=max(1, policy.concurrency)) as pool:
        return list(pool.map(lambda url: fetch_url(client, url, Path(raw_dir), policy, limiter),
                             urls))


@task(cache_policy=NO_CACHE)
def copy_paths(items: list[ManifestItem], raw_dir: str
               ) -> tuple[list[FetchResult], list[FetchResult]]:
    """Copy manifest items given as local paths into the raw store (no network).

    Returns what was copied (or could not be read), and what the store held from that path
    already: those bytes are neither copied again nor given a second origin entry.
    """
    copied, stored = [], []
    for item in items:
        assert item.path is not None
        try:
            data = Path(item.path).read_bytes()
        except OSError as error:
            copied.append(FetchResult(item.path, reason=f"cannot read: {error.strerror}"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        result = FetchResult(item.path, sha, len(data))
        if has_origin(Path(raw_dir), sha, item.path):
            stored.append(result)
        else:
            store_copy(Path(raw_dir), Path(item.path), sha)
            copied.append(result)
    return copied, stored


@task(cache_policy=NO_CACHE)
def record_fetches(db_path: str, results: list[FetchResult]) -> None:
    """Remember each outcome (url -> sha256, or the reason), and the URL as a document source."""
    now = utc_now()
    with open_warehouse(db_path) as db, write_transaction(db):
        for result in results:
            row = asdict(result)
            row["status"] = "fetched" if result.document_id else "failed"
            record_fetch(db, {**row, "fetched_at": now})


@task(cache_policy=NO_CACHE)
def record_origins(db_path: str, raw_dir: str, items: Sequence[ManifestItem],
                   ids: dict[str, str]) -> int:
    """Record every item's URL or path as a source of its document, and make the first one (in
    manifest order) the `source` of a document the ingest named by its raw-store copy.

    The copy's path is dropped from `document_sources`: it is derivable from the document id,
    and is not a place the document came from. A document first ingested from elsewhere (by
    `lps ingest`) keeps that source. Returns the number of documents whose source changed.
    """
    now, changed = utc_now(), 0
    first: dict[str, str] = {}  # document id -> its first origin
    with open_warehouse(db_path) as db, write_transaction(db):
        for item in items:
            document_id = ids.get(item.source)
            if document_id is None or not db.table("documents").count_where(
                    "document_id = ?", [document_id]):
                continue
            first.setdefault(document_id, item.source)
            record_source(db, document_id, item.source, seen_at=now)
        for document_id, origin in first.items():
            copy = str(raw_path(Path(raw_dir), document_id))
            db.table("document_sources").delete_where(
                "document_id = ? and source = ?", [document_id, copy])
            changed += db.execute("UPDATE documents SET source = ? WHERE document_id = ? AND "
                                  "source = ?", [origin, document_id, copy]).rowcount
    return changed


def check_expectations(db_path: str, items: Sequence[ManifestItem], ids: dict[str, str]
                       ) -> list[dict[str, Any]]:
    """Compare what each item was expected to be with what its document says; store verdicts.

    A verdict the warehouse holds already is left as it is (with the time it was first
    reached), so checking again changes nothing unless the answer changed."""
    rows = []
    now = utc_now()
    with open_warehouse(db_path) as db, write_transaction(db):
        for item in items:
            document_id = ids.get(item.source)
            found = list(db.table("documents").rows_where("document_id = ?", [document_id]))
            if document_id is None or not found:
                continue
            doc = found[0]
            if item.area is None and item.period is None:
                continue
            if doc["status"] != "loaded":
                verdict, detail = "quarantined", doc["reason"]
            else:
                wrong = [f"{what} is {got!r}, expected {want!r}" for what, got, want in
                         (("area", doc["area"], item.area), ("period", doc["period"], item.period))
                         if want is not None and got != want]
                verdict, detail = ("mismatch", "; ".join(wrong)) if wrong else ("match", None)
            row = {
                "document_id": document_id, "source": item.source,
                "expected_area": item.area, "expected_period": item.period,
                "found_area": doc["area"], "found_period": doc["period"],
                "verdict": verdict, "detail": detail, "checked_at": now,
            }
            held = list(db.table("document_expectations").rows_where(
                "document_id = ? and source = ?", [document_id, item.source]))
            if held and {**held[0], "checked_at": now} == row:
                row = held[0]
            else:
                record_expectation(db, row)
            rows.append(row)
    return rows


@flow(name="backfill-local-policing-summaries", validate_parameters=False)
def backfill_flow(items: list[ManifestItem], db_path: str, raw_dir: str,
                  policy: FetchPolicy | None = None, workers: int | None = None
                  ) -> BackfillSummary:
    """Fetch `items` into `raw_dir`, ingest what was stored, and check it against the manifest."""
    logger = get_run_logger()
    policy = policy or FetchPolicy()
    raw = Path(raw_dir)
    raw.mkdir(parents=True, exist_ok=True)
    prepare_warehouse(db_path)
    with open_warehouse(db_path) as db:
        previous = fetched_urls(db)
    todo, known = items_to_fetch(items, previous, raw)
    summary = BackfillSummary(items=len(items), already_fetched=len(known))
    flow_run = getattr(get_run_context(), "flow_run", None)
    summary.flow_run_id = str(flow_run.id) if flow_run is not None else None
    logger.info("%d items: %d URLs to fetch, %d fetched before", len(items), len(todo), len(known))
    fetched = fetch_items([item.url or "" for item in todo], raw_dir, policy) if todo else []
    copied, stored = (copy_paths([i for i in items if i.path], raw_dir)
                      if any(i.path for i in items) else ([], []))
    recovered = [  # in the store, but the run that fetched them stopped before recording
        FetchResult(url, sha, raw_path(raw, sha).stat().st_size)
        for url, sha in known.items() if previous.get(url, {}).get("status") != "fetched"
    ]
    record_fetches(db_path, fetched + recovered + [r for r in copied if r.document_id is None])
    ids = dict(known) | {result.url: result.document_id for result in stored
                         if result.document_id}
    for result in fetched + copied:
        if result.document_id:
            ids[result.url] = result.document_id
        else:
            summary.failures.append((result.url, result.reason or "unknown"))
    summary.downloaded = sum(1 for r in fetched if r.document_id)
    summary.copied = sum(1 for r in copied if r.document_id)
    summary.already_fetched += len(stored)
    for row in previous.values():  # refused for good on an earlier run, still failed
        if row["status"] == "failed" and not row["transient"] and any(
                i.url == row["url"] for i in items):
            summary.failures.append((row["url"], f"{row['reason']} (earlier run)"))
    documents = sorted(set(ids.values()))
    summary.documents = len(documents)
    # only what the warehouse has not settled: a settled copy would be recorded as a source
    plan = hash_and_skip_known([str(raw_path(raw, d)) for d in documents], db_path,
                               EXTRACTOR_VERSION)
    if plan.candidates:
        ingested = ingest_flow(paths=[c.source for c in plan.candidates], db_path=db_path,
                               workers=workers)
        summary.loaded = ingested.loaded
    record_origins(db_path, raw_dir, items, ids)
    for row in check_expectations(db_path, items, ids):
        if row["verdict"] == "mismatch":
            summary.mismatches.append((row["source"], row["detail"]))
        elif row["verdict"] == "quarantined":
            summary.quarantined.append((row["source"], row["detail"]))
    return summary


def run_backfill(items: list[ManifestItem], db_path: str, raw_dir: str,
                 policy: FetchPolicy | None = None, workers: int | None = None
                 ) -> BackfillSummary:
    """Run `backfill_flow` the way `lps backfill` does (see `flows.ingest.run_ingest`)."""
    with local_prefect_api() as api:
        summary = backfill_flow(items=items, db_path=db_path, raw_dir=raw_dir, policy=policy,
                                workers=workers)
        if summary.flow_run_id:
            api.flow_run_ids.append(summary.flow_run_id)
    return summary
