"""Turning register cells into typed values, with the reason when a cell is wrong.

Each parser returns the stored form (pence, micro-pounds, thousandths, dates, month indexes) or
raises ValueError whose text ends up after `file:sheet:row:column:` in the error list.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal

from ledger import calendar, money
from ledger.register.spec import Column

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_PLAIN = re.compile(r"\s*(-?)(\d+)(?:\.(\d*))?\s*\Z", re.ASCII)  # 1234.56, -3, 0.5 (no £, commas or brackets)
DIGITS = 15  # significant digits Excel keeps: a longer number is shown, and read, as Excel shows it (1E+20)
LARGEST = 10**12  # the largest number a cell may hold (pounds, units): far past any register, inside int64
LARGEST_SPEND = 10**9  # pounds a line may spend in a year, or an Actuals row: what the engine counts in int64
UNITS_PER_POUND = 10**9  # a price in micro-pounds times a volume in thousandths
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def holds_nul(value: object) -> bool:
    """A text cell with a NUL character (a stray zero byte from a broken export, or Excel's `_x0000_`):
    refused, as text with one cannot be shown, compared or stored in PostgreSQL."""
    return type(value) is str and "\x00" in value


def nul_problem(value: object) -> str:
    return f"holds a NUL character ({shown(value)}); retype the cell without it"


def shown(value: object) -> str:
    """A cell's value as a problem message quotes it: text in quotes, a number as Excel shows it
    (a workbook's -5 is stored as the double -5.0, and is quoted as -5)."""
    if isinstance(value, float):
        if not abs(value) < 10**DIGITS:  # as Excel shows a number too long for its cell: 1E+20
            return format(value, f".{DIGITS}G")
        return format(Decimal(repr(value)).normalize(), "f")
    return repr(value)


def _number(value: object) -> Decimal:
    """A Decimal from text or from a number Excel stored (a double: read via its shortest repr)."""
    if isinstance(value, bool):
        raise ValueError(f"not a number ({shown(value)})")
    if isinstance(value, float):
        if not abs(value) < 10**DIGITS:  # too large (refused with the limit) or not finite
            if not math.isfinite(value):
                raise ValueError(f"not a number ({shown(value)})")
            return Decimal(repr(value))
        return Decimal(repr(value)).quantize(Decimal("1e-9")).normalize()
    return money.parse_decimal(value if isinstance(value, int | Decimal) else str(value))


def _scaled(value: object, places: int, what: str) -> int:
    if type(value) is str and (plain := _PLAIN.match(value)):  # the common case, without Decimal
        sign, whole, fraction = plain.groups()
        fraction = (fraction or "").rstrip("0")
        if len(fraction) <= places:
            scaled = int(whole + fraction.ljust(places, "0"))
            return _in_range(-scaled if sign else scaled, places, value)
    number = _number(value)
    scaled = number.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"not {what} ({shown(value)})" if not places else
                         f"{what} has more than {places} decimal places ({shown(value)})")
    return _in_range(int(scaled), places, value)


def _in_range(scaled: int, places: int, value: object) -> int:
    """A number past `LARGEST` is a slip (a pasted code, a column shifted), and would not fit the ledger."""
    if abs(scaled) > LARGEST * 10**places:
        raise ValueError(f"too large ({shown(value)}): the ledger holds numbers up to {LARGEST:,}")
    return scaled


def parse_money(value: object) -> int:
    return _scaled(value, 2, "money")


def parse_price(value: object) -> int:
    micro = _scaled(value, 6, "a unit price")
    if micro < 0:
        raise ValueError(f"a price cannot be negative ({shown(value)})")
    return micro


def parse_volume(value: object) -> int:
    milli = _scaled(value, 3, "a volume")
    if milli <= 0:
        raise ValueError(f"a volume must be more than zero ({shown(value)})")
    return milli


def parse_ratio(value: object) -> int:
    ppm = _scaled(value, 6, "a ratio")
    if ppm <= 0:
        raise ValueError(f"must be more than zero ({shown(value)})")
    return ppm


def spend_problem(sheet: str, row: Mapping[str, object]) -> tuple[str, str] | None:
    """(column, message) when a typed SavingLines or Actuals row spends more than `LARGEST_SPEND`.

    The engine counts a line's year, and each invoice row, in int64 billionths of a pound (price
    x volume): a slip such as a product code typed as the volume would otherwise stop the trust's
    figures, not just the line's.
    """
    if sheet == "SavingLines":
        p0, p1, q1 = (int(row.get(c) or 0) for c in ("baseline_price", "new_price", "annual_volume"))
        spend = max(p0, p1) * q1
        if row.get("baseline_volume"):
            q_cf = int(row["baseline_volume"]) * int(row.get("activity_factor") or 1_000_000) // 1_000_000
            spend = max(spend, p0 * q_cf)
        column, what = "annual_volume", "the line spends"
    elif sheet == "Actuals":
        spend = int(row.get("price_paid") or 0) * int(row.get("volume") or 0)
        column, what = "volume", "this invoice row spends"
    else:
        return None
    if spend <= LARGEST_SPEND * UNITS_PER_POUND:
        return None
    per = " a year" if sheet == "SavingLines" else ""
    return column, (f"at these prices and volumes {what} £{spend // UNITS_PER_POUND:,}{per}, more than the ledger "
                    f"counts (£{LARGEST_SPEND:,}): check the price and the volume")


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return calendar.held(value.date())
    if isinstance(value, date):
        return calendar.held(value)
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise ValueError(f"not a date like 2025-11-01 ({shown(value)})")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a real date ({shown(value)})") from None
    return calendar.held(day)


def parse_month(value: object) -> int:
    if isinstance(value, date | datetime):
        return calendar.month_index(value)
    return calendar.parse_month(str(value))


def parse_fy(value: object) -> str:
    return calendar.fy_label(calendar.parse_fy(str(value)))


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not true or false ({shown(value)})")


def parse_int(value: object) -> int:
    return _scaled(value, 0, "a whole number")


def parse_text(value: object) -> str:
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value).strip()


def parse_sha256(value: object) -> str:
    """A file's sha256 in lower case, as the evidence store names its files: a register may write it
    in capitals (a spreadsheet's UPPER, a tool's output) and it is the same hash."""
    return parse_text(value).lower()


def as_register_text(text: str) -> str:
    """Free text as a register cell reads back: ends stripped, lines ending in \\n (a web form sends
    \\r\\n). What `savings signoff` stores, so the audit workbook's SignOffs row imports back as it."""
    return parse_text(text).replace("\r\n", "\n").replace("\r", "\n")


MAX_ID = 100  # characters of an id: a key tables, addresses and the audit trail show whole, as a person's name
NOT_IDS = (".", "..")  # a web address reads these as steps between folders, however they are written (%2E%2E)
_UNFIT_IN_IDS = {"Cc", "Cf", "Cs", "Zl", "Zp", "Zs"}  # controls, invisible formatting, surrogates, line and
# paragraph separators, and spaces other than the plain one (a no-break space looks like one, and is not)
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines breaks a line at


def parse_id(value: object) -> str:
    """An id (`line_id`, `org_code`, ...): text, one line of visible characters and plain spaces.

    An id is a key other rows, the audit trail and the web app's addresses name: a line break, a tab,
    a control or invisible character in one would make it unreadable, or two ids that look the same;
    for the same reason an id is kept in Unicode's composed form (NFC), however its accents were typed.
    Any visible character is fine (the web app percent-encodes ids), but `.` and `..` alone: no web
    address can name them.
    """
    text = unicodedata.normalize("NFC", parse_text(value))  # é typed as e + U+0301 is the é of another row
    if (unfit := id_unfit(text)) is not None:
        raise ValueError(f"holds {named_char(unfit)} ({shown(value)}): an id is one line of visible characters and "
                         "plain spaces; retype the id without it")
    if len(text) > MAX_ID:
        raise ValueError(f"is {len(text):,} characters long: an id is a short key, at most {MAX_ID} characters "
                         "(tables, web addresses and the audit trail show it whole); shorten it")
    if text in NOT_IDS:
        raise ValueError(f"{text!r} cannot be an id: a web address reads {text!r} as a step between folders, so "
                         "no page could name it; choose another id")
    return text


def id_unfit(text: str) -> str | None:
    """The first character of `text` an id cannot hold, or None (at C speed for text that is all printable)."""
    if text.isprintable():
        return None
    return next((c for c in text if c != " " and unicodedata.category(c) in _UNFIT_IN_IDS), None)


def named_char(char: str) -> str:
    """A character as a message names it: a line break, a tab, or its code point and Unicode name."""
    if char in _LINE_BREAKS:
        return "a line break"
    if char == "\t":
        return "a tab"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"the control character U+{ord(char):04X}"


def code_parser(column: Column) -> Callable[[object], str]:
    """Coded columns match case-insensitively and are stored in their canonical spelling."""
    canonical = {c.lower(): c for c in column.codes}

    def parse(value: object) -> str:
        text = str(value).strip()
        if text.lower() not in canonical:
            raise ValueError(f"{text!r} is not one of {', '.join(column.codes)}")
        return canonical[text.lower()]

    return parse


PARSERS: dict[str, Callable[[object], object]] = {
    "text": parse_text, "id": parse_id, "date": parse_date, "money": parse_money, "price": parse_price,
    "volume": parse_volume, "bool": parse_bool, "int": parse_int, "month": parse_month,
    "fy": parse_fy, "ratio": parse_ratio, "sha256": parse_sha256,
}


def parser_for(column: Column) -> Callable[[object], object]:
    return code_parser(column) if column.kind == "code" else PARSERS[column.kind]
