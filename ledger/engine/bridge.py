"""The savings bridge: from what procurement claimed (contract term) down to CIP delivered.

Each pound leaves the bridge at exactly one step, with the rule that stopped it, so the steps
add up: claimed - Σ steps = CIP delivered, for every line and so for the trust.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger.engine import eligibility as elig
from ledger.engine.figures import Figures


@dataclass(frozen=True)
class Step:
    """One reason on the bridge: label, rule id and the pence it takes away."""

    reason: str
    rule_id: str
    amount: int


REASONS = (
    ("beyond the claim window", "R-TIM-3"),
    ("capital, income or non-efficiency", "R-ELG-5"),
    ("not cash-releasing (cost avoidance, non-financial)", "R-ELG-2"),
    ("attributed to an NHS Supply Chain tower", "R-DUP-4"),
    ("duplicate of another line", "R-DUP-1"),
    ("volume and timing against plan", "R-ACT-1"),
    ("leakage (paid above contract price)", "R-LEA-1"),
    ("implementation costs (up to the year's delivery)", "R-ELG-4"),
    ("not signed off", "R-ELG-1"),
    ("QIA missing", "R-GOV-2"),
    ("no budget removal", "R-ELG-1a"),
    ("budget removal short", "R-ELG-1a"),
)


def line_steps(fig: Figures, fy: str) -> pd.DataFrame:
    """Per line for `fy`: claimed, each step's deduction (columns named by reason) and cip."""
    y = fig.years[fig.years["fy"] == fy]
    f = fig.lines.set_index("line_id").reindex(y["line_id"])
    kind = f["benefit_type"].to_numpy()
    cash = f["cash_releasing"].to_numpy()
    separate = np.isin(kind, list(elig.SEPARATE_TYPES))
    non_cash = ~cash & ~separate
    tower = cash & f["tower"].to_numpy()
    dup = cash & ~tower & f["duplicate_of"].notna().to_numpy()
    live = cash & ~tower & ~dup
    validated = f["validated"].to_numpy()
    qia = f["qia_ok"].to_numpy()
    has_budget = f["has_budget"].to_numpy()
    plan, delivered, leak = y["cip_plan"].to_numpy(), y["delivered"].to_numpy(), y["leakage"].to_numpy()
    net = np.maximum(delivered - y["impl_costs"].to_numpy(), 0)  # costs beyond delivery are not negative CIP
    cip = y["cip"].to_numpy()
    eligible = live & validated & qia
    amounts = [
        y["claimed"].to_numpy() - plan,
        np.where(separate, plan, 0),
        np.where(non_cash, plan, 0),
        np.where(tower, plan, 0),
        np.where(dup, plan, 0),
        np.where(live, plan - delivered - leak, 0),
        np.where(live, leak, 0),
        np.where(live, delivered - net, 0),
        np.where(live & ~validated, net, 0),
        np.where(live & validated & ~qia, net, 0),
        np.where(eligible & ~has_budget, net, 0),
        np.where(eligible & has_budget, net - cip, 0),
    ]
    out = pd.DataFrame({"line_id": y["line_id"].to_numpy(), "claimed": y["claimed"].to_numpy()})
    for (reason, _), amount in zip(REASONS, amounts, strict=True):
        out[reason] = amount
    out["cip"] = cip
    return out


def bridge(fig: Figures, fy: str) -> tuple[int, list[Step], int]:
    """Trust totals: (claimed, steps, cip delivered) for `fy`."""
    per_line = line_steps(fig, fy)
    steps = [Step(reason, rule, int(per_line[reason].sum())) for reason, rule in REASONS]
    return int(per_line["claimed"].sum()), steps, int(per_line["cip"].sum())
