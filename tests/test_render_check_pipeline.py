"""The render check as a stage: it runs after extraction in the guard's child, so ingest,
reprocess, evaluate and `lps verify --deep` all refuse a leaflet whose page does not show the
figures its text layer claims (issue 20, items 1 and 4); and figures are read from ASCII digits
only (item 3).

The leaflet is the real Barnet 2009/10 fixture with a "1" put before its robbery figure ("73
offences or +8.2%", page 3) and clipped away by a notched clip whose bounding box holds it: the
text layer reads "173", PDFium draws "73", and the fast path (which judges clips by their boxes)
lets it through.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import page_classes
import pytest
from click.testing import CliRunner
from conftest import PDFS, ROOT, needs_fixtures
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, FloatObject, TextStringObject
from reportlab.pdfbase.pdfmetrics import stringWidth
from sample_warehouse import build_fixture_warehouse

from extractors import EXTRACTOR_VERSION, extract_document
from extractors.figures import FigureError, parse_change_cell, parse_count, parse_signed
from fixtures.generator.rl import REGULAR, register_fonts
from lps.cli import main
from pipeline.figure_check import claims_of, render_check_reason
from pipeline.guard import extract_guarded
from pipeline.parse import extraction_or_reason
from pipeline.settings import Settings
from warehouse import open_warehouse
from warehouse.load import load_extraction

BARNET = PDFS / "2009-10" / "barnet.pdf"
REASON = ("page 3, 'Total robbery' change_count/change_pct: the text layer says '173 offences "
          "or +8.2%' but the rendered page shows '73 offences or +8.2%'; not loaded")


def _with_a_clipped_one(original: bytes) -> bytes:
    """Barnet 2009/10 with its robbery cell drawn as "173 offences or +8.2%" in one string,
    under a clip that holds the whole line but the "1": a notched shape whose bounding box
    holds the "1" too. (A "1" drawn as a text object of its own would not do: the layout keeps
    separate strings apart and refuses '1 73'.)"""
    reader = PdfReader(io.BytesIO(original))
    page = reader.pages[2]
    content = ContentStream(page.get_contents(), reader)
    ops = content.operations
    shown = next(i for i, (operands, op) in enumerate(ops)
                 if op == b"Tj" and operands[0] == "73 offences or +8.2%")
    begin = max(i for i in range(shown) if ops[i][1] == b"BT")
    end = min(i for i in range(shown, len(ops)) if ops[i][1] == b"ET")
    matrix = next(i for i in range(begin, shown) if ops[i][1] == b"Tm")
    x, y = float(ops[matrix][0][4]), float(ops[matrix][0][5])
    register_fonts()
    one = stringWidth("1", REGULAR, 7)  # the cell is set in DejaVu Sans 7 pt
    notched = [(x - 0.2, y - 3), (x + 120, y - 3), (x + 120, y + 10), (x - one - 2, y + 10),
               (x - one - 2, y + 9.5), (x - 0.2, y + 9.5)]
    clip: list[tuple[list[Any], bytes]] = [([], b"q")]
    clip += [([FloatObject(px), FloatObject(py)], b"m" if n == 0 else b"l")
             for n, (px, py) in enumerate(notched)]
    clip += [([], b"h"), ([], b"W"), ([], b"n")]
    ops[matrix] = ([*ops[matrix][0][:4], FloatObject(x - one), FloatObject(y)], b"Tm")
    ops[shown] = ([TextStringObject("173 offences or +8.2%")], b"Tj")
    content.operations = [*ops[:begin], *clip, *ops[begin : end + 1], ([], b"Q"),
                          *ops[end + 1 :]]
    writer = PdfWriter(clone_from=reader)
    writer.pages[2].replace_contents(content)
    data = io.BytesIO()
    writer.write(data)
    return data.getvalue()


@pytest.fixture(scope="module")
def altered() -> bytes:
    return _with_a_clipped_one(BARNET.read_bytes())


@needs_fixtures
def test_the_extractor_alone_reads_173_and_the_stage_refuses_it(altered: bytes) -> None:
    extraction = extract_document(altered)  # the fast path does not see it
    robbery = next(r for r in extraction.performance if r.label == "Total robbery")
    assert robbery.change_count == 173
    assert render_check_reason(altered, extraction) == REASON
    assert extraction_or_reason(altered) == REASON


@needs_fixtures
def test_the_check_runs_in_the_guards_child(altered: bytes) -> None:
    assert extract_guarded(altered, Settings()) == REASON


@needs_fixtures
@pytest.mark.parametrize("leaflet", ["2007-08/barnet.pdf", "2008-09/barnet.pdf",
                                     "2009-10/barnet.pdf", "2009-10/camden.pdf",
                                     "2010-11/barnet.pdf", "2010-11/brent.pdf"])
def test_fixture_leaflets_of_each_edition_and_producer_pass(leaflet: str) -> None:
    data = (PDFS / leaflet).read_bytes()
    extraction = extract_document(data)
    assert claims_of(extraction)  # figures were checked, not skipped
    assert render_check_reason(data, extraction) is None


@needs_fixtures
def test_a_cell_read_for_two_fields_is_one_claim_named_after_its_row() -> None:
    claims = claims_of(extract_document(BARNET.read_bytes()))
    robbery = [c for c in claims if c.name.startswith("'Total robbery'")]
    assert [(c.name, c.text, c.page, c.figure) for c in robbery] == [
        ("'Total robbery' change_count/change_pct", "73 offences or +8.2%", 3, True),
        ("'Total robbery' target_achieved", "", 3, False)]  # no mark: nothing may be drawn


@needs_fixtures
def test_verify_deep_reruns_the_render_check(altered: bytes, tmp_path: Path) -> None:
    """A warehouse that loaded the altered leaflet before the check existed (its rows say 173)
    is reported by `lps verify --deep`, which re-extracts through the guard."""
    db = build_fixture_warehouse(tmp_path / "lps.db", [])
    document = hashlib.sha256(altered).hexdigest()
    warehouse = open_warehouse(db)
    try:  # loaded as an extractor without the render check loaded it
        load_extraction(warehouse, document, "barnet-altered.pdf", extract_document(altered),
                        EXTRACTOR_VERSION, len(altered))
    finally:
        warehouse.close()
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / f"{document}.pdf").write_bytes(altered)
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["verify", "--db", str(db), "--deep", "--raw",
                                           str(raw), "--workers", "1"], env={"LPS_DB": None})
    finally:
        os.chdir(ROOT)
    assert result.exit_code == 1, result.output
    assert (f"  [deep] documents, document {document}: its PDF no longer extracts: {REASON}"
            in result.output.splitlines())


@pytest.mark.parametrize(("parse", "text", "char"), [
    (parse_change_cell, "73 offences or +8\u06602%", "'\u0660' (ARABIC-INDIC DIGIT ZERO)"),
    (parse_count, "4\u06603", "'\u0660' (ARABIC-INDIC DIGIT ZERO)"),
    (parse_count, "\uff17\uff13", "'\uff17' (FULLWIDTH DIGIT SEVEN)"),
    (parse_count, "7\u00b3", "'\u00b3' (SUPERSCRIPT THREE)"),
    (lambda text: parse_signed(text, percent=True), "+8\u00b72%", "'\u00b7' (MIDDLE DOT)"),
])
def test_a_digit_no_edition_prints_is_named_not_read(parse: object, text: str,
                                                     char: str) -> None:
    assert callable(parse)
    with pytest.raises(FigureError) as refused:
        parse(text)
    assert str(refused.value) == (f"{text!r} holds {char}, which is not a digit or sign this "
                                  "edition prints")


def test_ascii_figures_still_read() -> None:
    assert parse_count("1,204") == 1204
    assert parse_change_cell("\u22121,204 offences or \u22126.3%").with_sign(-1) == (
        -1204, -6.3)


@needs_fixtures
def test_a_see_through_stamp_across_the_table_leaves_the_figures_checked() -> None:
    """Letters of a stamp drawn on a slant across the rows are not the figures' ink; where
    the stamp is opaque over a digit, that digit no longer looks like itself."""
    see_through = page_classes.build("stamp-see-through")
    assert render_check_reason(see_through, extract_document(see_through)) is None
    opaque = page_classes.build("stamp-diagonal")
    assert render_check_reason(opaque, extract_document(opaque)) == (
        "page 3, 'Theft from vehicles' change_count/change_pct: the text layer says '427 "
        "offences or 12.5%' but the rendered page shows its '2' drawn unlike the other '2's "
        "of its font (DejaVuSans); not loaded")
