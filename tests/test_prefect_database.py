"""The template Prefect database a new home starts from (flows.prefect_database)."""

from __future__ import annotations

import importlib.metadata
import lzma
import sqlite3
from pathlib import Path

import prefect.server.database
from alembic.script import ScriptDirectory
from prefect.server.database.alembic_commands import alembic_config

from flows.prefect_database import seed_database, template_for
from flows.server import TemporaryServer, healthy


def _sqlite_head() -> str:
    config = alembic_config()
    versions = Path(prefect.server.database.__file__).parent / "_migrations" / "versions"
    config.set_main_option("version_locations", str(versions / "sqlite"))
    (head,) = ScriptDirectory.from_config(config).get_heads()
    return str(head)


def _revision(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    connection.close()
    return str(revision)


def test_the_installed_prefect_has_a_template_at_its_head_revision(tmp_path: Path) -> None:
    # An upgrade of the pinned Prefect fails here until `make prefect-database` is run again.
    template = template_for()
    assert template.name == f"prefect-{importlib.metadata.version('prefect')}.db.xz"
    assert template.exists(), f"no template for the installed Prefect: {template}"
    database = tmp_path / "prefect.db"
    database.write_bytes(lzma.decompress(template.read_bytes()))
    assert _revision(database) == _sqlite_head()
    with sqlite3.connect(database) as connection:
        (block_types,) = connection.execute("SELECT count(*) FROM block_type").fetchone()
    connection.close()
    assert block_types > 0


def test_a_new_home_is_seeded_and_an_existing_database_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert seed_database(home) is True
    assert _revision(home / "prefect.db") == _sqlite_head()
    assert [p.name for p in home.iterdir()] == ["prefect.db"]  # no temporary copy left

    (home / "prefect.db").write_bytes(b"someone's own database")
    assert seed_database(home) is False
    assert (home / "prefect.db").read_bytes() == b"someone's own database"


def test_a_temporary_server_answers_on_a_seeded_home(tmp_path: Path) -> None:
    server = TemporaryServer(tmp_path)
    server.start()
    try:
        server.wait()
        assert healthy(server.api_url)
    finally:
        server.stop()
    assert _revision(tmp_path / "prefect.db") == _sqlite_head()
