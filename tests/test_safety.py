"""Guards on what comes from outside: URLs, raw-store names, sizes, the served warehouse, SQL.

Real files, real symlinks, a real Datasette on a real warehouse. The last test reads the code
base itself: no SQL text is built from anything but literals and fixed identifiers.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st
from sample_warehouse import build_sample_warehouse

from lps.serve import DATABASE_NAME, _is_loopback, build_datasette
from pipeline.local_items import copy_local_items, read_local_item
from pipeline.rawstore import raw_path, store_file, write_part
from pipeline.safety import UnsafeInput, capped_chunks, check_redirect, check_url, safe_raw_path

# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://www.mpa.gov.uk/downloads/lps/barnet.pdf",
    "HTTPS://policeauthority.example/lps?id=3#page=2",
    "https://[::1]:8443/a.pdf",
])
def test_http_and_https_urls_are_fetched(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(("url", "why"), [
    ("file:///etc/passwd", "scheme 'file' is not http or https"),
    ("ftp://archive.example/lps.pdf", "scheme 'ftp' is not http or https"),
    ("javascript:alert(1)", "scheme 'javascript' is not http or https"),
    ("data:application/pdf;base64,JVBERi0=", "scheme 'data' is not http or https"),
    ("//host.example/a.pdf", "scheme 'none' is not http or https"),
    ("leaflets/barnet.pdf", "scheme 'none' is not http or https"),
    ("http:///barnet.pdf", "it names no host"),
    ("https://user:secret@host.example/a.pdf", "it carries credentials"),
    ("https://token@host.example/a.pdf", "it carries credentials"),
    ("https://host.example/a.pdf\r\nX-Injected: 1", "it contains whitespace or control"),
    ("https://host.example/a\x00.pdf", "it contains whitespace or control"),
    (" https://host.example/a.pdf", "it contains whitespace or control"),
])
def test_other_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(UnsafeInput) as refused:
        check_url(url)
    assert str(refused.value).startswith(f"refusing to fetch {url!r}: {why}")


def test_allowed_hosts_are_compared_without_case() -> None:
    assert check_url("https://WWW.MPA.gov.uk/a.pdf", ["www.mpa.gov.uk"])
    with pytest.raises(UnsafeInput, match=r"host 'mpa\.gov\.uk\.evil\.example' is not one of"):
        check_url("https://mpa.gov.uk.evil.example/a.pdf", ["www.mpa.gov.uk", "mpa.gov.uk"])


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_plain_http(url: str) -> None:
    from urllib.parse import urlsplit

    try:
        check_url(url)
    except UnsafeInput:
        return
    parts = urlsplit(url)
    assert parts.scheme.lower() in {"http", "https"} and parts.hostname
    assert parts.username is None and parts.password is None
    assert not any(ch in url for ch in "\r\n\t\x00") and url == url.strip()


@pytest.mark.parametrize(("target", "origin"), [
    ("https://cdn.archive.example/lps/barnet.pdf", "http://archive.example/barnet.pdf"),
    ("https://archive.example/barnet.pdf", "http://archive.example/barnet.pdf"),
    ("http://127.0.0.1:8123/b.pdf", "http://127.0.0.1:8123/a.pdf"),
    ("http://localhost/b.pdf", "http://127.0.0.1:8123/a.pdf"),
])
def test_redirects_within_the_rules_are_followed(target: str, origin: str) -> None:
    assert check_redirect(target, origin) == target


@pytest.mark.parametrize(("target", "origin", "why"), [
    ("http://archive.example:8080/b.pdf", "http://archive.example/a.pdf",
     "port 8080 is neither the first URL's (80) nor the default for http (80)"),
    ("http://127.0.0.1:6379/", "http://127.0.0.1:8123/a.pdf",
     "port 6379 is neither the first URL's (8123) nor the default for http (80)"),
    ("http://127.0.0.1/admin", "https://archive.example/a.pdf",
     "host '127.0.0.1' is this machine or a private network, and the first URL's host "
     "'archive.example' is not"),
    ("http://169.254.169.254/latest/meta-data/", "http://archive.example/a.pdf",
     "host '169.254.169.254' is this machine or a private network, and the first URL's host "
     "'archive.example' is not"),
    ("http://intranet.localhost/", "http://archive.example/a.pdf",
     "host 'intranet.localhost' is this machine or a private network, and the first URL's "
     "host 'archive.example' is not"),
    ("file:///etc/passwd", "http://archive.example/a.pdf", "scheme 'file' is not http or https"),
])
def test_redirects_that_bend_the_rules_are_refused(target: str, origin: str, why: str) -> None:
    with pytest.raises(UnsafeInput) as refused:
        check_redirect(target, origin)
    assert str(refused.value) == f"refused redirect to {target!r}: {why}"


def test_a_refused_redirect_does_not_repeat_its_credentials() -> None:
    with pytest.raises(UnsafeInput) as refused:
        check_redirect("https://me:hunter2@archive.example/a.pdf", "https://archive.example/")
    assert str(refused.value) == ("refused redirect to 'https://***@archive.example/a.pdf': it "
                                  "carries credentials")


# --- raw store names ----------------------------------------------------------------------------


def test_plain_names_stay_inside_the_store(tmp_path: Path) -> None:
    assert safe_raw_path(tmp_path, "a.pdf") == tmp_path.resolve() / "a.pdf"
    assert safe_raw_path(tmp_path, "2009-10/barnet.pdf") == (
        tmp_path.resolve() / "2009-10" / "barnet.pdf"
    )


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty or contains NUL"),
    ("a\x00.pdf", "empty or contains NUL"),
    ("/etc/passwd", "it is an absolute path"),
    ("C:\\Windows\\x.pdf", "it is an absolute path"),
    ("\\\\server\\share\\x.pdf", "it is an absolute path"),
    ("../x.pdf", "it climbs out with '..'"),
    ("a/../../x.pdf", "it climbs out with '..'"),
    ("..\\..\\x.pdf", "it climbs out with '..'"),
])
def test_names_that_would_escape_are_refused(tmp_path: Path, name: str, why: str) -> None:
    with pytest.raises(UnsafeInput) as refused:
        safe_raw_path(tmp_path, name)
    assert str(refused.value) == f"refusing raw file name {name!r}: {why}"


def test_a_symlink_inside_the_store_is_not_followed_out(tmp_path: Path) -> None:
    store, outside = tmp_path / "raw", tmp_path / "outside"
    store.mkdir()
    outside.mkdir()
    (store / "escape").symlink_to(outside, target_is_directory=True)
    (store / "leaflet.pdf").symlink_to(outside / "leaflet.pdf")
    for name in ("escape/x.pdf", "leaflet.pdf"):
        with pytest.raises(UnsafeInput, match="is a symlink"):
            safe_raw_path(store, name)
    assert list(outside.iterdir()) == []


@given(st.text(alphabet=st.sampled_from("ab./\\\x00:"), max_size=12))
def test_any_name_accepted_resolves_inside_the_store(name: str) -> None:
    root = ROOT / "test-artifacts" / "no-such-store"  # never created: names are only resolved
    try:
        path = safe_raw_path(root, name)
    except UnsafeInput:
        return
    assert path.resolve().is_relative_to(root.resolve())


def test_the_raw_store_refuses_names_that_are_not_content_addresses(tmp_path: Path) -> None:
    for name in ("../" * 3 + "x", "A" * 64, "0" * 63, "0" * 63 + "/"):
        with pytest.raises(ValueError, match="not a sha256 hex digest"):
            raw_path(tmp_path, name)


def test_the_raw_store_will_not_write_through_a_planted_symlink(tmp_path: Path) -> None:
    """A manifest's local file copied into a store whose content address is a symlink planted
    to lead out: refused and recorded for that item, nothing written outside, no part left."""
    store, outside = tmp_path / "raw", tmp_path / "outside"
    store.mkdir()
    outside.mkdir()
    source = tmp_path / "barnet.pdf"
    source.write_bytes(b"%PDF-1.4 leaflet")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    (store / f"{sha}.pdf").symlink_to(outside / "stolen.pdf")
    reading = read_local_item(str(source), [str(tmp_path)], 1_000_000)
    [result] = copy_local_items([reading], store, {str(source): [str(tmp_path)]}, 1_000_000)
    assert (result.document_id, result.transient) == (None, False)
    assert result.reason == (f"refusing raw file name '{sha}.pdf': {store.resolve() / sha}.pdf "
                             "is a symlink")
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in store.iterdir()) == [f"{sha}.pdf"]  # only the planted link


def test_the_raw_store_copies_to_the_content_address(tmp_path: Path) -> None:
    source = tmp_path / "barnet.pdf"
    source.write_bytes(b"%PDF-1.4 leaflet")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    part, digest, size = write_part(tmp_path / "raw", [source.read_bytes()])
    stored = store_file(tmp_path / "raw", part, digest, str(source))
    assert (digest, size) == (sha, len(source.read_bytes()))
    assert stored == (tmp_path / "raw").resolve() / f"{sha}.pdf"
    assert stored.read_bytes() == source.read_bytes()
    assert not part.exists()


# --- sizes --------------------------------------------------------------------------------------


def test_chunks_pass_up_to_the_cap_and_stop_just_past_it() -> None:
    assert b"".join(capped_chunks([b"ab", b"cd"], 4)) == b"abcd"
    passed: list[bytes] = []
    with pytest.raises(UnsafeInput, match="download too large: more than 4 bytes; stopped"):
        for chunk in capped_chunks(iter([b"ab", b"cd", b"e", b"never read"]), 4):
            passed.append(chunk)
    assert passed == [b"ab", b"cd"]


def test_an_endless_download_is_stopped() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1024

    with pytest.raises(UnsafeInput):
        for _ in capped_chunks(endless(), 10 * 1024):
            pass


# --- the served warehouse -----------------------------------------------------------------------


def test_datasette_refuses_writes_and_leaves_the_file_unchanged(tmp_path: Path) -> None:
    """Write SQL through the query page is refused, and the served file does not change."""
    warehouse = build_sample_warehouse(tmp_path / "warehouse.db")
    before = warehouse.read_bytes()
    datasette = build_datasette(warehouse)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        for sql in ("delete from documents", "update documents set reason = 'x'",
                    "drop table documents", "attach database 'x.db' as x"):
            response = loop.run_until_complete(
                datasette.client.get(f"/{DATABASE_NAME}.json", params={"sql": sql})
            )
            assert response.status_code in {400, 403}, (sql, response.text[:300])
    finally:
        loop.close()
    assert warehouse.read_bytes() == before


@pytest.mark.parametrize(("host", "local"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
    ("192.168.1.10", False), ("example.org", False),
])
def test_only_loopback_addresses_count_as_local(host: str, local: bool) -> None:
    assert _is_loopback(host) is local


# --- no SQL built from user strings -------------------------------------------------------------

#: Calls whose first argument is SQL text (sqlite3 and sqlite-utils).
SQL_CALLS = {"execute", "executemany", "executescript", "query", "rows_where", "count_where",
             "delete_where"}
PACKAGES = ("extractors", "flows", "lps", "schemas", "warehouse")

#: Non-literal SQL that was read and judged safe, by module and function, with the reason.
REVIEWED = {
    ("warehouse.load", "known_document_ids", "where"):
        "joins only the literal clauses 'status = ?' and 'extractor_version = ?'",
    ("warehouse.verify", "_query", "sql"):
        "a helper; its callers pass literal SQL (checked by this test at each call)",
    ("warehouse.verify", "_document_of", "table"):
        "a table name from SQLite's own PRAGMA foreign_key_check, bracket-quoted",
    ("warehouse.verify", "_row_numbers", "table"):
        "iterates CHILD_TABLES, a constant of warehouse.migrations",
    ("warehouse.migrations", "_run_frozen", "statement"):
        "a statement of warehouse/frozen/*.sql, shipped with the package and pinned by hash in "
        "tests/test_migrations.py",
    ("warehouse.conflicts", "figure_differences", "table"):
        "iterates FIGURE_TABLES, a constant of warehouse.tables, bracket-quoted",
    ("warehouse.digests", "stored_rows", "table"):
        "iterates CHILD_TABLES, a constant of warehouse.tables, bracket-quoted",
    ("warehouse.digests", "stored_rows", "columns"):
        "DOCUMENT_COLUMNS, a constant of warehouse.digests, bracket-quoted",
    ("warehouse.digests", "provenance_digest", "columns"):
        "PROVENANCE_COLUMNS, a constant of warehouse.digests, those the table has",
    ("warehouse.digests", "provenance_digest", "c"):
        "iterates those columns, bracket-quoted",
    ("warehouse.digests", "provenance_digest", "table"):
        "iterates PROVENANCE_TABLES, a constant of warehouse.tables, bracket-quoted",
    **{("warehouse.verify", "_unmatched_sections", name): why for name, why in {
        "_EXPECTED": "a constant name of a temporary table",
        "_EXPECTED_VOCAB": "a constant name of a temporary table",
        "_INDEXED_VOCAB": "a constant name of a temporary table",
        "name": "iterates those three constant names",
        "table": "the full-text table's name, the constant 'sections_fts' of its caller",
        "quoted": "the columns of that table from SQLite's own schema, double-quoted with "
                  "quotes doubled",
        "tokenize": "the tokenize clause of that table's own CREATE statement, a quoted SQL "
                    "string matched whole; the connection can write only its temp schema",
    }.items()},
    ("warehouse.migrations", "_run_frozen", "view"):
        "a view name taken from one of those frozen statements, bracket-quoted",
}


def _constants(tree: ast.Module) -> set[str]:
    return {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name) and target.id.isupper()}


def _safe_names(function: ast.AST, constants: set[str]) -> set[str]:
    """Names bound in `function` only to literals, or by a loop over a constant or literal."""
    safe = set(constants)
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            safe |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, ast.For | ast.comprehension):
            source = node.iter
            if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute):
                source = source.func.value  # CONSTANT.items()
            literal = isinstance(source, ast.Tuple | ast.List) and all(
                isinstance(e, ast.Constant | ast.Starred) for e in source.elts)
            if literal or (isinstance(source, ast.Name) and source.id in constants):
                safe |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return safe


def _unsafe_sql() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _constants(tree)
            functions = [n for n in ast.walk(tree)
                         if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
            for function in functions:
                safe = _safe_names(function, constants)
                for call in ast.walk(function):
                    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                            and call.func.attr in SQL_CALLS and call.args):
                        continue
                    names = {n.id for n in ast.walk(call.args[0]) if isinstance(n, ast.Name)}
                    for name in sorted(names - safe):
                        if (module, function.name, name) not in REVIEWED:
                            found.append(f"{module}.{function.name} line {call.lineno}: SQL "
                                         f"built from {name!r}")
    return found


def test_no_sql_is_built_from_anything_but_literals_and_fixed_identifiers() -> None:
    """Every SQL text passed to sqlite3 or sqlite-utils is a literal, or interpolates only
    module constants, literal-bound names, loop variables over those, or a name reviewed above.
    A new interpolation fails here until someone reads it and adds it to REVIEWED with why."""
    assert _unsafe_sql() == []


def test_the_sql_check_catches_a_user_string(tmp_path: Path) -> None:
    tree = ast.parse("def f(db, name):\n    db.execute(f'select * from t where n = {name}')\n")
    function = tree.body[0]
    assert "name" not in _safe_names(function, _constants(tree))
    constant = ast.parse("T = 'x'\ndef f(db):\n    for t in T:\n        db.execute(f'{t}')\n")
    assert "t" in _safe_names(constant.body[1], _constants(constant))
