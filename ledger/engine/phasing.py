"""Claim windows and their line-months, vectorised over int64 (DESIGN.md "Money, prices, time").

A window is `[start, end)` in days. Each line-month carries the days of the window inside it and
the days of the month, so a partly covered month counts `days inside / days in month` of its
monthly amount (policy `proration = daily`), rounded once to the penny, half-up.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ledger.money import div_round, exact_product

UNITS_PER_PENNY = 10_000_000  # micro-pounds x thousandths of a unit per penny
DAY = np.timedelta64(1, "D")


def as_days(values: pd.Series) -> np.ndarray:
    """Dates (or NaT/None) as datetime64[D]."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Each date moved by whole months, clamped to the end of the month (31 Jan + 1 = 28 Feb)."""
    month = days.astype("datetime64[M]")
    offset = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(offset, length - 1) * DAY


def fy_end_after(days: np.ndarray) -> np.ndarray:
    """The day after the financial year that holds each date (1 April of the next year)."""
    month = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    fy_start_year = (month - 3) // 12
    return (fy_start_year * 12 + 12 + 3).astype("datetime64[M]").astype("datetime64[D]")


def windows(go_live: np.ndarray, cut: np.ndarray, one_off: np.ndarray, line_end: np.ndarray,
            rule: str) -> np.ndarray:
    """Exclusive end of each line's claim window under `rule` (R-TIM-3, R-TIM-4).

    `cut` is the day after the earlier of the contract's and the line's end dates (NaT when
    evergreen). One-off lines run from go-live to their own end date, else the go-live month.
    """
    twelve = add_months(go_live, 12)
    if rule == "contract_term":
        end = np.where(np.isnat(cut), twelve, cut)
    elif rule == "financial_year_only":
        end = np.minimum(twelve, fy_end_after(go_live))
    else:
        end = twelve
    end = np.where(np.isnat(cut), end, np.minimum(end, cut))
    month_end = (go_live.astype("datetime64[M]") + 1).astype("datetime64[D]")
    one_off_end = np.where(np.isnat(line_end), month_end, line_end + DAY)
    return np.where(one_off, one_off_end, end)


def line_months(line_ids: np.ndarray, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """One row per line and calendar month touching `[start, end)`, with days inside and in month."""
    first = start.astype("datetime64[M]")
    last = (end - DAY).astype("datetime64[M]")
    count = np.maximum((last - first).astype(np.int64) + 1, 0)
    idx = np.repeat(np.arange(len(line_ids)), count)
    step = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    month = first[idx] + step
    m_start = month.astype("datetime64[D]")
    m_next = (month + 1).astype("datetime64[D]")
    inside = (np.minimum(end[idx], m_next) - np.maximum(start[idx], m_start)).astype(np.int64)
    month_no = month.astype(np.int64)  # months since 1970-01
    return pd.DataFrame({
        "line_id": line_ids[idx],
        "month": month_no + 1970 * 12,  # the month index of ledger.calendar
        "fy_year": (month_no - 3) // 12 + 1970,
        "days": inside,
        "dim": (m_next - m_start).astype(np.int64),
        "pos": idx,
    })


def whole_year(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """R-TIM-3: which windows `[start, end)` are the twelve months from go-live, uncut."""
    return end == add_months(start, 12)


def plan_pence(months: pd.DataFrame, annual_units: np.ndarray, one_off: np.ndarray,
               go_live_month: np.ndarray, year: np.ndarray | None = None) -> np.ndarray:
    """F2: the plan of each line-month, so that a line's months add up exactly to its amount.

    A month's share of the year is `days inside / days in month / 12`. Each line-month is the
    cumulative amount to the end of that month rounded to the penny (half-up) minus the same
    for the month before: every month is a whole number of pence, computed exactly and rounded
    once, and twelve whole months of a £1,000 saving add up to £1,000.00, not £999.96.
    Only a window's first and last months can be partial, so the exact cumulative share has
    the denominator `12 x D1 x D2` (days in the first and in the last month).
    One-off benefits (rebates, payment terms) fall whole in their go-live month (E6).
    Where `year` marks a line's window as the twelve months from go-live (`whole_year`), its last
    month takes what is left of the year, so the line counts once at its FYE (R-TIM-3) even when
    the first and last months differ in length: go-live on 15 February 2028 counts 15/29 of a
    month then, and the rest of the year ends with 14/28 of February 2029.
    """
    pos = months["pos"].to_numpy(np.int64)
    if len(pos) == 0:
        return np.zeros(0, dtype=np.int64)
    days, dim = months["days"].to_numpy(np.int64), months["dim"].to_numpy(np.int64)
    first = np.r_[True, pos[1:] != pos[:-1]]
    last = np.r_[pos[1:] != pos[:-1], True]
    counts = np.diff(np.r_[np.flatnonzero(first), len(pos)])
    d1, d2 = np.repeat(dim[first], counts), np.repeat(dim[last], counts)
    weight = np.where(days == dim, d1 * d2, days * np.where(first, d2, d1))
    cumulative = np.cumsum(weight)
    cum = cumulative - np.repeat(cumulative[first] - weight[first], counts)
    amount_to_date = div_round(exact_product(annual_units[pos], cum), 12 * d1 * d2 * UNITS_PER_PENNY)
    whole = div_round(annual_units, UNITS_PER_PENNY)[pos]
    if year is not None:
        amount_to_date = np.where(last & year[pos], whole, amount_to_date)
    before = np.where(first, 0, np.r_[0, amount_to_date[:-1]])
    recurring = amount_to_date - before
    in_go_live_month = months["month"].to_numpy() == go_live_month[pos]
    return np.where(one_off[pos], np.where(in_go_live_month, whole, 0), recurring)


def fy_label_of(years: pd.Series) -> pd.Series:
    """Financial year labels for start years (vectorised through the unique values)."""
    labels = {y: f"{y}/{(y + 1) % 100:02d}" for y in pd.unique(years)}
    return years.map(labels)


def budget_removed(grid: pd.DataFrame, budgets: pd.DataFrame) -> pd.Series:
    """R-ELG-1a: budget removed per line and financial year, aligned with `grid` rows.

    A recurrent reduction of `amount` a year from a date removes, in its first year,
    `amount x (whole months left + days left in the first month / days in it) / 12`, and the
    whole amount in each later year; a one-off reduction removes `amount` in its own year.
    Rounded once per adjustment and year.
    """
    if budgets.empty or grid.empty:
        return pd.Series(np.zeros(len(grid), dtype=np.int64), index=grid.index)
    eff = as_days(budgets["effective_from"])
    eff_month = eff.astype("datetime64[M]")
    dim = ((eff_month + 1).astype("datetime64[D]") - eff_month.astype("datetime64[D]")).astype(np.int64)
    days_left = ((eff_month + 1).astype("datetime64[D]") - eff).astype(np.int64)
    month_no = eff_month.astype(np.int64)
    whole_after = 11 - (month_no - 3) % 12
    ba = pd.DataFrame({"line_id": budgets["line_id"].to_numpy(), "amount": budgets["amount_pence"].to_numpy(),
                       "recurrent": budgets["recurrent"].astype(bool).to_numpy(),
                       "eff_year": (month_no - 3) // 12 + 1970,
                       "first_year": div_round(exact_product(budgets["amount_pence"].to_numpy(),
                                                             whole_after * dim + days_left), 12 * dim)})
    keyed = grid[["line_id", "fy_year"]].reset_index().merge(ba, on="line_id")
    later = keyed["recurrent"] & (keyed["fy_year"] > keyed["eff_year"])
    same = keyed["fy_year"] == keyed["eff_year"]
    value = np.where(same, np.where(keyed["recurrent"], keyed["first_year"], keyed["amount"]),
                     np.where(later, keyed["amount"], 0))
    summed = pd.Series(value, index=keyed["index"]).groupby(level=0).sum()
    return summed.reindex(grid.index, fill_value=0).astype(np.int64)
