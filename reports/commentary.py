"""The pack's plain-English commentary, written from the figures so it can never disagree with them.

A board reads the first page's few sentences before any table. Each sentence here is built
from the same numbers the tables show (the JSON summary, the YTD variance and its drivers), with
the same filters, so a figure quoted in words is the figure in the table to the penny.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ledger import calendar
from ledger.money import from_pence
from ledger.towers import ratio
from reports.filters import counted, format_gbp, format_pct, format_period

if TYPE_CHECKING:
    from reports.pack import TrustPack


def _gbp(pence: int) -> str:
    return format_gbp(from_pence(pence))


def _delivery(pack: TrustPack) -> list[str]:
    v, month = pack.variance, pack.period.month
    to_date = f"By the end of {format_period(month, 'month')} (M{calendar.period_number(month)})"
    if v.plan == 0:
        first = f"{to_date}, no CIP was planned; {_gbp(v.counted)} has been counted."
    else:
        gap = (f"a shortfall of {_gbp(-v.variance)}" if v.variance < 0 else
               f"{_gbp(v.variance)} ahead of plan" if v.variance > 0 else "exactly on plan")
        first = (f"{to_date}, {_gbp(v.counted)} of CIP has been counted against a year-to-date plan of "
                 f"{_gbp(v.plan)} ({format_pct(ratio(v.counted, v.plan))} of plan), {gap}.")
    out = [first, f"In {format_period(month, 'month')}, {_gbp(pack.month_counted)} was counted against "
                  f"{_gbp(pack.month_plan)} planned."]
    shortfalls = sorted((r for r in v.reasons if r.amount > 0), key=lambda r: -r.amount)[:2]
    if v.variance < 0 and shortfalls:
        named = " and ".join(f"{r.label} ({_gbp(r.amount)}, {r.rule_id})" for r in shortfalls)
        out.append(f"The largest reasons for the shortfall: {named}.")
    if v.drivers:
        d = v.drivers[0]
        why = "ahead of plan" if d.reason == "ahead of plan" else f"mainly {d.reason}"
        out.append(f"Scheme {d.scheme_id} ({d.title}) moved the variance most: "
                   f"{format_gbp(from_pence(d.variance), sign=True)}, {why}.")
    return out


def _outlook(pack: TrustPack) -> list[str]:
    cip, fy = pack.summary["cip"], pack.period.fy
    out = [f"Forecast outturn is {format_gbp(cip['forecast'])} against an annual plan of {format_gbp(cip['plan'])}; "
           f"weighted by scheme maturity it is {format_gbp(cip['risk_adjusted_forecast'])}."]
    if pack.pipeline.unidentified_plan:
        out.append(f"{_gbp(pack.pipeline.unidentified_plan)} of the plan is still unidentified.")
    share = ratio(int(pack.money("cip", "recurrent_delivered") * 100), int(pack.money("cip", "delivered") * 100))
    if share is not None:
        out.append(f"{format_pct(share)} of CIP counted is recurrent; schemes started in {fy} have a full-year "
                   f"effect of {format_gbp(cip['fye_delivered'])}, of which {format_gbp(cip['carry_forward'])} "
                   f"carries forward into {calendar.fy_label(calendar.parse_fy(fy) + 1)}.")
    if pack.money("cip", "at_risk"):
        out.append(f"{format_gbp(cip['at_risk'])} has been delivered but cannot be counted until it is signed off, "
                   "quality-assessed or removed from budget.")
    return out


def _apart(pack: TrustPack) -> list[str]:
    non, towers, exc = pack.summary["non_cip"], pack.summary["towers"], pack.summary["exceptions"]
    out = [f"Cost avoidance of {format_gbp(non['cost_avoidance'])} and "
           f"{counted(non['non_financial_count'], 'non-financial benefit')} are reported beside CIP, never added to it."]
    if towers["contribution"] is None:
        out.append(f"No NHS Supply Chain contribution is recorded for {pack.period.fy}, so the towers are not "
                   "reconciled.")
    else:
        net = pack.money("towers", "net")
        side = "a net beneficiary by" if net >= 0 else "a net payer by"
        out.append(f"NHS Supply Chain: savings recognised {format_gbp(towers['recognised'])} against a contribution "
                   f"of {format_gbp(towers['contribution'])}, so the trust is {side} {format_gbp(abs(net))}.")
    out.append(f"{counted(exc['errors'], 'error')} and {counted(exc['warnings'], 'warning')} need attention; each is "
               "listed with its rule id and line in appendix A of the trust's board pack.")
    return out


def commentary(pack: TrustPack) -> list[str]:
    """Short sentences for the summary page: delivery and its drivers, outlook, what is kept apart."""
    return [*_delivery(pack), *_outlook(pack), *_apart(pack)]
