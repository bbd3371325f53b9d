"""NHS Supply Chain tower reconciliation per trust and year (DOMAIN.md 6.2, E8).

Contribution C (an input with its source, or flagged as an estimate) is allocated to towers pro
rata to spend; local savings foregone L comes from an evidenced rate and is shown as "not
configured" when there is none, never silently zero. Recognised savings are the tower-attributed
lines that pass the same rules as CIP (R-DUP-4), so nothing is in both totals.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from ledger import calendar
from ledger.allocate import allocate
from ledger.engine.figures import Figures
from ledger.frames import Frames


@dataclass(frozen=True)
class TowerRow:
    """One tower's reconciliation (pence; `local_foregone` None when L is not configured)."""

    tower_code: str
    spend: int
    contribution: int
    local_foregone: int | None
    recognised: int
    claimed: int

    @property
    def target(self) -> int:
        return self.contribution + (self.local_foregone or 0)

    @property
    def gap(self) -> int:
        return self.recognised - self.target

    @property
    def net(self) -> int:
        return self.recognised - self.contribution


@dataclass(frozen=True)
class TowerRecon:
    """The trust's reconciliation for one year: rows per tower and how C and L were found."""

    fy: str
    contribution: int | None
    contribution_basis: str
    local_rate: Decimal | None
    local_rate_basis: str
    rows: tuple[TowerRow, ...]

    def total(self, field: str) -> int | None:
        values = [getattr(r, field) for r in self.rows]
        if field == "local_foregone" and self.local_rate is None:
            return None
        return sum(v or 0 for v in values)


def ratio(numerator: int | None, denominator: int | None) -> str | None:
    """A ratio as text with four decimals (`0.8500`), None when undefined."""
    if numerator is None or not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def local_rate(frames: Frames, fig: Figures, fy: str) -> tuple[Decimal | None, str]:
    """r_local (DOMAIN 6.2) under `local_savings_rate_source`, with a sentence saying where it came from."""
    policy = fig.policy
    if policy.local_savings_rate_source == "fixed":
        if policy.local_savings_rate is None:
            return None, "L not configured: policy says fixed but gives no local_savings_rate"
        return policy.local_savings_rate, f"fixed rate {policy.local_savings_rate} (policy)"
    prior = calendar.fy_label(calendar.parse_fy(fy) - 1)
    act = frames.activity[frames.activity["fy"] == prior]
    spend = frames.tower_spend[frames.tower_spend["fy"] == prior]["spend_pence"].sum()
    lines = fig.lines
    validated_local = lines[(lines["grade"] == "A") & ~lines["tower"]]
    go_fy = pd.to_datetime(validated_local["go_live"]).map(lambda d: calendar.fy_of(d.date()))
    fye = int(validated_local.loc[go_fy == prior, "fye"].sum())
    if act.empty or fye == 0:
        return None, f"L not configured: no validated local savings or non-pay spend for {prior}"
    addressable = int(act["non_pay_pence"].iloc[0]) - int(spend)
    if addressable <= 0:
        return None, f"L not configured: no local addressable spend for {prior}"
    rate = (Decimal(fye) / Decimal(addressable)).quantize(Decimal("0.000001"), ROUND_HALF_UP)
    return rate, f"evidenced {prior} local rate: validated local FYE / local addressable non-pay spend"


def reconcile(frames: Frames, fig: Figures, fy: str) -> TowerRecon:
    """E8: contribution, allocation, L, recognised and claimed per tower for `fy`."""
    contrib = frames.contribution[frames.contribution["fy"] == fy]
    c_total = int(contrib["amount_pence"].iloc[0]) if not contrib.empty else None
    basis = (f"{contrib['basis'].iloc[0]}: {contrib['source_ref'].iloc[0]}".rstrip(": ")
             if not contrib.empty else "no contribution recorded")
    spend = frames.tower_spend[frames.tower_spend["fy"] == fy].set_index("tower_code")["spend_pence"]
    claimed = frames.tower_statements[frames.tower_statements["fy"] == fy].set_index("tower_code")["claimed_pence"]
    y = fig.years[fig.years["fy"] == fy]
    towers_of = fig.lines.set_index("line_id")["tower_code"]
    recognised = y.groupby(towers_of.reindex(y["line_id"]).to_numpy())["tower_recognised"].sum()
    recognised = recognised[recognised != 0]
    codes = sorted(set(spend.index) | set(claimed.index) | set(recognised.index))
    spends = [int(spend.get(k, 0)) for k in codes]
    shares = allocate(c_total or 0, spends)
    rate, rate_basis = local_rate(frames, fig, fy)
    rows = tuple(
        TowerRow(k, s, c, None if rate is None else int((Decimal(s) * rate).quantize(Decimal(1), ROUND_HALF_UP)),
                 int(recognised.get(k, 0)), int(claimed.get(k, 0)))
        for k, s, c in zip(codes, spends, shares, strict=True))
    return TowerRecon(fy, c_total, basis, rate, rate_basis, rows)
