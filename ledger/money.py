"""Exact money: Decimal pounds in the API, integer pence in storage and frames, never float.

Unit prices keep six decimal places (micro-pounds as int64), because consumables cost less than
a penny a unit. Rounding happens once, half-up (away from zero), where DESIGN.md says: a
line-month amount is rounded to the penny and every total is a sum of those rounded amounts.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np

PENNY = Decimal("0.01")
MICRO = Decimal("0.000001")
MICRO_PER_PENNY = 10_000
_MONEY_TEXT = re.compile(r"^(\(£?[\d,]*\.?\d*\)|-?£?-?[\d,]*\.?\d*)$")  # (12.00) or -12.00: one sign, whole
_SCIENTIFIC = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")  # 1e3, 2.5E-2: a spreadsheet's way, not finance's
_OTHER_DIGITS = re.compile(r"(?![0-9])\d")  # ١٢٣, １２３: digits Decimal() and int() read as 123, and no ledger writes


def gbp(value: str | int | Decimal) -> Decimal:
    """Pounds as an exact Decimal rounded to the penny; floats are refused.

    >>> gbp("1,234.565")
    Decimal('1234.57')
    """
    return parse_decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def parse_decimal(value: str | int | Decimal) -> Decimal:
    """Parse money or a number written the way finance people write it: `£1,234.56`, `(12.00)`.

    Raises ValueError with the reason; a float is a programming error and raises TypeError.
    """
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a str, int or Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip().replace(" ", "")
    if other_digits(text):
        raise ValueError(f"not a number ({value!r}): use the digits 0-9")
    negative = text.startswith("(") and text.endswith(")")
    if _SCIENTIFIC.match(text):
        raise ValueError(f"scientific notation is not accepted ({value!r}); write the amount out, e.g. 1000.00 "
                         "rather than 1e3")
    if not text or not _MONEY_TEXT.match(text) or text in {"£", "-", "."}:
        raise ValueError(f"not a number ({value!r})")
    digits = text.strip("()").replace("£", "")
    if digits.count(",") and not re.fullmatch(r"-?\d{1,3}(,\d{3})*(\.\d*)?", digits):
        raise ValueError(f"not a number ({value!r})")
    try:
        number = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number ({value!r})") from None
    if not number.is_finite():
        raise ValueError(f"not a number ({value!r})")
    return -number if negative else number


def other_digits(text: str) -> bool:
    """Whether `text` holds a digit other than 0-9 (Arabic-Indic `١٢٣`, full-width `１２３`, ...).

    Python's Decimal() and int() read them as numbers where a spreadsheet sees text, so a register
    could count a figure its own workbook does not show as one: numbers are written with 0-9.
    """
    return _OTHER_DIGITS.search(text) is not None


def to_pence(amount: Decimal) -> int:
    """Pounds to integer pence, rounding half-up once."""
    return int(amount.quantize(PENNY, rounding=ROUND_HALF_UP) * 100)


def from_pence(pence: int | np.integer) -> Decimal:
    """Integer pence to Decimal pounds (exact)."""
    return (Decimal(int(pence)) / 100).quantize(PENNY)


def to_micro(price: Decimal) -> int:
    """A unit price to integer micro-pounds (six decimals, half-up)."""
    return int(price.quantize(MICRO, rounding=ROUND_HALF_UP) * 1_000_000)


def from_micro(micro: int | np.integer) -> Decimal:
    """Integer micro-pounds to a Decimal unit price."""
    return (Decimal(int(micro)) / 1_000_000).quantize(MICRO)


def money_text(pence: int | np.integer | None) -> str | None:
    """Pence as the JSON money string `"6000.00"` (None stays None).

    Integer arithmetic, not Decimal: `savings lines --json` writes millions of these nationally.
    """
    if pence is None:
        return None
    whole, part = divmod(abs(int(pence)), 100)
    return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"


SAFE = 2**62  # |values| below this add, double and round in int64 without overflow


def div_round(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """Exact integer division rounded half away from zero, element-wise.

    Works on int64 where the numerator is small enough to double, and on Python ints only for
    the elements that are not (or are already Python ints, from `exact_product`), so an amount
    is never silently wrapped or turned into a float, and a few very large amounts do not slow
    down all the others.
    """
    num = np.asarray(numerator)
    den = np.broadcast_to(np.asarray(denominator), num.shape)
    wide = np.abs(num.astype(float)) >= SAFE / 2  # 2 x |num| + den would leave int64
    if not wide.any() and object not in (num.dtype, den.dtype):
        return _div_round(num, den)
    out = np.empty(num.shape, dtype=np.int64)
    out[~wide] = _div_round(num[~wide].astype(np.int64), den[~wide].astype(np.int64))
    out[wide] = _div_round(num[wide].astype(object), den[wide].astype(object)).astype(np.int64)
    return out


def _div_round(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    sign = np.where(num < 0, -1, 1)
    rounded = (np.abs(num) * 2 + den) // (den * 2)
    return (sign * rounded).astype(np.int64)


def exact_product(*factors: np.ndarray) -> np.ndarray:
    """Multiply int64 arrays exactly: int64 when every element's product is safely inside it,
    else Python ints (an object array; `div_round` brings it back to pence).

    Which path is judged on a float estimate of each product with a margin of 2x (float's error
    is far smaller); the products themselves are always integer arithmetic.
    """
    arrays = [np.asarray(f) for f in factors]
    estimate = np.ones(np.broadcast_shapes(*(a.shape for a in arrays)))
    for arr in arrays:
        estimate = estimate * np.abs(arr.astype(float))
    if not (estimate >= SAFE).any():
        out = arrays[0].astype(np.int64)
        for arr in arrays[1:]:
            out = out * arr.astype(np.int64)
        return out
    out = arrays[0].astype(object)
    for arr in arrays[1:]:
        out = out * arr.astype(object)
    return out
