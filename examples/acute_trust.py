"""Northshire Hospitals NHS Foundation Trust (RX1): a realistic acute-trust register for 2025/26.

Why it exists: `savings demo`, the board pack, the audit workbook and the end-to-end tests need
one register that looks like a real trust's year (about 300 saving lines over 120 schemes and 80
contracts, NHS Supply Chain towers beside trust-managed categories, monthly invoice actuals,
budget journals, sign-offs, evidence, tower statements, benchmarks and activity) and whose
problems are known in advance. Every line is clean (validated by two people who did not create
it, budget removed to cover what it delivers, QIA where the policy needs one, one line per
product and cost centre) except the planted ones that `acute-trust/PLANTED.md` lists with the
rule the ledger should raise. Leakage (paying more than the contract price) is normal on some
lines and PLANTED.md lists those as expected warnings. Worked examples E1/E2, E5 and E6 are
lines `E1`, `E5` and `E6` with the numbers of their worked registers.

`build(seed)` is deterministic: it draws only from its own `random.Random(seed)`.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import replace
from datetime import date
from itertools import cycle
from pathlib import Path
from random import Random

from .acute_lines import Contract, Line, Register, add_scheme, contracts
from .catalogue import CATEGORIES, CREDIT_ITEMS
from .registers import (
    Tables,
    micros_of,
    money,
    pence_of,
    price,
    round_price,
    sheet,
    write_csv_folder,
)
from .worked import e1, e5, e6

TRUST = {"org_code": "RX1", "name": "Northshire Hospitals NHS Foundation Trust", "trust_type": "acute",
         "region": "North"}
SEED = 2025
FY = "2025/26"

SCHEME_PLAN: tuple[tuple[str, str, int], ...] = (  # category, benefit type, number of schemes
    ("T1", "PRICE_REDUCTION", 6), ("T1", "PRODUCT_SWITCH", 4), ("T1", "AGGREGATION", 2),
    ("T1", "DEMAND_MANAGEMENT", 2), ("T1", "REBATE", 1),
    ("T2", "PRICE_REDUCTION", 3), ("T2", "PRODUCT_SWITCH", 3), ("T2", "AGGREGATION", 1),
    ("T2", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("T3", "PRICE_REDUCTION", 2), ("T3", "PRODUCT_SWITCH", 2), ("T3", "WASTE", 2), ("T3", "AGGREGATION", 1),
    ("T4", "PRICE_REDUCTION", 3), ("T4", "PRODUCT_SWITCH", 2), ("T4", "REBATE", 1),
    ("T4", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("T5", "PRICE_REDUCTION", 2), ("T5", "PRODUCT_SWITCH", 1), ("T5", "AGGREGATION", 1),
    ("T6", "PRICE_REDUCTION", 3), ("T6", "AGGREGATION", 1), ("T6", "COST_AVOIDANCE_TENDER", 1),
    ("T6", "REBATE", 1),
    ("T7", "CAPITAL", 3),
    ("T8", "PRICE_REDUCTION", 2), ("T8", "PRODUCT_SWITCH", 2), ("T8", "DEMAND_MANAGEMENT", 1),
    ("T8", "REBATE", 1),
    ("T9", "AGGREGATION", 1), ("T9", "DEMAND_MANAGEMENT", 1),
    ("T10", "PRICE_REDUCTION", 2), ("T10", "WASTE", 1), ("T10", "AGGREGATION", 1),
    ("T11", "AGGREGATION", 2), ("T11", "PRICE_REDUCTION", 1),
    ("ICT", "AGGREGATION", 2), ("ICT", "PRICE_REDUCTION", 3), ("ICT", "SPEC_CHANGE", 1),
    ("ICT", "COST_AVOIDANCE_TENDER", 2), ("ICT", "PAYMENT_TERMS", 1),
    ("EST", "AGGREGATION", 2), ("EST", "SPEC_CHANGE", 1), ("EST", "COST_AVOIDANCE_TENDER", 1),
    ("EST", "NON_EFFICIENCY", 1),
    ("STAFF", "PRICE_REDUCTION", 3), ("STAFF", "DEMAND_MANAGEMENT", 1),
    ("STAFF", "COST_AVOIDANCE_PRICE_INCREASE", 1), ("STAFF", "PAYMENT_TERMS", 1),
    ("PHC", "PRICE_REDUCTION", 2), ("PHC", "AGGREGATION", 1), ("PHC", "COST_AVOIDANCE_TENDER", 1),
    ("TRANS", "AGGREGATION", 1), ("TRANS", "DEMAND_MANAGEMENT", 1), ("TRANS", "NON_EFFICIENCY", 1),
    ("FM", "AGGREGATION", 2), ("FM", "SPEC_CHANGE", 1), ("FM", "COST_AVOIDANCE_PRICE_INCREASE", 1),
    ("WASTE", "PRICE_REDUCTION", 2), ("WASTE", "AGGREGATION", 1), ("WASTE", "INCOME", 1),
    ("ENERGY", "PRICE_REDUCTION", 2), ("ENERGY", "COST_AVOIDANCE_PRICE_INCREASE", 2),
    ("CORP", "PRICE_REDUCTION", 2), ("CORP", "PAYMENT_TERMS", 2), ("CORP", "REBATE", 1),
    ("CORP", "INCOME", 1),
)


Planted = tuple[str, str, str]  # line id, what is wrong, rule id


def _plant(reg: Register, rng: Random, by_category: dict[str, list[Contract]]) -> list[Planted]:
    """Lines that are clean except for one deliberate problem each, and the rule that should catch it."""
    def one(code: str, benefit_type: str, go_live: date, **kw: object) -> Line:
        contract = next(c for c in by_category[code] if c.start <= go_live)
        kw.setdefault("leakage", "")  # no incidental leakage: one problem per planted line
        return add_scheme(reg, rng, contract, benefit_type, n_lines=1, go_live=go_live, **kw)[0]

    def signer(line: Line, role: str, person: str) -> None:
        for record in reg.of_line("SignOffs", line.line_id):
            if record["role"] == role:
                record["person"] = person

    planted: list[Planted] = []
    line = one("T1", "PRICE_REDUCTION", date(2025, 5, 1))
    signer(line, "budget_holder", line.creator)
    planted.append((line.line_id, f"budget-holder sign-off by {line.creator}, who created the line",
                    "R-GOV-3"))

    line = one("FM", "AGGREGATION", date(2025, 6, 1))
    holder = reg.of_line("SignOffs", line.line_id)[0]["person"]
    signer(line, "finance", holder)
    planted.append((line.line_id, f"budget-holder and finance sign-offs both by {holder}", "R-GOV-3"))

    line = one("PHC", "PRICE_REDUCTION", date(2025, 7, 1))
    reg.drop("BudgetAdjustments", lambda r, gone=line.line_id: r["line_id"] != gone)
    reg.drop("Evidence", lambda r, gone=line.line_id: not (r["line_id"] == gone and r["type"] == "journal"))
    planted.append((line.line_id, "cash-releasing, validated, but no budget adjustment", "R-ELG-1a"))

    line = one("STAFF", "PRICE_REDUCTION", date(2025, 4, 1))
    adjustment = reg.of_line("BudgetAdjustments", line.line_id)[0]
    adjustment["amount"] = money(line.fye_pence * 60 // 100)
    planted.append((line.line_id, f"budget adjustment {adjustment['amount']} is 60% of the FYE "
                    f"{money(line.fye_pence)}, short of what the line delivers", "R-ELG-1a"))

    line = one("T3", "PRODUCT_SWITCH", date(2025, 8, 1))
    scheme = next(s for s in reg.records["Schemes"] if s["scheme_id"] == line.scheme_id)
    scheme["qia_ref"] = ""
    reg.drop("Evidence", lambda r, gone=line.line_id: not (r["line_id"] == gone and r["type"] == "QIA"))
    planted.append((line.line_id, f"PRODUCT_SWITCH whose scheme {line.scheme_id} has no qia_ref", "R-GOV-2"))

    first = one("T2", "PRICE_REDUCTION", date(2025, 6, 1))
    second = one("T2", "AGGREGATION", date(2025, 9, 1), shape=lambda line: replace(
        line, product_code=first.product_code, cost_centre=first.cost_centre, division=first.division))
    planted.append((second.line_id, f"claims product {first.product_code} at cost centre {first.cost_centre} "
                    f"again: line {first.line_id} (go-live {first.go_live}) already does, windows overlap",
                    "R-DUP-1"))

    line = one("T4", "PRICE_REDUCTION", date(2025, 4, 1), leakage="heavy")
    planted.append((line.line_id, "35% of every month bought off contract, above the baseline price",
                    "R-LEA-1"))
    return planted


def _add_worked(reg: Register) -> None:
    """Worked examples E1/E2, E5 and E6, row for row as in their own registers (minus the Trust sheet)."""
    for tables in (e1(), e5(), e6()):
        for name, (header, *rows) in tables.items():
            if name != "Trust":
                reg.records[name] += [dict(zip(header, row, strict=True)) for row in rows]


def _tower_sheets(rng: Random, reg: Register) -> Tables:
    """Contribution (notified), spend through each tower and NHSSC's claimed savings per tower.

    The lines' products are a quarter to two-fifths of a tower's spend; NHSSC claims the tower
    lines' savings with some margin plus 1–3% of the tower's spend that the trust cannot evidence.
    """
    line_spend: Counter[str] = Counter()
    tower_savings: Counter[str] = Counter()
    for line in reg.lines:
        tower = line.contract.category.tower
        if tower:
            line_spend[tower] += pence_of(line.p1 * line.volume)
            tower_savings[tower] += line.fye_pence if line.attribution[0] == "tower" else 0
    towers = [c.code for c in CATEGORIES if c.tower]
    spend = {t: line_spend[t] * rng.randint(250, 400) // 100 // 100_000 * 100_000 for t in towers}
    claimed = {t: (tower_savings[t] * rng.randint(110, 140) // 100
                   + spend[t] * rng.randint(100, 300) // 10_000) // 10_000 * 10_000 for t in towers}
    method = "NHSSC account savings statement: catalogue price movement x trust volume, incl. capital"
    return {
        "TowerContribution": sheet("TowerContribution", [{
            "fy": FY, "amount": "2480000.00", "basis": "notified",
            "source_ref": "NHSE 2025/26 SCCL funding adjustment notification (illustrative)"}]),
        "TowerSpend": sheet("TowerSpend", [{"fy": FY, "tower_code": t, "spend": money(spend[t])}
                                           for t in towers]),
        "TowerStatement": sheet("TowerStatement", [
            {"fy": FY, "tower_code": t, "claimed": money(claimed[t]), "method": method} for t in towers]),
    }


def _benchmarks(rng: Random, reg: Register) -> list[list[str]]:
    """PPIB-style peer prices for about 60 NHSSC consumables the trust buys (period 2025-12)."""
    candidates = list({line.product_code: line for line in reg.lines if line.contract.category.tower
                       and line.benefit_type not in {*CREDIT_ITEMS, "CAPITAL"}}.values())
    records = []
    for line in sorted(rng.sample(candidates, min(60, len(candidates))), key=lambda x: x.product_code):
        lower_quartile = round_price(line.p1 * rng.randint(820, 1100) // 1000)
        records.append({"product_code": line.product_code, "period": "2025-12", "price_paid": price(line.p1),
                        "volume": str(max(1, line.volume // 12)), "p_lower_quartile": price(lower_quartile),
                        "p_best": price(round_price(lower_quartile * rng.randint(800, 970) // 1000)),
                        "n_peers": str(rng.randint(3, 45))})
    return sheet("Benchmarks", records)


def _build(seed: int) -> tuple[Tables, list[Planted]]:
    rng = Random(seed)
    reg = Register()
    by_category = contracts(rng, reg)
    for code, benefit_type, n_schemes in SCHEME_PLAN:
        pool = cycle(by_category[code])
        for _ in range(n_schemes):
            add_scheme(reg, rng, next(pool), benefit_type)
    planted = _plant(reg, rng, by_category)
    _add_worked(reg)
    tables = {
        "Trust": sheet("Trust", [TRUST]),
        **{name: sheet(name, reg.records[name]) for name in ("Contracts", "Schemes")},
        "SavingLines": sheet("SavingLines", reg.records["SavingLines"], extra=("baseline_volume",)),
        **{name: sheet(name, reg.records[name])
           for name in ("Actuals", "BudgetAdjustments", "SignOffs", "Evidence")},
        **_tower_sheets(rng, reg),
        "Benchmarks": _benchmarks(rng, reg),
        "Activity": sheet("Activity", [
            {"fy": "2024/25", "non_pay_spend": "168400000.00", "expected_cost_sum": "309196800.00"},
            {"fy": "2025/26", "non_pay_spend": "171900000.00", "wau": "90400"}]),
        "Policy": sheet("Policy", [{"key": "local_savings_rate_source", "value": "fixed"},
                                   {"key": "local_savings_rate", "value": "0.018"}]),
    }
    return tables, planted


def build(seed: int = SEED) -> Tables:
    """The register of RX1 as tables (sheet name -> rows, header first, all values text)."""
    return _build(seed)[0]


def planted_problems(seed: int = SEED) -> list[Planted]:
    """(line id, what is wrong, rule id) for each deliberately broken line of `build(seed)`."""
    return _build(seed)[1]


def leakage_by_line(tables: Tables) -> dict[str, int]:
    """Leakage in pence per line (R-LEA-1): Σ (price paid − new price) × volume where paid > new price."""
    header, *rows = tables["SavingLines"]
    new_price = {row[0]: micros_of(row[header.index("new_price")]) for row in rows}
    by_month: Counter[tuple[str, str]] = Counter()
    for line_id, month, volume, paid in tables["Actuals"][1:]:
        over = micros_of(paid) - new_price[line_id]
        if over > 0:
            by_month[line_id, month] += over * int(volume)
    out: Counter[str] = Counter()
    for (line_id, _), micros in by_month.items():  # rounded per line-month, as the ledger does
        out[line_id] += pence_of(micros)
    return dict(sorted(out.items()))


def planted_markdown(planted: list[Planted], leakage: dict[str, int]) -> str:
    """PLANTED.md: the problems the ledger should find in this register, and the expected warnings."""
    lines = [
        "# Planted problems in the RX1 register",
        "",
        f"Generated by `python -m savings_ledger_examples.acute_trust` (seed {SEED}); do not edit by hand.",
        "Every other line is clean: validated by a budget holder and a finance lead who are two different",
        "people and not the creator, budget removed to cover what it delivers, QIA on the scheme where the",
        "benefit type needs one, and no other active line on the same product code and cost centre.",
        "Info findings (cost avoidance, capital, income, non-efficiency, tower attribution) explain why an",
        "amount is not local CIP; they are not problems.",
        "",
        "| line id | what is wrong | rule |",
        "|---|---|---|",
        *(f"| {line_id} | {what} | {rule} |" for line_id, what, rule in planted),
        "",
        "## Leakage (expected warnings, R-LEA-1)",
        "",
        "Paying above the contract price in some months is normal; these lines have leakage in 2025/26",
        f"(line {next(p[0] for p in planted if p[2] == 'R-LEA-1')} is the planted, heavy one):",
        "",
        "| line id | leakage 2025/26 (£) |",
        "|---|---|",
        *(f"| {line_id} | {money(pence)} |" for line_id, pence in leakage.items()),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Write the register to FOLDER (default: `acute-trust/` beside this module) with PLANTED.md."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).parent / "acute-trust"
    tables, planted = _build(SEED)
    write_csv_folder(folder, tables)
    (folder / "PLANTED.md").write_text(planted_markdown(planted, leakage_by_line(tables)), encoding="utf-8")
    counts = ", ".join(f"{name} {len(rows) - 1}" for name, rows in tables.items())
    print(f"{folder}: {counts}")


if __name__ == "__main__":
    main()
