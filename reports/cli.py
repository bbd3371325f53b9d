"""The `savings` console command: the ledger's commands plus those that render reports.

It lives here because reports import the ledger and never the reverse.
"""
from __future__ import annotations

from ledger.cli import app


def main() -> None:
    """Entry point of the `savings` command."""
    app()
