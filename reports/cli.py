"""The `savings` console command: the ledger's commands plus those that render reports.

It lives here because reports import the ledger and never the reverse.
"""
from __future__ import annotations

from ledger.cli import app
from reports import (  # noqa: F401  (register `savings demo` and `savings pack`)
    demo,
    pack_cli,
    workbook_cli,
)
from reports.web import cli as web_cli  # noqa: F401  (registers `savings serve` and `savings user`)


def main() -> None:
    """Entry point of the `savings` command."""
    app()
