"""`lps evaluate`: scoring against truth files, matched folders, a breakdown per layout
parameter, and the whole score as JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PDFS, needs_fixtures

from lps.cli import main

GOLDEN = PDFS.parent / "golden"
pytestmark = needs_fixtures


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _pairs(folder: Path, *relatives: str) -> tuple[Path, Path]:
    """`folder/pdfs/<rel>.pdf` and `folder/truth/<rel>.json` for each fixture leaflet."""
    for relative in relatives:
        for kind, root, suffix in (("pdfs", PDFS, ".pdf"), ("truth", GOLDEN, ".json")):
            target = folder / kind / f"{relative}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / f"{relative}{suffix}", target)
    return folder / "pdfs", folder / "truth"


def _edit_truth(truth: Path, relative: str, edit: object) -> None:
    path = truth / f"{relative}.json"
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))


def test_evaluate_scores_every_figure_right_on_the_fixtures(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    pdfs, truth = _pairs(tmp_path, "2007-08/barnet", "2008-09/lambeth", "2009-10/barnet",
                         "2010-11/brent")
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("4 files, ") and lines[0].endswith(
        ", 0 wrong, 0 missed (100.0%)")
    assert lines[1] == "leaflets: 4 fully loaded (100.0%), 0 quarantined (0.0%)"
    for template in ("mpa-2008", "mpa-2009", "mpa-2010", "mpa-2011"):
        assert f"  {template}: 100.0% of " in result.stdout
    assert lines[-1].startswith("in ") and lines[-1].endswith("s (start to exit)")


def test_evaluate_reports_a_wrong_figure_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet", "2009-10/camden")
    row: dict[str, object] = {}

    def one_more(data: dict[str, list[dict[str, object]]]) -> None:
        row.update(data["performance"][0])
        data["performance"][0]["change_pct"] = float(row["change_pct"]) + 1  # type: ignore[arg-type]

    _edit_truth(truth, "2009-10/barnet", one_more)
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert result.exit_code == 1
    expected = row["change_pct"]
    lines = result.stdout.splitlines()
    assert (f"WRONG 2009-10/barnet.pdf: performance '{row['label']} ()' change_pct: "
            f"expected {float(expected) + 1!r}, found {expected!r}") in lines  # type: ignore[arg-type]
    assert lines[1] == "leaflets: 1 fully loaded (50.0%), 0 quarantined (0.0%)"


def test_evaluate_lists_missed_figures_per_measure_without_failing(runner: CliRunner,
                                                                    tmp_path: Path) -> None:
    """A figure in the truth but not extracted is missed: counted against its measure, listed,
    and not a failure (only a wrong figure is); the leaflet is then not fully loaded."""
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet", "2010-11/brent")
    invented: dict[str, object] = {}

    def add_row(data: dict[str, list[dict[str, object]]]) -> None:
        invented.update({**data["performance"][1], "label": "Motor vehicle crime",
                         "measure": "motor_vehicle_crime"})
        data["performance"].append(dict(invented))

    _edit_truth(truth, "2009-10/barnet", add_row)
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 files, ") and ", 0 wrong, 3 missed " in lines[0]
    assert lines[1] == "leaflets: 1 fully loaded (50.0%), 0 quarantined (0.0%)"
    assert "  motor_vehicle_crime: 0.0% of 3" in lines  # the invented row's 3 figures
    assert "  residential_burglary: 100.0% of 3" in lines
    assert (f"missed 2009-10/barnet.pdf: performance 'Motor vehicle crime ()' change_count: "
            f"{invented['change_count']!r}") in lines


def test_a_truth_file_that_is_not_golden_json_is_named(runner: CliRunner,
                                                       tmp_path: Path) -> None:
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet")
    _edit_truth(truth, "2009-10/barnet",
                lambda data: data["performance"].append(data["performance"][0]))
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: truth file {truth / '2009-10/barnet.json'} is not "
                                    "valid golden JSON: 1 validation error for Extraction")


def test_folders_that_do_not_match_are_named_and_nothing_is_scored(runner: CliRunner,
                                                                   tmp_path: Path) -> None:
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet", "2009-10/camden", "2010-11/brent")
    (pdfs / "2009-10/camden.pdf").unlink()
    (pdfs / "2009-10/camden.pdf").with_name("hackney.PDF").write_bytes(b"%PDF-1.4")
    (truth / "2010-11/brent.json").unlink()
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: the PDF folder and the truth folder do not match: 2 PDF(s) with no truth file "
        f"in {truth}: 2009-10/hackney.PDF, 2010-11/brent.pdf; 1 truth file(s) with no PDF in "
        f"{pdfs}: 2009-10/camden.json\n")


def test_nothing_to_compare_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "truth").mkdir()
    (tmp_path / "pdfs" / "notes.txt").write_text("no leaflet here")
    result = runner.invoke(main, ["evaluate", str(tmp_path / "pdfs"), "--truth",
                                  str(tmp_path / "truth")])
    assert (result.exit_code, result.stderr) == (
        2, f"Error: nothing to compare: no PDFs in {tmp_path / 'pdfs'} and no truth files in "
           f"{tmp_path / 'truth'}\n")


def test_a_breakdown_per_layout_parameter_and_the_whole_score_as_json(
    runner: CliRunner, tmp_path: Path
) -> None:
    names = ["2009-10/barnet", "2009-10/camden", "2009-10/hackney"]
    pdfs, truth = _pairs(tmp_path, *names)
    (pdfs / "2009-10/hackney.pdf").write_bytes(b"")  # refused: quarantined
    params = tmp_path / "params.json"
    params.write_text(json.dumps({
        "2009-10/barnet": {"producer": "reportlab", "mark": "badge"},
        "2009-10/camden": {"producer": "weasyprint", "mark": "badge"},
        "2009-10/hackney": {"producer": "weasyprint"},
    }))
    score = tmp_path / "score.json"
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth), "--params",
                                  str(params), "--json", str(score), "--workers", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == "leaflets: 2 fully loaded (66.7%), 1 quarantined (33.3%)"
    start = lines.index("by mark:")
    assert lines[start:start + 4] == [
        "by mark:",
        "  value        leaflets  fully loaded  figures right  wrong values  quarantined",
        "  (not given)         1          0.0%           0.0%             0       100.0%",
        "  badge               2        100.0%         100.0%             0         0.0%",
    ]
    start = lines.index("by producer:")
    assert lines[start + 2:start + 4] == [
        "  reportlab          1        100.0%         100.0%             0         0.0%",
        "  weasyprint         2         50.0%          48.5%             0        50.0%",
    ]
    assert ("refused 2009-10/hackney.pdf: empty file (0 bytes): nothing to read; fetch the "
            "leaflet again (its 52 figures missed)") in lines
    assert not [line for line in lines if line.startswith("missed 2009-10/hackney.pdf")]
    written = json.loads(score.read_text())
    assert (written["leaflets"], written["fully_loaded"], written["quarantined"],
            written["wrong_values"]) == (3, 2, 1, 0)
    assert written["by_parameter"]["producer"]["weasyprint"]["leaflets"] == 2
    assert written["figures_right"] + written["missed"] == written["figures"]
    assert [leaflet["name"] for leaflet in written["per_leaflet"]] == names
    assert [leaflet["fully_loaded"] for leaflet in written["per_leaflet"]] == [True, True, False]
    assert written["refused"] == [{"file": "2009-10/hackney.pdf", "reason": (
        "empty file (0 bytes): nothing to read; fetch the leaflet again")}]


def test_params_naming_a_leaflet_not_compared_are_refused(runner: CliRunner,
                                                          tmp_path: Path) -> None:
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet")
    params = tmp_path / "params.json"
    params.write_text(json.dumps({"2009-10/barnet": {}, "2009-10/brnet": {"mark": "tick"}}))
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth), "--params",
                                  str(params)])
    assert (result.exit_code, result.stderr) == (
        2, "Error: the params file names leaflets that are not compared: 2009-10/brnet\n")
    params.write_text(json.dumps(["not", "an", "object"]))
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth), "--params",
                                  str(params)])
    assert (result.exit_code, result.stderr) == (
        2, f"Error: params file {params}: expected a JSON object mapping each leaflet's name "
           "to an object of its layout parameters\n")


def test_a_figure_the_truth_has_no_place_for_is_wrong(runner: CliRunner, tmp_path: Path
                                                      ) -> None:
    """A record the extraction holds and the truth does not (two rows merged under a new label,
    a record read twice) is a wrong figure, not nothing: with one performance row taken out of
    the truth, each of its figures the leaflet gives is listed as wrong and the run exits 1."""
    pdfs, truth = _pairs(tmp_path, "2009-10/barnet")
    removed: dict[str, object] = {}

    def drop_first(data: dict[str, list[dict[str, object]]]) -> None:
        removed.update(data["performance"].pop(0))

    _edit_truth(truth, "2009-10/barnet", drop_first)
    result = runner.invoke(main, ["evaluate", str(pdfs), "--truth", str(truth)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert (f"WRONG 2009-10/barnet.pdf: performance '{removed['label']} ()' change_pct: found "
            f"{removed['change_pct']!r}, which the leaflet does not print") in lines
    assert lines[1] == "leaflets: 0 fully loaded (0.0%), 0 quarantined (0.0%)"
    assert ", 0 wrong, " not in lines[0]
