"""The `savings` console command: the ledger's commands plus those that render reports.

It lives here because reports import the ledger and never the reverse.
"""
from __future__ import annotations

import sys

from ledger.cli import app
from ledger.errors import LedgerError
from reports import (  # noqa: F401  (register `savings demo` and `savings pack`)
    demo,
    pack_cli,
    workbook_cli,
)
from reports.web import cli as web_cli  # noqa: F401  (registers `savings serve` and `savings user`)


def main() -> None:
    """Entry point of the `savings` command. A LedgerError that a command did not word itself
    (a database that cannot be opened, for one) is still a message and its exit code (1, or 2 for a
    bad option value), never a traceback."""
    try:
        app()
    except LedgerError as exc:
        sys.stderr.write(f"{exc}\n")
        raise SystemExit(exc.exit_code) from None
