"""`lps serve`: browse the warehouse in Datasette, read-only, configured by `datasette/`.

Datasette runs in this process rather than through its own command line, for one reason: the
database must be called `lps` whatever the file is called, because the canned queries, the
dashboards and the links in `datasette/metadata.yaml` all name it. Everything else is Datasette's
documented Python API (`Datasette`, `Database`, `add_database`) and its usual uvicorn server.

Datasette, uvicorn and the warehouse package are imported inside the functions that use them, so
adding this command to the `lps` group keeps `lps --help` instant.

The warehouse is opened read-only (`mode=ro`, Datasette's mutable database, as `datasette
serve` without `-i`), never immutable. An ingest may write to it while it is served: the
warehouse is in WAL mode, so each query reads the last committed state, `-wal` included, and
the next page shows what the ingest has loaded. Immutable mode told SQLite that the file would
never change: it skipped the `-wal`, Datasette cached the table counts, and a file changed under
it read as `database disk image is malformed` (issue 12, item 4). The server never writes: its
connections are read-only and `query_only` (`lps.serve_limits`, which also caps what one query
may cost). It may create the `-shm` and `-wal` files beside the warehouse, as any SQLite reader
of a WAL file does, which needs a folder it can write to.

In a folder it cannot write to (read-only media, another user's folder), a WAL warehouse with no
`-shm` beside it cannot be opened read-only; no ingest of this user can be writing there, so it
is then served immutable, as it is when serving starts, and the command says so. A `-wal` with
changes in it then makes serving refuse: immutable mode would not see them.
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
from lps.output import timed

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


def check_warehouse(path: Path) -> bool:
    """Raise `ServeError` unless `path` is a complete warehouse that can be served read-only.

    Returns whether it is served as it changes (read-only, `mode=ro`), or, only in a folder this
    user cannot write to with no `-shm` beside it, as it is now (immutable; see the module).
    """
    if not path.exists():
        raise ServeError(f"no warehouse at {path}: run `lps ingest` first, or pass --db")
    if not path.is_file():
        raise ServeError(f"cannot serve {path}: it is not a file")
    from warehouse.connection import WarehouseUnavailable, connect_read_only
    from warehouse.m005_research import VIEWS as RESEARCH_VIEWS
    from warehouse.m009_research2 import VIEWS as RESEARCH2_VIEWS
    from warehouse.views import VIEWS

    try:
        connection, follows_changes = connect_read_only(path)
    except WarehouseUnavailable as error:
        raise ServeError(f"cannot serve: {error}") from error
    except sqlite3.DatabaseError as error:
        raise ServeError(f"cannot serve {path}: {error}") from error
    with closing(connection):
        names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    if "documents" not in names:
        raise ServeError(f"{path} is not a policing-summaries warehouse: it has no documents table")
    missing = [name for name in {**VIEWS, **RESEARCH_VIEWS, **RESEARCH2_VIEWS}
               if name not in names]
    missing += [name for name in ("measures", "editions", "real_texts", "codebook_notes")
                if name not in names]
    if missing:
        raise ServeError(
            f"{path} was built by an older version and lacks the views {', '.join(missing)}: "
            "run `lps ingest` on it once to bring it up to date"
        )
    return follows_changes


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
    """A configured Datasette serving `db_path` read-only under the name `lps`, not yet started.

    Read as it changes (Datasette's mutable database, opened `mode=ro`) unless it can only be
    opened immutable (`check_warehouse`); every connection limited by `lps.serve_limits`.

    Each document's PDF is served read-only at `/-/leaflets/<document_id>.pdf`, from `raw_dir`
    (default: `$LPS_RAW`, else `raw/` beside the warehouse) or from its recorded source, a
    relative one looked for under each of `pdf_roots` (default: the working directory and the
    warehouse's folder). Tests use it directly (with `datasette.client`) to check pages
    without a server.
    """
    from datasette.app import Datasette
    from datasette.database import Database  # type: ignore[import-untyped]

    from lps import serve_limits
    from pipeline.settings import Settings

    follows_changes = check_warehouse(db_path)
    serve_limits.install()
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
        Database(datasette, path=str(db_path.resolve()), is_mutable=follows_changes),
        name=DATABASE_NAME,
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
@timed
def serve(db_path: Path, host: str, port: int, raw_dir: Path | None,
          pdf_roots: tuple[Path, ...]) -> None:
    """Browse the warehouse in Datasette, read-only, at http://HOST:PORT/.

    Tables, views, facets, full-text search, canned queries for the common questions, the
    codebook and a chart dashboard; every page exports CSV and JSON. Each leaflet's PDF is
    served read-only at /-/leaflets/<document_id>.pdf (every page and source_page links to it),
    from the raw store or from where it was ingested; only a regular file in the raw store or
    under a --pdfs folder, and only bytes whose sha256 is the document id, are served. Nothing
    is fetched from the internet. An ingest may run while it serves: each page shows what the
    ingest has committed so far. A query may return values of up to 250 kB and 30 MB in all (as
    JSON), and runs for up to 5 s. Each request for a page that does not exist is logged as one
    line (`404 GET /path: ...`).

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
    if not datasette.get_database(DATABASE_NAME).is_mutable:
        click.echo(f"{db_path.resolve().parent} is not writable: serving {db_path.name} as it is "
                   "now (immutable); restart after an ingest to see its changes")
    config = uvicorn.Config(datasette.app(), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    serve()
