"""One tiny register per worked example of DOMAIN.md (E1–E10), so each figure can be reproduced.

The worked examples are the project's shared arithmetic: the ledger's tests, the docs and the
board pack all quote them. Writing each as a register that `savings import` accepts means every
example is checked through the same door as real data. Each register is for its own trust
(`RE<n>`, acute, region South) so several can live in one ledger; the E3 variants are `RE3`,
`RE3G` and `RE3N`. E1 and E2 are one register (E2 is E1's actuals), row for row the one the
shared contract check (`contract/check.py`) imports, so `worked/E2` holds the same files as
`worked/E1`.

Run `python -m savings_ledger_examples.worked [FOLDER]` to write them (default: `worked/` beside
this module).
"""
from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from .registers import Tables, sheet, write_csv_folder

CREATOR = "Pat Procurement"
BUDGET_HOLDER = "Bea Holder"
FINANCE = "Fin Accountant"
FY_MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]

_LINE_DEFAULTS = {"subjective": "non_pay", "attribution": "local", "tower_enabled": "false",
                  "created_by": CREATOR}


def _trust(org_code: str, name: str) -> list[list[str]]:
    return sheet("Trust", [{"org_code": org_code, "name": name, "trust_type": "acute", "region": "South"}])


def _line(**values: str) -> dict[str, str]:
    return {**_LINE_DEFAULTS, **values}


def _approvals(line_id: str, day: str) -> list[dict[str, str]]:
    """Budget holder and finance approve: two people, neither of them the creator (R-GOV-3)."""
    return [{"line_id": line_id, "role": role, "person": person, "decision": "approve", "date": day}
            for role, person in (("budget_holder", BUDGET_HOLDER), ("finance", FINANCE))]


def _signoffs(line_id: str, day: str) -> list[list[str]]:
    return sheet("SignOffs", _approvals(line_id, day))


def _monthly_actuals(line_id: str, volume: str, price_paid: str) -> list[list[str]]:
    """The same volume at the same price in every month of FY 2025/26."""
    return sheet("Actuals", [{"line_id": line_id, "month": month, "volume": volume, "price_paid": price_paid}
                             for month in FY_MONTHS])


def _adjustment(line_id: str, cost_centre: str, amount: str, effective_from: str, *,
                recurrent: str = "true") -> dict[str, str]:
    """A budget reduction journal for one line (recurrent unless said otherwise)."""
    return {"adjustment_id": f"BA-{line_id}", "line_id": line_id, "ledger_ref": f"JNL-{line_id}",
            "cost_centre": cost_centre, "subjective": "non_pay", "amount": amount, "recurrent": recurrent,
            "effective_from": effective_from}


def _contract(contract_id: str, supplier: str, start: str, end: str) -> list[list[str]]:
    return sheet("Contracts", [{"contract_id": contract_id, "supplier": supplier, "route": "local",
                                "category": "Clinical consumables", "start_date": start, "end_date": end}])


def _scheme(scheme_id: str, title: str, qia_ref: str = "") -> list[list[str]]:
    return sheet("Schemes", [{"scheme_id": scheme_id, "title": title, "division": "Surgery",
                              "category": "Clinical consumables", "owner": "Sam Owner",
                              "maturity": "fully_developed", "stage": "IN_DELIVERY",
                              "qia_required": "true" if qia_ref else "false", "qia_ref": qia_ref}])


def _minimal(name: str) -> Tables:
    """The smallest valid register: one trust, contract, scheme and line.

    The line is cost avoidance (a tender below quotes), so it raises no exception of its own.
    """
    number = name[1:]
    return {
        "Trust": _trust(f"RE{number}", f"Example {name} NHS Trust"),
        "Contracts": _contract(f"C-{name}", "Example Supplies Ltd", "2025-04-01", "2028-03-31"),
        "Schemes": _scheme(f"S-{name}", "Example scheme"),
        "SavingLines": sheet("SavingLines", [_line(
            line_id=name, scheme_id=f"S-{name}", contract_id=f"C-{name}", product_code="MIN-1",
            cost_centre="CC90", benefit_type="COST_AVOIDANCE_TENDER", baseline_price="1.00", new_price="0.90",
            unit="each", annual_volume="12000", go_live="2025-04-01",
            notes=f"minimal line so the {name} register is valid")]),
    }


def e1() -> Tables:
    """E1/E2: gloves 4.00 -> 3.40 x 24,000 from 2025-11-01 (FYE 14,400; plan 6,000 + 8,400).

    E2's actuals: Nov–Mar 2,100 / 1,800 / 2,300 / 2,000 / 1,900, of which 300 in January off
    contract at 4.10 => delivered 5,850.00, leakage 210.00, CIP 5,850.00 in 2025/26. The rows are
    those of the contract check's REGISTER.
    """
    return {
        "Trust": _trust("RE1", "Example One NHS Trust"),
        "Contracts": sheet("Contracts", [{"contract_id": "G1", "supplier": "Glove Supplies Ltd",
                                          "route": "local", "category": "Clinical consumables",
                                          "start_date": "2025-11-01", "end_date": "2028-10-31"}]),
        "Schemes": sheet("Schemes", [{"scheme_id": "SG", "title": "Examination gloves", "division": "Surgery",
                                      "category": "Clinical consumables", "owner": "Sam Owner",
                                      "maturity": "fully_developed", "stage": "IN_DELIVERY",
                                      "qia_required": "false"}]),
        "SavingLines": sheet("SavingLines", [_line(
            line_id="E1", scheme_id="SG", contract_id="G1", product_code="GLOVE-BOX", cost_centre="CC10",
            benefit_type="PRICE_REDUCTION", baseline_price="4.00", new_price="3.40", unit="box",
            annual_volume="24000", go_live="2025-11-01", notes="DOMAIN.md E1/E2")]),
        "Actuals": sheet("Actuals", [
            {"line_id": "E1", "month": month, "volume": volume, "price_paid": paid}
            for month, volume, paid in [("2025-11", "2100", "3.40"), ("2025-12", "1800", "3.40"),
                                        ("2026-01", "2000", "3.40"), ("2026-01", "300", "4.10"),
                                        ("2026-02", "2000", "3.40"), ("2026-03", "1900", "3.40")]]),
        "BudgetAdjustments": sheet("BudgetAdjustments", [{
            "adjustment_id": "BA1", "line_id": "E1", "ledger_ref": "JNL-0001", "cost_centre": "CC10",
            "subjective": "non_pay", "amount": "14400.00", "recurrent": "true",
            "effective_from": "2025-11-01"}]),
        "SignOffs": sheet("SignOffs", [
            {"line_id": "E1", "role": "budget_holder", "person": BUDGET_HOLDER, "decision": "approve",
             "date": "2025-11-10"},
            {"line_id": "E1", "role": "finance", "person": FINANCE, "decision": "approve",
             "date": "2025-11-11"}]),
    }


def e3(variant: str = "") -> Tables:
    """E3: demand management P0 10 -> P1 9, Q0 1,000 -> Q1 900 (price 900 + volume 1,000).

    `variant` "" is flat activity (FYE 1,900); "G" has activity up 5% with a growth-funded budget
    (Q_cf 1,050: volume effect 1,500, FYE 2,400, all removable); "N" has the same growth without
    growth funding (1,900 removable, the other 500 cost avoidance). The budget adjustment removes
    what can be removed: 1,900 / 2,400 / 1,900.
    """
    name, line_id = f"E3{variant}", f"E3{variant}"
    drivers = {"": ("", "", "1900.00"), "G": ("1.05", "true", "2400.00"), "N": ("1.05", "false", "1900.00")}
    activity_factor, growth_funded, removable = drivers[variant]
    return {
        "Trust": _trust(f"RE3{variant}", f"Example {name} NHS Trust"),
        "Contracts": _contract("C-E3", "Wound Care Direct Ltd", "2025-04-01", "2028-03-31"),
        "Schemes": _scheme("S-E3", "Dressings formulary (demand management)", qia_ref="QIA-E3-01"),
        "SavingLines": sheet("SavingLines", [_line(
            line_id=line_id, scheme_id="S-E3", contract_id="C-E3", product_code="DRESSING-FOAM-10",
            cost_centre="CC30", benefit_type="DEMAND_MANAGEMENT", baseline_price="10.00", new_price="9.00",
            unit="pack", annual_volume="900", go_live="2025-04-01", baseline_volume="1000",
            activity_factor=activity_factor, growth_funded=growth_funded, notes="DOMAIN.md E3")],
            extra=("baseline_volume", "activity_factor", "growth_funded")),
        "Actuals": _monthly_actuals(line_id, "75", "9.00"),
        "BudgetAdjustments": sheet("BudgetAdjustments", [
            _adjustment(line_id, "CC30", removable, "2025-04-01")]),
        "SignOffs": _signoffs(line_id, "2025-04-15"),
    }


def e4() -> Tables:
    """E4: ask +8% on 50,000 (54,000), budget uplifted 5% (52,500), agreed +3% (51,500).

    INF-CASH is the unused budget uplift (52,500 -> 51,500): cash-releasing only because the
    1,000 uplift is removed from budget and signed off (R-INF-2). INF-AVOID is the rest of the
    ask (54,000 -> 52,500): 1,500 cost avoidance, no budget adjustment. The two lines carry
    different product codes because they are two slices of one price, not a double count.
    """
    return {
        "Trust": _trust("RE4", "Example E4 NHS Trust"),
        "Contracts": _contract("C-E4", "Northern Linen Services Ltd", "2025-04-01", "2028-03-31"),
        "Schemes": _scheme("S-E4", "Linen service annual uplift"),
        "SavingLines": sheet("SavingLines", [
            _line(line_id="INF-CASH", scheme_id="S-E4", contract_id="C-E4",
                  product_code="LINEN-UPLIFT-BUDGETED", cost_centre="CC40",
                  benefit_type="COST_AVOIDANCE_PRICE_INCREASE", baseline_price="52500.00",
                  new_price="51500.00", unit="year", annual_volume="1", go_live="2025-04-01",
                  notes="DOMAIN.md E4: budgeted 5% uplift not needed, removed from budget"),
            _line(line_id="INF-AVOID", scheme_id="S-E4", contract_id="C-E4", product_code="LINEN-UPLIFT-ASK",
                  cost_centre="CC40", benefit_type="COST_AVOIDANCE_PRICE_INCREASE", baseline_price="54000.00",
                  new_price="52500.00", unit="year", annual_volume="1", go_live="2025-04-01",
                  notes="DOMAIN.md E4: supplier ask above the budgeted price, resisted"),
        ]),
        # the annual charge invoiced monthly: 0.084 of a year in four months, 0.083 in eight (1.000)
        "Actuals": sheet("Actuals", [{"line_id": "INF-CASH", "month": month,
                                      "volume": "0.084" if i < 4 else "0.083", "price_paid": "51500.00"}
                                     for i, month in enumerate(FY_MONTHS)]),
        "BudgetAdjustments": sheet("BudgetAdjustments", [
            _adjustment("INF-CASH", "CC40", "1000.00", "2025-04-01")]),
        "SignOffs": _signoffs("INF-CASH", "2025-04-20"),
    }


def e5() -> Tables:
    """E5: product switch FYE 30,000 from 2025-04-01 (12.50 -> 10.00 x 12,000) with 4,000 one-off costs.

    Actuals every month at plan volume and the new price, budget removed recurrently, QIA on
    the scheme => CIP 2025/26 = 30,000 - 4,000 = 26,000.00; FYE 30,000.
    """
    return {
        "Trust": _trust("RE5", "Example E5 NHS Trust"),
        "Contracts": _contract("C-E5", "Infusion Systems UK Ltd", "2025-04-01", "2028-03-31"),
        "Schemes": _scheme("S-E5", "Infusion set standardisation", qia_ref="QIA-E5-01"),
        "SavingLines": sheet("SavingLines", [_line(
            line_id="E5", scheme_id="S-E5", contract_id="C-E5", product_code="IV-SET-STD", cost_centre="CC50",
            benefit_type="PRODUCT_SWITCH", baseline_price="12.50", new_price="10.00", unit="each",
            annual_volume="12000", go_live="2025-04-01", one_off_costs="4000.00",
            notes="DOMAIN.md E5: training and stock write-off 4,000 in April")]),
        "Actuals": _monthly_actuals("E5", "1000", "10.00"),
        "BudgetAdjustments": sheet("BudgetAdjustments", [
            _adjustment("E5", "CC50", "30000.00", "2025-04-01")]),
        "SignOffs": _signoffs("E5", "2025-04-14"),
    }


def e6() -> Tables:
    """E6: retrospective volume rebate of 25,000 confirmed in February 2026: one-off, FYE 0.

    Written as a credit: baseline_price 25,000, new_price 0, one unit, an actual in 2026-02 at 0,
    and a one-off budget adjustment of 25,000 => CIP 25,000.00 in 2025/26 (M11).
    """
    return {
        "Trust": _trust("RE6", "Example E6 NHS Trust"),
        "Contracts": _contract("C-E6", "Catheter Partners Ltd", "2025-04-01", "2027-03-31"),
        "Schemes": _scheme("S-E6", "Urology volume rebate"),
        "SavingLines": sheet("SavingLines", [_line(
            line_id="E6", scheme_id="S-E6", contract_id="C-E6", product_code="REBATE-UROLOGY",
            cost_centre="CC60", benefit_type="REBATE", baseline_price="25000.00", new_price="0.00",
            unit="credit", annual_volume="1", go_live="2026-02-01",
            notes="DOMAIN.md E6: rebate credit confirmed February 2026")]),
        "Actuals": sheet("Actuals", [{"line_id": "E6", "month": "2026-02", "volume": "1",
                                      "price_paid": "0.00"}]),
        "BudgetAdjustments": sheet("BudgetAdjustments", [
            _adjustment("E6", "CC60", "25000.00", "2026-02-01", recurrent="false")]),
        "SignOffs": _signoffs("E6", "2026-02-20"),
    }


def e7() -> Tables:
    """E7: plans of 400k / 300k / 200k / 0 in 2025/26 by maturity, none validated.

    Risk-adjusted forecast = 0.9 x 400k + 0.5 x 300k + 0.25 x 200k + 0 = 560,000 of 900,000.
    The unidentified scheme has no lines (nothing identified yet).
    """
    schemes = [("S-FD", "Theatre packs re-tender", "fully_developed"),
               ("S-IP", "Agency rate cap", "in_progress"),
               ("S-OP", "Pathology managed service", "opportunity"),
               ("S-UN", "Unidentified 2025/26 gap", "unidentified")]
    lines = [("E7-FD", "S-FD", "PACK-THEATRE", "CC71", "100.00", "60.00", "10000"),
             ("E7-IP", "S-IP", "AGENCY-RN-HOUR", "CC72", "50.00", "40.00", "30000"),
             ("E7-OP", "S-OP", "PATH-TEST", "CC73", "20.00", "15.00", "40000")]
    return {
        "Trust": _trust("RE7", "Example E7 NHS Trust"),
        "Contracts": _contract("C-E7", "Various suppliers (E7)", "2025-04-01", "2028-03-31"),
        "Schemes": sheet("Schemes", [{"scheme_id": scheme_id, "title": title, "division": "Corporate",
                                      "category": "Mixed", "owner": "Sam Owner", "maturity": maturity,
                                      "stage": "PLAN_APPROVED", "qia_required": "false"}
                                     for scheme_id, title, maturity in schemes]),
        "SavingLines": sheet("SavingLines", [
            _line(line_id=line_id, scheme_id=scheme_id, contract_id="C-E7", product_code=product,
                  cost_centre=cost_centre, benefit_type="PRICE_REDUCTION", baseline_price=p0, new_price=p1,
                  unit="each", annual_volume=volume, go_live="2025-04-01", notes="DOMAIN.md E7")
            for line_id, scheme_id, product, cost_centre, p0, p1, volume in lines]),
    }


def e8() -> Tables:
    """E8: tower reconciliation. C = 2.0m (estimated, 500m x 0.4%), tower spend 10.0m, r_local 2%.

    One validated, budget-removed, fully actualised catalogue-price line per tower gives the
    recognised savings 450k / 300k / 900k / 50k (1.70m) against 2.40m claimed (71%). Two more
    tower lines are claimed by NHSSC but never recognised: a capital purchase (R-ELG-5) and a
    tender below quotes for a new requirement (cost avoidance, R-BAS-3).
    """
    towers = [  # tower, spend, claimed, line: product, P0, P1, annual volume
        ("T1", "3000000.00", "600000.00", "GLOVE-NITRILE-100", "5.00", "3.50", 300_000),
        ("T2", "2000000.00", "400000.00", "DRAPE-PACK-GENERAL", "12.50", "10.00", 120_000),
        ("T4", "4000000.00", "1100000.00", "ORTHO-IMPLANT-SET", "333.00", "258.00", 12_000),
        ("T6", "1000000.00", "300000.00", "CATHETER-DIAG-5F", "21.00", "20.00", 50_000),
    ]
    lines, actuals, adjustments, signoffs = [], [], [], []
    for tower, _, _, product, p0, p1, volume in towers:
        line_id = f"E8-{tower}"
        lines.append(_line(line_id=line_id, scheme_id="S-E8", contract_id=f"NHSSC-{tower}",
                           product_code=product, cost_centre=f"CC8{tower[1]}",
                           benefit_type="PRICE_REDUCTION", attribution="tower",
                           baseline_price=p0, new_price=p1, unit="each", annual_volume=str(volume),
                           go_live="2025-04-01", notes="DOMAIN.md E8: NHSSC catalogue price reduction"))
        # whole units each month, as even as possible, adding up to the annual volume
        monthly = [volume // 12 + (1 if i < volume % 12 else 0) for i in range(12)]
        actuals += [{"line_id": line_id, "month": month, "volume": str(v), "price_paid": p1}
                    for month, v in zip(FY_MONTHS, monthly, strict=True)]
        fye = (Decimal(p0) - Decimal(p1)) * volume
        adjustments.append(_adjustment(line_id, f"CC8{tower[1]}", f"{fye:.2f}", "2025-04-01"))
        signoffs += _approvals(line_id, "2025-04-30")
    lines += [
        _line(line_id="E8-CAPITAL", scheme_id="S-E8", contract_id="NHSSC-T6", product_code="ECHO-SYSTEM",
              cost_centre="CC86", subjective="capital", benefit_type="CAPITAL", attribution="tower",
              baseline_price="120000.00", new_price="95000.00", unit="each", annual_volume="1",
              go_live="2025-06-01",
              notes="not recognised: capital purchase, never I&E or CIP (R-ELG-5)"),
        _line(line_id="E8-TENDER", scheme_id="S-E8", contract_id="NHSSC-T1", product_code="TOURNIQUET-SU",
              cost_centre="CC81", benefit_type="COST_AVOIDANCE_TENDER", attribution="tower",
              baseline_price="2.40", new_price="1.90", unit="each", annual_volume="20000",
              go_live="2025-04-01",
              notes="not recognised: new requirement, price below quotes is cost avoidance (R-BAS-3)"),
    ]
    actuals.append({"line_id": "E8-CAPITAL", "month": "2025-06", "volume": "1", "price_paid": "95000.00"})
    for line_id in ("E8-CAPITAL", "E8-TENDER"):
        signoffs += _approvals(line_id, "2025-06-30")
    return {
        "Trust": _trust("RE8", "Example E8 NHS Trust"),
        "Contracts": sheet("Contracts", [
            {"contract_id": f"NHSSC-{tower}", "supplier": "NHS Supply Chain", "route": "nhssc",
             "tower_code": tower, "category": f"NHSSC tower {tower}", "start_date": "2025-04-01",
             "end_date": "2028-03-31"}
            for tower, *_ in towers]),
        "Schemes": _scheme("S-E8", "NHS Supply Chain catalogue savings 2025/26"),
        "SavingLines": sheet("SavingLines", lines),
        "Actuals": sheet("Actuals", actuals),
        "BudgetAdjustments": sheet("BudgetAdjustments", adjustments),
        "SignOffs": sheet("SignOffs", signoffs),
        "TowerContribution": sheet("TowerContribution", [{"fy": "2025/26", "amount": "2000000.00",
                                                          "basis": "estimated",
                                                          "source_ref": "income 500m x 0.4%"}]),
        "TowerSpend": sheet("TowerSpend", [{"fy": "2025/26", "tower_code": tower, "spend": spend}
                                           for tower, spend, *_ in towers]),
        "TowerStatement": sheet("TowerStatement", [
            {"fy": "2025/26", "tower_code": tower, "claimed": claimed,
             "method": "NHSSC trust savings statement: prior catalogue price less current price"
                       " x trust volume"}
            for tower, _, claimed, *_ in towers]),
        "Policy": sheet("Policy", [{"key": "local_savings_rate_source", "value": "fixed"},
                                   {"key": "local_savings_rate", "value": "0.02"}]),
    }


def e9() -> Tables:
    """E9: 210.816m expected cost / 3,513.60 = 60,000 WAU, non-pay 120m => 2,000 per WAU in 2024/25;
    2025/26: 63,000 WAU, non-pay 118.0m => 1,873 per WAU, 4.6m above the -10% target (113.4m)."""
    return {**_minimal("E9"), "Activity": sheet("Activity", [
        {"fy": "2024/25", "non_pay_spend": "120000000.00", "expected_cost_sum": "210816000.00"},
        {"fy": "2025/26", "non_pay_spend": "118000000.00", "wau": "63000"}])}


def e10() -> Tables:
    """E10: item A 12.00 x 5,000 vs LQ 10.50 / best 9.80 => 7,500 (LQ) or 11,000 (best) opportunity;
    item B 3.00 vs LQ 3.20 => 0 (no netting against A)."""
    return {**_minimal("E10"), "Benchmarks": sheet("Benchmarks", [
        {"product_code": "A", "period": "2025-12", "price_paid": "12.00", "volume": "5000",
         "p_lower_quartile": "10.50", "p_best": "9.80", "n_peers": "12"},
        {"product_code": "B", "period": "2025-12", "price_paid": "3.00", "volume": "2000",
         "p_lower_quartile": "3.20", "p_best": "2.90", "n_peers": "8"}])}


def worked_registers() -> dict[str, Tables]:
    """Every worked example's register by name (`E1`, `E2`, `E3`, `E3G`, `E3N`, `E4`, ... `E10`)."""
    return {"E1": e1(), "E2": e1(), "E3": e3(), "E3G": e3("G"), "E3N": e3("N"), "E4": e4(), "E5": e5(),
            "E6": e6(), "E7": e7(), "E8": e8(), "E9": e9(), "E10": e10()}


def main(argv: list[str] | None = None) -> None:
    """Write every worked register to `FOLDER/<name>/` (default: `worked/` beside this module)."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path(__file__).parent / "worked"
    for name, tables in worked_registers().items():
        write_csv_folder(folder / name, tables)
        print(f"{folder / name}: {', '.join(tables)}")


if __name__ == "__main__":
    main()
