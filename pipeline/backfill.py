"""The backfill stages: plan what to fetch, fetch and copy into the raw store, record what was
stored, then (after the ingest stages) record where each document came from and whether it is
what the manifest expected.

Every item's failure is the item's, never the run's: a URL's is recorded in `fetches` with its
reason (`pipeline.fetch`), and so is a local path refused or unreadable (`pipeline.local_items`:
only regular files under the manifest's folder or an `--allow-root`, within the byte cap). The
report counts each one: a refused item is failed, a document that could not be read is
quarantined, whether or not its item said what it should be.

The warehouse's `fetches` table makes a backfill resumable: a URL fetched before is not fetched
again, nor is one refused for good (404, not a PDF, too large); one that failed transiently
(5xx, timeout) is tried again on the next run. A local path whose bytes the store holds from
that path already is not copied again, so a re-run of the same manifest changes neither the
store nor the warehouse; a run with nothing to fetch, copy or extract runs without Prefect.

A backfilled document's `source` is where it came from (the manifest's URL, or its path
relative to the manifest's folder: `ManifestItem.recorded_source`), never its copy in the raw
store: that is `<raw>/<document_id>.pdf` whatever the document, and the raw store may move
(`$LPS_RAW`), while the URL is what a researcher can cite and open.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from extractors import EXTRACTOR_VERSION
from pipeline.deadline import allow_downloads, stop_downloads
from pipeline.fetch import FetchPolicy, FetchResult, RateLimiter, fetch_url, open_client
from pipeline.local_items import copy_local_items, read_local_item
from pipeline.manifest import ManifestItem
from pipeline.plan import IngestPlan, settled_documents
from pipeline.rawstore import has_origin, raw_path, stored_origins
from pipeline.settings import Settings
from pipeline.sources import Candidate, Unreadable
from warehouse import WarehouseMissing, open_warehouse, record_source, utc_now, write_transaction
from warehouse.archive import fetched_urls, record_expectation, record_fetch

__all__ = [
    "Acquired",
    "BackfillPlan",
    "BackfillSummary",
    "acquire",
    "acquired",
    "check_expectations",
    "copy_paths",
    "fetch_urls",
    "finish_backfill",
    "plan_backfill",
    "record_origins",
    "stored_plan",
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


@dataclass(frozen=True)
class BackfillPlan:
    """What a backfill must do: URLs to download, local paths to copy, and what is known."""

    items: list[ManifestItem]
    raw_dir: str
    urls: list[str]  # to download now
    paths: list[Candidate | Unreadable]  # local files not yet in the store from that path
    stored_paths: dict[str, str]  # local path -> document id, in the store from it already
    known: dict[str, str]  # URL -> document id, fetched before
    recovered: list[FetchResult]  # in the store, but the run that fetched them never recorded
    refused_before: list[tuple[str, str]]  # (URL, reason) refused for good on an earlier run
    path_roots: dict[str, tuple[str, ...]]  # local path -> the folders it may be read from
    max_bytes: int  # the cap a local file is read under

    @property
    def acquires_nothing(self) -> bool:
        """Whether the run downloads and copies nothing (so may need no Prefect at all): a path
        refused or unreadable at planning is only recorded as a failure."""
        return not self.urls and not any(isinstance(p, Candidate) for p in self.paths)


def _previous_fetches(db_path: str | Path) -> dict[str, dict[str, Any]]:
    try:
        db = open_warehouse(db_path, writable=False)
    except WarehouseMissing:
        return {}
    with db:
        return fetched_urls(db)


def _to_fetch(items: Sequence[ManifestItem], previous: dict[str, dict[str, Any]],
              raw_dir: Path, retry_refused: bool) -> tuple[list[str], dict[str, str]]:
    """URLs to download now (each once), and the document id of each already fetched.

    Not fetched again: a URL whose bytes are in the store (by the `fetches` table, or by the
    store's own sidecars when an earlier run stopped before recording), or one refused for good
    (unless `retry_refused`: the archive may have fixed it since).
    """
    todo: dict[str, None] = {}
    known: dict[str, str] = {}
    stored = stored_origins(raw_dir)
    for item in items:
        if item.url is None:
            continue
        row = previous.get(item.url)
        if row and row["status"] == "fetched" and raw_path(raw_dir, row["document_id"]).exists():
            known[item.url] = row["document_id"]
        elif row and row["status"] == "failed" and not row["transient"] and not retry_refused:
            continue
        elif item.url in stored:
            known[item.url] = stored[item.url]
        else:
            todo.setdefault(item.url, None)
    return list(todo), known


def plan_backfill(items: Sequence[ManifestItem], db_path: str | Path, raw_dir: str | Path,
                  max_bytes: int | None = None, retry_refused: bool = False) -> BackfillPlan:
    """What a backfill of `items` must do, from the warehouse (read-only) and the raw store.

    Each local path is checked and hashed here (`pipeline.local_items`), under `max_bytes`
    (default: `LPS_MAX_BYTES`): one refused is planned as a failure with its reason. A URL an
    earlier run refused for good is listed as refused, or with `retry_refused` asked again."""
    raw = Path(raw_dir)
    cap = max_bytes if max_bytes is not None else Settings.from_env().max_bytes
    previous = _previous_fetches(db_path)
    urls, known = _to_fetch(items, previous, raw, retry_refused)
    paths: dict[str, Candidate | Unreadable] = {}
    stored_paths: dict[str, str] = {}
    for item in items:
        if item.path is None or item.path in stored_paths or item.path in paths:
            continue
        reading = read_local_item(item.path, item.roots, cap)  # the one hash of this file
        if isinstance(reading, Candidate) and has_origin(raw, reading.document_id, item.path):
            stored_paths[item.path] = reading.document_id
        else:
            paths[item.path] = reading
    recovered = [FetchResult(url, sha, raw_path(raw, sha).stat().st_size)
                 for url, sha in known.items() if previous.get(url, {}).get("status") != "fetched"]
    wanted = {item.url for item in items if item.url}
    refused = [(row["url"], f"{row['reason']} (earlier run)") for row in previous.values()
               if row["status"] == "failed" and not row["transient"] and row["url"] in wanted
               and not retry_refused]
    roots = {item.path: item.roots for item in items if item.path is not None}
    return BackfillPlan(list(items), str(raw), urls, list(paths.values()), stored_paths, known,
                        recovered, refused, roots, cap)


def fetch_urls(urls: list[str], raw_dir: str, policy: FetchPolicy) -> list[FetchResult]:
    """Download `urls` into the raw store, `policy.concurrency` at a time, rate-limited."""
    limiter = RateLimiter(policy.rate)
    allow_downloads()
    with open_client(policy) as client, \
            ThreadPoolExecutor(max_workers=max(1, policy.concurrency)) as pool:
        try:
            return list(pool.map(
                lambda url: fetch_url(client, url, Path(raw_dir), policy, limiter), urls))
        except BaseException:  # SIGTERM (Prefect's TerminationSignal), Ctrl-C: the pool's
            stop_downloads()  # exit waits for its threads, which now end within a second
            raise


def copy_paths(plan: BackfillPlan) -> list[FetchResult]:
    """Copy the manifest items given as local paths into the raw store (no network), under the
    identity planning read: what was copied, or why it could not be."""
    return copy_local_items(plan.paths, Path(plan.raw_dir), plan.path_roots, plan.max_bytes)


@dataclass(frozen=True)
class Acquired:
    """What the raw store holds for the manifest after fetching and copying."""

    ids: dict[str, str]  # item source (URL or path) -> document id
    summary: BackfillSummary

    def raw_files(self, raw_dir: str) -> list[str]:
        """The store's copy of each distinct document, to ingest."""
        return [str(raw_path(Path(raw_dir), d)) for d in sorted(set(self.ids.values()))]


def acquired(plan: BackfillPlan, fetched: list[FetchResult], copied: list[FetchResult]
             ) -> Acquired:
    """What the store holds for the manifest once `fetched` and `copied` are in it."""
    summary = BackfillSummary(items=len(plan.items),
                              already_fetched=len(plan.known) + len(plan.stored_paths))
    ids = dict(plan.known) | plan.stored_paths
    for result in fetched + copied:
        if result.document_id:
            ids[result.url] = result.document_id
        else:
            summary.failures.append((result.url, result.reason or "unknown"))
    summary.downloaded = sum(1 for r in fetched if r.document_id)
    summary.copied = sum(1 for r in copied if r.document_id)
    summary.failures += plan.refused_before
    summary.documents = len(set(ids.values()))
    return Acquired(ids, summary)


def acquire(db_path: str | Path, plan: BackfillPlan, fetched: list[FetchResult],
            copied: list[FetchResult]) -> Acquired:
    """Record each fetch's outcome in `fetches` (and each path that could not be copied);
    what the store holds for the manifest."""
    now = utc_now()
    results = fetched + plan.recovered + [r for r in copied if r.document_id is None]
    recorded = {item.source: item.recorded_source for item in plan.items}
    if results:
        with open_warehouse(db_path) as db, write_transaction(db):
            for result in results:
                row = asdict(result)
                row["url"] = recorded.get(result.url, result.url)  # a path: as the warehouse
                row["status"] = "fetched" if result.document_id else "failed"
                record_fetch(db, {**row, "fetched_at": now})
    return acquired(plan, fetched, copied)


def stored_plan(acquired: Acquired, raw_dir: str, db_path: str | Path) -> IngestPlan:
    """The ingest plan of the stored documents the warehouse has not settled. The store is
    content-addressed (`<sha256>.pdf`, written only once its bytes were hashed), so a copy's
    name is its identity and nothing is hashed again."""
    settled = settled_documents(db_path, EXTRACTOR_VERSION)
    candidates = []
    for document_id in sorted(set(acquired.ids.values()) - settled):
        path = raw_path(Path(raw_dir), document_id)
        stat = path.stat()
        candidates.append(Candidate(str(path), document_id, stat.st_size, stat.st_mtime_ns))
    return IngestPlan(len(candidates), candidates, [], [])


def record_origins(db_path: str | Path, raw_dir: str, items: Sequence[ManifestItem],
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
            first.setdefault(document_id, item.recorded_source)
            record_source(db, document_id, item.recorded_source, seen_at=now)
        for document_id, origin in first.items():
            copy = str(raw_path(Path(raw_dir), document_id))
            db.table("document_sources").delete_where(
                "document_id = ? and source = ?", [document_id, copy])
            changed += db.execute("UPDATE documents SET source = ? WHERE document_id = ? AND "
                                  "source = ?", [origin, document_id, copy]).rowcount
    return changed


def _verdict(doc: dict[str, Any], item: ManifestItem) -> tuple[str, str | None]:
    if doc["status"] != "loaded":
        return "quarantined", doc["reason"]
    wrong = [f"{what} is {got!r}, expected {want!r}" for what, got, want in
             (("area", doc["area"], item.area), ("period", doc["period"], item.period))
             if want is not None and got != want]
    return ("mismatch", "; ".join(wrong)) if wrong else ("match", None)


def check_expectations(db_path: str | Path, items: Sequence[ManifestItem], ids: dict[str, str]
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
            if document_id is None or not found or (item.area is None and item.period is None):
                continue
            doc = found[0]
            verdict, detail = _verdict(doc, item)
            row = {
                "document_id": document_id, "source": item.recorded_source,
                "expected_area": item.area, "expected_period": item.period,
                "found_area": doc["area"], "found_period": doc["period"],
                "verdict": verdict, "detail": detail, "checked_at": now,
            }
            held = list(db.table("document_expectations").rows_where(
                "document_id = ? and source = ?", [document_id, item.recorded_source]))
            if held and {**held[0], "checked_at": now} == row:
                row = held[0]
            else:
                record_expectation(db, row)
            rows.append(row)
    return rows


def finish_backfill(db_path: str | Path, plan: BackfillPlan, acquired: Acquired, loaded: int,
                    flow_run_id: str | None = None) -> BackfillSummary:
    """Record origins and verdicts once the stored documents are ingested; the summary.

    The summary names each item by its source as given on this machine (a path absolute), and
    counts every quarantined document of the manifest once, whether or not its item said what
    it should be."""
    summary = acquired.summary
    summary.loaded, summary.flow_run_id = loaded, flow_run_id
    record_origins(db_path, plan.raw_dir, plan.items, acquired.ids)
    given = {item.recorded_source: item.source for item in plan.items}
    for row in check_expectations(db_path, plan.items, acquired.ids):
        if row["verdict"] == "mismatch":
            summary.mismatches.append((given.get(row["source"], row["source"]), row["detail"]))
    summary.quarantined = _quarantined(db_path, plan.items, acquired.ids)
    return summary


def _quarantined(db_path: str | Path, items: Sequence[ManifestItem], ids: dict[str, str]
                 ) -> list[tuple[str, str]]:
    """(first item's source, reason) of each quarantined document of the manifest, in order."""
    wanted = {ids[item.source] for item in items if item.source in ids}
    with open_warehouse(db_path, writable=False) as db:
        reasons = {row["document_id"]: row["reason"] for row in db.query(
            "SELECT document_id, reason FROM documents WHERE status = 'quarantined'")
            if row["document_id"] in wanted}
    found: dict[str, tuple[str, str]] = {}
    for item in items:
        document_id = ids.get(item.source, "")
        if document_id in reasons and document_id not in found:
            found[document_id] = (item.source, reasons[document_id] or "")
    return list(found.values())
