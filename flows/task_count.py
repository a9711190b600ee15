"""How many task runs each flow run of this process ran, as the flow counted them.

A temporary Prefect server records task runs from the events the run sends, in batches once a
second, and is stopped once it has recorded them all (`flows.runtime.wait_until_recorded`).
Without a count that wait can only end once the number it sees has held for longer than a
batch; with the flow's own count it ends as soon as the server has that many, all final.
"""

from __future__ import annotations

__all__ = ["expect_task_runs", "expected_task_runs"]

_TASK_RUNS: dict[str, int] = {}


def expect_task_runs(flow_run_id: str | None, count: int) -> None:
    """Note that flow run `flow_run_id` ran `count` task runs (the flow says so as it ends)."""
    if flow_run_id is not None:
        _TASK_RUNS[str(flow_run_id)] = count


def expected_task_runs(flow_run_id: str) -> int | None:
    """How many task runs the flow said it ran, if it said."""
    return _TASK_RUNS.get(str(flow_run_id))
