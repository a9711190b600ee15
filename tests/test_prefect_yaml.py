"""prefect.yaml deploys the real ingest flow: it loads the way `prefect deploy` loads it, its
entrypoint is the flow `lps ingest` runs, its parameters pass that flow's own validation, its
schedule is a valid cron schedule, and its pull steps run and land in a checkout of this repo.
None of this needs a Prefect server, so a broken deployment file fails here, not at 2:30 a.m.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, a dependency of Prefect
from conftest import ROOT

# The model `prefect deploy` validates prefect.yaml with (prefect/cli/deploy/_config.py); it is
# private, so this test is where a Prefect upgrade that moves it shows up.
from prefect.cli.deploy._models import PrefectYamlModel
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.steps.core import StepExecutionError, run_steps
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.workers.process import ProcessWorker

from flows.ingest import ingest_flow


def _raw() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    return loaded


def _deployment() -> dict[str, Any]:
    deployments = _raw()["deployments"]
    assert [d["name"] for d in deployments] == ["nightly"]
    deployment: dict[str, Any] = deployments[0]
    return deployment


def test_prefect_yaml_is_what_prefect_deploy_accepts() -> None:
    model = PrefectYamlModel.model_validate(_raw())
    assert model.name == "policing-summaries"
    (deployment,) = model.deployments
    assert deployment.entrypoint == "flows/ingest.py:ingest_flow"
    assert deployment.work_pool is not None and deployment.work_pool.name == "lps-process"
    assert deployment.enforce_parameter_schema is True


def test_entrypoint_is_the_ingest_flow_and_parameters_fit_its_signature() -> None:
    deployment = _deployment()
    path, _, name = deployment["entrypoint"].partition(":")
    flow: Flow[..., Any] = load_flow_from_entrypoint(str(ROOT / path) + ":" + name)
    assert flow.name == ingest_flow.name
    assert inspect.signature(flow.fn) == inspect.signature(ingest_flow.fn)
    parameters = deployment["parameters"]
    assert set(parameters) == set(inspect.signature(ingest_flow.fn).parameters)
    assert ingest_flow.validate_parameters(parameters) == parameters
    with pytest.raises(Exception, match="paths"):  # the check is real: a wrong type fails it
        ingest_flow.validate_parameters({**parameters, "paths": 3})


def test_schedule_is_a_valid_cron_in_local_time() -> None:
    (schedule,) = _deployment()["schedules"]
    cron = CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])
    assert (cron.cron, cron.timezone, schedule["active"]) == ("30 2 * * *", "Europe/London", True)
    with pytest.raises(ValueError):
        CronSchedule(cron="30 25 * * *")


def test_job_variables_are_ones_a_process_work_pool_has() -> None:
    template = ProcessWorker.get_default_base_job_template()
    known = set(template["variables"]["properties"])
    assert set(_deployment()["work_pool"]["job_variables"]) <= known


@pytest.mark.usefixtures("prefect_api")  # steps resolve {{ prefect.* }} templates through the API
def test_pull_steps_move_into_the_checkout_the_worker_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LPS_CHECKOUT", str(ROOT))
    outputs = asyncio.run(run_steps(_raw()["pull"], print_function=lambda *a, **k: None))
    assert Path.cwd() == ROOT
    assert outputs["directory"] == str(ROOT)
    assert (Path.cwd() / _deployment()["entrypoint"].partition(":")[0]).is_file()


@pytest.mark.usefixtures("prefect_api")
@pytest.mark.parametrize("checkout", [None, "elsewhere"], ids=["unset", "not-a-checkout"])
def test_a_worker_without_its_checkout_is_told_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, checkout: str | None
) -> None:
    monkeypatch.chdir(tmp_path)
    if checkout is None:
        monkeypatch.delenv("LPS_CHECKOUT", raising=False)
        expected = "LPS_CHECKOUT is not set in this worker's environment"
    else:
        monkeypatch.setenv("LPS_CHECKOUT", str(tmp_path / checkout))
        expected = (f"LPS_CHECKOUT={tmp_path / checkout} is not a checkout of policing-summaries "
                    "(it has no flows/ingest.py)")
    with pytest.raises(StepExecutionError) as failed:
        asyncio.run(run_steps(_raw()["pull"], print_function=lambda *a, **k: None))
    assert str(failed.value.__cause__) == (
        f"{expected}: start the worker with the checkout named, e.g. "
        "`LPS_CHECKOUT=/srv/lps/policing-summaries prefect worker start --pool lps-process`")
    assert Path.cwd() == tmp_path
