"""A trust's year in figures: the `summary` and `lines` JSON of DESIGN.md, built from figures.

`TrustYear` is the thin shell: frames, policy, figures and findings for one trust and as-at
date. Every output (CLI, pack, workbook) reads its numbers from here, so they agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from ledger import calendar, collector
from ledger.engine import eligibility as elig
from ledger.engine import status as st
from ledger.engine.figures import Figures, compute
from ledger.engine.findings import Finding, run_rules
from ledger.errors import LedgerError, OptionError
from ledger.frames import Frames, load_frames, trust_policy
from ledger.money import money_text
from ledger.policy import DEFAULT, Policy
from ledger.towers import TOWER_RULES, TowerRecon, reconcile


@dataclass(frozen=True)
class TrustYear:
    """Everything the outputs need for one trust, as known at `as_at`."""

    frames: Frames
    figures: Figures
    as_at: date | None

    @property
    def trust(self) -> str:
        return self.frames.trust["org_code"]

    @property
    def policy(self) -> Policy:
        return self.figures.policy

    @cached_property
    def findings(self) -> list[Finding]:
        return run_rules(self.figures, TOWER_RULES)

    def recon(self, fy: str) -> TowerRecon:
        return reconcile(self.frames, self.figures, fy)


def load_trust(engine: Engine, trust: str, as_at: date | None = None, base: Policy = DEFAULT) -> TrustYear:
    """Load and compute a trust (the one place the CLI and reports get figures from)."""
    frames = load_frames(engine, trust, as_at)
    return TrustYear(frames, compute(frames, trust_policy(frames, base)), as_at)


def default_as_at(fy: str, today: date) -> date:
    """The end of `fy`, or today while the year is still running."""
    return min(calendar.fy_bounds(fy)[1], today)


def known_by(as_at: date | None, today: date) -> date | None:
    """`as_at` if it has come: figures are as known on a day, so a later one is refused; and if the
    ledger holds it (`calendar.held`), as a register's dates must be: `--as-at` and the web's as-at
    dates all come through here."""
    if as_at is not None and as_at > today:
        raise LedgerError(f"as-at date {as_at} is in the future (today is {today}): figures are as known on a day "
                          "that has come")
    if as_at is not None:
        try:
            calendar.held(as_at)
        except ValueError as exc:
            raise OptionError(f"as-at date {exc}") from None
    return as_at


def _year(fig: Figures, fy: str) -> pd.DataFrame:
    y = fig.years[fig.years["fy"] == fy]
    return y.merge(fig.lines, on="line_id", how="left", suffixes=("", "_line")).set_index(y.index)


def net_forecast(y: pd.DataFrame) -> pd.DataFrame:
    """`y` with each line's forecast as every forecast total (the summary's, the pack's pipeline)
    takes it: net of its implementation costs (R-ELG-4), and nothing for a line that will never
    count (`never_counts`: a duplicate, forecast on the line it repeats, or a line stopped before
    it was validated)."""
    return y.assign(forecast=np.where(~y["never_counts"], y["forecast"] - y["impl_costs"], 0))


def risk_adjusted(y: pd.DataFrame, policy: Policy) -> int:
    """E7: Σ forecast x weight(maturity), validated lines at weight 1; rounded per line."""
    weights = {m: policy.weight(m) for m in pd.unique(y["maturity"])}
    total = 0
    for forecast, maturity, grade in zip(y["forecast"], y["maturity"], y["grade"], strict=True):
        w = policy.weight("validated") if grade == "A" else weights.get(maturity, Decimal(0))
        total += int((Decimal(int(forecast)) * w).quantize(Decimal(1), ROUND_HALF_UP))
    return total


def summary(ty: TrustYear, fy: str) -> dict:
    """`savings summary --json` exactly as DESIGN.md lists its keys; money as text."""
    fig = ty.figures
    y = _year(fig, fy)
    local_cash = y[y["cash_releasing"] & ~y["tower"]]
    local_cash = net_forecast(local_cash)
    start_year = calendar.parse_fy(fy)
    go_year = pd.to_datetime(y["go_live"]).dt.year - (pd.to_datetime(y["go_live"]).dt.month < 4)
    # R-DUP-1, R-REV-1: a duplicate repeats another line's saving and a stopped line no longer saves,
    # so neither carries anything into next year nor adds to the FYE delivered.
    carrying = local_cash[local_cash["duplicate_of"].isna() & (local_cash["stop_month"] == st.NEVER)]
    new_this_year = carrying[(go_year[carrying.index] == start_year)]
    nxt = fig.years[fig.years["fy"] == calendar.fy_label(start_year + 1)].set_index("line_id")["cip_plan"]
    carry = new_this_year[new_this_year["recurrent"]]["line_id"].map(nxt).fillna(0).sum()
    counted = new_this_year[(new_this_year["cip"] > 0) & new_this_year["recurrent"]]
    non_financial = y[~y["cash_releasing"] & y["benefit_type"].isin(elig.CASH_PATH_TYPES)]
    errors = sum(f.severity == "error" for f in ty.findings)
    warnings = sum(f.severity == "warning" for f in ty.findings)
    as_at = ty.as_at or calendar.fy_bounds(fy)[1]
    return {
        "trust": ty.trust, "fy": fy, "as_at": as_at.isoformat(), "policy_set": ty.policy.label(),
        "cip": {
            "plan": money_text(local_cash["cip_plan"].sum()),
            "delivered": money_text(y["cip"].sum()),
            "at_risk": money_text(y["at_risk"].sum()),
            "forecast": money_text(local_cash["forecast"].sum()),
            "risk_adjusted_forecast": money_text(risk_adjusted(local_cash, ty.policy)),
            "recurrent_delivered": money_text(y.loc[y["recurrent"], "cip"].sum()),
            "non_recurrent_delivered": money_text(y.loc[~y["recurrent"], "cip"].sum()),
            "fye_delivered": money_text(counted["fye"].sum()),
            "carry_forward": money_text(int(carry)),
        },
        "non_cip": {
            "cost_avoidance": money_text(y["cost_avoidance"].sum()),
            "non_financial_count": int(non_financial["line_id"].nunique()),
            "capital": money_text(y["capital"].sum()),
        },
        "implementation_costs": money_text(y["impl_costs"].sum()),
        "leakage": money_text(y["leakage"].sum()),
        "towers": ty.recon(fy).block(),
        "exceptions": {"errors": errors, "warnings": warnings},
    }


LINE_AMOUNTS = ("plan", "cip", "at_risk", "leakage", "cost_avoidance", "impl_costs")  # per FY in `lines --json`


def _money_texts(pence: np.ndarray) -> list[str]:
    """`money_text` of each amount (int64 pence), as a list; zero, most of them, is one shared "0.00".

    The same text as `money_text` (`-`, whole pounds, `.`, two digits), written from whole and
    part computed by numpy for the non-zero amounts only.
    """
    pence = np.asarray(pence, dtype=np.int64)
    out = ["0.00"] * len(pence)
    nonzero = np.flatnonzero(pence)
    magnitude = np.abs(pence[nonzero])
    sign = np.where(pence[nonzero] < 0, "-", "").tolist()
    for i, minus, whole, part in zip(nonzero.tolist(), sign, (magnitude // 100).tolist(),
                                     (magnitude % 100).tolist(), strict=True):
        out[i] = f"{minus}{whole}.{part:02d}"
    return out


def lines(ty: TrustYear) -> list[dict]:
    """`savings lines --json`: one object per line, amounts as maps from FY to money text."""
    with collector.paused():
        return _lines(ty)


def _lines(ty: TrustYear) -> list[dict]:
    """The objects of `lines`, built from plain lists (no pandas rows) with the collector paused."""
    fig = ty.figures
    years = fig.years
    shown = years[["plan", "cip_plan", "delivered", "cip", "at_risk", "leakage", "cost_avoidance",
                   "impl_costs"]].ne(0).any(axis=1) | years["has_actuals"].astype(bool)
    # Plain lists, not rows: nationally this writes a million amounts (DESIGN.md "Scale"). Rows
    # are sorted by line, so a line's years are one slice [start, end) of every list.
    y = years.loc[shown, ["line_id", "fy", "has_actuals", "delivered", *LINE_AMOUNTS]].sort_values(["line_id", "fy"])
    fys = y["fy"].tolist()
    text = {c: _money_texts(y[c].to_numpy(np.int64)) for c in LINE_AMOUNTS}
    actual = y["has_actuals"].to_numpy(bool)
    delivered_fys = [fy for fy, a in zip(fys, actual.tolist(), strict=True) if a]
    delivered = _money_texts(y["delivered"].to_numpy(np.int64)[actual])
    before = np.r_[0, np.cumsum(actual)].tolist()  # rows with actuals before each row
    ids = y["line_id"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(ids)][:len(starts)]
    bounds = dict(zip(ids[starts].tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True))
    rules: dict[str, list[str]] = {}
    for f in ty.findings:
        if f.line_id and f.rule_id not in rules.setdefault(f.line_id, []):
            rules[f.line_id].append(f.rule_id)
    facts = fig.lines[["line_id", "grade", "cash_releasing", "recurrent", "fye"]].sort_values("line_id")
    fye = _money_texts(facts["fye"].to_numpy(np.int64))
    plan, cip, at_risk, leakage, avoidance, costs = (text[c] for c in LINE_AMOUNTS)
    out = []
    for line_id, grade, cash, recurrent, fye_text in zip(
            facts["line_id"].tolist(), facts["grade"].tolist(), facts["cash_releasing"].tolist(),
            facts["recurrent"].tolist(), fye, strict=True):
        s, e = bounds.get(line_id, (0, 0))
        k, d, f = fys[s:e], before[s], before[e]
        out.append({
            "line_id": line_id, "grade": grade, "cash_releasing": bool(cash), "recurrent": bool(recurrent),
            "fye": fye_text, "plan": dict(zip(k, plan[s:e], strict=True)),
            "delivered": dict(zip(delivered_fys[d:f], delivered[d:f], strict=True)),
            "cip": dict(zip(k, cip[s:e], strict=True)), "at_risk": dict(zip(k, at_risk[s:e], strict=True)),
            "leakage": dict(zip(k, leakage[s:e], strict=True)),
            "cost_avoidance": dict(zip(k, avoidance[s:e], strict=True)),
            "implementation_costs": dict(zip(k, costs[s:e], strict=True)),  # R-ELG-4: taken off delivered for CIP
            "findings": rules.get(line_id, []),
        })
    return out


def line_table(ty: TrustYear, fy: str) -> pd.DataFrame:
    """One row per line for `fy` with facts and figures (for tables in the CLI and the reports)."""
    y = _year(ty.figures, fy)
    keep = ["line_id", "scheme_id", "benefit_type", "grade", "cash_releasing", "recurrent", "fye", "plan",
            "delivered", "cip", "at_risk", "leakage", "cost_avoidance", "forecast", "removed", "impl_costs"]
    return y[keep].sort_values("line_id").reset_index(drop=True).astype({"fye": np.int64})
