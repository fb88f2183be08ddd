"""CLI-wide checks: every command has help with an example and is documented."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from wfm.cli import main

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_every_command_has_help_with_an_example_and_docs():
    runner = CliRunner()
    docs = DOCS.read_text(encoding="utf-8")
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert command.help and "wfm " + name in command.help, f"`wfm {name}` help has no example"
        assert f"wfm {name}" in docs, f"`wfm {name}` is missing from docs/cli.md"


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "wfm" in result.output
