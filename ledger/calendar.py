"""UK financial years (1 April to 31 March, `2025/26`, M1 = April), months and daily proration.

DESIGN.md: start dates are the first day that counts and end dates the last (inclusive); a month
only partly inside a window counts `days inside / days in month` of its monthly amount.
"""
from __future__ import annotations

import calendar as _cal
import re
from datetime import date, timedelta

_FY_LABEL = re.compile(r"^(\d{4})/(\d{2})$", re.ASCII)  # 0-9 only: int() would read ２０２５ as 2025
_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)


def fy_start_year(d: date) -> int:
    """C1: the year in which the financial year holding `d` starts."""
    return d.year if d.month >= 4 else d.year - 1


FIRST_YEAR, LAST_YEAR = 1900, 2998  # financial years a ledger can hold: four-digit years, and the next one too
FIRST_DAY = date(FIRST_YEAR, 4, 1)  # the first day the ledger holds; Excel, of the audit workbook and of the
# register it round-trips through, holds no date before 1900 either


def held(day: date) -> date:
    """`day`, if the ledger holds it; a ValueError saying from when it does otherwise. The one rule for
    every date given to the ledger: a register's, `--date`, `--as-at` and the web's as-at dates."""
    if day < FIRST_DAY:
        raise ValueError(f"{day.isoformat()} is before the years the ledger holds (from {FIRST_DAY.isoformat()})")
    return day


def fy_label(start_year: int) -> str:
    """`2025` -> `2025/26`."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def fy_of(d: date) -> str:
    """The label of the financial year holding `d`."""
    return fy_label(fy_start_year(d))


def parse_fy(label: str) -> int:
    """`2025/26` -> 2025; anything else is a ValueError that says what is expected."""
    m = _FY_LABEL.match(label.strip())
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ValueError(f"not a financial year like 2025/26 ({label!r})")
    if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise ValueError(f"{label.strip()} is outside the years the ledger holds ({fy_label(FIRST_YEAR)} to "
                         f"{fy_label(LAST_YEAR)})")
    return int(m.group(1))


def fy_bounds(label: str) -> tuple[date, date]:
    """First and last day (inclusive) of a financial year."""
    y = parse_fy(label)
    return date(y, 4, 1), date(y + 1, 3, 31)


def month_index(d: date) -> int:
    """Months since year 0 (a plain integer key for a calendar month)."""
    return d.year * 12 + d.month - 1


def month_start(index: int) -> date:
    """The first day of the month with that index."""
    return date(index // 12, index % 12 + 1, 1)


def month_label(index: int) -> str:
    """`2025-11` for a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """`2025-11` (or a date in that month) -> month index."""
    m = _MONTH.match(text.strip()[:7])
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month like 2025-11 ({text!r})")
    index = int(m.group(1)) * 12 + int(m.group(2)) - 1
    if not FIRST_YEAR * 12 + 3 <= index <= LAST_YEAR * 12 + 11:  # from April of the first year the ledger holds
        raise ValueError(f"{text.strip()} is outside the years the ledger holds ({FIRST_YEAR}-04 to {LAST_YEAR}-12)")
    return index


def days_in_month(index: int) -> int:
    """Number of days in the month with that index."""
    return _cal.monthrange(index // 12, index % 12 + 1)[1]


def fy_of_month(index: int) -> str:
    """Financial year label of a month index."""
    return fy_label(index // 12 if index % 12 >= 3 else index // 12 - 1)


def period_number(index: int) -> int:
    """C2: M1 = April ... M12 = March."""
    return (index % 12 - 3) % 12 + 1


def add_months(d: date, months: int) -> date:
    """`d` moved by whole months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    idx = month_index(d) + months
    return date(idx // 12, idx % 12 + 1, min(d.day, days_in_month(idx)))


def last_day(index: int) -> date:
    """The last day of the month with that index."""
    return month_start(index) + timedelta(days=days_in_month(index) - 1)
