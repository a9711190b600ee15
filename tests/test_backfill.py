"""The backfill flow end to end: 100+ URLs with failures, a resumed run, and coverage."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import PDFS, needs_fixtures
from leaflet_server import leaflet_server
from sqlite_utils import Database

from flows.backfill import backfill_flow
from lps.cli import main
from lps.serve import build_datasette
from pipeline import timing
from pipeline.fetch import FetchPolicy
from pipeline.manifest import ManifestItem, read_manifest
from pipeline.reprocess import reprocess_one
from pipeline.settings import Settings
from warehouse import open_warehouse

pytestmark = [pytest.mark.usefixtures("prefect_api"), needs_fixtures]

FAST = FetchPolicy(timeout=0.3, retries=2, backoff=0.01, max_bytes=1_000_000, concurrency=4,
                   rate=1000)
GOOD = [("2009-10", "barnet"), ("2009-10", "camden"), ("2008-09", "lambeth"),
        ("2010-11", "brent"), ("2007-08", "hackney"), ("2009-10", "croydon")]
FAILING = {
    "missing/2009-10/nowhere.pdf": "HTTP 404 Not Found",
    "down/2009-10/ealing.pdf": "HTTP 503 Service Unavailable (after 3 attempts)",
    "slow/2009-10/bexley.pdf": "timed out (ReadTimeout) (after 3 attempts)",
    "html/2009-10/brent.pdf": "not a PDF: content type text/html",
    "huge/2009-10/harrow.pdf": "download too large: more than 1,000,000 bytes; stopped",
}


def _manifest(base: str, folder: Path) -> Path:
    entries = [
        {"url": f"{base}/pdf/{period}/{slug}.pdf?copy={n}", "area": slug,
         "period": period.replace("-", "/")}
        for n in range(18) for period, slug in GOOD
    ]
    entries += [{"url": f"{base}/{path}"} for path in FAILING]
    entries += [
        {"url": f"{base}/truncated/2009-10/enfield.pdf"},
        {"url": f"{base}/flaky/2009-10/greenwich.pdf", "area": "Greenwich", "period": "2009/10"},
        # the manifest says Hackney, the leaflet says Camden
        {"url": f"{base}/pdf/2009-10/camden.pdf?mislabelled", "area": "Hackney",
         "period": "2009/10"},
        {"url": f"{base}/pdf/bad/unrelated.pdf", "area": "Haringey", "period": "2010/11"},
        # the manifest says 2010/11, the leaflet reports on 2009/10
        {"url": f"{base}/pdf/2009-10/barnet.pdf?wrong-year", "area": "Barnet",
         "period": "2010/11"},
    ]
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(entries))
    return manifest


def test_a_backfill_records_failures_and_resumes_without_fetching(tmp_path: Path) -> None:
    db_path, raw = tmp_path / "lps.db", tmp_path / "raw"
    with leaflet_server() as server:
        items = read_manifest(_manifest(server.base, tmp_path))
        assert len(items) == 118
        first = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw), policy=FAST,
                              workers=1)
        requests_after_first = sum(server.requests.values())
        second = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw),
                               policy=FAST, workers=1)
        second_requests = server.requests.total() - requests_after_first

    assert (first.items, first.downloaded, first.documents, first.loaded) == (118, 112, 8, 7)
    failures = dict(first.failures)
    assert {url.split("/", 3)[3]: failures[url] for url in failures
            if "truncated" not in url} == FAILING
    assert len(failures) == 6
    assert first.mismatches == [
        (f"{items[115].url}", "area is 'Camden', expected 'Hackney'"),
        (f"{items[117].url}", "period is '2009/10', expected '2010/11'"),
    ]
    assert [source for source, _ in first.quarantined] == [items[116].url]

    # the second run downloads nothing; only the transient failures are asked again
    assert (second.downloaded, second.already_fetched, second.loaded) == (0, 112, 0)
    assert second_requests == 3 * 3  # 503, slow and truncated, each with its retries
    assert len(second.failures) == 6

    db = open_warehouse(db_path)
    fetches = {row["url"]: row for row in db.table("fetches").rows}
    assert len(fetches) == 118  # one row per URL, with its outcome
    assert sum(row["status"] == "failed" for row in fetches.values()) == 6
    assert sorted(p.suffix for p in raw.iterdir()) == [".json"] * 8 + [".pdf"] * 8
    for digest in {row["document_id"] for row in fetches.values() if row["document_id"]}:
        origins = json.loads((raw / f"{digest}.json").read_text())["origins"]
        assert {o["source"] for o in origins} == {
            url for url, row in fetches.items() if row["document_id"] == digest}
    coverage = {(r["area"], r["period"]): r["status"] for r in db.query(
        "SELECT area, period, status FROM coverage")}
    assert {key for key, status in coverage.items() if status != "missing"} == {
        ("Barnet", "2009/10"), ("Camden", "2009/10"), ("Croydon", "2009/10"),
        ("Greenwich", "2009/10"), ("Lambeth", "2008/09"), ("Brent", "2010/11"),
        ("Hackney", "2007/08"), ("Haringey", "2010/11")}
    assert coverage[("Haringey", "2010/11")] == "quarantined"
    assert coverage[("Barnet", "2009/10")] == "loaded"
    assert len(coverage) == 32 * 4
    assert coverage_matrix(CliRunner().invoke(main, ["coverage", "--db", str(db_path)]).output
                           ) == coverage  # the terminal and the view say the same
    _check_sources_are_urls(db, items, raw, fetches)
    db.close()
    _check_served_sources_link_to_the_leaflet(db_path)


def _check_sources_are_urls(db: Database, items: list[ManifestItem], raw: Path,
                            fetches: dict[str, dict[str, Any]]) -> None:
    """Each document's source is the first URL (in manifest order) it was fetched from; its
    sources are every such URL and never its raw-store copy; reprocess keeps them."""
    first: dict[str, str] = {}
    for item in items:
        if item.url and fetches[item.url]["document_id"]:
            first.setdefault(fetches[item.url]["document_id"], item.url)
    sources = {row["document_id"]: row["source"] for row in db.table("documents").rows}
    assert sources == first
    names = {(row["document_id"], row["source"]) for row in db.table("document_sources").rows}
    assert names == {(row["document_id"], url) for url, row in fetches.items()
                     if row["document_id"]}
    assert not any(str(raw.resolve()) in source for _, source in names)

    barnet = next(d for d in db.table("documents").rows if d["area"] == "Barnet")
    before = list(db.table("performance").rows_where("document_id = ?", [barnet["document_id"]]))
    redone = reprocess_one(db, barnet, raw, "next-version", Settings())  # from the store
    assert (redone.status, redone.rows_changed) == ("loaded", 0)
    [after] = db.table("documents").rows_where("document_id = ?", [barnet["document_id"]])
    assert (after["source"], after["extractor_version"]) == (barnet["source"], "next-version")
    assert {(row["document_id"], row["source"]) for row in db.table("document_sources").rows
            } == names
    assert list(db.table("performance").rows_where(
        "document_id = ?", [barnet["document_id"]])) == before
    assert [row["verdict"] for row in db.table("document_expectations").rows_where(
        "source = ?", [barnet["source"]])] == ["match"]


def _check_served_sources_link_to_the_leaflet(db_path: Path) -> None:
    """`lps serve` shows a URL source (and source_page) as a link to the leaflet at its page,
    and still links the document id to its row."""
    db = Database(db_path)
    row = next(db.query("SELECT document_id, source, page FROM performance_detail "
                        "WHERE area = 'Barnet' ORDER BY row_number LIMIT 1"))
    db.close()
    datasette = build_datasette(db_path)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        html = loop.run_until_complete(datasette.client.get(
            "/lps/performance_detail", params={"area": "Barnet"})).text
    finally:
        loop.close()
    assert row["source"].startswith("http://127.0.0.1:")
    assert f'<a href="{row["source"]}#page={row["page"]}">' in html
    assert f'<a href="{row["source"]}">' in html
    assert f'href="/lps/documents/{row["document_id"]}"' in html


def test_rerunning_a_manifest_of_local_paths_changes_nothing(tmp_path: Path) -> None:
    leaflets = tmp_path / "leaflets"
    leaflets.mkdir()
    for period, slug in (("2009-10", "camden"), ("2008-09", "lambeth")):
        shutil.copyfile(PDFS / period / f"{slug}.pdf", leaflets / f"{slug}.pdf")
    shutil.copyfile(leaflets / "lambeth.pdf", leaflets / "lambeth-copy.pdf")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,area,period\n"
                        "leaflets/camden.pdf,Camden,2009/10\n"
                        "leaflets/lambeth.pdf,Lambeth,2008/09\n"
                        "leaflets/lambeth-copy.pdf,Lambeth,2009/10\n")  # same bytes, wrong year
    db_path, raw = tmp_path / "lps.db", tmp_path / "raw"
    items = read_manifest(manifest)

    def state() -> dict[str, Any]:
        db = Database(db_path)
        tables = {name: sorted(db.table(name).rows, key=repr) for name in db.table_names()}
        db.close()
        store = {path.name: path.read_bytes() for path in sorted(raw.iterdir())}
        return {"tables": tables, "store": store}

    first = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw), workers=1)
    after_first = state()
    second = backfill_flow(items=items, db_path=str(db_path), raw_dir=str(raw), workers=1)

    assert (first.copied, first.already_fetched, first.loaded) == (3, 0, 2)
    assert (second.copied, second.already_fetched, second.loaded) == (0, 3, 0)
    assert second.mismatches == first.mismatches == [
        (str(leaflets / "lambeth-copy.pdf"), "period is '2008/09', expected '2009/10'")]
    assert state() == after_first
    assert sorted(after_first["store"]) == sorted(
        f"{d}.{suffix}" for d in {row["document_id"] for row in after_first["tables"]["documents"]}
        for suffix in ("json", "pdf"))
    origins = sorted(o["source"] for name, data in after_first["store"].items()
                     if name.endswith(".json") for o in json.loads(data)["origins"])
    assert origins == sorted(item.source for item in items)  # each path once, however many runs
    # recorded relative to the manifest's folder, so the warehouse names no one's home folder
    assert {row["source"] for row in after_first["tables"]["documents"]} == {
        "leaflets/camden.pdf", "leaflets/lambeth.pdf"}
    assert {row["source"] for row in after_first["tables"]["document_sources"]} == {
        "leaflets/camden.pdf", "leaflets/lambeth.pdf", "leaflets/lambeth-copy.pdf"}
    assert [row["source"] for row in after_first["tables"]["document_expectations"]
            if row["verdict"] == "mismatch"] == ["leaflets/lambeth-copy.pdf"]


def coverage_matrix(output: str) -> dict[tuple[str, str], str]:
    """Read `lps coverage`'s matrix back into {(area, period): status}."""
    header, *rows, totals = output.splitlines()
    width = len(header) - len(header.lstrip()) - 2
    periods = header.split()
    status = {"L": "loaded", "Q": "quarantined", ".": "missing"}
    matrix = {(row[:width].strip(), period): status[mark] for row in rows
              for period, mark in zip(periods, row[width:].split(), strict=True)}
    counts = [sum(v == s for v in matrix.values()) for s in status.values()]
    assert totals == "{} loaded, {} quarantined, {} missing".format(*counts)
    return matrix


def test_backfill_from_a_csv_then_a_url_template_reports_what_it_found(tmp_path: Path) -> None:
    db, raw = str(tmp_path / "lps.db"), str(tmp_path / "raw")
    fast = ["--db", db, "--raw", raw, "--timeout", "0.5", "--retries", "0", "--rate", "1000",
            "--workers", "1"]
    runner = CliRunner()
    with leaflet_server() as server:
        camden = f"{server.base}/pdf/2009-10/camden.pdf"
        lambeth = PDFS / "2008-09" / "lambeth.pdf"
        brent_size = (PDFS / "2010-11" / "brent.pdf").stat().st_size
        manifest = tmp_path / "leaflets.csv"
        manifest.write_text("url,path,area,period\n"
                            f"{camden},,Hackney,2009/10\n"
                            f"{camden}?again,,Camden,2010/11\n"
                            f",{lambeth},Lambeth,2008/09\n"
                            f"{server.base}/missing/ealing.pdf,,Ealing,2009/10\n")
        # Lambeth is outside the manifest's folder: read only because --allow-root says so
        from_csv = runner.invoke(main, ["backfill", str(manifest), "--allow-root", str(PDFS),
                                        *fast])
        template = f"{server.base}/pdf/{{period}}/{{borough}}.pdf"
        from_template = runner.invoke(main, [
            "backfill", "--url-template", template, "--periods", "2010/11",
            "--boroughs", "Barnet,Camden,Brent", "--max-mb", "0.03", *fast])
        again = runner.invoke(main, ["backfill", str(manifest), "--allow-root", str(PDFS),
                                     *fast])
        again_phases = timing.phases()
        asked = server.requests.copy()

    assert from_csv.exit_code == 0, from_csv.output
    assert re.fullmatch(r"in \d+\.\ds \(start to exit\)", from_csv.output.splitlines()[-1])
    assert from_csv.output.splitlines()[:-1] == [
        "4 items: 2 downloaded, 0 fetched before, 1 copied from disk, 1 failed",
        "2 distinct documents: 2 newly loaded, 0 quarantined, 2 not what the manifest expected",
        f"  failed: {server.base}/missing/ealing.pdf: HTTP 404 Not Found",
        f"  unexpected: {camden}: area is 'Camden', expected 'Hackney'",
        f"  unexpected: {camden}?again: period is '2009/10', expected '2010/11'",
    ]
    assert from_template.exit_code == 0, from_template.output
    assert from_template.output.splitlines()[:-1] == [
        "3 items: 1 downloaded, 0 fetched before, 0 copied from disk, 2 failed",
        "1 distinct documents: 1 newly loaded, 0 quarantined, 0 not what the manifest expected",
        f"  failed: {server.base}/pdf/2010-11/camden.pdf: HTTP 404 Not Found",
        f"  failed: {server.base}/pdf/2010-11/brent.pdf: too large: {brent_size} bytes "
        "declared, limit 30000",  # --max-mb 0.03: Barnet's 17 kB passes, Brent's 48 kB not
    ]
    assert again.output.splitlines()[:3] == [
        "4 items: 0 downloaded, 3 fetched before, 0 copied from disk, 1 failed",
        "2 distinct documents: 0 newly loaded, 0 quarantined, 2 not what the manifest expected",
        f"  failed: {server.base}/missing/ealing.pdf: HTTP 404 Not Found (earlier run)",
    ]
    assert sum(asked.values()) == 6  # the resumed run asked the server nothing
    assert "flow run" not in again_phases  # nor started Prefect
    assert "record the run" in again_phases
    matrix = coverage_matrix(runner.invoke(main, ["coverage", "--db", db]).output)
    assert {key for key, status in matrix.items() if status == "loaded"} == {
        ("Camden", "2009/10"), ("Lambeth", "2008/09"), ("Barnet", "2010/11")}


def _failure_kinds(base: str, other: str) -> dict[str, str]:
    """One manifest URL per way a fetch can fail, on the loopback servers `base` and `other`."""
    port = base.rsplit(":", 1)[1]
    return {
        "fetched": f"{base}/pdf/2009-10/barnet.pdf",
        "HTTP 404": f"{base}/missing/x.pdf",
        "HTTP 503": f"{base}/down/x.pdf",
        "per-read timeout": f"{base}/slow/2009-10/barnet.pdf",
        "truncated body": f"{base}/truncated/2009-10/barnet.pdf",
        "trickle past the deadline": f"{base}/trickle/2009-10/barnet.pdf",
        "not a PDF (HTML)": f"{base}/html/x.pdf",
        "too large": f"{base}/huge/x.pdf",
        "corrupt gzip body": f"{base}/gzip/2009-10/barnet.pdf",
        "redirect loop": f"{base}/loop/2009-10/barnet.pdf",
        "redirect to data:": f"{base}/to/a.pdf?data:application/pdf;base64,JVBERi0xLjQK",
        "redirect to file://": f"{base}/to/b.pdf?file:///etc/passwd",
        "redirect to another port": f"{base}/to/c.pdf?{other}/pdf/2009-10/barnet.pdf",
        "redirect with credentials": f"{base}/to/d.pdf?http://u:pw@127.0.0.1:{port}/pdf/x.pdf",
        "URL refused (not http)": "ftp://127.0.0.1/barnet.pdf",
    }


#: kind -> (status, transient, attempts, start of the reason); run with --retries 0, so that a
#: transient failure is one request per run (retries within a run: tests/test_fetch.py).
FAILURE_MATRIX = {
    "fetched": ("fetched", 0, 1, None),
    "HTTP 404": ("failed", 0, 1, "HTTP 404 Not Found"),
    "HTTP 503": ("failed", 1, 1, "HTTP 503 Service Unavailable (after 1 attempts)"),
    "per-read timeout": ("failed", 1, 1, "timed out (ReadTimeout) (after 1 attempts)"),
    "truncated body": ("failed", 1, 1, "truncated or malformed response: "),
    "trickle past the deadline": ("failed", 1, 1, "too slow: "),
    "not a PDF (HTML)": ("failed", 0, 1, "not a PDF: content type text/html"),
    "too large": ("failed", 0, 1, "download too large: more than 1,000,000 bytes; stopped"),
    "corrupt gzip body": ("failed", 0, 1, "corrupt body: it says Content-Encoding: gzip but "
                                          "does not decode"),
    "redirect loop": ("failed", 0, 1, "redirect loop: "),
    "redirect to data:": ("failed", 0, 1, "refused redirect to 'data:application/pdf;base64,"
                                          "JVBERi0xLjQK': scheme 'data' is not http or https"),
    "redirect to file://": ("failed", 0, 1, "refused redirect to 'file:///etc/passwd': scheme "
                                            "'file' is not http or https"),
    "redirect to another port": ("failed", 0, 1, "refused redirect to "),
    "redirect with credentials": ("failed", 0, 1, "refused redirect to 'http://***@127.0.0.1:"),
    "URL refused (not http)": ("failed", 0, 1, "refused URL: refusing to fetch "
                                               "'ftp://127.0.0.1/barnet.pdf': scheme 'ftp' is "
                                               "not http or https"),
}


def test_every_fetch_failure_is_recorded_and_a_rerun_asks_only_the_transient(
        tmp_path: Path) -> None:
    """Each way a download can fail, in one manifest, through `lps backfill` twice: no run
    crashes, each URL has its row in `fetches` with a reason, and the second run asks again
    only what failed transiently. Run with -s to print the matrix."""
    db, raw = tmp_path / "lps.db", tmp_path / "raw"
    options = ["--db", str(db), "--raw", str(raw), "--timeout", "0.5", "--deadline", "1",
               "--retries", "0", "--rate", "1000", "--max-mb", "1", "--workers", "1"]
    runner = CliRunner()
    with leaflet_server() as server, leaflet_server() as other:
        kinds = _failure_kinds(server.base, other.base)
        manifest = tmp_path / "manifest.json"
        manifest.write_text(json.dumps([{"url": url} for url in kinds.values()]))
        first = runner.invoke(main, ["backfill", str(manifest), *options])
        asked_first = server.requests.copy()
        second = runner.invoke(main, ["backfill", str(manifest), *options])
        asked_again = server.requests - asked_first
        assert sum(other.requests.values()) == 0  # the redirect to it was never followed

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert first.output.splitlines()[0] == (
        f"{len(kinds)} items: 1 downloaded, 0 fetched before, 0 copied from disk, "
        f"{len(kinds) - 1} failed")
    assert second.output.splitlines()[0] == (
        f"{len(kinds)} items: 0 downloaded, 1 fetched before, 0 copied from disk, "
        f"{len(kinds) - 1} failed")
    with open_warehouse(db, writable=False) as opened:
        rows = {row["url"]: row for row in opened.table("fetches").rows}
    assert len(rows) == len(kinds)
    matrix = []
    for kind, url in kinds.items():
        row = rows[url]
        status, transient, attempts, reason = FAILURE_MATRIX[kind]
        assert (row["status"], row["transient"] or 0, row["attempts"]) == (
            status, transient, attempts), kind
        assert (row["reason"] or "").startswith(reason or ""), (kind, row["reason"])
        assert (f"  failed: {url}: {row['reason']}" in first.output) == (status == "failed")
        path = url.removeprefix(server.base)
        asked = asked_again[path] if url.startswith(server.base) else 0
        assert asked == (1 if transient else 0), kind  # asked again, or not at all
        if not transient and status == "failed":
            assert f"  failed: {url}: {row['reason']} (earlier run)" in second.output
        shown = (row["reason"] or "").replace(server.base, "S").replace(other.base, "O")
        matrix.append(f"| {kind} | {row['status']}, transient={transient}, attempts="
                      f"{row['attempts']}: {shown or '-'} | {first.exit_code} | "
                      f"{'asked again' if asked else 'not asked'} ({asked} requests), exit "
                      f"{second.exit_code} |")
    print("\n| failure | `fetches` row (status, transient, attempts: reason) | first run exit "
          "| re-run |\n|---|---|---|---|\n" + "\n".join(matrix))


def test_every_quarantined_document_is_counted_expected_or_not(tmp_path: Path) -> None:
    """A manifest of local paths with no area or period: the document that cannot be read is
    counted and listed as quarantined (it used to say '0 quarantined'); refused paths fail."""
    leaflets = tmp_path / "leaflets"
    leaflets.mkdir()
    shutil.copyfile(PDFS / "2009-10" / "camden.pdf", leaflets / "camden.pdf")
    (leaflets / "notes.pdf").write_bytes(b"%PDF-1.4\nnot really a leaflet\n")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path\nleaflets/camden.pdf\nleaflets/notes.pdf\n../../../etc/passwd\n")
    result = CliRunner().invoke(main, ["backfill", str(manifest), "--db", str(tmp_path / "db"),
                                       "--workers", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "3 items: 0 downloaded, 0 fetched before, 2 copied from disk, 1 failed",
        "2 distinct documents: 1 newly loaded, 1 quarantined, 0 not what the manifest expected",
        f"  failed: {tmp_path}/../../../etc/passwd: refused: outside the folders a manifest may "
        f"read ({tmp_path}); give --allow-root DIR to allow another",
    ]
    assert lines[3].startswith(f"  quarantined: {leaflets}/notes.pdf: ")
    with open_warehouse(tmp_path / "db", writable=False) as db:
        assert sorted((row["source"], row["status"]) for row in db.table("documents").rows) == [
            ("leaflets/camden.pdf", "loaded"), ("leaflets/notes.pdf", "quarantined")]


def test_retry_refused_asks_again_what_an_earlier_run_refused_for_good(tmp_path: Path) -> None:
    """A 404 is refused for good and not asked again; once the archive has mended its link,
    `--retry-refused` asks again, and the leaflet is fetched and loaded."""
    db, raw = tmp_path / "lps.db", tmp_path / "raw"
    options = ["--db", str(db), "--raw", str(raw), "--retries", "0", "--rate", "1000",
               "--workers", "1"]
    runner = CliRunner()
    with leaflet_server() as server:
        url = f"{server.base}/mended/2009-10/barnet.pdf"
        manifest = tmp_path / "manifest.csv"
        manifest.write_text(f"url,area,period\n{url},Barnet,2009/10\n")
        first = runner.invoke(main, ["backfill", str(manifest), *options])
        server.mended = True
        again = runner.invoke(main, ["backfill", str(manifest), *options])
        asked_before_retry = server.requests.total()
        retried = runner.invoke(main, ["backfill", str(manifest), *options, "--retry-refused"])
        asked = server.requests.total()

    assert (first.exit_code, again.exit_code, retried.exit_code) == (0, 0, 0), retried.output
    assert f"  failed: {url}: HTTP 404 Not Found\n" in first.output
    assert f"  failed: {url}: HTTP 404 Not Found (earlier run)\n" in again.output
    assert (asked_before_retry, asked) == (1, 2)  # not asked again until --retry-refused
    assert retried.output.splitlines()[0] == (
        "1 items: 1 downloaded, 0 fetched before, 0 copied from disk, 0 failed")
    with open_warehouse(db, writable=False) as opened:
        [row] = list(opened.table("fetches").rows)
        [document] = list(opened.table("documents").rows)
    assert (row["status"], row["reason"]) == ("fetched", None)
    assert (document["area"], document["period"], document["status"]) == (
        "Barnet", "2009/10", "loaded")


def test_the_backfill_flow_counts_the_task_runs_the_server_records(tmp_path: Path) -> None:
    """A temporary server is stopped as soon as it has the count the flow gives
    (`flows.task_count`): a count too low would cut its history, none made the run wait for
    the number of task runs to hold still (1.4 s of a 20-leaflet backfill)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.settings import get_current_settings

    from flows import runtime, task_count

    items = [ManifestItem(path=str(PDFS / "2009-10" / "barnet.pdf"),
                          roots=(str(PDFS / "2009-10"),))]
    summary = backfill_flow(items=items, db_path=str(tmp_path / "lps.db"),
                            raw_dir=str(tmp_path / "raw"), policy=FAST, workers=1)
    assert summary.flow_run_id is not None and summary.loaded == 1
    expected = task_count.expected_task_runs(summary.flow_run_id)
    assert expected == 8  # prepare, plan, fetch, copy, record, to_ingest, the subflow, finish
    del task_count._TASK_RUNS[summary.flow_run_id]  # the wait must not take the count on trust
    runtime.settle(runtime.PrefectApi(str(get_current_settings().api.url), "configured"))
    assert runtime.wait_until_recorded(summary.flow_run_id, timeout=20)
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[UUID(summary.flow_run_id)])))
    assert len(runs) == expected
