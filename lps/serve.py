"""`lps serve`: browse the warehouse in Datasette, read-only, configured by `datasette/`.

Datasette runs in this process rather than through its own command line, for one reason: the
database must be called `lps` whatever the file is called, because the canned queries, the
dashboards and the links in `datasette/metadata.yaml` all name it. Everything else is Datasette's
documented Python API (`Datasette`, `Database`, `add_database`) and its usual uvicorn server.

Datasette, uvicorn and the warehouse package are imported inside the functions that use them, so
adding this command to the `lps` group keeps `lps --help` instant.

The warehouse is opened immutable (Datasette's `-i`): nothing can write to it, and Datasette may
cache counts and pages for as long as it runs. SQLite's immutable mode does not read the `-wal`
file, so changes an ingest has not yet checkpointed would be silently invisible; serving refuses
such a file instead of showing stale figures.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lps.errors import EXIT_CODES, InputError

if TYPE_CHECKING:
    from datasette.app import Datasette  # type: ignore[import-untyped]

__all__ = [
    "CONFIG_DIR",
    "DATABASE_NAME",
    "ServeError",
    "build_datasette",
    "check_warehouse",
    "load_metadata",
    "load_settings",
    "serve",
]

#: The repository's Datasette configuration: metadata.yaml, settings.json, plugins/.
CONFIG_DIR = Path(__file__).resolve().parent.parent / "datasette"

#: The name (and URL path) the warehouse is served under, whatever its file is called.
DATABASE_NAME = "lps"


class ServeError(Exception):
    """The warehouse cannot be served as it is; the message says why and what to do."""


def check_warehouse(path: Path) -> None:
    """Raise `ServeError` unless `path` is a complete warehouse that is safe to open immutable."""
    if not path.exists():
        raise ServeError(f"no warehouse at {path}: run `lps ingest` first, or pass --db")
    if not path.is_file():
        raise ServeError(f"cannot serve {path}: it is not a file")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ServeError(
            f"{wal} holds changes not yet written to {path.name} (is an ingest running?). "
            "Serve it when the ingest has finished."
        )
    from warehouse.m005_research import VIEWS as RESEARCH_VIEWS
    from warehouse.views import VIEWS

    try:
        uri = f"{path.resolve().as_uri()}?immutable=1"
        with closing(sqlite3.connect(uri, uri=True)) as conn:
            names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise ServeError(f"cannot serve {path}: {error}") from error
    if "documents" not in names:
        raise ServeError(f"{path} is not a policing-summaries warehouse: it has no documents table")
    missing = [name for name in {**VIEWS, **RESEARCH_VIEWS} if name not in names]
    missing += [name for name in ("measures",) if name not in names]
    if missing:
        raise ServeError(
            f"{path} was built by an older version and lacks the views {', '.join(missing)}: "
            "run `lps ingest` on it once to bring it up to date"
        )


def load_metadata(config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """The parsed `metadata.yaml` (titles, descriptions, facets, canned queries, dashboards)."""
    from datasette.utils import parse_metadata  # type: ignore[import-untyped]

    parsed: dict[str, Any] = parse_metadata((config_dir / "metadata.yaml").read_text("utf-8"))
    return parsed


def load_settings(config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """Datasette settings from `settings.json` (facet size, time limits)."""
    settings: dict[str, Any] = json.loads((config_dir / "settings.json").read_text("utf-8"))
    return settings


def build_datasette(
    db_path: Path,
    config_dir: Path = CONFIG_DIR,
    *,
    raw_dir: Path | None = None,
    pdf_roots: tuple[Path, ...] = (),
) -> Datasette:
    """A configured Datasette serving `db_path` immutable under the name `lps`, not yet started.

    Each document's PDF is served read-only at `/-/leaflets/<document_id>.pdf`, from `raw_dir`
    (default: `$LPS_RAW`, else `raw/` beside the warehouse) or from its recorded source, a
    relative one looked for under each of `pdf_roots` (default: the working directory and the
    warehouse's folder). Tests use it directly (with `datasette.client`) to check pages
    without a server.
    """
    from datasette.app import Datasette
    from datasette.database import Database  # type: ignore[import-untyped]

    from pipeline.settings import Settings

    check_warehouse(db_path)
    plugins = config_dir / "plugins"
    templates = config_dir / "templates"
    metadata = load_metadata(config_dir)
    roots = pdf_roots or (Path.cwd(), db_path.resolve().parent)
    metadata.setdefault("plugins", {})["lps-site"] = {
        "raw": str((raw_dir or Settings.from_env().raw_dir(db_path)).resolve()),
        "roots": [str(Path(root).resolve()) for root in dict.fromkeys(roots)],
    }
    datasette = Datasette(
        metadata=metadata,
        settings=load_settings(config_dir),
        plugins_dir=str(plugins) if plugins.is_dir() else None,
        template_dir=str(templates) if templates.is_dir() else None,
    )
    # With no files Datasette adds an in-memory database; the warehouse should be the only one.
    datasette.remove_database("_memory")
    datasette.add_database(
        Database(datasette, path=str(db_path.resolve()), is_mutable=False), name=DATABASE_NAME
    )
    return datasette


def _bind(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, before anything claims to serve there."""
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(info[0], socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
    except OSError as error:
        reason = ("it is in use (another `lps serve`?): choose another with --port"
                  if getattr(error, "errno", None) == 98 else (error.strerror or str(error)))
        raise click.ClickException(f"cannot serve on {host}:{port}: {reason}") from error
    sock.listen(2048)
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command(epilog=EXIT_CODES)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default="lps.db",
    envvar="LPS_DB",
    show_default=True,
    show_envvar=True,
    help="Warehouse file to serve.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--raw", "raw_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Raw store to serve the PDFs from [default: $LPS_RAW, else raw/ beside the "
              "warehouse].")
@click.option("--pdfs", "pdf_roots", type=click.Path(file_okay=False, path_type=Path),
              multiple=True, help="Folder relative sources are found under (repeatable) "
              "[default: the working directory and the warehouse's folder].")
def serve(db_path: Path, host: str, port: int, raw_dir: Path | None,
          pdf_roots: tuple[Path, ...]) -> None:
    """Browse the warehouse in Datasette, read-only, at http://HOST:PORT/.

    Tables, views, facets, full-text search, canned queries for the common questions, the
    codebook and a chart dashboard; every page exports CSV and JSON. Each leaflet's PDF is
    served read-only at /-/leaflets/<document_id>.pdf (every page and source_page links to
    it), from the raw store or from where it was ingested; only bytes whose sha256 is the
    document id are served. Nothing is fetched from the internet. Restart it after an
    ingest: the warehouse is read as it was when serving started. Each request for a page that
    does not exist is logged as one line (`404 GET /path: ...`).

    \b
    Examples:
      lps serve                                # ./lps.db (or $LPS_DB), http://127.0.0.1:8001/
      lps serve --db /data/lps.db --port 8080
      lps serve --pdfs /shared/leaflets        # where relative sources were ingested from
    """
    try:
        datasette = build_datasette(db_path, raw_dir=raw_dir, pdf_roots=pdf_roots)
    except ServeError as error:
        kind = InputError if not db_path.exists() else click.ClickException
        raise kind(str(error)) from error
    if not _is_loopback(host):
        click.echo(f"warning: serving on {host}: anyone who can reach it can read the warehouse",
                   err=True)
    import uvicorn

    from lps.serve_errors import install

    install()
    asyncio.run(datasette.invoke_startup())
    sock = _bind(host, port)
    click.echo(f"Serving {db_path} read-only at http://{host}:{port}/ (Ctrl-C to stop)")
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    serve()
