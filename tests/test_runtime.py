"""Which Prefect API a run uses, and leaving it once the run is recorded (flows/runtime.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect import flow
from prefect.context import get_run_context
from prefect.settings import Settings as PrefectSettings
from prefect.settings import get_current_settings

from flows import runtime, server
from pipeline import timing


def test_the_default_home_is_our_own_cache(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_HOME", raising=False)
    assert server.default_prefect_home() == tmp_path / "lps" / "prefect"
    assert server.prefect_home() == tmp_path / "lps" / "prefect"
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "mine"))
    assert server.prefect_home() == tmp_path / "mine"


def test_the_quiet_environment_names_real_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each variable reaches the setting it is meant for (a misspelt one would be ignored)."""
    for name, value in server.QUIET_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = PrefectSettings()
    assert settings.server.analytics_enabled is False
    assert settings.server.services.task_run_recorder.batch_size == 100
    assert settings.server.services.task_run_recorder.flush_interval == 1


def test_no_server_answers_where_none_runs() -> None:
    from conftest import free_port

    assert not server.healthy(f"http://127.0.0.1:{free_port()}/api", timeout=0.5)


@pytest.mark.usefixtures("prefect_api")
def test_a_configured_api_is_used_as_it_is() -> None:
    configured = get_current_settings().api.url
    timing.reset()
    with runtime.prefect_api() as api:
        assert (api.url, api.kind) == (configured, "configured")
        assert get_current_settings().api.url == configured
    assert not [name for name in timing.phases() if "temporary Prefect server" in name]


@pytest.mark.usefixtures("prefect_api")
def test_wait_until_recorded_sees_a_finished_flow_run() -> None:
    @flow
    def tiny() -> str:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    run_id = tiny()
    runtime.settle(runtime.PrefectApi(str(get_current_settings().api.url), "configured"))
    assert runtime.wait_until_recorded(run_id, timeout=10)


def test_the_temporary_servers_environment_names_real_settings(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The temporary server runs without automations (its triggers and actions services), a
    user's own setting winning; `lps server start`'s server keeps them."""
    for name, value in server.TEMPORARY_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = PrefectSettings()
    assert settings.server.services.triggers.enabled is False
    assert settings.server.services.task_run_recorder.batch_size == 1
    for name in server.TEMPORARY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    temporary = server._server_environment(tmp_path, {}, server.TEMPORARY_ENVIRONMENT)
    assert temporary["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false"
    assert temporary["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] == "1"
    assert server._server_environment(tmp_path, {})[
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] == "100"  # lps server start's
    assert "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED" not in server._server_environment(
        tmp_path, {})
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "true")
    mine = server._server_environment(tmp_path, {}, server.TEMPORARY_ENVIRONMENT)
    assert mine["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "true"


def test_a_temporary_server_on_a_registered_database_registers_no_block_types(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nor checks its memo of them, which imports every Prefect collection (Dask among them)
    before the server answers; the names are Prefect's own settings."""
    for name, value in server.REGISTERED_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    settings = PrefectSettings()
    assert (settings.server.register_blocks_on_start,
            settings.server.memoize_block_auto_registration) == (False, False)


def test_the_modules_imported_ahead_exist_in_the_pinned_prefect() -> None:
    """A run imports them while its server starts (`runtime.IMPORTED_AHEAD`) and skips one
    that is missing: this test is what notices a Prefect that moved one."""
    import importlib

    for name in runtime.IMPORTED_AHEAD:
        assert importlib.import_module(name).__name__ == name


@pytest.mark.parametrize(("kind", "checked"), [("temporary", False), ("local", True),
                                               ("configured", True)])
def test_only_a_temporary_servers_api_version_goes_unchecked(kind: str, checked: bool) -> None:
    """The temporary server is the Prefect installed here, started by the run; any other
    server is asked its version, as Prefect does, and keeps its link."""
    updates = runtime._client_settings(runtime.PrefectApi("http://127.0.0.1:1/api", kind))
    settings = get_current_settings().copy_with_update(updates=updates)  # type: ignore[arg-type]
    assert settings.client.server_version_check_enabled is checked
    assert (settings.ui_url == "") is (not checked)


def test_a_temporary_server_that_cannot_start_says_why_from_its_log(tmp_path: Path) -> None:
    """Its output goes to its log in the Prefect home, never to the run's terminal; a server
    that exits before it answers is reported with the end of that log."""
    import socket

    temporary = server.TemporaryServer(tmp_path / "home")
    with socket.socket() as taken:  # its port, taken by someone else before it binds
        taken.bind(("127.0.0.1", temporary.port))
        temporary.start()
        with pytest.raises(server.ServerError) as failed:
            temporary.wait(timeout=120)
    assert "it exited with code" in str(failed.value)
    assert "address already in use" in str(failed.value).lower()
    assert temporary.log == tmp_path / "home" / "lps-temporary-server.log"
    assert "address already in use" in temporary.log.read_text().lower()


@pytest.mark.usefixtures("prefect_api")
def test_a_server_asked_to_stop_without_waiting_stops_by_itself(tmp_path: Path) -> None:
    """A run's end does not wait for its temporary server's shutdown (it has recorded the
    run), but the server does end, by itself, and quickly."""
    import time

    from ingest_runs import migrated_prefect_home

    temporary = server.TemporaryServer(migrated_prefect_home(tmp_path / "home"))
    temporary.start()
    temporary.wait()
    process = temporary._process
    assert process is not None and server.healthy(temporary.api_url)
    asked = time.monotonic()
    temporary.stop(wait=False)
    assert process.poll() is None  # not waited for
    process.wait(timeout=10)
    assert time.monotonic() - asked < 5
    assert not server.healthy(temporary.api_url)


def test_the_server_turns_its_collector_back_on_once_it_answers() -> None:
    """The temporary server imports with the garbage collector off (`flows/server_child.py`);
    it must not run without one: back on, start-up objects frozen, once its port answers."""
    import gc
    import socket
    import threading

    from flows import server_child

    assert server_child._option(["--host", "127.0.0.1", "--port", "4321"], "--port", "1") == "4321"
    assert server_child._option(["--port"], "--port", "1") == "1"
    was_enabled = gc.isenabled()
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        port = listening.getsockname()[1]
        gc.disable()
        try:
            watcher = threading.Thread(target=server_child._collect_once_serving,
                                       args=("127.0.0.1", port), daemon=True)
            watcher.start()
            watcher.join(0.5)
            assert watcher.is_alive() and not gc.isenabled()  # nobody answers yet
            listening.listen()
            watcher.join(10)
            assert not watcher.is_alive() and gc.isenabled()
            assert gc.get_freeze_count() > 0
        finally:
            gc.unfreeze()
            if not was_enabled:
                gc.disable()
            else:
                gc.enable()


def test_the_temporary_servers_log_starts_anew_once_it_is_large(tmp_path: Path) -> None:
    """Servers of many runs append to one log in the Prefect home; it cannot grow for ever."""
    log = tmp_path / "lps-temporary-server.log"
    log.write_bytes(b"x" * 1000)
    assert server._temporary_log(tmp_path) == log and log.stat().st_size == 1000  # kept
    log.write_bytes(b"x" * (server._LOG_BYTES + 1))
    assert server._temporary_log(tmp_path) == log and not log.exists()  # started anew
