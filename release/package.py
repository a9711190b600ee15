"""`export_release`: write a citable release of the warehouse into a new folder.

The folder holds a Frictionless Data Package (`datapackage.json` and `data/*.csv`, described
field by field from the codebook and `datasette/metadata.yaml`), the same tables as Parquet
(`parquet/*.parquet`, typed), a wide borough x year CSV per measure (`wide/*.csv`, also in the
package) and a README. The package names the release's version, date and the warehouse's data
checksum (`release.checksum`), and is validated with `frictionless` before anything is kept: an
invalid release is never written. The release is recorded in the warehouse's `releases` table,
which `lps serve` shows on its home page.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from release.checksum import warehouse_checksum
from release.deposit import (
    CODE_LICENCE,
    changelog,
    citation_cff,
    data_licence,
    licences,
    methods_note,
    origin_of,
    sha256sums,
    sources,
)
from release.formulas import neutralise_formula
from release.releases import Release, ReleaseError, check_version, find_release, record_release
from release.resources import RESOURCES, Field, ResourceSpec, fields_of, select_sql
from release.wide import WideTable, wide_tables

__all__ = ["Exported", "export_release"]

TITLE = "Local Policing Summaries: London boroughs' policing figures, 2007/08 to 2010/11"


@dataclass(frozen=True)
class Exported:
    """What `export_release` wrote."""

    folder: Path
    release: Release
    rows: dict[str, int]  # rows per resource
    wide: tuple[str, ...]  # measures with a wide table
    absolute_sources: int  # documents whose source is an absolute local path


def _cell(value: Any) -> str:
    """A value as CSV text: numbers as SQLite holds them, text never a spreadsheet formula
    (`release.formulas`)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            count += 1
    return count


def _write_parquet(path: Path, fields: list[Field], rows: list[tuple[Any, ...]]) -> None:
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame.from_records(rows, columns=[f.name for f in fields])
    for f in fields:
        column = frame[f.name]
        if f.type == "integer":
            frame[f.name] = column.astype("Int64")
        elif f.type == "number":
            frame[f.name] = column.astype("float64")
        elif f.type == "datetime":
            frame[f.name] = pd.to_datetime(column, utc=True, format="ISO8601")
        else:
            frame[f.name] = column.astype("string")
    frame.to_parquet(path, index=False)


def _file_facts(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size,
            "hash": "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()}


def _resource(spec: ResourceSpec, fields: list[Field], path: str, folder: Path,
              description: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [f.descriptor() for f in fields],
        "primaryKey": list(spec.primary_key),
    }
    if spec.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": own, "reference": {"resource": other, "fields": theirs}}
            for own, other, theirs in spec.foreign_keys
        ]
    return {
        "name": spec.name, "path": path, "format": "csv", "mediatype": "text/csv",
        "encoding": "utf-8", "description": description, "schema": schema,
        **_file_facts(folder / path),
    }


def _wide_resource(table: WideTable, folder: Path) -> dict[str, Any]:
    path = f"wide/{table.measure}.csv"
    fields = [
        Field("area_code", "string", "ONS code of the borough (E09000002 to E09000033).",
              required=True, constraints={"pattern": r"^E09\d{6}$"}),
        Field("area", "string", "London borough, in the London Datastore's spelling.",
              required=True),
        *(Field(period, "number", table.describe_period(period)) for period in table.periods),
    ]
    return {
        "name": f"wide_{table.measure}", "path": path, "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8",
        "description": (f"{table.name} ({table.measure}): one row per borough, one column per "
                        f"financial year, each cell the {table.figure} of performance_detail "
                        f"({table.unit}; {table.direction}). Empty: the warehouse holds no "
                        "figure for that borough and year (no loaded leaflet, an edition that "
                        "does not print the measure, or leaflets that disagree; coverage says "
                        "which leaflets are loaded)."),
        "schema": {"fields": [f.descriptor() for f in fields], "primaryKey": ["area_code"],
                   "foreignKeys": [{"fields": "area_code",
                                    "reference": {"resource": "areas",
                                                  "fields": "area_code"}}]},
        **_file_facts(folder / path),
    }


def _lps_version() -> str:
    try:
        return package_version("policing-summaries")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _release_facts(conn: sqlite3.Connection, version: str, when: str, checksum: str) -> Release:
    loaded, quarantined = conn.execute(
        "SELECT coalesce(sum(status = 'loaded'), 0), coalesce(sum(status = 'quarantined'), 0) "
        "FROM documents"
    ).fetchone()
    extractors = ", ".join(row[0] for row in conn.execute(
        "SELECT DISTINCT extractor_version FROM documents ORDER BY 1"))
    return Release(version, when, checksum, loaded, quarantined, extractors, _lps_version())


def _readme(release: Release, rows: dict[str, int], wide: list[WideTable], sample: str) -> str:
    lines = [
        f"# Local Policing Summaries, release {release.version}",
        "",
        f"Released {release.released_at}; warehouse data checksum {release.warehouse_sha256}",
        f"({release.documents_loaded} leaflets loaded, {release.documents_quarantined} "
        f"quarantined; extractor {release.extractor_versions}; lps {release.lps_version}).",
        "",
        *([sample, ""] if sample else []),
        "Licence: see DATA-LICENCE.md (the data) and LICENSE (the code). Cite the version and "
        "the checksum (CITATION.cff). How the data were made: METHODS.md; what changed: "
        "CHANGELOG.md; a sha256 per file: SHA256SUMS.",
        "",
        "- `datapackage.json`: Frictionless Data Package describing every CSV field by field",
        "  (types, units, keys); `measures` is the codebook.",
        "- `data/*.csv`: the tables (UTF-8, empty cell = no value). A text cell that a",
        "  spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, tab or CR, and not",
        "  a plain number) is written with a leading `'`; the Parquet files hold it as is.",
        "- `parquet/*.parquet`: the same tables, typed.",
        "- `wide/<measure>.csv`: one row per borough, one column per financial year.",
        "",
        "| resource | rows |",
        "|---|---|",
        *(f"| `{name}` | {count} |" for name, count in rows.items()),
        "",
        "Wide tables: " + ", ".join(f"`{t.measure}`" for t in wide) + ".",
        "",
        "```python",
        "import pandas as pd",
        'performance = pd.read_parquet("parquet/performance_detail.parquet")',
        "```",
        "",
    ]
    return "\n".join(lines)


def _validate(folder: Path) -> None:
    from frictionless import Package

    report = Package(str(folder / "datapackage.json")).validate()
    if not report.valid:
        errors = [
            f"{task.name}: {error.message}"
            for task in report.tasks for error in task.errors
        ][:5] or [error.message for error in report.errors][:5]
        raise ReleaseError("the release does not validate as a Data Package: "
                           + "; ".join(errors))


def _count_absolute(conn: sqlite3.Connection) -> int:
    sources = [row[0] for row in conn.execute("SELECT source FROM documents")]
    return sum(1 for source in sources if os.path.isabs(source) or source[1:3] == ":\\")


def _write(conn: sqlite3.Connection, folder: Path, release: Release
           ) -> tuple[dict[str, int], list[WideTable]]:
    origin = origin_of(conn)
    measures = [row[0] for row in conn.execute("SELECT measure FROM measures ORDER BY rowid")]
    resources: list[dict[str, Any]] = []
    rows_written: dict[str, int] = {}
    from release.resources import metadata_tables

    described = metadata_tables()
    for spec in RESOURCES:
        fields = fields_of(conn, spec, measures)
        columns, sql = select_sql(conn, spec)
        rows = conn.execute(sql).fetchall()
        path = f"data/{spec.name}.csv"
        rows_written[spec.name] = _write_csv(folder / path, columns, rows)
        _write_parquet(folder / "parquet" / f"{spec.name}.parquet", fields, rows)
        description = " ".join(str(described[spec.source].get("description", "")).split())
        resources.append(_resource(spec, fields, path, folder, description))
    wide = wide_tables(conn)
    for table in wide:
        _write_csv(folder / "wide" / f"{table.measure}.csv", table.columns,
                   ((code, area, *values) for code, area, values in table.rows))
        resources.append(_wide_resource(table, folder))
    sample = ""
    if origin.sample:
        sample = (f"SYNTHETIC SAMPLE: {origin.synthetic} of {origin.documents} loaded "
                  "leaflets were generated by policing-summaries' fixtures"
                  + (f"; only the text of {', '.join(origin.real_texts)} is real"
                     if origin.real_texts else "")
                  + ". They describe no real borough's policing: see DATA-LICENCE.md and "
                    "each row's data_origin.")
    package = {
        "name": "local-policing-summaries",
        "title": TITLE + origin.title_suffix,
        "description": (
            (sample + " " if sample else "")
            + "Figures, targets and prose read from Local Policing Summary leaflets, one per "
            "London borough per financial year, by policing-summaries. Every row names the "
            "leaflet (document_id) and page it was printed on. The `measures` resource is the "
            "codebook: unit, direction and composition of every measure; `codebook_notes` the "
            "methods (METHODS.md)."
        ),
        "version": release.version,
        "created": release.released_at,
        "licenses": licences(origin),
        "sources": sources(conn),
        "keywords": ["policing", "crime", "London", "Metropolitan Police"],
        "warehouse_sha256": release.warehouse_sha256,
        "release": {
            "documents_loaded": release.documents_loaded,
            "documents_quarantined": release.documents_quarantined,
            "extractor_versions": release.extractor_versions,
            "lps_version": release.lps_version,
            "rows": rows_written,
            "synthetic_documents": origin.synthetic,
            "documents": origin.documents,
        },
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(_readme(release, rows_written, wide, sample),
                                      encoding="utf-8")
    (folder / "CITATION.cff").write_text(citation_cff(release, origin, TITLE), encoding="utf-8")
    (folder / "LICENSE").write_text(CODE_LICENCE, encoding="utf-8")
    (folder / "DATA-LICENCE.md").write_text(data_licence(origin), encoding="utf-8")
    (folder / "METHODS.md").write_text(methods_note(conn, release, origin), encoding="utf-8")
    return rows_written, wide


def export_release(
    db: Database,
    out: Path,
    release_version: str | None = None,
    *,
    record: bool = True,
    now: datetime | None = None,
    previous: Path | None = None,
) -> Exported:
    """Write the release of the warehouse `db` into the new folder `out`.

    `db` must be migrated (opened by `warehouse.open_warehouse`). `previous`, the folder of
    the release before, makes the changelog list the documents added, removed or re-read.
    The version defaults to the date (`2024.05.01`). With `record`, the release is recorded in
    `releases` in the same step as the folder appears. Raises `ReleaseError`.
    """
    from warehouse import write_transaction

    conn = db.conn
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    version = check_version(release_version or when[:10].replace("-", "."))
    if out.is_symlink():  # renaming the release onto it would replace the link, not fill it
        raise ReleaseError(f"{out} is a symbolic link: a release is written into a new folder "
                           "(give the folder it leads to, or a new one)")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not an empty folder: a release is "
                           "written into a new folder")
    checksum = warehouse_checksum(conn)
    existing = find_release(conn, version)
    if existing is not None and existing.warehouse_sha256 == checksum:
        when = existing.released_at  # the same release again: the same files
    release = _release_facts(conn, version, when, checksum)
    if existing is not None and existing.warehouse_sha256 != checksum:
        record_release(conn, release)  # raises, naming both checksums
    partial = out.parent / f".{out.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        if previous is not None and not (previous / "data" / "documents.csv").is_file():
            raise ReleaseError(f"{previous} is not a release folder (no data/documents.csv): "
                               "pass the folder of the release before")
        rows, wide = _write(conn, partial, release)
        _validate(partial)
        (partial / "CHANGELOG.md").write_text(
            changelog(conn, release, rows, partial, previous), encoding="utf-8")
        (partial / "SHA256SUMS").write_text(sha256sums(partial), encoding="utf-8")
        if record:
            with write_transaction(db):
                release = record_release(conn, release)
        if out.exists():
            out.rmdir()
        partial.rename(out)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return Exported(out, release, rows, tuple(t.measure for t in wide), _count_absolute(conn))
