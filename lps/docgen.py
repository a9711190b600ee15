"""Parts of the README that are generated from the code, or from running it, so they cannot
drift from it.

The README embeds them with cog (`cog -r README.md`); `tests/test_docs.py` runs `cog --check`
and fails when a command, a column or a template changed without the README. The output of
`make demo` is recorded by running it (`python -m lps.docgen demo`, into `DEMO_OUTPUT`, which
the README embeds): `tests/test_examples.py` runs the demo again and fails when what it prints
differs from the record in anything but times and names Prefect makes up, and runs every
`--help` example that works on the repository's own fixtures, failing when one exits non-zero.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import click

__all__ = ["DEMO_OUTPUT", "cli_reference", "demo_output", "normalised", "run_demo",
           "schema_reference", "templates_table"]

ROOT = Path(__file__).resolve().parent.parent

#: The recorded output of `make demo`, run twice on a fresh clone (`python -m lps.docgen demo`).
DEMO_OUTPUT = ROOT / "docs" / "demo-output.txt"

#: The demo's command, as the Makefile runs it.
DEMO_COMMAND = ["lps", "ingest", "fixtures/pdfs", "--db", "lps.db"]

#: Prefect's lines the record keeps (the others, one per task run, come in any order).
_KEPT_PREFECT_LINES = re.compile(
    r"Beginning flow run|\d+ files: |Flow run '[^']+' - Finished in state")
_PREFECT_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \| ")
_PROGRESS = re.compile(r"\d+ documents extracted: ")


def _transcript(output: str) -> list[str]:
    """A run's output as the record keeps it: Prefect's lines about the flow run and its last
    progress line, with "…" for the task runs' lines between them."""
    lines = output.splitlines()
    progress = [i for i, line in enumerate(lines) if _PROGRESS.search(line)]
    kept: list[str] = []
    for i, line in enumerate(lines):
        if not _PREFECT_LINE.match(line) or _KEPT_PREFECT_LINES.search(line) or (
                progress and i == progress[-1]):
            kept.append(line)
        elif kept[-1:] != ["…"]:
            kept.append("…")
    return kept


def run_demo(prefect_home: Path | None = None) -> str:
    """Run `make demo`'s command twice, as a new user does on a fresh clone, into a new
    warehouse (shown as `lps.db`), with no Prefect API configured; the transcript."""
    with tempfile.TemporaryDirectory(prefix="lps-demo-") as scratch:
        work = Path(scratch)
        (work / "fixtures").symlink_to(ROOT / "fixtures")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "LPS_"))}
        env |= {"PREFECT_HOME": str(prefect_home or work / "prefect-home"),
                "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
        lines: list[str] = []
        for _ in range(2):
            done = subprocess.run([sys.executable, "-m", "lps.cli", *DEMO_COMMAND[1:]],
                                  cwd=work, env=env, capture_output=True, text=True,
                                  check=False)
            if done.returncode != 0:
                raise RuntimeError(f"make demo exited {done.returncode}:\n{done.stderr}")
            shown = (done.stderr + done.stdout).replace(f"{work}/", "")  # as from the clone
            lines += ["$ make demo", f".venv/bin/{' '.join(DEMO_COMMAND)}", *_transcript(shown)]
    return "\n".join(lines) + "\n"


def normalised(transcript: str) -> str:
    """A transcript with what changes from run to run (clock times, durations, the names
    Prefect gives flow runs) replaced by placeholders."""
    text = re.sub(r"^\d\d:\d\d:\d\d\.\d{3} \|", "HH:MM:SS.mmm |", transcript, flags=re.M)
    text = re.sub(r"Flow run '[^']+'", "Flow run 'NAME'", text)
    text = re.sub(r"flow run '[^']+'", "flow run 'NAME'", text)
    return re.sub(r" in \d+\.\ds \(start to exit\)", " in N.Ns (start to exit)", text)


def demo_output() -> str:
    """The recorded demo output, for the README."""
    return DEMO_OUTPUT.read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = [(prefix, group)]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            found.extend(_commands(command, f"{prefix} {name}"))
        else:
            found.append((f"{prefix} {name}", command))
    return found


def cli_reference() -> str:
    """`--help` of `lps` and every subcommand, as Markdown."""
    from lps.cli import main

    parts = []
    for path, command in _commands(main, "lps"):
        with click.Context(
            command, info_name=path, terminal_width=100, help_option_names=["-h", "--help"]
        ) as context:
            text = command.get_help(context)
        parts.append(f"### `{path}`\n\n```\n{text}\n```\n")
    return "\n".join(parts)


def schema_reference() -> str:
    """Every warehouse table and view with its columns and SQLite types, as Markdown."""
    from warehouse import open_warehouse

    with tempfile.TemporaryDirectory() as folder:
        db = open_warehouse(Path(folder) / "schema.db")
        lines = ["| table | columns |", "|---|---|"]
        for name in sorted(db.table_names()):
            if name.startswith("_") or "_fts" in name:
                continue
            columns = ", ".join(
                f"`{column.name}` {column.type.lower()}".rstrip()
                for column in db.table(name).columns
            )
            lines.append(f"| `{name}` | {columns} |")
        for name in sorted(db.view_names()):
            columns = ", ".join(f"`{column.name}`" for column in db.view(name).columns)
            lines.append(f"| `{name}` (view) | {columns} |")
        db.close()
    return "\n".join(lines) + "\n"


def templates_table() -> str:
    """The registered templates, as a Markdown table."""
    from extractors import TEMPLATES

    lines = [
        "| template | publisher | edition | performance year | priorities for |",
        "|---|---|---|---|---|",
    ]
    for template in TEMPLATES:
        reported, target = template.PERIODS
        lines.append(
            f"| `{template.NAME}` | {template.PUBLISHER} | {template.EDITION} | {reported} | "
            f"{target} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m lps.docgen demo: record the demo's output again
    if sys.argv[1:] != ["demo"]:
        sys.exit("usage: python -m lps.docgen demo")
    DEMO_OUTPUT.write_text(run_demo(), encoding="utf-8")
    print(f"wrote {DEMO_OUTPUT}")
