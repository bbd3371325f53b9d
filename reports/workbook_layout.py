"""Where every row of the audit workbook goes, worked out before a cell is written.

Formulas point at other sheets' rows (a line-month sums its block of invoice rows on Actuals, a
line-year sums its months on Phasing), and write-only sheets cannot be revisited, so the row of
everything is fixed first, vectorised over the frames. Sheets longer than Excel's 1,048,576 rows
continue on `Name_2`, `Name_3`…, never splitting one line's rows across two sheets, so every
block a formula sums sits on one sheet.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger.engine import phasing
from ledger.engine.summary import TrustYear
from ledger.errors import LedgerError
from ledger.money import exact_product
from reports.workbook_register import sorted_frame
from reports.workbook_xlsx import MAX_ROWS

NEVER = -1  # a line that never stops counting (R-REV-1)


def parts(keys: np.ndarray, limit: int | None = None) -> list[tuple[int, int]]:
    """Index ranges `[start, end)` of each sheet part; rows with the same key stay together.

    `limit` is the data rows a sheet holds (Excel's row limit less the header by default).
    """
    limit = limit or MAX_ROWS - 1
    n = len(keys)
    if n <= limit:
        return [(0, n)]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    out, begin = [], 0
    while n - begin > limit:
        cut = int(starts[np.searchsorted(starts, begin + limit, side="right") - 1])
        if cut <= begin:
            raise LedgerError(f"one line has more than {limit:,} rows; a sheet cannot hold them")
        out.append((begin, cut))
        begin = cut
    out.append((begin, n))
    return out


def part_names(name: str, ranges: list[tuple[int, int]]) -> list[str]:
    return [name if i == 0 else f"{name}_{i + 1}" for i in range(len(ranges))]


def placement(name: str, keys: np.ndarray) -> tuple[list[str], list[tuple[int, int]], np.ndarray, np.ndarray]:
    """Sheet names, their ranges, and for each row its sheet part and sheet row (header is row 1)."""
    ranges = parts(keys)
    part = np.zeros(len(keys), dtype=np.int64)
    row = np.zeros(len(keys), dtype=np.int64)
    for i, (start, end) in enumerate(ranges):
        part[start:end] = i
        row[start:end] = np.arange(2, end - start + 2)
    return part_names(name, ranges), ranges, part, row


def _blocks(frame: pd.DataFrame, keys: list[str], row: np.ndarray, part: np.ndarray) -> pd.DataFrame:
    """First and last sheet row (and part) of each group of consecutive rows sharing `keys`."""
    g = pd.DataFrame({**{k: frame[k].to_numpy() for k in keys}, "row": row, "part": part})
    return g.groupby(keys, sort=False).agg(first=("row", "min"), last=("row", "max"), part=("part", "first"),
                                           count=("row", "size")).reset_index()


@dataclass
class Layout:
    """Rows of the derived sheets and the blocks their formulas sum (all frames sorted as written)."""

    fy: str
    lines: pd.DataFrame  # fig.lines sorted by line_id, with `sl_row` (SavingLines/LineFigures row)
    actuals: pd.DataFrame  # sorted as on the Actuals sheet
    actual_sheets: list[str]
    actual_ranges: list[tuple[int, int]]
    months: pd.DataFrame  # one row per line-month of the CIP window, with block refs into Actuals
    month_sheets: list[str]
    month_ranges: list[tuple[int, int]]
    years: pd.DataFrame  # one row per line and FY, with block refs into Phasing and BudgetByYear
    budget_years: pd.DataFrame  # one row per budget adjustment and FY of its line


def build(ty: TrustYear, fy: str) -> Layout:
    """Lay out the derived sheets for one trust (every FY) and the year the workbook is for."""
    fig = ty.figures
    facts = fig.lines.reset_index(drop=True)
    lines = facts.assign(pos=np.arange(len(facts))).sort_values("line_id", kind="stable").reset_index(drop=True)
    lines["sl_row"] = np.arange(2, len(lines) + 2)
    if len(lines) > MAX_ROWS - 1:
        raise LedgerError(f"{len(lines):,} saving lines do not fit on one sheet ({MAX_ROWS - 1:,} rows)")

    actuals = sorted_frame("Actuals", ty.frames.actuals)
    a_sheets, a_ranges, a_part, a_row = placement("Actuals", actuals["line_id"].to_numpy())
    a_blocks = _blocks(actuals, ["line_id", "month"], a_row, a_part).rename(
        columns={"first": "a_first", "last": "a_last", "part": "a_part", "count": "a_count"})
    sums = pd.DataFrame({"line_id": actuals["line_id"].to_numpy(), "month": actuals["month"].to_numpy(),
                         "a_volume": actuals["volume_milli"].to_numpy(np.int64),
                         "a_spend": exact_product(actuals["price_micro"].to_numpy(np.int64),
                                                  actuals["volume_milli"].to_numpy(np.int64))})
    a_blocks = a_blocks.merge(sums.groupby(["line_id", "month"], sort=False).sum().reset_index(),
                              on=["line_id", "month"])

    day = "datetime64[D]"
    grid = phasing.line_months(facts["line_id"].to_numpy(), facts["start"].to_numpy().astype(day),
                               facts["cip_end"].to_numpy().astype(day))
    go_month = phasing.as_days(facts["go_live"]).astype("datetime64[M]").astype(np.int64) + 1970 * 12
    year = phasing.whole_year(facts["start"].to_numpy().astype(day), facts["cip_end"].to_numpy().astype(day))
    grid["avoided"] = phasing.plan_pence(grid, facts["avoided_units"].to_numpy(np.int64),
                                         facts["one_off"].to_numpy(), go_month, year)
    pos = grid["pos"].to_numpy()
    grid["year_end"] = year[pos] & np.r_[pos[1:] != pos[:-1], True]  # R-TIM-3: the month that ends the year
    grid["first_month"] = grid["month"].to_numpy() == go_month[grid["pos"].to_numpy()]
    stop = facts["stop_month"].to_numpy(np.int64) if "stop_month" in facts else np.full(len(facts), NEVER)
    grid["stopped"] = (stop[grid["pos"].to_numpy()] != NEVER) & (grid["month"].to_numpy()
                                                                 >= stop[grid["pos"].to_numpy()])
    figures = fig.months[["line_id", "month", "cip_plan", "delivered", "leakage", "forecast", "has_actuals"]]
    months = grid.merge(figures, on=["line_id", "month"], how="left", validate="one_to_one")
    months = months.merge(a_blocks, on=["line_id", "month"], how="left")
    months = months.sort_values(["line_id", "month"], kind="stable").reset_index(drop=True)
    months["fy"] = phasing.fy_label_of(months["fy_year"])
    m_sheets, m_ranges, m_part, m_row = placement("Phasing", months["line_id"].to_numpy())
    months["part"], months["row"] = m_part, m_row
    months["sl_row"] = lines.set_index("line_id")["sl_row"].reindex(months["line_id"]).to_numpy()

    years = fig.years.sort_values(["line_id", "fy_year"], kind="stable").reset_index(drop=True)
    years["row"] = np.arange(2, len(years) + 2)
    years["sl_row"] = lines.set_index("line_id")["sl_row"].reindex(years["line_id"]).to_numpy()
    p_blocks = _blocks(months, ["line_id", "fy_year"], m_row, m_part).rename(
        columns={"first": "p_first", "last": "p_last", "part": "p_part", "count": "p_count"})
    years = years.merge(p_blocks, on=["line_id", "fy_year"], how="left")

    budget_years = _budget_years(ty, years, lines)
    b_blocks = _blocks(budget_years, ["line_id", "fy_year"], budget_years["row"].to_numpy(),
                       np.zeros(len(budget_years), dtype=np.int64)).rename(
        columns={"first": "b_first", "last": "b_last", "count": "b_count"}).drop(columns="part")
    years = years.merge(b_blocks, on=["line_id", "fy_year"], how="left")
    return Layout(fy, lines, actuals, a_sheets, a_ranges, months, m_sheets, m_ranges, years, budget_years)


def _budget_years(ty: TrustYear, years: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """R-ELG-1a per adjustment and FY: the budget each adjustment removes in each year of its line."""
    budgets = ty.frames.budgets
    cols = ["adjustment_id", "line_id", "cost_centre", "fy", "fy_year", "removed", "row"]
    if budgets.empty or years.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    grid = budgets[["adjustment_id", "line_id", "cost_centre"]].merge(
        years[["line_id", "fy_year", "fy"]], on="line_id").sort_values(
        ["line_id", "fy_year", "adjustment_id"], kind="stable").reset_index(drop=True)
    keyed = budgets.assign(line_id=budgets["adjustment_id"])
    grid["removed"] = phasing.budget_removed(
        pd.DataFrame({"line_id": grid["adjustment_id"], "fy_year": grid["fy_year"]}), keyed).to_numpy()
    line_cc = lines.set_index("line_id")["cost_centre"]
    own = grid["cost_centre"].fillna("").astype(str).str.strip()
    grid["cost_centre"] = np.where(own != "", own, line_cc.reindex(grid["line_id"]).to_numpy())
    grid["row"] = np.arange(2, len(grid) + 2)
    return grid[cols]
