"""Guards for what comes from outside: URLs to fetch, names to store, and sizes to accept.

Used by the downloader (`pipeline.fetch`) and the raw store: only http(s) URLs are fetched, a
redirect is checked at every hop as the first URL was (and may not wander to another port, nor
from a public host to a private one), a name from a URL or an archive can never place a file
outside the raw store, and no download may be larger than the byte cap (`Settings.max_bytes`).
Each check raises `UnsafeInput` with the offending value in the message; the caller turns it
into a failed fetch or a quarantine.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "ALLOWED_SCHEMES",
    "UnsafeInput",
    "capped_chunks",
    "check_redirect",
    "check_url",
    "safe_raw_path",
]

ALLOWED_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

class UnsafeInput(ValueError):
    """A URL, name or size the pipeline refuses to act on."""


def _url_problem(url: str, allowed_hosts: Iterable[str] | None) -> str | None:
    """Why `url` may not be fetched, or None."""
    if any(ch in url for ch in "\r\n\t\x00") or url != url.strip():
        return "it contains whitespace or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError as error:
        return f"it is not a valid URL ({error})"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme or 'none'!r} is not http or https"
    if not parts.hostname:
        return "it names no host"
    if parts.username is not None or parts.password is not None:
        return "it carries credentials"
    if allowed_hosts is not None:
        allowed = {host.lower() for host in allowed_hosts}
        if parts.hostname.lower() not in allowed:
            return f"host {parts.hostname!r} is not one of {', '.join(sorted(allowed))}"
    return None


def check_url(url: str, allowed_hosts: Iterable[str] | None = None) -> str:
    """Return `url` when it may be fetched: http(s), with a host (one of `allowed_hosts` when
    given, compared case-insensitively), no credentials in it. Raises `UnsafeInput`."""
    problem = _url_problem(url, allowed_hosts)
    if problem is not None:
        raise UnsafeInput(f"refusing to fetch {url!r}: {problem}")
    return url


def _port(parts: SplitResult) -> int:
    return parts.port or _DEFAULT_PORTS[parts.scheme.lower()]


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host name spells, in any form the resolver accepts without DNS: the
    usual ones, and the old IPv4 forms `inet_aton` reads (`2130706433`, `0x7f000001`, `127.1`,
    `017700000001`, `0`), which a client connects to as 127.0.0.1 or 0.0.0.0."""
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except (OSError, ValueError):
        return None


def _is_private_host(host: str) -> bool:
    """Whether `host` is this machine or a private network by its spelling (no DNS lookup):
    `localhost`, or a loopback, private, link-local or unspecified IP address, in any form."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    if address is None:
        return False
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_unspecified or address.is_reserved)


def _shown_host(host: str) -> str:
    """`host` as written, and the address it means when written otherwise ('2130706433'
    (127.0.0.1))."""
    address = _address(host.lower().rstrip("."))
    return repr(host) if address is None or str(address) == host else (
        f"{host!r} ({address})")


def _without_credentials(url: str) -> str:
    """`url` with any user and password replaced by `***`, so a refusal does not store them."""
    return re.sub(r"^([^:/?#]*://)[^/?#]*@", r"\1***@", url)


def check_redirect(target: str, origin: str, allowed_hosts: Iterable[str] | None = None
                   ) -> str:
    """Return `target` when a redirect from the manifest's URL `origin` may be followed to it.

    Every hop passes `check_url` as the first URL did (http or https, a host, no credentials,
    no control characters), and two rules a server's redirect must not bend: its port is the
    origin's (same host) or the scheme's default (80, 443), never another service on another
    port; and a public origin may not send us to this machine or a private network. Raises
    `UnsafeInput` naming the target (any credentials in it masked) and the rule.
    """
    problem = _url_problem(target, allowed_hosts)
    if problem is None:
        to, start = urlsplit(target), urlsplit(origin)
        same_host = (to.hostname or "").lower() == (start.hostname or "").lower()
        port = _port(to)
        if _is_private_host(to.hostname or "") and not _is_private_host(start.hostname or ""):
            problem = (f"host {_shown_host(to.hostname or '')} is this machine or a private "
                       f"network, and the first URL's host {start.hostname!r} is not")
        elif port != _DEFAULT_PORTS[to.scheme.lower()] and not (
                same_host and port == _port(start)):
            problem = (f"port {port} is neither the first URL's ({_port(start)}) nor the "
                       f"default for {to.scheme.lower()} ({_DEFAULT_PORTS[to.scheme.lower()]})")
    if problem is not None:
        raise UnsafeInput(f"refused redirect to {_without_credentials(target)!r}: {problem}")
    return target


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
