"""The one error type the command line turns into a message and an exit code."""
from __future__ import annotations


class LedgerError(Exception):
    """A problem the user can fix (bad input, unknown trust, forbidden action)."""
