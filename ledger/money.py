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
_MONEY_TEXT = re.compile(r"^\(?-?£?-?[\d,]*\.?\d*\)?$")


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
    negative = text.startswith("(") and text.endswith(")")
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


def div_round(numerator: np.ndarray, denominator: np.ndarray | int) -> np.ndarray:
    """Exact integer division rounded half away from zero, element-wise.

    Works on int64 when the numerator fits, else on Python ints (object arrays), so an amount
    is never silently wrapped or turned into a float.
    """
    num = np.asarray(numerator)
    den = np.broadcast_to(np.asarray(denominator), num.shape)
    if object in (num.dtype, den.dtype):
        num = num.astype(object)
        den = den.astype(object)
    sign = np.where(num < 0, -1, 1)
    magnitude = np.abs(num)
    rounded = (magnitude * 2 + den) // (den * 2)
    return (sign * rounded).astype(np.int64)


def exact_product(*factors: np.ndarray) -> np.ndarray:
    """Multiply int64 arrays exactly: stays int64 when the result is safe, else Python ints."""
    bound = 1.0
    for factor in factors:
        arr = np.asarray(factor)
        bound *= float(np.abs(arr).max()) if arr.size else 0.0
    if bound < 2**62:
        out = np.asarray(factors[0], dtype=np.int64)
        for factor in factors[1:]:
            out = out * np.asarray(factor, dtype=np.int64)
        return out
    out = np.asarray(factors[0]).astype(object)
    for factor in factors[1:]:
        out = out * np.asarray(factor).astype(object)
    return out
