"""The docs say what the code does: the register table and every command."""
from __future__ import annotations

from pathlib import Path

from ledger.register.spec import markdown_table
from reports.cli import app

DOCS = Path(__file__).parent.parent / "docs"
README = Path(__file__).parent.parent / "README.md"


def test_register_doc_holds_the_current_format() -> None:
    assert markdown_table() in (DOCS / "register.md").read_text()


def test_every_command_has_help_and_is_in_the_readme() -> None:
    import typer.main

    group = typer.main.get_command(app)
    readme = README.read_text()
    for name, command in group.commands.items():
        assert command.help, f"`savings {name}` has no help text"
        assert f"savings {name}" in readme, f"`savings {name}` is not in the README"
