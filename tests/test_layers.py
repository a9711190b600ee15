"""The layers hold (import-linter's contracts in pyproject.toml), and flows only orchestrate."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

from conftest import ROOT
from prefect import Flow

import flows.backfill
import flows.ingest


def test_the_import_contracts_are_kept() -> None:
    """lps -> flows -> pipeline -> extractors and warehouse -> schemas, nothing importing
    upward, no circle between the modules of a package, and no Prefect below flows."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def _flows() -> list[Flow[..., object]]:
    """The flows each module defines (not those it imports)."""
    return [value for module in (flows.ingest, flows.backfill) for value in vars(module).values()
            if isinstance(value, Flow) and value.fn.__module__ == module.__name__]


def test_each_flow_is_under_30_lines_of_orchestration() -> None:
    found = _flows()
    assert sorted(flow.name for flow in found) == [
        "backfill-local-policing-summaries", "ingest-local-policing-summaries"]
    for flow in found:
        source = inspect.getsource(flow.fn)
        assert len(source.splitlines()) < 30, flow.name
        body = ast.parse(source).body[0]
        assert isinstance(body, ast.FunctionDef)
        # orchestration only: no loop but the one over finished batches, no nested function
        loops = [node for node in ast.walk(body) if isinstance(node, ast.For | ast.While)]
        assert len(loops) <= 1, flow.name
        assert not [node for node in ast.walk(body)
                    if isinstance(node, ast.FunctionDef | ast.Lambda) and node is not body]
