"""Phasing a saving over its claim window: a year from go-live counts once, at its FYE (R-TIM-3)."""
from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from ledger.engine import phasing
from ledger.engine.summary import lines
from ledger.money import div_round
from tests.ledgers import base, line, load

DAY = "datetime64[D]"


def year_plan(go_live: date, annual_units: int) -> np.ndarray:
    """The plan by month of one recurrent line over the twelve months from `go_live`."""
    start = np.array([go_live], dtype=DAY)
    end = phasing.add_months(start, 12)
    months = phasing.line_months(np.array(["L1"], dtype=object), start, end)
    go_month = np.array([go_live.year * 12 + go_live.month - 1])
    return phasing.plan_pence(months, np.array([annual_units]), np.array([False]), go_month,
                              phasing.whole_year(start, end))


@given(st.dates(date(2024, 1, 1), date(2032, 12, 31)), st.integers(1, 10**15))
def test_a_year_from_any_go_live_plans_exactly_its_fye(go_live: date, annual_units: int) -> None:
    assert int(year_plan(go_live, annual_units).sum()) == int(div_round(np.array([annual_units]),
                                                                        phasing.UNITS_PER_PENNY)[0])


def test_february_of_a_leap_year_plans_its_fye(tmp_path) -> None:
    """29 Feb 2028: 1/29 of £1,200 in February, then March to January, then what is left of the year."""
    t = base()
    t["Contracts"][1][-1] = "2031-03-31"
    t["SavingLines"].append(line("L1", "2.00", "1.00", "14400", "2028-02-29"))
    plan = next(x for x in lines(load(tmp_path, t)) if x["line_id"] == "L1")["plan"]
    assert plan == {"2027/28": "1241.38", "2028/29": "13158.62"}  # £41.38 + £1,200; the rest of £14,400
    assert year_plan(date(2028, 2, 29), 14_400 * 10**9)[-1] == 1_158_62  # Feb 2029 closes the year


def test_other_months_are_prorated_by_days_as_before() -> None:
    plan = year_plan(date(2025, 11, 15), 14_400 * 10**9)  # E1: 16/30 of November, then 14/30 a year on
    assert (int(plan[0]), int(plan[-1]), int(plan.sum())) == (640_00, 560_00, 14_400_00)
    assert year_plan(date(2027, 2, 15), 14_400 * 10**9).sum() == 14_400_00
