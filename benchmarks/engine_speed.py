"""How fast is the counting engine at national scale, next to a bare pandas pass over the same rows?

A synthetic ledger of 100,000 saving lines and 1,000,000 actual rows is built in memory (lines,
schemes, contracts, budgets and sign-offs through `ledger.frames.frames_from_records`; the
actuals as int64 columns, the form `load_frames` gives them). The engine (figures, findings,
summary and the per-line JSON) runs over it, and so does the baseline: one pandas groupby-sum of
(baseline - paid) x volume by line and month over the same actuals frame, the least any engine
must do. Targets: within 10x of the baseline, under 1 GB peak.

    .venv/bin/python -m benchmarks.engine_speed [--lines 100000] [--actuals 1000000]
"""
from __future__ import annotations

import argparse
import gc
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from benchmarks.common import Sampler, Table, peak_rss_mb, rss_mb, timed, timed_cpu
from ledger.engine import summary as summ
from ledger.engine.figures import compute
from ledger.engine.findings import run_rules
from ledger.frames import Frames, frames_from_records
from ledger.policy import DEFAULT
from ledger.towers import TOWER_RULES

TYPES = ("PRICE_REDUCTION", "PRICE_REDUCTION", "PRODUCT_SWITCH", "AGGREGATION", "REBATE",
         "COST_AVOIDANCE_TENDER", "DEMAND_MANAGEMENT")
FY_START = 2025 * 12 + 3  # month index of April 2025


def synthetic(n_lines: int, n_actuals: int, seed: int = 1) -> Frames:
    """A one-trust ledger of `n_lines` lines and `n_actuals` invoice rows; the same for the same seed."""
    rng = np.random.default_rng(seed)
    n_schemes, n_contracts = max(1, n_lines // 3), max(1, n_lines // 4)
    contracts = [{"contract_id": f"C{i:06d}", "supplier": f"Supplier {i % 500}", "route": "framework",
                  "tower_code": "", "category": "Consumables", "start_date": date(2023, 4, 1),
                  "end_date": date(2028, 3, 31)} for i in range(n_contracts)]
    schemes = [{"scheme_id": f"S{i:06d}", "title": f"Scheme {i}", "division": "Surgery", "category": "Consumables",
                "owner": "owner", "maturity": "fully_developed", "stage": "IN_DELIVERY", "qia_required": False,
                "qia_ref": ""} for i in range(n_schemes)]
    kinds = rng.choice(TYPES, n_lines)
    p0 = rng.integers(1_000_000, 50_000_000, n_lines)
    p1 = p0 * rng.integers(800, 990, n_lines) // 1000
    volume = rng.integers(12, 5_000, n_lines) * 1000
    go_live = [date(2024, 10, 1) + timedelta(days=int(d)) for d in rng.integers(0, 540, n_lines)]
    ids = [f"L{i:07d}" for i in range(n_lines)]
    lines = [{"line_id": ids[i], "scheme_id": f"S{i % n_schemes:06d}", "contract_id": f"C{i % n_contracts:06d}",
              "product_code": f"P{i:07d}", "cost_centre": f"CC{i % 97:03d}", "subjective": "consumables",
              "benefit_type": str(kinds[i]), "attribution": "local", "tower_enabled": False,
              "baseline_micro": int(p0[i]), "new_micro": int(p1[i]), "unit": "each",
              "annual_volume_milli": int(volume[i]), "go_live": go_live[i], "one_off_costs_pence": 0,
              "created_by": "buyer", "extra": ""} for i in range(n_lines)]
    budgets = [{"adjustment_id": f"B{i:07d}", "line_id": ids[i], "ledger_ref": f"JNL{i}", "cost_centre": "",
                "subjective": "", "amount_pence": int((p0[i] - p1[i]) * volume[i] // 10_000_000),
                "recurrent": kinds[i] != "REBATE", "effective_from": go_live[i]}
               for i in range(n_lines) if i % 10 != 0]
    signoffs = [{"line_id": ids[i], "role": role, "person": f"{role} {i % 7}", "decision": "approve",
                 "date": go_live[i], "comment": "", "source": "register"}
                for i in range(n_lines) if i % 20 != 0 for role in ("budget_holder", "finance")]
    frames = frames_from_records({"org_code": "BENCH", "name": "Benchmark trust", "trust_type": "acute",
                                  "region": "", "peer_group": ""},
                                 lines=lines, schemes=schemes, contracts=contracts, budgets=budgets,
                                 signoffs=signoffs)
    which = rng.integers(0, n_lines, n_actuals)
    month = FY_START + rng.integers(0, 12, n_actuals)
    go_month = np.array([d.year * 12 + d.month - 1 for d in go_live])[which]
    # the new price from go-live (5% of invoices still at the old one); before it, the baseline (R-BAS-1)
    paid = np.where(month < go_month, p0[which], p1[which] + (p0[which] - p1[which]) * (rng.random(n_actuals) < 0.05))
    actuals = pd.DataFrame({"id": np.arange(n_actuals), "trust": "BENCH", "line_id": np.asarray(ids)[which],
                            "month": month,
                            "volume_milli": rng.integers(1, 400, n_actuals) * 1000, "price_micro": paid,
                            "source_row": np.arange(n_actuals) + 2})
    return replace(frames, actuals=actuals)


def engine(frames: Frames, fy: str) -> tuple[dict, int, int]:
    """What `savings summary`, `lines` and `check` compute: figures, findings, summary, per-line JSON."""
    ty = summ.TrustYear(frames, compute(frames, DEFAULT), None)
    data = summ.summary(ty, fy)
    n_lines = len(summ.lines(ty))
    return data, n_lines, len(ty.findings)


def baseline(frames: Frames) -> pd.DataFrame:
    """A bare groupby-sum of the saving per line and month over the same actuals."""
    act = frames.actuals
    p0 = frames.lines.set_index("line_id")["baseline_micro"].reindex(act["line_id"]).to_numpy(np.int64)
    saved = (p0 - act["price_micro"].to_numpy(np.int64)) * act["volume_milli"].to_numpy(np.int64) // 10_000_000
    return pd.DataFrame({"line_id": act["line_id"], "month": act["month"], "saved": saved}).groupby(
        ["line_id", "month"]).sum()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine_speed", description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--actuals", type=int, default=1_000_000)
    parser.add_argument("--fy", default="2025/26")
    args = parser.parse_args(argv)
    build_s, frames = timed(lambda: synthetic(args.lines, args.actuals))
    gc.collect()
    before = rss_mb()
    base_s, base_cpu, _ = timed_cpu(lambda: baseline(frames), repeat=3)
    engine(synthetic(1_000, 10_000, seed=2), args.fy)  # warm up: first calls import and cache
    sampler = Sampler()
    with sampler.running():
        run_s, run_cpu, (data, n_lines, n_findings) = timed_cpu(lambda: engine(frames, args.fy))
    fig = compute(frames, DEFAULT)
    ty = summ.TrustYear(frames, fig, None)
    _ = ty.findings
    parts = {
        "figures (compute)": timed_cpu(lambda: compute(frames, DEFAULT)),
        "findings (every rule)": timed_cpu(lambda: run_rules(fig, TOWER_RULES)),
        "summary JSON": timed_cpu(lambda: summ.summary(ty, args.fy)),
        "lines JSON": timed_cpu(lambda: summ.lines(ty)),
    }

    table = Table(f"Counting engine: {args.lines:,} lines, {args.actuals:,} actual rows, one pass "
                  f"(built in {build_s:.1f} s; {n_lines:,} lines out, {n_findings:,} findings, "
                  f"CIP delivered £{data['cip']['delivered']})")
    table.add("engine: figures + findings + summary + lines", run_s, base_s, target=10.0, cpu=(run_cpu, base_cpu),
              note="baseline: pandas groupby-sum of the saving by line and month")
    for name, (seconds, cpu, _result) in parts.items():
        table.add(f"  of which {name}", seconds, base_s, cpu=(cpu, base_cpu))
    table.add("memory: resident before the engine", before, unit="MB")
    table.add("memory: peak while the engine ran", sampler.peak, unit="MB", target=1024.0)
    table.add("memory: peak of the whole run", peak_rss_mb(), unit="MB")
    table.print()


if __name__ == "__main__":
    main()
