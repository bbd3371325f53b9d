"""Money and calendar: exact pounds, pence, micro-pound prices, financial years, proration."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import calendar, money


@pytest.mark.parametrize(("text", "pounds"), [
    ("1234.56", "1234.56"), ("£1,234.56", "1234.56"), ("(12.00)", "-12.00"), ("-3", "-3.00"), ("0.005", "0.01"),
])
def test_gbp_parses_finance_text(text: str, pounds: str) -> None:
    assert money.gbp(text) == Decimal(pounds)


@pytest.mark.parametrize("text", ["3,4O", "1,23.4", "", "£", "abc", "1e", "NaN",
                                  "(12.00", "12.00)", "(-12.00)", "(£-5)", "()"])  # a bracket half written, two signs
def test_gbp_rejects_what_is_not_money(text: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        money.gbp(text)


@pytest.mark.parametrize("text", ["1e5", "1E5", "2.5e-2", "-1e+3", ".5e2"])
def test_gbp_refuses_scientific_notation_saying_so(text: str) -> None:
    with pytest.raises(ValueError, match=rf"scientific notation is not accepted \('{re.escape(text)}'\); write the "
                                         r"amount out, e\.g\. 1000\.00 rather than 1e3"):
        money.gbp(text)


@pytest.mark.parametrize("text", ["١٢٣", "１２３", "£１,２３４.５６", "(٣.٥٠)", "1２", "\U0001d7cf\U0001d7d0"])
def test_gbp_refuses_digits_other_than_0_to_9(text: str) -> None:
    """Decimal() reads Arabic-Indic, full-width and mathematical digits as numbers; money is written 0-9."""
    with pytest.raises(ValueError, match=re.escape(f"not a number ({text!r}): use the digits 0-9")):
        money.gbp(text)


def test_gbp_refuses_float() -> None:
    with pytest.raises(TypeError):
        money.gbp(0.1)  # type: ignore[arg-type]


def test_pence_and_micro_round_trip() -> None:
    assert money.to_pence(Decimal("14400.00")) == 1_440_000
    assert money.from_pence(1_440_000) == Decimal("14400.00")
    assert money.to_micro(Decimal("0.034125")) == 34125
    assert money.money_text(-5) == "-0.05"


def test_div_round_is_half_away_from_zero() -> None:
    assert list(money.div_round(np.array([5, 15, -5, -15, 4]), 10)) == [1, 2, -1, -2, 0]


def test_exact_product_switches_to_python_ints_before_overflow() -> None:
    big = np.array([10**10], dtype=np.int64)
    product = money.exact_product(big, big)
    assert product[0] == 10**20
    assert money.div_round(product, 10**10)[0] == 10**10


def _half_away(num: int, den: int) -> int:
    q = (abs(num) * 2 + den) // (den * 2)
    return -q if num < 0 else q


@given(st.lists(st.tuples(st.integers(-(2**53), 2**53), st.integers(-(2**20), 2**20),
                          st.integers(2**12, 2**20)), min_size=1, max_size=40))
def test_products_rounded_exactly_whether_or_not_they_fit_int64(rows: list[tuple[int, int, int]]) -> None:
    """Products up to 2**73 (beyond int64), quotients inside it: only the elements beyond int64 go to
    Python ints, and every element is exactly the Python-integer result."""
    a, b, den = (np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))
    product = money.exact_product(a, b)
    assert [int(v) for v in product] == [x * y for x, y, _ in rows]
    assert money.div_round(product, den).tolist() == [_half_away(x * y, d) for x, y, d in rows]


def test_an_int64_numerator_too_large_to_double_is_still_divided_exactly() -> None:
    num = np.array([2**62 + 1, -(2**62 + 1), 7], dtype=np.int64)
    assert money.div_round(num, 2).tolist() == [_half_away(2**62 + 1, 2), _half_away(-(2**62 + 1), 2), 4]


def test_a_product_of_two_large_factors_from_different_rows_stays_int64() -> None:
    a = np.array([2**40, 1], dtype=np.int64)
    b = np.array([1, 2**40], dtype=np.int64)
    assert money.exact_product(a, b).dtype == np.int64  # each element is 2**40, far inside int64


def test_financial_year_labels() -> None:
    assert calendar.fy_of(date(2025, 4, 1)) == "2025/26"
    assert calendar.fy_of(date(2026, 3, 31)) == "2025/26"
    assert calendar.fy_of(date(1999, 12, 31)) == "1999/00"
    assert calendar.fy_bounds("2025/26") == (date(2025, 4, 1), date(2026, 3, 31))
    assert calendar.period_number(calendar.parse_month("2025-04")) == 1
    assert calendar.period_number(calendar.parse_month("2026-03")) == 12
    with pytest.raises(ValueError):
        calendar.parse_fy("2025/27")
    for label in ("0000/01", "0999/00", "1899/00", "9999/00"):  # a year whose label or successor breaks
        with pytest.raises(ValueError, match="outside the years the ledger holds"):
            calendar.parse_fy(label)
    with pytest.raises(ValueError, match="outside the years the ledger holds"):
        calendar.parse_month("0001-04")
    assert calendar.fy_label(calendar.parse_fy("2998/99")) == "2998/99"


def test_a_month_of_a_financial_year_the_ledger_does_not_hold_is_refused() -> None:
    """January to March 1900 are months of 1899/00: refused as the year is, not accepted and then
    failing wherever the month's year is looked up (a dashboard for 1900-01 answered 500)."""
    for text in ("1900-01", "1900-03-31"):
        with pytest.raises(ValueError, match="outside the years the ledger holds"):
            calendar.parse_month(text)
    assert calendar.fy_of(calendar.month_start(calendar.parse_month("1900-04"))) == "1900/01"


def test_add_months_clamps_to_month_end() -> None:
    assert calendar.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert calendar.add_months(date(2025, 11, 15), 12) == date(2026, 11, 15)
