"""The error types the command line turns into a message and an exit code."""
from __future__ import annotations


class LedgerError(Exception):
    """A problem the user can fix (bad input, unknown trust, forbidden action); the command exits 1."""

    exit_code = 1


class OptionError(LedgerError):
    """A value typed on the command line that no ledger would accept: malformed, not one of the allowed
    values, or clashing with another option. The message names the option; the command exits 2, as
    for click's own usage errors."""

    exit_code = 2
