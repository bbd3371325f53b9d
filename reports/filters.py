"""How money, ratios and periods look in every report: one module for the PDF and the workbook.

Templates only lay things out (STYLE.md 8): the pack's Jinja environment registers these
functions explicitly as filters, and the audit workbook takes its Excel number formats from the
constants below, so a figure reads the same in the board pack, the workbook and the terminal.
Money is exact here too: a filter takes a Decimal or JSON money text (`"6000.00"`), never a
float, and prints every penny (the pack is checked against the JSON summary to the penny).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from jinja2 import Environment

from ledger import calendar
from ledger.money import PENNY
from ledger.textout import counted, digits

T = TypeVar("T")
MINUS = "\u2212"  # a real minus sign: screen readers say "minus", and it does not wrap like a hyphen
NOT_AVAILABLE = "n/a"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fixed English names, whatever the machine's locale

# Excel number formats for the audit workbook (openpyxl `cell.number_format`).
GBP_FORMAT = "£#,##0.00;[Red]-£#,##0.00"
GBP_WHOLE_FORMAT = "£#,##0;[Red]-£#,##0"
PCT_FORMAT = "0.0%"
RATIO_FORMAT = "0.0000"
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "mmm yyyy"
COUNT_FORMAT = "#,##0"


def _decimal(value: Decimal | str | int | None) -> Decimal | None:
    """Accept Decimal, money or ratio text, or an int; refuse floats (they are not exact)."""
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("reports format exact values; got a float")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def format_gbp(value: Decimal | str | None, *, sign: bool = False) -> str:
    """Pounds and pence with thousands separators: `£6,000.00`, `−£30.00`; None is `n/a`.

    Args:
        value: pounds as a Decimal or JSON money text.
        sign: also mark positive amounts with `+` (variances).
    """
    amount = _decimal(value)
    if amount is None:
        return NOT_AVAILABLE
    amount = amount.quantize(PENNY, rounding=ROUND_HALF_UP)
    text = f"£{abs(amount):,.2f}"
    if amount < 0:
        return MINUS + text
    return f"+{text}" if sign and amount > 0 else text


def format_pct(value: Decimal | str | None, places: int = 1) -> str:
    """A ratio as a percentage, half-up: `Decimal("0.85")` -> `85.0%`; None is `n/a`."""
    ratio = _decimal(value)
    if ratio is None:
        return NOT_AVAILABLE
    pct = (ratio * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(pct):,.{places}f}%"
    return MINUS + text if pct < 0 else text


def format_period(value: str | int | date, style: str = "long") -> str:
    """A month as people read it in a board pack.

    Args:
        value: `2026-03`, a month index of `ledger.calendar`, or a date in the month.
        style: `long` -> `March 2026 (M12 2025/26)`, `month` -> `March 2026`,
            `short` -> `Mar 26` (chart axes).
    """
    if isinstance(value, date):
        index = calendar.month_index(value)
    elif isinstance(value, int):
        index = value
    else:
        index = calendar.parse_month(value)
    name, year = MONTHS[index % 12], index // 12
    if style == "short":
        return f"{name[:3]} {year % 100:02d}"
    month = f"{name} {year}"
    if style == "month":
        return month
    return f"{month} (M{calendar.period_number(index)} {calendar.fy_of_month(index)})"


def format_date(value: date | None) -> str:
    """`2026-03-31` -> `31 March 2026` (UK order, no leading zero); None is `n/a`."""
    if value is None:
        return NOT_AVAILABLE
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def format_price(micro: int | None) -> str:
    """A unit price from integer micro-pounds: pence always, more places only when used (`£0.0345`)."""
    if micro is None:
        return NOT_AVAILABLE
    price = Decimal(int(micro)) / 1_000_000
    text = "£" + digits(price, 2)
    return MINUS + text if price < 0 else text


def format_volume(milli: int | None) -> str:
    """A volume from integer thousandths of a unit: `5,000`, `12.5`."""
    if milli is None:
        return NOT_AVAILABLE
    volume = Decimal(int(milli)) / 1000
    return (MINUS if volume < 0 else "") + digits(volume)


def format_count(value: int | None) -> str:
    """A whole number with thousands separators; None is `n/a`."""
    return NOT_AVAILABLE if value is None else f"{value:,}"


def naturally(rows: Iterable[T], attribute: str) -> list[T]:
    """Rows sorted by a code the way people count (T2 before T10); a Jinja filter and a helper."""
    def key(row: T) -> list[object]:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(getattr(row, attribute)))]

    return sorted(rows, key=key)


FILTERS = {"gbp": format_gbp, "pct": format_pct, "period": format_period, "longdate": format_date,
           "count": format_count, "counted": counted, "price": format_price, "volume": format_volume,
           "naturally": naturally}


def register(env: Environment) -> Environment:
    """Add the report filters to a Jinja environment by name (`{{ x | gbp }}`) and return it."""
    env.filters.update(FILTERS)
    return env
