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
        out.append(f"{format_pct(share)} of CIP counted is recurrent. Recurrent schemes started in {fy} carry "
                   f"{format_gbp(cip['carry_forward'])} of planned savings into "
                   f"{calendar.fy_label(calendar.parse_fy(fy) + 1)}; those of them that have counted CIP have a "
                   f"full-year effect of {format_gbp(cip['fye_delivered'])}.")
    if pack.money("cip", "at_risk"):
        out.append(f"{format_gbp(cip['at_risk'])} has been delivered but cannot be counted until it is signed off, "
                   "quality-assessed or removed from budget.")
    return out


def _apart(pack: TrustPack) -> list[str]:
    non, towers, exc = pack.summary["non_cip"], pack.summary["towers"], pack.summary["exceptions"]
    out = [f"Cost avoidance planned for the year, {format_gbp(non['cost_avoidance'])}, and "
           f"{counted(non['non_financial_count'], 'non-financial benefit')} are kept beside CIP, never added to it."]
    if towers["contribution"] is None:
        out.append(f"No NHS Supply Chain contribution is recorded for {pack.period.fy}, so the towers are not "
                   "reconciled.")
    else:
        net = pack.money("towers", "net")
        side = "a net beneficiary by" if net >= 0 else "a net payer by"
        recognised, contribution = format_gbp(towers["recognised"]), format_gbp(towers["contribution"])
        if pack.period.as_at < calendar.fy_bounds(pack.period.fy)[1]:  # the contribution is the whole year's
            out.append(f"NHS Supply Chain: savings recognised so far {recognised} against the year's contribution "
                       f"of {contribution}, so the trust is so far {side} {format_gbp(abs(net))}.")
        else:
            out.append(f"NHS Supply Chain: savings recognised {recognised} against a contribution of {contribution}, "
                       f"so the trust is {side} {format_gbp(abs(net))}.")
    out.append(f"{counted(exc['errors'], 'error')} and {counted(exc['warnings'], 'warning')} need attention: "
               "appendix A of the trust's pack lists each with its rule and line.")
    return out


def commentary(pack: TrustPack) -> list[str]:
    """Short sentences for the summary page: delivery and its drivers, outlook, what is kept apart."""
    return [*_delivery(pack), *_outlook(pack), *_apart(pack)]
