"""The run summary as printed by `lps ingest` and published as a Prefect artifact."""

from __future__ import annotations

from pipeline.report import IngestSummary, NotLoaded, summary_to_markdown, summary_to_text

SUMMARY = IngestSummary(
    run_id="r1", flow_run_id=None, warehouse="lps.db", started_at="2024-05-01T12:00:00+00:00",
    finished_at="2024-05-01T12:00:09+00:00", seconds=9.25, seen=4, loaded=2, skipped=1,
    quarantined=1, unreadable=0,
    rows_written={"documents": 3, "performance": 14, "document_sources": 3},
    rows_in_warehouse={"documents": 3, "performance": 14, "document_sources": 4, "runs": 1},
    not_loaded=[NotLoaded(source="in/odd|name.pdf", reason="not a PDF: the file is plain text")],
)


def test_text_summary() -> None:
    assert summary_to_text(SUMMARY) == "\n".join([
        "Ingested into lps.db in 9.2s (start to exit)",
        "  documents seen:        4",
        "  loaded:                2",
        "  skipped (known/dupe):  1",
        "  quarantined:           1",
        "  rows written / now in warehouse:",
        "    documents              3 / 3",
        "    performance           14 / 14",
        "    document_sources       3 / 4",
        "Not loaded:",
        "  in/odd|name.pdf: not a PDF: the file is plain text",
    ])


def test_markdown_summary_escapes_table_cells() -> None:
    markdown = summary_to_markdown(SUMMARY)
    assert "| quarantined | 1 |" in markdown
    assert "| performance | 14 | 14 |" in markdown
    assert "| in/odd\\|name.pdf | not a PDF: the file is plain text |" in markdown


def test_a_run_that_leaves_a_conflict_ends_with_it() -> None:
    line = ("Barnet 2009/10 (mpa-2010): documents 0130ab87c9e3, a936cedbeaf8 differ: "
            "performance robbery: change_count 73 (0130ab87c9e3), 173 (a936cedbeaf8)")
    summary = SUMMARY.model_copy(update={"conflicts": [line]})
    heading = ("In conflict, so not in the views until one document is chosen with `lps resolve "
               "DOCUMENT_ID`:")
    assert summary_to_text(summary).splitlines()[-2:] == [heading, f"  {line}"]
    assert summary_to_markdown(summary).endswith(f"## Conflicts\n\n{heading}\n\n- {line}\n")
