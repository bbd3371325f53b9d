"""Charts for the board pack: matplotlib to SVG, readable when printed in black and white.

Boards print packs on office printers, so no chart relies on colour: series differ by line
style, marker and hatching, and every chart comes with alt text that says what it shows in
words and figures (the PDF is tagged for screen readers). Axes are in pounds with labelled
periods. Output is deterministic: a fixed SVG hash salt and no date in the SVG metadata, so a
pack made twice from the same data is byte-identical. Amounts come in as integer pence.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ledger.money import from_pence
from reports.filters import format_gbp, format_period

STYLE = {
    "svg.hashsalt": "savings-ledger",  # stable ids inside the SVG
    "svg.fonttype": "none",  # text stays text (small, fast to typeset); the alt text carries the words
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "text.parse_math": False,  # labels are the register's text (tower codes): "$x^$" is text, not broken TeX
    "axes.edgecolor": "#333333",
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#cccccc",
    "grid.linewidth": 0.5,
    "hatch.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
}
INK, MID, LIGHT = "#000000", "#595959", "#bfbfbf"
WIDTH_IN = 6.7  # A4 text width at the pack's margins


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the words that stand in for it (alt text); `key` names it for templates."""

    key: str
    title: str
    svg: str
    alt: str


def _pounds_axis(pence: float, _pos: int | None = None) -> str:
    """Axis ticks in pounds, shortened: `£1.2m`, `£250k`, `−£40k` (a coordinate, so a float is fine)."""
    pounds = pence / 100
    sign = "\u2212" if pounds < 0 else ""
    size = abs(pounds)
    for scale, suffix in ((1_000_000, "m"), (1_000, "k"), (1, "")):
        if size >= scale:
            number = f"{size / scale:,.1f}".removesuffix(".0")
            return f"{sign}£{number}{suffix}"
    return "£0"


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "savings-ledger"}, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _money(pence: int) -> str:
    return format_gbp(from_pence(pence))


def cip_trend(months: Sequence[int], plan: Sequence[int], forecast: Sequence[int], counted: Sequence[int],
              risk_adjusted: int) -> Chart:
    """Cumulative CIP over the financial year: plan, forecast and counted (to the period).

    Args:
        months: the twelve month indexes of the year.
        plan, forecast: cumulative pence for every month.
        counted: cumulative CIP counted at each month end so far (shorter than `months`).
        risk_adjusted: the risk-adjusted forecast outturn (E7), drawn as a mark at year end.
    """
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(layout="constrained", figsize=(WIDTH_IN, 2.6))
        x = list(range(len(months)))
        ax.plot(x, plan, linestyle="--", color=MID, linewidth=1.4, label="Plan (cumulative)")
        ax.plot(x, forecast, linestyle=":", color=INK, linewidth=1.6, label="Forecast outturn")
        ax.plot(x[:len(counted)], counted, linestyle="-", color=INK, linewidth=2, marker="o", markersize=3.5,
                label="CIP counted")
        ax.plot([x[-1]], [risk_adjusted], linestyle="none", marker="D", markersize=5, markerfacecolor="white",
                markeredgecolor=INK, label="Risk-adjusted forecast")
        ax.set_xticks(x, [format_period(m, "short") for m in months])
        ax.yaxis.set_major_formatter(FuncFormatter(_pounds_axis))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.set_ylabel("£ cumulative")
        ax.set_ylim(bottom=min(0, *plan, *forecast, *counted))
        fig.legend(loc="outside upper center", ncols=4)
        svg = _svg(fig)
    done = format_period(months[len(counted) - 1], "month") if counted else "no month yet"
    alt = (f"Line chart of cumulative CIP for the year {format_period(months[0], 'month')} to "
           f"{format_period(months[-1], 'month')}. Plan reaches {_money(plan[-1])}; forecast outturn "
           f"{_money(forecast[-1])}; risk-adjusted forecast {_money(risk_adjusted)}. CIP counted to {done}: "
           f"{_money(counted[-1]) if counted else _money(0)}.")
    return Chart("cip_trend", "Cumulative CIP: plan, forecast and counted", svg, alt)


def bridge(claimed: int, steps: Sequence[tuple[str, int]], counted: int) -> Chart:
    """The savings bridge as a waterfall: claimed at the top, each rule's deduction, CIP at the bottom."""
    shown = [(label, amount) for label, amount in steps if amount]
    labels = ["Claimed (contract-term view)", *[label for label, _ in shown], "CIP counted"]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(layout="constrained", figsize=(WIDTH_IN, 0.21 * len(labels) + 0.5))
        level = claimed
        y = list(range(len(labels)))[::-1]
        ax.barh(y[0], claimed, color=LIGHT, edgecolor=INK, linewidth=0.6, height=0.6)
        for row, (_, amount) in zip(y[1:-1], shown, strict=True):
            ax.barh(row, -amount, left=level, color="white", edgecolor=INK, hatch="////", linewidth=0.6, height=0.6)
            level -= amount
        ax.barh(y[-1], counted, color=INK, edgecolor=INK, height=0.6)
        ax.set_yticks(y, labels)
        ax.xaxis.set_major_formatter(FuncFormatter(_pounds_axis))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color=INK, linewidth=0.6)
        svg = _svg(fig)
    parts = "; ".join(f"{label} {_money(amount)}" for label, amount in shown) or "no deductions"
    alt = (f"Waterfall chart from {_money(claimed)} claimed over the contract term down to {_money(counted)} "
           f"counted as CIP. Deductions: {parts}.")
    return Chart("bridge", "Savings bridge: from claimed to counted", svg, alt)


def towers(codes: Sequence[str], contribution: Sequence[int], recognised: Sequence[int],
           claimed: Sequence[int]) -> Chart:
    """Per tower: the trust's contribution beside savings recognised and NHSSC's claim."""
    series = (("Contribution (top-slice)", contribution, "white", ""),  # outline, black and grey fills:
              ("Recognised by the ledger", recognised, INK, ""),  # tell apart in print without hatching,
              ("Claimed by NHSSC", claimed, LIGHT, ""))  # which is slow to typeset across many bars
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(layout="constrained", figsize=(WIDTH_IN, 2.3))
        width = 0.26
        for n, (label, values, face, hatch) in enumerate(series):
            ax.bar([i + (n - 1) * width for i in range(len(codes))], values, width, label=label, color=face,
                   edgecolor=INK, hatch=hatch, linewidth=0.6)
        ax.set_xticks(range(len(codes)), codes)
        ax.yaxis.set_major_formatter(FuncFormatter(_pounds_axis))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        fig.legend(loc="outside upper center", ncols=3)
        ax.grid(axis="x", visible=False)
        svg = _svg(fig)
    parts = "; ".join(f"{code}: contribution {_money(c)}, recognised {_money(r)}, claimed {_money(s)}"
                      for code, c, r, s in zip(codes, contribution, recognised, claimed, strict=True))
    return Chart("towers", "Towers: contribution against savings", svg,
                 f"Bar chart by NHS Supply Chain tower. {parts}.")


def per_wau(years: Sequence[str], actual: Sequence[int | None], target: Sequence[int | None]) -> Chart:
    """Non-pay cost per WAU by year (pence per WAU) against the Carter target (10% below the base year)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(layout="constrained", figsize=(WIDTH_IN, 2.2))
        x = list(range(len(years)))
        have = [(i, v) for i, v in zip(x, actual, strict=True) if v is not None]
        ax.bar([i for i, _ in have], [v for _, v in have], 0.5, color="white", edgecolor=INK, hatch="////",
               linewidth=0.6, label="Non-pay cost per WAU")
        aims = [(i, v) for i, v in zip(x, target, strict=True) if v is not None]
        ax.plot([i for i, _ in aims], [v for _, v in aims], linestyle="--", color=INK, marker="_", markersize=18,
                linewidth=1.2, label="Target (base year \u221210%)")
        ax.set_xticks(x, list(years))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"£{v / 100:,.0f}"))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.set_ylabel("£ per WAU")
        fig.legend(loc="outside upper center", ncols=2)
        ax.grid(axis="x", visible=False)
        svg = _svg(fig)
    parts = "; ".join(f"{y}: {_money(a) if a is not None else 'no data'}"
                      + (f" (target {_money(t)})" if t is not None else "")
                      for y, a, t in zip(years, actual, target, strict=True))
    return Chart("per_wau", "Non-pay cost per WAU", svg,
                 f"Bar chart of non-pay cost per weighted activity unit. {parts}.")
