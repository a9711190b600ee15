"""The private pieces of Prefect that `lps`'s temporary server relies on, named here so that a
Prefect upgrade that changes one fails this test, not a user's run (issue 19, item 8).

`flows.server.TemporaryServer` starts the command Prefect itself runs for its temporary
("ephemeral") server, `prefect.server.api.server.SubprocessASGIServer._run_uvicorn_command`:
uvicorn serving the app factory `prefect.server.api.server:create_app`, told by the private
environment variables `PREFECT__SERVER_EPHEMERAL` and `PREFECT__SERVER_FINAL` to run only the
services an ephemeral server needs. It is started this way rather than through the class (a
documented `prefect server start` would do, at the price of importing Prefect's whole server
and CLI in the run, about 2.5 s of CPU, and every background service), so the server imports in
its own process while the run imports the client. These tests read Prefect's own command and
fail when it stops being the one `lps` runs.
"""

from __future__ import annotations

import inspect

from prefect.server.api import server as prefect_server

from flows import server


def test_the_temporary_server_runs_the_command_of_prefects_own_ephemeral_server() -> None:
    command = inspect.getsource(prefect_server.SubprocessASGIServer._run_uvicorn_command)
    ours = inspect.getsource(server.TemporaryServer.start)
    for piece in ('"--factory"', '"prefect.server.api.server:create_app"',
                  '"PREFECT_UI_ENABLED": "0"', '"PREFECT__SERVER_EPHEMERAL": "1"',
                  '"PREFECT__SERVER_FINAL": "1"', '"--lifespan"'):
        assert piece in command, f"Prefect's ephemeral server no longer uses {piece}"
        assert piece in ours, f"lps's temporary server does not use {piece}"


def test_the_app_factory_still_reads_the_private_settings() -> None:
    factory = inspect.getsource(prefect_server.create_app)
    assert 'os.getenv("PREFECT__SERVER_EPHEMERAL")' in factory
    assert 'os.getenv("PREFECT__SERVER_FINAL")' in factory
