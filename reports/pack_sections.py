"""The board pack's sections as data: pure functions from a computed trust to the figures shown.

DOMAIN.md section 9 lists what a board pack holds. Each function here builds one section from a
`TrustYear` (and, where a section needs the trust as it was at an earlier month end, from
figures the caller computed), with no database or file access, so tests call them directly.
Every total that also appears in the JSON summary is taken from it or adds up to it exactly:
the pack is checked against `savings summary --json` to the penny. Amounts are integer pence.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
import pandas as pd

from ledger import calendar
from ledger.engine import bridge as bridge_mod
from ledger.engine import status
from ledger.engine.figures import Figures
from ledger.engine.summary import TrustYear, net_forecast, risk_adjusted
from ledger.towers import ratio

MATURITIES = ("fully_developed", "in_progress", "opportunity", "unidentified")
RAGS = ("Blue", "Green", "Amber", "Red")
TOP_DRIVERS = 5
TOP_AWAITING = 10


def fy_months(fy: str) -> list[int]:
    """The twelve month indexes of a financial year, M1 (April) first."""
    first = calendar.month_index(calendar.fy_bounds(fy)[0])
    return list(range(first, first + 12))


def year_with_facts(fig: Figures, fy: str) -> pd.DataFrame:
    """One row per line with figures in `fy`: the year's amounts beside the line's facts."""
    return fig.years[fig.years["fy"] == fy].merge(fig.lines, on="line_id", how="left", suffixes=("", "_line"))


def local_cash(ty: TrustYear, fy: str) -> pd.DataFrame:
    """The lines that make up the CIP plan: cash-releasing and not tower-attributed, with their FY figures."""
    y = year_with_facts(ty.figures, fy)
    return y[y["cash_releasing"] & ~y["tower"]]


def counted(fig: Figures, fy: str) -> int:
    """CIP counted in `fy` for a computed trust: Σ cip, as the summary's `cip.delivered`."""
    return int(fig.years.loc[fig.years["fy"] == fy, "cip"].sum())


@dataclass(frozen=True)
class Monthly:
    """Per month of the year: plan and forecast (every month) and CIP counted at each month end so far."""

    months: tuple[int, ...]
    plan: tuple[int, ...]
    forecast: tuple[int, ...]
    counted: tuple[int, ...]

    def cumulative(self, name: str) -> list[int]:
        return [int(v) for v in np.cumsum(getattr(self, name))] if getattr(self, name) else []


def monthly(ty: TrustYear, fy: str, counted_by_month_end: list[int]) -> Monthly:
    """Plan and forecast per month of `fy` for the CIP lines; `counted_by_month_end` is cumulative.

    The forecast adds up over the year to the summary's: nothing for a line that will never count
    (a duplicate, R-DUP-1, or a line stopped before it was validated), and a line's implementation
    costs taken off in its go-live month (R-ELG-4).
    """
    cash = local_cash(ty, fy)
    live = cash[~cash["never_counts"]]
    months = fy_months(fy)
    m = ty.figures.months
    m = m[m["fy"] == fy]
    plan = m[m["line_id"].isin(cash["line_id"])].groupby("month")["cip_plan"].sum().reindex(months, fill_value=0)
    forecast = m[m["line_id"].isin(live["line_id"])].groupby("month")["forecast"].sum().reindex(months, fill_value=0)
    go = pd.to_datetime(live["go_live"])
    costs = live["impl_costs"].groupby(go.dt.year * 12 + go.dt.month - 1).sum().reindex(months, fill_value=0)
    in_month = np.diff([0, *counted_by_month_end]).tolist()
    return Monthly(tuple(months), tuple(int(v) for v in plan), tuple(int(v) for v in forecast - costs),
                   tuple(int(v) for v in in_month))


def recurrent_forecast(ty: TrustYear, fy: str) -> int:
    """Forecast outturn of the recurrent CIP lines (the recurrent share of forecast, section 9 item 3),
    taken as the summary's forecast is (`net_forecast`)."""
    cash = net_forecast(local_cash(ty, fy))
    return int(cash.loc[cash["recurrent"], "forecast"].sum())


@dataclass(frozen=True)
class Reason:
    """One reason the CIP counted differs from plan: label, rule id and pence (positive = shortfall)."""

    label: str
    rule_id: str
    amount: int


@dataclass(frozen=True)
class Driver:
    """A scheme's part in the year-to-date variance and the reason that weighs most in it."""

    scheme_id: str
    title: str
    plan: int
    counted: int
    reason: str

    @property
    def variance(self) -> int:
        return self.counted - self.plan


@dataclass(frozen=True)
class Variance:
    """Year-to-date plan against counted CIP, split by reason (rule) and by scheme."""

    plan: int
    counted: int
    reasons: tuple[Reason, ...]
    drivers: tuple[Driver, ...]
    others: Driver | None

    @property
    def variance(self) -> int:
        return self.counted - self.plan


def variance(ty: TrustYear, fy: str, period: int) -> Variance:
    """YTD plan vs counted with its drivers (section 9 item 1).

    The bridge of `ledger.engine.bridge` is run with each CIP line's plan cut to the months up
    to `period`, so every pound of YTD shortfall leaves at exactly one step, with the rule that
    stopped it; the reasons add up to plan - counted, line by line and in total.
    """
    cash = local_cash(ty, fy)
    m = ty.figures.months
    ytd = m[(m["fy"] == fy) & (m["month"] <= period)].groupby("line_id")["cip_plan"].sum()
    years = cash[["line_id", *ty.figures.years.columns.drop("line_id")]].copy()
    years["cip_plan"] = years["line_id"].map(ytd).fillna(0).astype(np.int64).to_numpy()
    years["claimed"] = years["cip_plan"]
    steps = bridge_mod.line_steps(replace(ty.figures, years=years), fy)
    reasons = tuple(Reason(label, rule, int(steps[label].sum())) for label, rule in bridge_mod.REASONS
                    if steps[label].any())
    labels = [label for label, _ in bridge_mod.REASONS]
    steps["scheme_id"] = steps["line_id"].map(ty.figures.lines.set_index("line_id")["scheme_id"])
    by_scheme = steps.groupby("scheme_id")[["claimed", "cip", *labels]].sum()
    titles = ty.frames.schemes.set_index("scheme_id")["title"]
    order = (by_scheme["cip"] - by_scheme["claimed"]).abs().sort_values(ascending=False, kind="stable")
    drivers = []
    for scheme_id in order.index[:TOP_DRIVERS]:
        row = by_scheme.loc[scheme_id]
        if row["cip"] == row["claimed"]:
            continue
        main = row[labels].astype(np.int64).idxmax() if row["cip"] < row["claimed"] else "ahead of plan"
        drivers.append(Driver(str(scheme_id), str(titles.get(scheme_id, "")), int(row["claimed"]), int(row["cip"]),
                              main))
    rest = by_scheme.drop(index=[d.scheme_id for d in drivers])
    others = (Driver("", f"all other schemes ({len(rest)})", int(rest["claimed"].sum()), int(rest["cip"].sum()), "")
              if len(rest) and (rest["claimed"].sum() or rest["cip"].sum()) else None)
    return Variance(int(steps["claimed"].sum()), int(steps["cip"].sum()), reasons, tuple(drivers), others)


def rag(plan: int, forecast: int, maturity: str, all_grade_a: bool, thresholds: tuple[Decimal, Decimal]) -> str:
    """The default RAG of DOMAIN.md section 8, for one scheme.

    Blue: validated and budget removed (every CIP line Grade A). Red: forecast below the lower
    threshold of plan, or only an opportunity or unidentified. Green: forecast at or above the
    upper threshold and fully developed. Amber: the rest (in between, or plans in progress).
    """
    if all_grade_a:
        return "Blue"
    high, low = thresholds
    share = Decimal(forecast) / Decimal(plan) if plan else Decimal(1 if forecast >= 0 else 0)
    if share < low or maturity in {"opportunity", "unidentified"}:
        return "Red"
    if share >= high and maturity == "fully_developed":
        return "Green"
    return "Amber"


@dataclass(frozen=True)
class PipelineRow:
    """One maturity: how many schemes, their plan, forecast, risk-adjusted forecast and forecast by RAG."""

    maturity: str
    schemes: int
    plan: int
    forecast: int
    risk_adjusted: int
    by_rag: tuple[int, ...]


@dataclass(frozen=True)
class Awaiting:
    """Lines held back from CIP by one missing step: how many, their forecast and what is at risk."""

    step: str
    rule_id: str
    lines: int
    schemes: int
    forecast: int
    at_risk: int


@dataclass(frozen=True)
class Pipeline:
    rows: tuple[PipelineRow, ...]
    awaiting: tuple[Awaiting, ...]
    schemes_awaiting: tuple[tuple[str, str, int, str], ...]  # scheme, title, forecast, what it waits for
    unidentified_plan: int


def pipeline(ty: TrustYear, fy: str) -> Pipeline:
    """Section 9 item 5: the pipeline by maturity and RAG, and what schemes are waiting for; forecasts
    net of implementation costs (R-ELG-4), so the rows add up to the summary's forecast."""
    cash = net_forecast(local_cash(ty, fy))
    policy = ty.policy
    per = cash.groupby("scheme_id").agg(plan=("cip_plan", "sum"), forecast=("forecast", "sum"),
                                        maturity=("maturity", "first"), all_a=("grade", lambda g: (g == "A").all()))
    per["rag"] = [rag(int(r.plan), int(r.forecast), r.maturity, bool(r.all_a), policy.rag_thresholds)
                  for r in per.itertuples()]
    rows = []
    for maturity in [*MATURITIES, *sorted(set(per["maturity"]) - set(MATURITIES))]:
        group = per[per["maturity"] == maturity]
        lines = cash[cash["maturity"] == maturity]
        if group.empty:
            continue
        by_rag = tuple(int(group.loc[group["rag"] == r, "forecast"].sum()) for r in RAGS)
        rows.append(PipelineRow(maturity or "not recorded", len(group), int(group["plan"].sum()),
                                int(group["forecast"].sum()), risk_adjusted(lines, policy), by_rag))
    # R-DUP-1: no step would make a duplicate count; nor a stopped line, which takes no further step (R-GOV-1)
    waiting = cash["duplicate_of"].isna() & ~cash["status"].isin(status.STOPPED)
    steps = (("QIA approval", "R-GOV-2", waiting & ~cash["qia_ok"]),
             ("sign-off (budget holder and finance)", "R-ELG-1", waiting & ~cash["validated"]),
             ("budget removal", "R-ELG-1a", waiting & cash["validated"] & cash["qia_ok"] & (
                 ~cash["has_budget"] | (cash["at_risk"] > 0))))
    awaiting = tuple(Awaiting(step, rule, int(mask.sum()), int(cash.loc[mask, "scheme_id"].nunique()),
                              int(cash.loc[mask, "forecast"].sum()), int(cash.loc[mask, "at_risk"].sum()))
                     for step, rule, mask in steps)
    waits: dict[str, list[str]] = {}
    for step, _, mask in steps:
        for scheme_id in pd.unique(cash.loc[mask, "scheme_id"]):
            waits.setdefault(scheme_id, []).append(step.split(" (")[0])
    titles = ty.frames.schemes.set_index("scheme_id")["title"]
    biggest = sorted(waits, key=lambda s: (-int(per.loc[s, "forecast"]), s))[:TOP_AWAITING]
    schemes = tuple((s, str(titles.get(s, "")), int(per.loc[s, "forecast"]), ", ".join(waits[s])) for s in biggest)
    unidentified = int(cash.loc[cash["maturity"] == "unidentified", "cip_plan"].sum())
    return Pipeline(tuple(rows), awaiting, schemes, unidentified)


@dataclass(frozen=True)
class CategoryRow:
    """Savings in one category: local CIP plan and counted, tower-recognised, and cost avoidance apart."""

    category: str
    plan: int
    counted: int
    tower: int
    avoidance: int


def categories(ty: TrustYear, fy: str) -> tuple[CategoryRow, ...]:
    """Section 9 item 6: savings by category, local CIP beside tower-recognised savings.

    The columns add up to the summary's `cip.plan`, `cip.delivered`, `towers.recognised` and
    `non_cip.cost_avoidance`; a line without a category is shown as "Uncategorised".
    """
    y = year_with_facts(ty.figures, fy)
    local = y["cash_releasing"] & ~y["tower"]
    frame = pd.DataFrame({"category": y["category"].replace("", "Uncategorised").fillna("Uncategorised"),
                          "plan": np.where(local, y["cip_plan"], 0), "counted": y["cip"],
                          "tower": y["tower_recognised"], "avoidance": y["cost_avoidance"]})
    sums = frame.groupby("category")[["plan", "counted", "tower", "avoidance"]].sum()
    sums = sums[(sums != 0).any(axis=1)].sort_values(["plan", "tower"], ascending=False, kind="stable")
    return tuple(CategoryRow(str(c), int(r.plan), int(r.counted), int(r.tower), int(r.avoidance))
                 for c, r in sums.iterrows())


@dataclass(frozen=True)
class Assurance:
    """Section 9 item 10: leakage, reversals and cost pressures, evidence, exceptions by rule."""

    leakage: int
    leakage_share: str | None  # leakage / (delivered + leakage): the saving lost to off-contract prices
    stopped_lines: int
    cost_pressure: int
    ahead_lines: int
    ahead: int
    evidenced: int  # cash-releasing lines with an evidence row
    evidence_stored: int  # of those, lines with a file in the evidence store (hashed, re-checked by audit verify)
    evidence_due: int
    by_rule: tuple[tuple[str, str, int], ...]  # rule id, severity, count

    @property
    def evidence_share(self) -> str | None:
        return ratio(self.evidenced, self.evidence_due)


def assurance(ty: TrustYear, fy: str) -> Assurance:
    """Leakage share, reversals and their cost pressure, budget removed ahead of delivery,
    evidence completeness and exception counts.

    R-REV-1: a line reversed, withdrawn or rejected stops counting from its stop month, and the
    budget already removed for the months after it is a cost pressure (the engine's
    `cost_pressure`). Separately, budget removed in `fy` beyond the cash a line is forecast to
    release (net of its costs; none for a line that is not cash-releasing or repeats another,
    R-ELG-2, R-DUP-1) is removed ahead of delivery: the budget will be overspent unless it comes.
    A recurrent line goes on releasing cash after its CIP claim window (R-TIM-3), to the end of its
    contract, so its months beyond the window count at the contract-term plan (`claimed`), as the
    budget it removes for them does (R-ELG-1a: the recurrent budget is cut by the FYE).
    """
    fig = ty.figures
    y = year_with_facts(fig, fy)
    leakage, delivered = int(y["leakage"].sum()), int(y["delivered"].sum())
    stopped = y["stop_month"] != status.NEVER
    running = ~stopped & (y["removed"] > 0)
    beyond_window = (y["claimed"] - y["cip_plan"]).clip(lower=0).where(y["duplicate_of"].isna(), 0)
    cash = (net_forecast(y)["forecast"] + beyond_window).where(y["cash_releasing"], 0)  # a non-cash line: none
    ahead = (y["removed"] - cash).clip(lower=0).where(running, 0)
    due = y[y["cash_releasing"]]["line_id"]
    evidence = ty.frames.evidence
    evidenced = int(due.isin(evidence["line_id"]).sum())
    stored = int(due.isin(evidence.loc[evidence["sha256"] != "", "line_id"]).sum())
    counts: dict[tuple[str, str], int] = {}
    for f in ty.findings:
        if f.severity != "info":
            counts[(f.rule_id, f.severity)] = counts.get((f.rule_id, f.severity), 0) + 1
    by_rule = tuple((rule, sev, n) for (rule, sev), n in sorted(counts.items(), key=lambda kv: (kv[0][1], -kv[1])))
    return Assurance(leakage, ratio(leakage, delivered + leakage), int(y.loc[stopped, "line_id"].nunique()),
                     int(y["cost_pressure"].sum()), int((ahead > 0).sum()), int(ahead.sum()), evidenced, stored,
                     len(due), by_rule)
