"""Docs that are run: the README's `make demo` output is what the demo prints, and every `--help`
example that works on the repository's own fixtures exits 0.

Before, the README showed 57 loaded / 16 quarantined and 408 performance rows where a fresh
clone gives 56 / 17 and 401 (Sutton 2009/10 is refused by design), and the one concrete
`lps evaluate` example, in the README and in `--help`, exited 2 (Sutton has no golden file).

SLOW: the demo is one real ingest of every fixture, on a temporary Prefect server as on a
fresh clone (its home a copy of the test server's migrated database, so it starts in seconds).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import ROOT
from ingest_runs import migrated_prefect_home

from lps.cli import main
from lps.docgen import DEMO_OUTPUT, normalised, run_demo

pytestmark = pytest.mark.slow


def _examples() -> list[str]:
    """Every example line of every command's `--help` that names only files of the repository
    (its fixtures): the ones a reader can paste and run in a clone."""
    found: list[str] = []

    def walk(command: click.Command, path: list[str]) -> None:
        with click.Context(command, info_name=" ".join(path),  # as lps runs it: click
                           help_option_names=["-h", "--help"]) as context:  # keeps the first
            text = command.get_help(context)
        for line in text.splitlines():
            example = line.split("  #")[0].strip()
            if example.startswith("lps ") and "fixtures/" in example:
                found.append(example)
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(main, ["lps"])
    return sorted(set(found))


def test_the_help_examples_on_the_fixtures_are_found() -> None:
    assert "lps evaluate fixtures/pdfs/2010-11 --truth fixtures/golden/2010-11" in _examples()


@pytest.mark.parametrize("example", [e for e in _examples() if not e.startswith(
    ("lps ingest", "lps serve", "lps server"))])  # ingest: the demo below; the others serve
def test_each_help_example_on_the_fixtures_exits_0(example: str, tmp_path: Path) -> None:
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")  # run where a clone's files are
    env = {k: v for k, v in os.environ.items() if not k.startswith("LPS_")}
    done = subprocess.run([sys.executable, "-m", "lps.cli", *shlex.split(example)[1:]],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{example} exited {done.returncode}: {done.stderr}"


@pytest.mark.usefixtures("prefect_api")
def test_the_readme_shows_what_make_demo_prints(tmp_path: Path) -> None:
    transcript = run_demo(migrated_prefect_home(tmp_path / "home"))
    assert normalised(transcript) == normalised(DEMO_OUTPUT.read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert DEMO_OUTPUT.read_text(encoding="utf-8") in readme  # cog embeds the record
