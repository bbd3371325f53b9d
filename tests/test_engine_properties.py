"""Invariants of the counting engine, for any ledger hypothesis can think of.

- a saving is never counted twice: the bridge takes every claimed pound out exactly once, and
  the trust's CIP is the sum of its lines' CIP;
- CIP delivered never exceeds the budget removed, line by line and year by year;
- a recurrent line's plan months add up to its FYE exactly.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.engine.bridge import bridge
from ledger.engine.figures import compute
from ledger.engine.summary import TrustYear, summary
from ledger.frames import Frames, frames_from_records
from ledger.policy import DEFAULT

TYPES = ["PRICE_REDUCTION", "PRODUCT_SWITCH", "REBATE", "COST_AVOIDANCE_TENDER", "CAPITAL", "WASTE",
         "COST_AVOIDANCE_PRICE_INCREASE"]

line_st = st.fixed_dictionaries({
    "p0": st.integers(1, 50_000_000), "cut": st.integers(0, 100), "volume": st.integers(1, 10_000_000),
    "go": st.integers(0, 700), "kind": st.sampled_from(TYPES), "tower": st.booleans(),
    "signed": st.sampled_from(["both", "one", "self"]), "budget": st.sampled_from([None, 0, 50, 100, 150]),
    "budget_recurrent": st.booleans(), "costs": st.integers(0, 500_000), "product": st.integers(0, 3),
    "contract_days": st.one_of(st.none(), st.integers(20, 900)),
    "actuals": st.lists(st.tuples(st.integers(0, 14), st.integers(1, 5000), st.integers(-20, 20)), max_size=6),
})


def frames_for(specs: list[dict]) -> Frames:
    start = date(2025, 1, 1)
    lines, actuals, budgets, signoffs, contracts = [], [], [], [], []
    for i, s in enumerate(specs):
        lid, go = f"L{i}", start + timedelta(days=s["go"])
        p1 = s["p0"] * (100 - s["cut"]) // 100
        lines.append({"line_id": lid, "scheme_id": "S1", "contract_id": f"C{i}", "product_code": f"P{s['product']}",
                      "cost_centre": "CC", "subjective": "non_pay", "benefit_type": s["kind"],
                      "attribution": "tower" if s["tower"] else "local", "tower_enabled": False,
                      "baseline_micro": s["p0"], "new_micro": p1, "annual_volume_milli": s["volume"],
                      "baseline_volume_milli": None, "activity_factor_ppm": None, "growth_funded": None,
                      "go_live": go, "end_date": None, "one_off_costs_pence": s["costs"], "created_by": "Creator"})
        end = None if s["contract_days"] is None else go + timedelta(days=s["contract_days"])
        contracts.append({"contract_id": f"C{i}", "route": "local", "tower_code": "T1" if s["tower"] else "",
                          "end_date": end})
        month0 = go.year * 12 + go.month - 1
        for offset, vol, delta in s["actuals"]:
            actuals.append({"line_id": lid, "month": month0 + offset, "volume_milli": vol * 1000,
                            "price_micro": max(p1 + delta * 1000, 0)})
        if s["budget"] is not None:
            annual = (s["p0"] - p1) * s["volume"] // 10_000_000
            budgets.append({"line_id": lid, "amount_pence": annual * s["budget"] // 100,
                            "recurrent": s["budget_recurrent"], "effective_from": go})
        people = {"both": ("Holder", "Finance"), "one": ("Holder", None), "self": ("Creator", "Finance")}[s["signed"]]
        signoffs += [{"line_id": lid, "role": role, "person": who, "decision": "approve", "date": go}
                     for role, who in zip(("budget_holder", "finance"), people, strict=True) if who]
    return frames_from_records(
        {"org_code": "RP1", "name": "Property", "trust_type": "acute", "region": ""},
        lines=lines, actuals=actuals, budgets=budgets, signoffs=signoffs, contracts=contracts,
        schemes=[{"scheme_id": "S1", "title": "S", "category": "", "maturity": "in_progress", "division": "",
                  "qia_required": False, "qia_ref": "Q", "stage": ""}])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line_st, min_size=1, max_size=6))
def test_counting_invariants(specs: list[dict]) -> None:
    fig = compute(frames_for(specs), DEFAULT)
    y = fig.years
    # CIP never exceeds the budget removed, and never appears where it is not eligible
    assert (y["cip"] >= 0).all()
    assert (y["cip"] <= y["removed"].clip(lower=0)).all()
    not_counting = ~fig.lines["eligible"] | fig.lines["tower"]
    assert (y[y["line_id"].isin(fig.lines.loc[not_counting, "line_id"])]["cip"] == 0).all()
    # a pound is counted once: local CIP and tower recognition never both hold a line-year
    assert ((y["cip"] != 0) & (y["tower_recognised"] != 0)).sum() == 0
    for fy in y["fy"].unique():
        claimed, steps, counted = bridge(fig, fy)
        assert claimed - sum(s.amount for s in steps) == counted == y.loc[y["fy"] == fy, "cip"].sum()
        ty = TrustYear(frames_for(specs), fig, None)
        assert summary(ty, fy)["cip"]["delivered"] == f"{counted // 100}.{counted % 100:02d}"
    # recurrent lines with a whole 12-month window: plan months add up to the FYE
    rec = fig.lines[fig.lines["recurrent"]]
    plans = y.groupby("line_id")["cip_plan"].sum()
    assert np.array_equal(plans.reindex(rec["line_id"]).to_numpy(), rec["fye"].to_numpy())
