"""Pack charts: axes in pounds, alt text that carries the figures, SVG that is the same every time."""
from __future__ import annotations

import pytest

from reports import charts

MONTHS = list(range(2025 * 12 + 3, 2025 * 12 + 15))  # April 2025 .. March 2026


@pytest.mark.parametrize(("pence", "text"), [
    (120_000_000, "£1.2m"), (25_000_000, "£250k"), (150_000, "£1.5k"), (-4_000_000, "\u2212£40k"), (0, "£0"),
    (5_000, "£50"),
])
def test_axis_ticks_are_pounds(pence, text):
    assert charts._pounds_axis(pence) == text


def test_cumulative_chart_is_deterministic_and_undated():
    plan = [i * 100_000 for i in range(1, 13)]
    first = charts.cip_trend(MONTHS, plan, plan, plan[:6], 1_000_000)
    again = charts.cip_trend(MONTHS, plan, plan, plan[:6], 1_000_000)
    assert first.svg == again.svg
    assert "<dc:date>" not in first.svg
    assert first.alt.endswith("CIP counted to September 2025: £6,000.00.")
    assert "Plan reaches £12,000.00; forecast outturn £12,000.00; risk-adjusted forecast £10,000.00" in first.alt


def test_bridge_alt_text_names_each_deduction():
    chart = charts.bridge(600_000, [("leakage (paid above contract price)", 21_000), ("not signed off", 0)], 579_000)
    assert chart.alt == ("Waterfall chart from £6,000.00 claimed over the contract term down to £5,790.00 counted "
                         "as CIP. Deductions: leakage (paid above contract price) £210.00.")


def test_a_tower_code_with_dollar_signs_is_drawn_as_text():
    """Tower codes come from the register; matplotlib would read "$x^$" as broken TeX and stop the pack."""
    chart = charts.towers(["$x^$", "T2"], [100_000, 200_000], [50_000, 60_000], [10_000, 20_000])
    assert ">$x^$<" in chart.svg
