"""Plain text for people at a terminal: the progress bar of long steps, and nothing off a terminal."""
from __future__ import annotations

import pytest

from ledger.textout import print_lines, progress_bar


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


def test_the_line_table_shows_the_latest_year_anything_was_delivered_in(capsys: pytest.CaptureFixture[str]) -> None:
    line = {"line_id": "L1", "grade": "A", "cash_releasing": True, "recurrent": True, "fye": "1200.00",
            "plan": {"2024/25": "100.00", "2025/26": "1100.00", "2026/27": "0.00"},
            "delivered": {"2024/25": "90.00", "2025/26": "1250.00"}, "cip": {"2025/26": "1000.00"},
            "implementation_costs": {"2025/26": "250.00"}, "at_risk": {}, "findings": []}
    print_lines([line], None)
    out = capsys.readouterr().out
    assert out.startswith("Figures for 2025/26")
    row = next(r.split() for r in out.splitlines() if r.startswith("L1"))
    assert row[5:9] == ["£1,100.00", "£1,250.00", "£250.00", "£1,000.00"]  # plan, delivered, costs, CIP
    assert out.rstrip().endswith("costs: one-off implementation costs, taken off the saving before it counts as "
                                 "CIP (R-ELG-4, F4)")
    print_lines([{**line, "delivered": {}}], None)  # nothing delivered yet: the first planned year
    assert capsys.readouterr().out.startswith("Figures for 2024/25")
    print_lines([line], "2026/27")
    assert capsys.readouterr().out.startswith("Figures for 2026/27")
