"""Guards for what comes from outside: URLs to fetch, names to store, and sizes to accept.

Used by the downloader (`pipeline.fetch`) and the raw store: only http(s) URLs are fetched, a
name from a URL or an archive can never place a file outside the raw store, and no download may
be larger than the byte cap (`Settings.max_bytes`). Each check raises `UnsafeInput` with the
offending value in the message; the caller turns it into a failed fetch or a quarantine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

__all__ = ["ALLOWED_SCHEMES", "UnsafeInput", "capped_chunks", "check_url", "safe_raw_path"]

ALLOWED_SCHEMES = frozenset({"http", "https"})

class UnsafeInput(ValueError):
    """A URL, name or size the pipeline refuses to act on."""


def check_url(url: str, allowed_hosts: Iterable[str] | None = None) -> str:
    """Return `url` when it may be fetched: http(s), with a host (one of `allowed_hosts` when
    given, compared case-insensitively), no credentials in it. Raises `UnsafeInput`."""
    if any(ch in url for ch in "\r\n\t\x00") or url != url.strip():
        raise UnsafeInput(
            f"refusing to fetch {url!r}: it contains whitespace or control characters"
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        shown = parts.scheme or "none"
        raise UnsafeInput(f"refusing to fetch {url!r}: scheme {shown!r} is not http or https")
    if not parts.hostname:
        raise UnsafeInput(f"refusing to fetch {url!r}: it names no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeInput(f"refusing to fetch {url!r}: it carries credentials")
    if allowed_hosts is not None:
        allowed = {host.lower() for host in allowed_hosts}
        if parts.hostname.lower() not in allowed:
            raise UnsafeInput(
                f"refusing to fetch {url!r}: host {parts.hostname!r} is not one of "
                f"{', '.join(sorted(allowed))}"
            )
    return url


def safe_raw_path(root: str | Path, name: str) -> Path:
    """The path for `name` inside the raw store `root`, refusing any name that would escape it:
    absolute paths, `..` parts, NUL bytes, and symlinks anywhere below `root`."""
    if not name or "\x00" in name:
        raise UnsafeInput(f"refusing raw file name {name!r}: empty or contains NUL")
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise UnsafeInput(f"refusing raw file name {name!r}: it is an absolute path")
    if any(part == ".." for part in pure.parts):
        raise UnsafeInput(f"refusing raw file name {name!r}: it climbs out with '..'")
    base = Path(root).resolve()
    path = base.joinpath(*pure.parts)
    current = base
    for part in pure.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafeInput(f"refusing raw file name {name!r}: {current} is a symlink")
    if not path.resolve().is_relative_to(base):
        raise UnsafeInput(f"refusing raw file name {name!r}: it resolves outside {base}")
    return path


def capped_chunks(chunks: Iterable[bytes], cap: int, *, what: str = "download"
                  ) -> Iterator[bytes]:
    """Pass chunks through, raising `UnsafeInput` as soon as their total exceeds `cap` bytes,
    so a download that lies about (or omits) its Content-Length is stopped mid-stream."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise UnsafeInput(f"{what} too large: more than {cap:,} bytes; stopped")
        yield chunk
