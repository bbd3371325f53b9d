"""Shared helpers for the example registers: the sheet layout, value formatting, writers.

The example builders describe registers as plain tables (sheet name -> rows, header row first,
every value a string), exactly what a finance user would type into the import workbook. This
module fixes the header rows of DESIGN.md's register table, formats money and prices the way
the importer reads them (pounds with two decimals; unit prices with up to six), and writes a
register out as a folder of CSV files or as one .xlsx workbook.
"""
from __future__ import annotations

import csv
from calendar import monthrange
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook

Tables = dict[str, list[list[str]]]

HEADERS: dict[str, tuple[str, ...]] = {
    "Trust": ("org_code", "name", "trust_type", "region"),
    "Contracts": ("contract_id", "supplier", "route", "tower_code", "category", "start_date", "end_date"),
    "Schemes": ("scheme_id", "title", "division", "category", "owner", "maturity", "stage", "qia_required",
                "qia_ref"),
    "SavingLines": ("line_id", "scheme_id", "contract_id", "product_code", "cost_centre", "subjective",
                    "benefit_type", "attribution", "tower_enabled", "baseline_price", "new_price", "unit",
                    "annual_volume", "go_live", "end_date", "one_off_costs", "created_by", "notes"),
    "Actuals": ("line_id", "month", "volume", "price_paid"),
    "BudgetAdjustments": ("adjustment_id", "line_id", "ledger_ref", "cost_centre", "subjective", "amount",
                          "recurrent", "effective_from"),
    "SignOffs": ("line_id", "role", "person", "decision", "date"),
    "Evidence": ("evidence_id", "line_id", "type", "file", "sha256"),
    "TowerContribution": ("fy", "amount", "basis", "source_ref"),
    "TowerSpend": ("fy", "tower_code", "spend"),
    "TowerStatement": ("fy", "tower_code", "claimed", "method"),
    "Benchmarks": ("product_code", "period", "price_paid", "volume", "p_lower_quartile", "p_best", "n_peers"),
    "Activity": ("fy", "non_pay_spend", "wau", "expected_cost_sum"),
    "Policy": ("key", "value"),
}


def sheet(name: str, records: Iterable[Mapping[str, str]], extra: Sequence[str] = ()) -> list[list[str]]:
    """Rows of one sheet (header first) from records keyed by column name; missing values are blank.

    Args:
        name: a sheet of `HEADERS`.
        records: one mapping per row; a key that is not a column is a bug and raises KeyError.
        extra: additional columns after the standard ones (the importer keeps extra columns).
    """
    header = [*HEADERS[name], *extra]
    rows = [header]
    for record in records:
        unknown = set(record) - set(header)
        if unknown:
            raise KeyError(f"{name}: unknown columns {sorted(unknown)}")
        rows.append([record.get(column, "") for column in header])
    return rows


def money(pence: int) -> str:
    """`123456` -> `1234.56` (pounds, two decimals)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"


def price(micros: int) -> str:
    """A unit price in millionths of a pound as text: two decimals at least, six at most."""
    pounds, rest = divmod(micros, 1_000_000)
    decimals = f"{rest:06d}".rstrip("0").ljust(2, "0")
    return f"{pounds}.{decimals}"


def micros_of(text: str) -> int:
    """`3.40` -> `3400000`: a price written by `price` back in millionths of a pound."""
    return int(Decimal(text) * 1_000_000)


def round_price(micros: int) -> int:
    """Whole pence from £1 up, four decimals from 10p, six below (prices keep six decimals)."""
    step = 10_000 if micros >= 1_000_000 else 100 if micros >= 100_000 else 1
    return max(step, (micros + step // 2) // step * step)


def pence_of(micros: int) -> int:
    """Millionths of a pound to pence, rounded half-up (the ledger's one rounding rule)."""
    return (micros + 5_000) // 10_000 if micros >= 0 else -((-micros + 5_000) // 10_000)


def month_label(year: int, month: int) -> str:
    """`2025-11`."""
    return f"{year:04d}-{month:02d}"


def add_months(d: date, months: int) -> date:
    """The same day `months` later (a day beyond the target month's end is clipped)."""
    year, month = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(year, month + 1, min(d.day, monthrange(year, month + 1)[1]))


def window_months(start: date, end: date, first: date, last: date) -> list[tuple[int, int, Fraction]]:
    """The calendar months of the window `[start, end)` inside `[first, last]`, with their shares.

    This is DESIGN.md's daily proration: a month only partly inside counts
    `days inside / days in month`. Returned as `(year, month, share)`, oldest first.
    """
    lo_bound, hi_bound = max(start, first), min(end, last + timedelta(days=1))
    out = []
    cursor = lo_bound.replace(day=1)
    while cursor < hi_bound:
        following = add_months(cursor, 1)
        inside = (min(following, hi_bound) - max(cursor, lo_bound)).days
        out.append((cursor.year, cursor.month, Fraction(inside, (following - cursor).days)))
        cursor = following
    return out


def write_csv_folder(folder: str | Path, tables: Tables) -> None:
    """One `<Sheet>.csv` per table (header row first), UTF-8, written with the csv module."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)


def write_xlsx(path: str | Path, tables: Tables) -> None:
    """One worksheet per table; values stay text, which the importer accepts."""
    book = Workbook(write_only=True)
    for name, rows in tables.items():
        worksheet = book.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    book.save(Path(path))
