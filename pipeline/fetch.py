"""Downloading leaflets politely into the content-addressed raw store.

Plain functions over an `httpx.Client`, no Prefect, so the rules (what is retried, what is too
large, what is not a PDF) are tested against a local server. Every file fetched is kept unedited
as `<raw>/<sha256>.pdf`, beside `<sha256>.json` listing every URL and time it was fetched from
(see `pipeline.rawstore`). Only transient failures are retried, with exponential backoff:
connection errors, timeouts, an incomplete body, 5xx and 429 (waiting as long as the server's
`Retry-After` asks, up to a minute). A 404 or an HTML page is an answer, and asking again would
get the same one.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from pipeline.rawstore import store_file
from pipeline.safety import UnsafeInput, capped_chunks, check_url
from pipeline.sources import DocumentHasher

__all__ = ["FetchPolicy", "FetchResult", "RateLimiter", "fetch_url"]

_PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to download."""

    max_bytes: int  # largest file accepted (`Settings.max_bytes`, or `lps backfill --max-mb`)
    timeout: float = 30.0  # seconds per connect / read
    retries: int = 3  # further attempts after a transient failure
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    concurrency: int = 4  # downloads at once
    rate: float = 2.0  # requests per second, at most


@dataclass(frozen=True)
class FetchResult:
    """One URL's outcome: `document_id` when stored, else `reason` (and whether to retry later)."""

    url: str
    document_id: str | None = None
    size_bytes: int | None = None
    content_type: str | None = None
    reason: str | None = None
    transient: bool = False
    attempts: int = 1


class RateLimiter:
    """At most `rate` request starts per second across threads."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            time.sleep(start - now)


class _Refused(Exception):
    """A definite answer that asking again will not change."""


class _Transient(Exception):
    """A failure worth another attempt, and how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float:
    """The server's `Retry-After` in seconds (the delay form; a date is ignored), at most 60."""
    value = response.headers.get("retry-after", "").strip()
    return min(float(value), 60.0) if value.isdigit() else 0.0


def _download(client: httpx.Client, url: str, raw_dir: Path, policy: FetchPolicy
              ) -> tuple[Path, str, int, str | None]:
    with client.stream("GET", url) as response:
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} {response.reason_phrase}", _retry_after(response))
        if status >= 400:
            raise _Refused(f"HTTP {status} {response.reason_phrase}")
        content_type = response.headers.get("content-type")
        kind = (content_type or "").split(";")[0].strip().lower()
        if kind.startswith("text/"):
            raise _Refused(f"not a PDF: content type {kind}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > policy.max_bytes:
            raise _Refused(f"too large: {declared} bytes declared, limit {policy.max_bytes}")
        hasher = DocumentHasher()
        handle, name = tempfile.mkstemp(dir=raw_dir, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in capped_chunks(response.iter_bytes(), policy.max_bytes):
                    if hasher.size == 0 and not chunk[: len(_PDF_MAGIC)].startswith(
                        _PDF_MAGIC[: len(chunk)]
                    ):
                        raise _Refused(f"not a PDF: content type {kind or 'unknown'}, "
                                       f"starts {chunk[:16]!r}")
                    hasher.update(chunk)
                    out.write(chunk)
            if hasher.size == 0:
                raise _Refused("empty body")
        except UnsafeInput as error:
            os.unlink(name)
            raise _Refused(str(error)) from error
        except BaseException:
            os.unlink(name)
            raise
        return Path(name), hasher.document_id, hasher.size, content_type


def fetch_url(client: httpx.Client, url: str, raw_dir: Path, policy: FetchPolicy,
              limiter: RateLimiter | None = None) -> FetchResult:
    """Download `url` into the raw store; never raises for a failed download."""
    try:
        check_url(url)
    except Exception as error:  # any refusal of the URL itself is this item's failure
        return FetchResult(url, reason=f"refused URL: {error}")
    raw_dir.mkdir(parents=True, exist_ok=True)
    delay = policy.backoff
    for attempt in range(1, policy.retries + 2):
        if limiter is not None:
            limiter.wait()
        try:
            part, sha, size, content_type = _download(client, url, raw_dir, policy)
        except _Refused as error:
            return FetchResult(url, reason=str(error), attempts=attempt)
        except (_Transient, httpx.TransportError) as error:
            reason = _transient_reason(error)
            if attempt > policy.retries:
                return FetchResult(url, reason=f"{reason} (after {attempt} attempts)",
                                   transient=True, attempts=attempt)
            # a busy server's Retry-After wins over our own backoff when it is longer
            time.sleep(max(delay, getattr(error, "retry_after", 0.0)))
            delay *= 2
            continue
        store_file(raw_dir, part, sha, url)
        return FetchResult(url, sha, size, content_type, attempts=attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _transient_reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"truncated or malformed response: {error}"
    if isinstance(error, httpx.TransportError):
        return f"connection failed: {type(error).__name__}: {error}"
    return str(error)
