"""A corpus of N distinct leaflets for the benchmark, built from the fixture generator's output.

Rendering a leaflet with WeasyPrint takes about a second, so a corpus of thousands is not rendered
afresh. The pool is every fixture leaflet the generator wrote that must load (all four editions,
both producers; `fixtures/manifest.json`), and copy *k* of a pool leaflet is made distinct by an
incremental update that gives it a new document-information dictionary (`/Info` with its own
`/Title`). Pages, text and layout are untouched, so every copy extracts to exactly the records of
its original, yet has its own sha256, as a re-published leaflet would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = ["FIXTURES", "build_corpus", "pool_paths", "retitled"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_ROOT = re.compile(rb"/Root\s+(\d+\s+\d+\s+R)")
_SIZE = re.compile(rb"/Size\s+(\d+)")


def pool_paths() -> list[Path]:
    """The fixture leaflets that must load, in manifest order."""
    entries = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    return [FIXTURES / e["path"] for e in entries if e["expected_status"] == "loaded"]


def _last_trailer(data: bytes, startxref: int) -> bytes:
    """The dictionary that names /Root and /Size: the classic trailer, or the xref stream's."""
    if data[startxref:].startswith(b"xref"):
        return data[data.rindex(b"trailer") :]
    return data[startxref : data.index(b"stream", startxref)]


def retitled(data: bytes, title: str) -> bytes:
    """`data` with an incremental update whose new /Info carries `title`; content unchanged."""
    found = _STARTXREF.search(data)
    root, size = None, None
    if found:
        trailer = _last_trailer(data, int(found.group(1)))
        root, size = _ROOT.search(trailer), _SIZE.search(trailer)
    if found is None or root is None or size is None:
        raise ValueError("not a PDF this benchmark knows how to update incrementally")
    number = int(size.group(1))
    body = data if data.endswith(b"\n") else data + b"\n"
    escaped = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode()
    info_at = len(body)
    info = b"%d 0 obj\n<< /Title (%s) /Producer (lps benchmark) >>\nendobj\n" % (number, escaped)
    xref_at = info_at + len(info)
    update = (
        info
        + b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (number, info_at)
        + b"trailer\n<< /Size %d /Root %s /Info %d 0 R /Prev %s >>\n"
        % (number + 1, root.group(1), number, found.group(1))
        + b"startxref\n%d\n%%%%EOF\n" % xref_at
    )
    return body + update


def build_corpus(out: Path, n: int) -> list[Path]:
    """Write `n` distinct leaflets under `out` (cycling through the pool); return their paths."""
    pool = [(path, path.read_bytes()) for path in pool_paths()]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for k in range(n):
        path, data = pool[k % len(pool)]
        target = out / f"{k:05d}-{path.parent.name}-{path.name}"
        target.write_bytes(retitled(data, f"{path.stem} (benchmark copy {k})"))
        written.append(target)
    return written
