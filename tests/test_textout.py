"""Plain text for people at a terminal: the progress bar of long steps, and nothing off a terminal."""
from __future__ import annotations

import pytest

from ledger.textout import progress_bar


def test_progress_bar_draws_on_stderr_and_leaves_stdout_alone(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar("rolling up trusts", show=True) as update:
        for done in range(1, 4):
            update(done, 3)
    out, err = capsys.readouterr()
    assert out == "" and "rolling up trusts" in err and "3/3" in err


def test_off_a_terminal_nothing_is_drawn(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar("rolling up trusts") as update:  # stderr is captured here: not a terminal
        update(1, 1)
    assert capsys.readouterr() == ("", "")
