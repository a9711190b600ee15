"""One truth per borough and year (issue 12, item 3): leaflets for the same borough, year and
template that give the same figures are duplicates, shown once; leaflets that disagree are a
conflict, recorded, shown by `lps coverage` and `lps verify`, and kept out of the researchers'
views until someone chooses with `lps resolve`, which records the choice and its lineage.

The leaflets are real PDFs, extracted by the real extractor: the bundled Barnet 2009/10 leaflet
(robbery up 73), the same leaflet from another PDF producer (other bytes, the same figures), and
two editions printing another robbery count (173, 99), made by the fixture generator.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import PDFS
from leaflets import render_barnet
from sample_warehouse import build_fixture_warehouse
from sqlite_utils import Database

from lps.cli import main
from pipeline.plan import IngestPlan
from pipeline.report import Tally, finish
from warehouse import load_extraction, migrations, open_warehouse
from warehouse.conflicts import short
from warehouse.m007_conflicts import STATEMENTS as M007
from warehouse.verify import verify_warehouse

#: The fingerprint of m007 as it shipped (see tests/test_research_views.py for why).
M007_FINGERPRINT = "d7faf7bafc6fbd7133b73c049382ca91b5a96331b65bba49404644e5dbbfe130"

CAMDEN = PDFS / "2009-10" / "camden.pdf"


@pytest.fixture(scope="module")
def leaflets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("barnet")
    return {
        "barnet": PDFS / "2009-10" / "barnet.pdf",
        "reprinted": render_barnet(folder / "barnet-weasyprint.pdf", producer="weasyprint"),
        "robbery-173": render_barnet(folder / "barnet-robbery-173.pdf", robbery=173),
        "robbery-99": render_barnet(folder / "barnet-robbery-99.pdf", robbery=99),
    }


def _id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load(db_path: Path, *pdfs: Path, day: int = 1) -> Path:
    when = f"2024-05-0{day}T12:00:00+00:00"
    return build_fixture_warehouse(db_path, list(pdfs), ingested_at=when)


def _rows(db_path: Path, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, params)]


def _standing(db_path: Path) -> dict[str, tuple[str, str | None]]:
    return {row["document_id"]: (row["standing"], row["same_figures_as"])
            for row in _rows(db_path, "select * from document_standing where area = 'Barnet'")}


def _barnet_robbery(db_path: Path) -> list[tuple[int, str]]:
    return [(row["change_count"], row["document_id"]) for row in _rows(
        db_path, "select * from performance_detail where area = 'Barnet' and measure = 'robbery'")]


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"LPS_DB": None})


def test_the_same_figures_are_a_duplicate_shown_once(leaflets: dict[str, Path],
                                                      tmp_path: Path) -> None:
    db_path = _load(tmp_path / "lps.db", leaflets["barnet"], CAMDEN)
    _load(db_path, leaflets["reprinted"], day=2)
    barnet, reprinted = _id(leaflets["barnet"]), _id(leaflets["reprinted"])
    assert barnet != reprinted
    assert _standing(db_path) == {barnet: ("current", None), reprinted: ("duplicate", barnet)}
    assert len(_rows(db_path, "select * from performance_detail where area = 'Barnet'")) == 7
    assert _barnet_robbery(db_path) == [(73, barnet)]
    assert _rows(db_path, "select status, loaded_documents, document_id, conflicted_documents "
                          "from coverage where area = 'Barnet'") == [
        {"status": "loaded", "loaded_documents": 2, "document_id": barnet,
         "conflicted_documents": 0}]
    result = _cli("verify", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{db_path}: ok"
    assert ("  conflicts     ok             1 borough-year(s) with more than one document"
            in result.output)
    assert result.output.endswith(
        f"  note [conflicts]: Barnet 2009/10 (mpa-2010): {short(reprinted)} gives the same "
        f"figures as {short(barnet)}, which the views show\n")


def test_different_figures_are_a_conflict_kept_out_of_the_views(
    leaflets: dict[str, Path], tmp_path: Path,
) -> None:
    db_path = _load(tmp_path / "lps.db", leaflets["barnet"], CAMDEN)
    _load(db_path, leaflets["robbery-173"], day=2)
    barnet, revised = _id(leaflets["barnet"]), _id(leaflets["robbery-173"])
    # Both are loaded (their rows are in the warehouse), and both are recorded as in conflict.
    assert {row["document_id"]: row["status"] for row in _rows(
        db_path, "select * from documents where area = 'Barnet'")} == {
            barnet: "loaded", revised: "loaded"}
    assert _standing(db_path) == {barnet: ("conflicted", None), revised: ("conflicted", None)}
    assert _rows(db_path, "select * from conflicts") == [{
        "area": "Barnet", "area_code": "E09000003", "period": "2009/10", "template": "mpa-2010",
        "documents": 2, "versions": 2, "document_ids": f"{barnet} {revised}"}]
    for view in ("performance_detail", "priorities_detail", "sections_detail",
                 "current_documents"):
        assert _rows(db_path, f"select * from {view} where area = 'Barnet'") == [], view
    assert len(_rows(db_path, "select * from performance_detail where area = 'Camden'")) > 0
    assert _rows(db_path, "select status, loaded_documents, document_id, conflicted_documents "
                          "from coverage where area = 'Barnet'") == [
        {"status": "conflict", "loaded_documents": 2, "document_id": barnet,
         "conflicted_documents": 2}]

    coverage = _cli("coverage", "--db", str(db_path))
    assert coverage.exit_code == 0, coverage.output
    lines = coverage.output.splitlines()
    assert [line.split() for line in lines if line.startswith(("Barnet", "Camden"))] == [
        ["Barnet", "C"], ["Camden", "L"]]
    assert lines[-3:] == [
        "1 loaded, 1 in conflict, 0 quarantined, 30 missing",
        "1 borough-year(s) in conflict, not in the views until one document is chosen with "
        "`lps resolve DOCUMENT_ID` (see the conflicts view):",
        f"  Barnet 2009/10 (mpa-2010): documents {short(barnet)}, {short(revised)} differ: "
        f"performance robbery: change_count 73 ({short(barnet)}), 173 ({short(revised)})",
    ]

    summary = finish(db_path, IngestPlan(0, [], [], []), Tally())  # as an ingest ends
    assert summary.conflicts == [
        f"Barnet 2009/10 (mpa-2010): documents {short(barnet)}, {short(revised)} differ: "
        f"performance robbery: change_count 73 ({short(barnet)}), 173 ({short(revised)})"]

    verify = _cli("verify", "--db", str(db_path))
    assert verify.exit_code == 1
    assert verify.output.splitlines()[0] == f"{db_path}: 1 problem(s)"
    assert (
        "  [conflicts] documents: Barnet 2009/10 (mpa-2010): 2 loaded documents give different "
        f"figures (performance robbery: change_count 73 ({short(barnet)}), 173 "
        f"({short(revised)})): none of them is in the researchers' views until one is chosen\n"
        "      fix: choose the one to use: `lps resolve DOCUMENT_ID --note WHY`, DOCUMENT_ID one "
        f"of {short(barnet)}, {short(revised)}\n") in verify.output


def test_resolve_chooses_one_and_records_the_lineage(leaflets: dict[str, Path],
                                                     tmp_path: Path) -> None:
    db_path = _load(tmp_path / "lps.db", leaflets["barnet"])
    _load(db_path, leaflets["robbery-173"], leaflets["reprinted"], day=2)
    barnet, revised, reprinted = (_id(leaflets[name]) for name in
                                  ("barnet", "robbery-173", "reprinted"))
    result = _cli("resolve", revised[:10], "--note", "the revised edition", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert result.output == (  # set aside in the order they were loaded
        f"Barnet 2009/10 (mpa-2010): chose {short(revised)} (resolution 1); set aside "
        f"{short(barnet)}, {short(reprinted)}\nThe views now show the figures of "
        f"{short(revised)}.\n")
    assert _barnet_robbery(db_path) == [(173, revised)]
    assert _standing(db_path) == {barnet: ("set aside", None), revised: ("chosen", None),
                                  reprinted: ("set aside", barnet)}
    [resolution] = _rows(db_path, "select * from resolutions")
    assert {k: resolution[k] for k in ("resolution_id", "area", "period", "template",
                                       "chosen_document_id", "method", "note")} == {
        "resolution_id": 1, "area": "Barnet", "period": "2009/10", "template": "mpa-2010",
        "chosen_document_id": revised, "method": "lps resolve", "note": "the revised edition"}
    assert resolution["resolved_at"].endswith("+00:00")
    assert {row["document_id"]: row["verdict"] for row in _rows(
        db_path, "select * from resolution_documents")} == {
            barnet: "set aside", reprinted: "set aside", revised: "chosen"}
    verify = _cli("verify", "--db", str(db_path))
    assert verify.exit_code == 0, verify.output
    assert (f"  note [conflicts]: Barnet 2009/10 (mpa-2010): {short(barnet)} was set aside by "
            f"resolution 1, which chose {short(revised)}") in verify.output

    # Changing one's mind is another resolution; the first stays in the lineage.
    again = _cli("resolve", reprinted, "--db", str(db_path))
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[1] == (
        f"  the same figures as the chosen one, not shown twice: {short(barnet)}")
    assert _barnet_robbery(db_path) == [(73, reprinted)]
    assert [row["chosen_document_id"] for row in _rows(
        db_path, "select * from resolutions order by resolution_id")] == [revised, reprinted]


def test_a_leaflet_with_figures_no_one_chose_between_reopens_the_conflict(
    leaflets: dict[str, Path], tmp_path: Path,
) -> None:
    db_path = _load(tmp_path / "lps.db", leaflets["barnet"], leaflets["robbery-173"])
    assert _cli("resolve", _id(leaflets["barnet"]), "--db", str(db_path)).exit_code == 0
    _load(db_path, leaflets["reprinted"], day=2)  # the chosen figures again: the choice stands
    assert _barnet_robbery(db_path) == [(73, _id(leaflets["barnet"]))]
    assert _standing(db_path)[_id(leaflets["reprinted"])] == ("duplicate",
                                                              _id(leaflets["barnet"]))
    _load(db_path, leaflets["robbery-99"], day=3)
    assert _barnet_robbery(db_path) == []
    assert {standing for standing, _ in _standing(db_path).values()} == {"conflicted"}
    problems = [p.what for p in _verify(db_path) if p.check == "conflicts"]
    assert len(problems) == 1
    assert problems[0].startswith("Barnet 2009/10 (mpa-2010): 4 loaded documents give "
                                  "different figures (performance robbery: change_count 73 (")
    assert "), 173 (" in problems[0] and "), 99 (" in problems[0]


def _verify(db_path: Path) -> list[Any]:
    with open_warehouse(db_path, writable=False) as db:
        return verify_warehouse(db).problems


def test_resolve_refuses_what_it_cannot_choose(leaflets: dict[str, Path],
                                               tmp_path: Path) -> None:
    db_path = _load(tmp_path / "lps.db", leaflets["barnet"], CAMDEN)
    unknown = _cli("resolve", "abcdef123456", "--db", str(db_path))
    assert (unknown.exit_code, unknown.output) == (
        2, "Error: no document abcdef123456 in the warehouse\n")
    alone = _cli("resolve", _id(CAMDEN)[:8], "--db", str(db_path))
    assert (alone.exit_code, alone.output) == (
        2, "Error: Camden 2009/10 (mpa-2010): its 1 loaded document(s) give the same figures: "
        "nothing to resolve\n")
    garbage = _cli("resolve", "robbery", "--db", str(db_path))
    assert (garbage.exit_code, garbage.output) == (
        2, "Error: 'robbery' is not a document id (the sha256 of a PDF, in hex)\n")


def test_a_warehouse_loaded_before_m007_finds_its_conflicts_when_upgraded(
    leaflets: dict[str, Path], tmp_path: Path,
) -> None:
    from extractors import EXTRACTOR_VERSION, extract_document

    db_path = tmp_path / "old.db"
    old = Database(db_path)
    migrations.apply(old, stop_before="m007_conflicts")
    for name in ("barnet", "robbery-173"):
        data = leaflets[name].read_bytes()
        load_extraction(old, _id(leaflets[name]), name, extract_document(data),
                        EXTRACTOR_VERSION, len(data))
    old.close()
    open_warehouse(db_path).close()  # the upgrade
    assert {standing for standing, _ in _standing(db_path).values()} == {"conflicted"}
    assert _rows(db_path, "select basis, count(*) as n from document_digests group by basis") == [
        {"basis": "upgrade", "n": 2}]
    verify = _cli("verify", "--db", str(db_path))
    assert verify.exit_code == 1
    assert verify.output.endswith(
        "  note [digests]: 2 document(s) were loaded before digests existed: their digests were "
        "taken when the warehouse was upgraded, so they vouch for the rows from then on (`lps "
        "verify --deep` compares the rows with the PDFs)\n")


def test_m007_is_frozen() -> None:
    assert hashlib.sha256("\n".join(M007).encode()).hexdigest() == M007_FINGERPRINT
