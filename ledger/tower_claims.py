"""Why NHS Supply Chain's claimed savings differ from the savings this ledger recognises (6.2, E8).

NHSSC's statement gives one claimed amount per tower; the ledger recognises only tower lines
that pass the CIP rules (R-DUP-4). The difference `claimed - recognised` is itemised, per tower
and per line, into reasons that add up to it exactly:

- each tower-attributed line's own view of its saving in the year (the contract-term amount, the
  way a supplier statement counts it) is split into what was recognised and why the rest was not:
  capital, cost avoidance, outside the year (beyond the claim window), actuals below plan,
  duplicate, not yet validated;
- a local line bought through a tower contract (route `nhssc` or `tower_enabled`) is assumed to be
  in NHSSC's claim too, and is itemised as a duplicate of a local scheme: it counts in local CIP;
- whatever of the claim is left has no tower line behind it: "no trust baseline". When the lines
  add up to more than NHSSC claimed, the remainder is negative and labelled "not in NHSSC's claim".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledger.engine.figures import Figures

REASONS: tuple[tuple[str, str, str], ...] = (
    ("capital", "capital: never I&E or CIP", "R-ELG-5"),
    ("cost_avoidance", "cost avoidance or other non-cash benefit", "R-ELG-2"),
    ("outside_year", "outside the year: beyond the claim window", "R-TIM-3"),
    ("actuals_below_plan", "actual volumes, prices and implementation costs against plan", "R-ACT-1"),
    ("duplicate_local", "duplicate of a local scheme (or of another line)", "R-DUP-4"),
    ("not_validated", "not yet counted: sign-off, QIA or budget removal pending", "R-ELG-1"),
    ("no_trust_baseline", "no trust baseline: claimed with no matching tower line", "R-BAS-1"),
    ("not_in_claim", "recorded on tower lines but not in NHSSC's claim", "R-BAS-1"),
)
LABELS = {key: label for key, label, _ in REASONS}
RULE_IDS = {key: rule for key, _, rule in REASONS}


@dataclass(frozen=True)
class Item:
    """One itemised amount (pence): a line's share of the difference, or a tower's residual (no line)."""

    tower_code: str
    reason: str
    amount: int
    line_id: str = ""


def line_views(fig: Figures, fy: str) -> pd.DataFrame:
    """Per line in `fy`: tower code, the claim-view amount, what was recognised and the reason split.

    Only tower-attributed lines and local lines on a tower contract take part. For a
    cash-releasing tower line the part beyond the claim window is "outside the year"; of the
    rest, a duplicate or a line that cannot count yet (sign-off, QIA) leaves whole, and a line
    that counts leaves the shortfall of actuals against plan and any budget removal not made.
    """
    f = fig.lines.set_index("line_id")
    y = fig.years[fig.years["fy"] == fy].set_index("line_id")
    facts = f.reindex(y.index)
    tower = facts["tower"].to_numpy(bool)
    via_tower = (facts["tower_code"].fillna("") != "").to_numpy() & (
        (facts["route"] == "nhssc").to_numpy() | facts["tower_enabled"].fillna(False).astype(bool).to_numpy()
    )
    keep = tower | via_tower
    y, facts, tower = y[keep], facts[keep], tower[keep]
    kind = facts["benefit_type"].to_numpy()
    cash = facts["cash_releasing"].to_numpy(bool)
    dup = facts["duplicate_of"].notna().to_numpy()
    eligible = facts["eligible"].to_numpy(bool)
    gross = y["claimed"].to_numpy(np.int64)
    counted = y["tower_recognised"].to_numpy(np.int64)
    cip_plan, net = y["cip_plan"].to_numpy(np.int64), y["net"].to_numpy(np.int64)
    capital = tower & (kind == "CAPITAL")
    non_cash = tower & ~cash & ~capital
    live = tower & cash
    zero = np.zeros(len(y), dtype=np.int64)
    out = pd.DataFrame(
        {
            "line_id": y.index.to_numpy(),
            "tower_code": facts["tower_code"].fillna("").to_numpy(),
            "gross": gross,
            "recognised": counted,
            "capital": np.where(capital, gross, zero),
            "cost_avoidance": np.where(non_cash, gross, zero),
            "outside_year": np.where(live, gross - cip_plan, zero),
            "actuals_below_plan": np.where(live & eligible, cip_plan - net, zero),
            "duplicate_local": np.where(~tower, gross, np.where(live & dup, cip_plan, zero)),
            "not_validated": np.where(live & ~dup, np.where(eligible, net - counted, cip_plan), zero),
        }
    )
    return out.sort_values(["tower_code", "line_id"]).reset_index(drop=True)


def itemise(views: pd.DataFrame, claimed: dict[str, int], codes: list[str]) -> tuple[Item, ...]:
    """Every amount that explains `claimed[k] - recognised[k]` for each tower code in `codes`.

    `views` is `line_views(...)` for the year: its reason columns become one item per line and
    non-zero reason, and each tower's remainder one item without a line.
    """
    line_reasons = [key for key, _, _ in REASONS[:6]]
    views = views[views["tower_code"].isin(codes)]
    long = views.melt(id_vars=["tower_code", "line_id"], value_vars=line_reasons, var_name="reason")
    long = long[long["value"] != 0]
    order = {code: i for i, code in enumerate(codes)}
    rank = {key: i for i, key in enumerate(line_reasons)}
    long = long.assign(o=long["tower_code"].map(order), r=long["reason"].map(rank)).sort_values(["o", "line_id", "r"])
    by_line = {code: [] for code in codes}
    for code, reason, value, line_id in zip(long["tower_code"], long["reason"], long["value"], long["line_id"],
                                            strict=True):
        by_line[code].append(Item(code, reason, int(value), line_id))
    gross = views.groupby("tower_code")["gross"].sum()
    items: list[Item] = []
    for code in codes:
        items.extend(by_line[code])
        residual = int(claimed.get(code, 0)) - int(gross.get(code, 0))
        if residual:
            items.append(Item(code, "no_trust_baseline" if residual > 0 else "not_in_claim", residual))
    return tuple(items)


def by_reason(items: tuple[Item, ...], code: str | None = None) -> dict[str, int]:
    """Σ of the items per reason (for one tower, or all), every reason present, in REASONS order."""
    totals = dict.fromkeys(LABELS, 0)
    for item in items:
        if code is None or item.tower_code == code:
            totals[item.reason] += item.amount
    return totals
