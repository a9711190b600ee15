"""Parts of the README that are generated from the code, so they cannot drift from it.

The README embeds them with cog (`cog -r README.md`); `tests/test_docs.py` runs `cog --check`
and fails when a command, a column or a template changed without the README.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

__all__ = ["cli_reference", "schema_reference", "templates_table"]


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
