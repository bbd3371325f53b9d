"""Registers for the board-pack tests: a trust with thousands of lines, written as plain tables.

Deterministic (no randomness): line `i` picks its scheme, maturity, benefit type and sign-off
state from `i`, so a failing test can be re-run and read. Everything else the pack tests need
comes from the small readable ledgers of `tests/ledgers.py`.
"""
from __future__ import annotations

from tests import ledgers

KINDS = ("PRICE_REDUCTION", "PRICE_REDUCTION", "AGGREGATION", "COST_AVOIDANCE_TENDER", "PRICE_REDUCTION",
         "PRODUCT_SWITCH", "REBATE")
MATURITIES = ("fully_developed", "in_progress", "opportunity", "unidentified")
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def big_register(lines: int, trust: str = "RB1", schemes: int = 120) -> dict[str, list[list[str]]]:
    """A register with `lines` saving lines over `schemes` schemes, actuals to March 2026.

    Most lines are signed off with a budget removed (they count); every fifth has no sign-off,
    every seventh no budget removal, every third month of every eleventh line is bought above
    the contract price (leakage), and product switches have no QIA on odd schemes.
    """
    tables = ledgers.base(trust)
    tables["Schemes"] = [tables["Schemes"][0]] + [
        [f"S{s:03d}", f"Scheme {s:03d}", ("Surgery", "Medicine", "Estates", "Corporate")[s % 4],
         ("Clinical consumables", "Orthopaedics", "Estates", "ICT", "Energy")[s % 5], f"Owner {s % 9}",
         MATURITIES[s % 4], "IN_DELIVERY", "false", "" if s % 2 else f"QIA-{s}"]
        for s in range(schemes)]
    for i in range(lines):
        line_id = f"L{i:05d}"
        kind = KINDS[i % len(KINDS)]
        go_live = MONTHS[i % 9]
        p0 = f"{10 + i % 13}.00"
        p1 = f"{9 + i % 13}.{50 - i % 40:02d}"
        tables["SavingLines"].append(ledgers.line(line_id, p0, p1, str(1200 + 12 * (i % 50)), f"{go_live}-01",
                                                  kind=kind, scheme=f"S{i % schemes:03d}",
                                                  cost_centre=f"CC{i % 30}"))
        if i % 5:
            tables["SignOffs"] += ledgers.signed(line_id, f"{go_live}-15")
        if i % 7:
            tables["BudgetAdjustments"].append(ledgers.budget(f"B{i:05d}", line_id, "100000.00", f"{go_live}-01"))
        start = MONTHS.index(go_live)
        for n, month in enumerate(MONTHS[start:]):
            paid = f"{9 + i % 13 + 1}.00" if i % 11 == 0 and n % 3 == 2 else p1
            tables["Actuals"].append([line_id, month, str(100 + i % 10), paid])
    return tables
