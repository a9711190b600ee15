"""Downloading leaflets politely into the content-addressed raw store.

Plain functions over an `httpx.Client` made by `open_client`, no Prefect, so the rules (what is
retried, what is too large, what is not a PDF) are tested against a local server. Every file
fetched is kept unedited as `<raw>/<sha256>.pdf`, beside `<sha256>.json` listing every URL and
time it was fetched from (see `pipeline.rawstore`).

`fetch_url` never raises: every failure becomes the URL's `FetchResult` with a reason a person
can act on, which `fetches` records. Only transient failures are retried, with exponential
backoff, and asked again by the next backfill: connection errors, timeouts, an incomplete body,
a download over its deadline, 5xx and 429 (waiting as long as the server's `Retry-After` asks,
up to a minute). A definite answer is recorded once and not asked again: a 404, an HTML page,
a body too large or whose compression is corrupt, and a redirect that is refused (to `data:`
or `file:`, with credentials, to another port, a loop, too many hops).

Redirects are followed here, hop by hop, not by httpx: each `Location` is checked by
`pipeline.safety.check_redirect` before anything is asked of it. Each download (all its hops:
connecting, headers and body) has an overall deadline (`FetchPolicy.deadline`, `lps backfill
--deadline`), on top of the per-read timeout, enforced on every network operation
(`pipeline.deadline`), so a server trickling a byte a second, its headers included, cannot hold
it for long; and a run asked to stop (SIGTERM) ends its downloads within a second.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpcore
import httpx

from pipeline.deadline import DeadlineBackend, deadline, pause, stopping
from pipeline.rawstore import store_file
from pipeline.safety import UnsafeInput, capped_chunks, check_redirect, check_url
from pipeline.sources import DocumentHasher

__all__ = ["MAX_REDIRECTS", "FetchPolicy", "FetchResult", "RateLimiter", "fetch_url",
           "open_client"]

_PDF_MAGIC = b"%PDF-"
#: Hops a download may take before it is refused as a redirect chain that never ends.
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how patiently to download."""

    max_bytes: int  # largest file accepted (`Settings.max_bytes`, or `lps backfill --max-mb`)
    timeout: float = 30.0  # seconds per connect / read
    deadline: float = 120.0  # seconds one download may take in all: its redirects and body
    retries: int = 3  # further attempts after a transient failure
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    concurrency: int = 4  # downloads at once
    rate: float = 2.0  # requests per second, at most
    retry_refused: bool = False  # ask again the URLs an earlier run refused for good


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


class _Stopping(Exception):
    """The run was asked to stop (SIGTERM): no more attempts."""


_STOPPED = "stopped: the run was asked to stop; asked again by the next run"


class _Redirect(Exception):
    """The server answered with a redirect: where to (as sent, not yet checked)."""

    def __init__(self, status: int, location: str | None) -> None:
        super().__init__(f"HTTP {status} redirect")
        self.status, self.location = status, location


def _stop_at_redirect(response: httpx.Response) -> None:
    """Response hook: hand a redirect to `_download` before httpx parses its `Location` (a
    `data:` or malformed one would raise inside httpx, and nothing would be recorded)."""
    if response.status_code in (301, 302, 303, 307, 308):
        raise _Redirect(response.status_code, response.headers.get("location"))


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over `pipeline.deadline.DeadlineBackend`, so that the deadline of a
    download bounds its connect and its headers as well as its body. httpx takes no network
    backend, so the connection pool it made is replaced by one with the same TLS context."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(  # httpx's default limits, as a Client has them
            ssl_context=self._pool._ssl_context, network_backend=DeadlineBackend(),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


def open_client(policy: FetchPolicy) -> httpx.Client:
    """The client `fetch_url` needs: redirects handed to it hop by hop, the policy's timeout,
    every network operation bounded by the deadline of its download (`pipeline.deadline`)."""
    headers = {"user-agent": "policing-summaries-backfill (+archival; polite)"}
    return httpx.Client(timeout=httpx.Timeout(policy.timeout), headers=headers,
                        follow_redirects=False, transport=_DeadlineTransport(),
                        event_hooks={"response": [_stop_at_redirect]})


class _Transient(Exception):
    """A failure worth another attempt, and how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float:
    """The server's `Retry-After` in seconds (the delay form; a date is ignored), at most 60."""
    value = response.headers.get("retry-after", "").strip()
    return min(float(value), 60.0) if value.isdigit() else 0.0


def _next_hop(url: str, origin: str, redirect: _Redirect, chain: list[str]) -> str:
    """The URL a redirect leads to, once checked; raises `_Refused` when it may not be asked."""
    if not redirect.location:
        raise _Refused(f"HTTP {redirect.status} redirect without a Location header")
    target = urljoin(url, redirect.location.strip())
    try:
        check_redirect(target, origin)
    except UnsafeInput as error:
        raise _Refused(str(error)) from error
    if target in chain:
        raise _Refused("redirect loop: " + " -> ".join([*chain, target]))
    if len(chain) > MAX_REDIRECTS:
        raise _Refused(f"too many redirects (more than {MAX_REDIRECTS}): "
                       + " -> ".join([*chain[:3], "...", target]))
    return target


@dataclass
class _Progress:
    """How far one attempt got, for the message when its deadline runs out."""

    received: int = 0
    declared: str | None = None


def _download(client: httpx.Client, url: str, raw_dir: Path, policy: FetchPolicy
              ) -> tuple[Path, str, int, str | None]:
    """One attempt: follow the redirects (each checked), then receive the body; all of it
    before `policy.deadline` runs out (each read waits at most what is left of it)."""
    ends = time.monotonic() + policy.deadline
    chain, progress = [url], _Progress()
    while True:
        left = ends - time.monotonic()
        if left <= 0:
            raise _Transient(_too_slow(policy, progress))
        try:
            with deadline(ends), client.stream("GET", chain[-1],
                                               timeout=min(policy.timeout, left)) as response:
                return _receive(response, raw_dir, policy, ends, progress)
        except _Redirect as redirect:
            chain.append(_next_hop(chain[-1], url, redirect, chain))
        except httpx.TimeoutException as error:
            if stopping():
                raise _Stopping() from error
            if time.monotonic() >= ends - 0.05:
                raise _Transient(_too_slow(policy, progress)) from error  # the deadline's
            raise


def _receive(response: httpx.Response, raw_dir: Path, policy: FetchPolicy, ends: float,
             progress: _Progress) -> tuple[Path, str, int, str | None]:
    """Check the answer's status and headers, then stream its body into a temporary file in the
    raw store, hashing it: the file, its sha256, its size and its content type."""
    status = response.status_code
    if status == 429 or status >= 500:
        raise _Transient(f"HTTP {status} {response.reason_phrase}", _retry_after(response))
    if status >= 300:
        raise _Refused(f"HTTP {status} {response.reason_phrase}")
    content_type = response.headers.get("content-type")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.startswith("text/"):
        raise _Refused(f"not a PDF: content type {kind}")
    declared = progress.declared = response.headers.get("content-length")
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
                progress.received = hasher.size
                if time.monotonic() > ends:
                    raise _Transient(_too_slow(policy, progress))
        if hasher.size == 0:
            raise _Refused("empty body")
    except UnsafeInput as error:
        os.unlink(name)
        raise _Refused(str(error)) from error
    except httpx.DecodingError as error:
        os.unlink(name)
        encoding = response.headers.get("content-encoding", "none")
        raise _Refused(f"corrupt body: it says Content-Encoding: {encoding} but does not "
                       f"decode ({error}); the server's copy is damaged") from error
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), hasher.document_id, hasher.size, content_type


def _too_slow(policy: FetchPolicy, progress: _Progress) -> str:
    declared = progress.declared
    of = f" of {int(declared):,}" if declared and declared.isdigit() else ""
    return (f"too slow: {progress.received:,}{of} bytes received when the "
            f"{policy.deadline:g} s deadline of one download ran out (--deadline)")


def fetch_url(client: httpx.Client, url: str, raw_dir: Path, policy: FetchPolicy,
              limiter: RateLimiter | None = None) -> FetchResult:
    """Download `url` into the raw store; never raises for a failed download: whatever goes
    wrong is this URL's result, with its reason (see the module docstring). `client` is one
    made by `open_client`."""
    try:
        check_url(url)
    except Exception as error:  # any refusal of the URL itself is this item's failure
        return FetchResult(url, reason=f"refused URL: {error}")
    attempt = 0
    try:
        raw_dir.mkdir(parents=True, exist_ok=True)
        delay = policy.backoff
        for attempt in range(1, policy.retries + 2):
            if limiter is not None:
                limiter.wait()
            if stopping():
                return FetchResult(url, reason=_STOPPED, transient=True, attempts=attempt)
            try:
                part, sha, size, content_type = _download(client, url, raw_dir, policy)
            except _Stopping:
                return FetchResult(url, reason=_STOPPED, transient=True, attempts=attempt)
            except _Refused as error:
                return FetchResult(url, reason=str(error), attempts=attempt)
            except (_Transient, httpx.TransportError) as error:
                reason = _transient_reason(error)
                if attempt > policy.retries:
                    return FetchResult(url, reason=f"{reason} (after {attempt} attempts)",
                                       transient=True, attempts=attempt)
                # a busy server's Retry-After wins over our own backoff when it is longer
                pause(max(delay, getattr(error, "retry_after", 0.0)))
                delay *= 2
                continue
            store_file(raw_dir, part, sha, url)
            return FetchResult(url, sha, size, content_type, attempts=attempt)
    except httpx.HTTPError as error:  # a request httpx itself refuses to make or to read
        return FetchResult(url, reason=f"refused by the HTTP client: {type(error).__name__}: "
                           f"{error}", attempts=max(attempt, 1))
    except OSError as error:  # the raw store, not the server: worth another run
        return FetchResult(url, reason=f"cannot write to the raw store {raw_dir}: "
                           f"{error.strerror or error}", transient=True,
                           attempts=max(attempt, 1))
    except Exception as error:  # a bug of ours must cost this URL, not the run
        return FetchResult(url, reason=f"unexpected error, asked again on the next run: "
                           f"{type(error).__name__}: {error}", transient=True,
                           attempts=max(attempt, 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _transient_reason(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"truncated or malformed response: {error}"
    if isinstance(error, httpx.TransportError):
        return f"connection failed: {type(error).__name__}: {error}"
    return str(error)
