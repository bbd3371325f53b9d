"""The report filters: money, ratios and periods print the same in the pack and the workbook."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from jinja2 import Environment

from reports import filters


@pytest.mark.parametrize(("value", "kwargs", "text"), [
    (Decimal("6000"), {}, "£6,000.00"),
    ("5850.00", {}, "£5,850.00"),
    ("-30.00", {}, "\u2212£30.00"),
    (Decimal("0.005"), {}, "£0.01"),  # half-up, once
    (Decimal("-0.005"), {}, "\u2212£0.01"),
    ("1234567.89", {"sign": True}, "+£1,234,567.89"),
    ("0.00", {"sign": True}, "£0.00"),
    (None, {}, "n/a"),
])
def test_format_gbp(value, kwargs, text):
    assert filters.format_gbp(value, **kwargs) == text


def test_format_gbp_refuses_floats():
    with pytest.raises(TypeError):
        filters.format_gbp(0.1)


@pytest.mark.parametrize(("value", "places", "text"), [
    ("0.8500", 1, "85.0%"), (Decimal("1.125"), 0, "113%"), ("0.70833", 1, "70.8%"),
    (Decimal("-0.063"), 1, "\u22126.3%"), (None, 1, "n/a"),
])
def test_format_pct(value, places, text):
    assert filters.format_pct(value, places) == text


@pytest.mark.parametrize(("value", "style", "text"), [
    ("2026-03", "long", "March 2026 (M12 2025/26)"),
    ("2025-04", "long", "April 2025 (M1 2025/26)"),
    (date(2025, 11, 15), "month", "November 2025"),
    (2026 * 12 + 0, "short", "Jan 26"),
])
def test_format_period(value, style, text):
    assert filters.format_period(value, style) == text


@pytest.mark.parametrize(("micro", "text"), [
    (12_000_000, "£12.00"), (34_500, "£0.0345"), (1_234_567_891, "£1,234.567891"), (-50_000, "\u2212£0.05"),
])
def test_format_price_keeps_sub_penny_places(micro, text):
    assert filters.format_price(micro) == text


def test_format_volume():
    assert [filters.format_volume(v) for v in (5_000_000, 12_500, None)] == ["5,000", "12.5", "n/a"]


def test_format_date_and_count():
    assert filters.format_date(date(2026, 3, 31)) == "31 March 2026"
    assert filters.format_count(12345) == "12,345"


def test_filters_are_registered_by_name():
    env = filters.register(Environment(autoescape=True))
    out = env.from_string("{{ a | gbp }} {{ r | pct }} {{ p | period('short') }}").render(
        a="-1234.5", r="0.25", p="2025-11")
    assert out == "\u2212£1,234.50 25.0% Nov 25"



def test_codes_sort_the_way_people_count():
    rows = [type("Row", (), {"code": c})() for c in ("T10", "T2", "T1", "T11")]
    assert [r.code for r in filters.naturally(rows, "code")] == ["T1", "T2", "T10", "T11"]
