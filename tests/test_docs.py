"""The README's generated parts are current, and every command is documented."""

from __future__ import annotations

from pathlib import Path

from cogapp import Cog

from lps.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_generated_sections_are_current() -> None:
    # cog --check exits 5 when regenerating would change the file: run `cog -r README.md`.
    assert Cog().main(["cog", "--check", str(README)]) == 0


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for name in main.commands:
        assert f"### `lps {name}`" in text, f"lps {name} is not documented"
