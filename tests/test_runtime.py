"""The Prefect API plumbing that keeps a local run to one quiet server (see flows/runtime.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from prefect import flow
from prefect.context import get_run_context
from prefect.settings import get_current_settings

from flows import runtime


def test_workers_are_given_the_flows_own_api_when_none_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = SimpleNamespace(client=SimpleNamespace(api_url="http://127.0.0.1:8123/api/"))
    monkeypatch.setattr(runtime, "_configured_api_url", lambda: None)
    monkeypatch.setattr(runtime, "get_run_context", lambda: context)
    before = get_current_settings().api.url
    with runtime.share_api_with_workers():
        assert get_current_settings().api.url == "http://127.0.0.1:8123/api"
    assert get_current_settings().api.url == before


def test_the_default_home_is_our_own_cache(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert runtime.default_prefect_home() == tmp_path / "lps" / "prefect"


def test_quiet_defaults_name_real_settings() -> None:
    settings = get_current_settings()
    for dotted in runtime.QUIET_DEFAULTS:
        value: object = settings
        for part in dotted.split("."):
            value = getattr(value, part)


@pytest.mark.usefixtures("prefect_api")
def test_a_configured_api_is_used_as_it_is() -> None:
    configured = get_current_settings().api.url
    with runtime.local_prefect_api() as api:
        assert (api.url, api.temporary) == (configured, False)
        assert get_current_settings().api.url == configured


@pytest.mark.usefixtures("prefect_api")
def test_wait_until_recorded_sees_a_finished_flow_run() -> None:
    @flow
    def tiny() -> str:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]

    with runtime.local_prefect_api() as api:
        run_id = tiny()
        api.flow_run_ids.append(run_id)
        assert api.settle(timeout=10)
