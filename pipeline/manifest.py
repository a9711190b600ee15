"""What a backfill should fetch: a manifest file (CSV or JSON), or a URL template.

Each item is a URL or a local path, optionally with the area and period the document is
expected to report on. Expected areas are checked against the list of boroughs here, so a typo
in a manifest is an error before anything is downloaded; so is one URL or path given twice with
different expectations (which one would the warehouse believe?). A path item carries the folders
it may be read from (`roots`: the manifest's own folder, then any `--allow-root`), which
`pipeline.local_items` enforces, and is recorded in the warehouse relative to the one it is in.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas import area_by_name, check_period, london_boroughs
from warehouse.sources import source_as_given

__all__ = [
    "PLACEHOLDERS",
    "BadManifest",
    "ManifestItem",
    "items_from_template",
    "read_manifest",
    "refuse_conflicts",
    "slug_of",
]


#: URL template placeholders, with what each becomes for Kensington and Chelsea, 2009/10.
PLACEHOLDERS = {
    "period": "2009-10",
    "year": "2009",
    "edition": "2010",
    "borough": "kensington-and-chelsea",
    "borough_name": "Kensington and Chelsea",
}


class BadManifest(Exception):
    """The manifest cannot be read or names something that does not exist."""


@dataclass(frozen=True)
class ManifestItem:
    """One thing to fetch: `url` or `path`, and what it should turn out to be."""

    url: str | None = None
    path: str | None = None
    area: str | None = None  # canonical borough name
    period: str | None = None  # e.g. 2009/10
    #: Folders a `path` item may be read from: the manifest's, then each `--allow-root`.
    roots: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """The URL, or the path as this machine opens it (absolute)."""
        return self.url or self.path or ""

    @property
    def recorded_source(self) -> str:
        """The source as the warehouse records it (`warehouse.sources`): a URL as given; a path
        relative to the first root it lies in (the manifest's folder, else an --allow-root), so
        the warehouse names no one's home folder; a path outside every root (refused, but
        recorded as a failure) as it is."""
        if self.path is None:
            return self.source
        spelled = os.path.abspath(self.path)
        for root in self.roots:
            base = os.path.abspath(root)
            if spelled == base or spelled.startswith(base.rstrip(os.sep) + os.sep):
                return source_as_given(spelled, base)
        return self.path

    def expects(self) -> str:
        """What the item expects, for messages: `area Barnet, period 2009/10`."""
        said = [f"{what} {value}" for what, value in (("area", self.area),
                                                      ("period", self.period)) if value]
        return ", ".join(said) or "nothing"


def slug_of(name: str) -> str:
    """`Kensington and Chelsea` -> `kensington-and-chelsea` (the fixtures' file names)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _area(value: str | None, where: str) -> str | None:
    if not value or not value.strip():
        return None
    wanted = slug_of(value)
    for area in london_boroughs():
        if slug_of(area.name) == wanted:
            return area.name
    found = area_by_name(value)
    if found is None:
        raise BadManifest(f"{where}: unknown area {value!r}")
    return found.name


def _period(value: str | None, where: str) -> str | None:
    if not value or not value.strip():
        return None
    text = value.strip().replace("-", "/")
    try:
        return str(check_period(text))
    except ValueError as error:
        raise BadManifest(f"{where}: bad period {value!r} (expected e.g. 2009/10)") from error


def _item(entry: dict[str, Any], where: str, base: Path, roots: tuple[str, ...]
          ) -> ManifestItem:
    url = (entry.get("url") or "").strip() or None
    path = (entry.get("path") or "").strip() or None
    if (url is None) == (path is None):
        raise BadManifest(f"{where}: give exactly one of url and path")
    if path is not None and not Path(path).is_absolute():
        path = str(base / path)
    return ManifestItem(url, path, _area(entry.get("area"), where),
                        _period(entry.get("period"), where), roots if path else ())


def refuse_conflicts(items: Sequence[ManifestItem], where: str) -> None:
    """Raise `BadManifest` when one URL or path is given twice with different expectations:
    the warehouse keeps one verdict per document and source, so one of them would be lost."""
    first: dict[str, tuple[int, ManifestItem]] = {}
    for number, item in enumerate(items, 1):
        key = item.url or os.path.abspath(item.source)
        if key not in first:
            first[key] = (number, item)
            continue
        earlier_number, earlier = first[key]
        if (earlier.area, earlier.period) != (item.area, item.period):
            raise BadManifest(
                f"{where}: items {earlier_number} and {number} both name {item.source} but "
                f"expect different things ({earlier.expects()}; {item.expects()}): keep one"
            )


def read_manifest(file: Path, allow_roots: Sequence[Path] = ()) -> list[ManifestItem]:
    """Items of a `.json` (a list of objects) or `.csv` (with a header row) manifest.

    A `path` item may be read from the manifest's folder or one of `allow_roots` (its `roots`).
    """
    try:
        text = file.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not a column name
    except OSError as error:
        raise BadManifest(f"cannot read manifest {file}: {error.strerror or error}") from error
    if file.suffix.lower() == ".json":
        try:
            entries = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadManifest(f"{file}: not JSON: {error}") from error
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise BadManifest(f"{file}: expected a JSON list of objects")
        rows = entries
    else:
        rows = [{(key or "").strip().lower(): value for key, value in row.items()}
                for row in csv.DictReader(text.splitlines())]
    roots = tuple(dict.fromkeys(os.path.abspath(folder)
                                for folder in (file.parent, *allow_roots)))
    items = [_item(row, f"{file} item {n}", file.parent, roots) for n, row in enumerate(rows, 1)]
    refuse_conflicts(items, str(file))
    return items


def items_from_template(
    template: str, periods: Sequence[str], boroughs: Sequence[str] | None = None
) -> list[ManifestItem]:
    """One item per period and borough, each expecting that area and period.

    Placeholders (see `PLACEHOLDERS`): `{period}` 2009-10, `{year}` 2009 (the performance year's
    first year), `{edition}` 2010 (the year the leaflet was published), `{borough}`
    kensington-and-chelsea, `{borough_name}` Kensington and Chelsea.
    """
    chosen = [name for b in boroughs or [] if (name := _area(b, "--boroughs")) is not None]
    names = chosen or [a.name for a in london_boroughs()]
    items = []
    for raw_period in periods:
        period = _period(raw_period, "--periods")
        if period is None:  # `2009/10,` has an empty last entry
            continue
        for name in names:
            values = {"period": period.replace("/", "-"), "year": period[:4],
                      "edition": str(int(period[:4]) + 1), "borough": slug_of(name),
                      "borough_name": name}
            try:
                url = template.format(**values)
            except (KeyError, IndexError) as error:
                raise BadManifest(f"unknown placeholder {error} in URL template; use "
                                  + ", ".join(f"{{{key}}}" for key in PLACEHOLDERS)) from error
            except ValueError as error:
                raise BadManifest(f"bad URL template {template!r}: {error}") from error
            items.append(ManifestItem(url=url, area=name, period=period))
    refuse_conflicts(items, "--url-template")
    return items
