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
    assert "start a temporary Prefect server" not in timing.phases()


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
    assert PrefectSettings().server.services.triggers.enabled is False
    for name in server.TEMPORARY_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    temporary = server._server_environment(tmp_path, {}, server.TEMPORARY_ENVIRONMENT)
    assert temporary["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false"
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
