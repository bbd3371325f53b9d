"""The worked examples of DOMAIN.md section 5, each as a tiny ledger with exact figures."""
from __future__ import annotations

from datetime import date

from ledger.engine.summary import lines, summary
from tests.ledgers import base, budget, line, load, monthly, signed

FY = "2025/26"


def by_id(ty, line_id):
    return next(x for x in lines(ty) if x["line_id"] == line_id)


def gloves(policy: str | None = None) -> dict:
    """E1/E2: gloves £4.00 -> £3.40 a box, 24,000 boxes a year from 1 November 2025."""
    t = base()
    t["Contracts"][1] = ["C1", "Glove Supplies Ltd", "local", "", "Clinical consumables", "2025-11-01", "2028-10-31"]
    t["SavingLines"].append(line("E1", "4.00", "3.40", "24000", "2025-11-01"))
    t["Actuals"] += [["E1", "2025-11", "2100", "3.40"], ["E1", "2025-12", "1800", "3.40"],
                     ["E1", "2026-01", "2000", "3.40"], ["E1", "2026-01", "300", "4.10"],  # (finding) off contract
                     ["E1", "2026-02", "2000", "3.40"], ["E1", "2026-03", "1900", "3.40"]]
    t["BudgetAdjustments"].append(budget("BA1", "E1", "14400.00", "2025-11-01"))
    t["SignOffs"] += signed("E1", "2025-11-10")
    if policy:
        t["Policy"] = [["key", "value"], ["recurrent_claim_window", policy]]
    return t


def test_e1_default_window_counts_fye_once_over_two_years(tmp_path) -> None:
    e1 = by_id(load(tmp_path, gloves()), "E1")
    assert e1["fye"] == "14400.00"
    assert e1["plan"] == {"2025/26": "6000.00", "2026/27": "8400.00"}
    assert (e1["grade"], e1["recurrent"], e1["cash_releasing"]) == ("A", True, True)


def test_e1_financial_year_only_window(tmp_path) -> None:
    e1 = by_id(load(tmp_path, gloves("financial_year_only")), "E1")
    assert e1["plan"] == {"2025/26": "6000.00"}


def test_e1_contract_term_is_shown_but_never_feeds_cip(tmp_path) -> None:
    ty = load(tmp_path, gloves("contract_term"))
    e1 = by_id(ty, "E1")
    assert e1["plan"] == {"2025/26": "6000.00", "2026/27": "14400.00", "2027/28": "14400.00", "2028/29": "8400.00"}
    assert e1["cip"]["2025/26"] == "5850.00"
    assert summary(ty, FY)["cip"]["plan"] == "6000.00"
    assert "recurrent_claim_window=contract_term" in summary(ty, FY)["policy_set"]


def test_e2_actualisation_and_leakage(tmp_path) -> None:
    ty = load(tmp_path, gloves())
    e1 = by_id(ty, "E1")
    assert e1["delivered"] == {"2025/26": "5850.00"}
    assert e1["leakage"][FY] == "210.00"
    assert e1["cip"]["2025/26"] == "5850.00"
    assert "R-LEA-1" in e1["findings"]
    s = summary(ty, FY)
    assert (s["cip"]["delivered"], s["leakage"], s["cip"]["carry_forward"]) == ("5850.00", "210.00", "8400.00")


def test_e2_without_the_off_contract_buy_delivers_6060(tmp_path) -> None:
    t = gloves()
    t["Actuals"] = [r for r in t["Actuals"] if r[3] != "4.10"]
    t["Actuals"][3] = ["E1", "2026-01", "2300", "3.40"]
    assert by_id(load(tmp_path, t), "E1")["delivered"] == {"2025/26": "6060.00"}


def test_daily_proration_of_a_mid_month_go_live(tmp_path) -> None:
    """DESIGN.md: FYE £14,400 from 15 Nov 2025 gives 2025/26 £5,440.00 and 2026/27 £8,960.00."""
    t = base()
    t["SavingLines"].append(line("L1", "4.00", "3.40", "24000", "2025-11-15"))
    assert by_id(load(tmp_path, t), "L1")["plan"] == {"2025/26": "5440.00", "2026/27": "8960.00"}


def _demand(q_cf: list[str]) -> dict:
    t = base()
    t["SavingLines"][0] += ["baseline_volume", "activity_factor", "growth_funded"]
    t["SavingLines"].append(line("E3", "10.00", "9.00", "900", "2025-04-01", kind="DEMAND_MANAGEMENT") + q_cf)
    t["Actuals"] += monthly("E3", "2025-04", 12, "75", "9.00")  # 900 a year at the new price
    t["BudgetAdjustments"].append(budget("BA3", "E3", "2000.00", "2025-04-01"))
    t["SignOffs"] += signed("E3")
    return t


def test_e3_flat_activity_price_plus_volume_effect(tmp_path) -> None:
    e3 = by_id(load(tmp_path, _demand(["1000", "", ""])), "E3")
    assert e3["fye"] == "1900.00"  # price (10-9) x 900 = 900 + volume (1000-900) x 10 = 1000
    assert e3["delivered"] == {FY: "1899.96"}  # actuals: 12 line-months of £158.33, each rounded once
    assert e3["plan"] == {FY: "1900.00"}  # the plan's months add up to the FYE
    assert e3["cost_avoidance"] == {FY: "0.00"}


def test_e3_growth_funded_budget_releases_the_whole_volume_effect(tmp_path) -> None:
    e3 = by_id(load(tmp_path, _demand(["1000", "1.05", "true"])), "E3")
    assert e3["fye"] == "2400.00"  # 900 + (1050 - 900) x 10
    assert e3["cip"] == {FY: "2000.00"}  # capped at the £2,000 removed from budget
    assert e3["at_risk"] == {FY: "400.00"}


def test_e3_not_growth_funded_the_extra_500_is_cost_avoidance(tmp_path) -> None:
    e3 = by_id(load(tmp_path, _demand(["1000", "1.05", "false"])), "E3")
    assert e3["fye"] == "1900.00"
    assert e3["cost_avoidance"] == {FY: "500.00"}


def test_e4_inflation_uplift_is_cash_only_once_removed(tmp_path) -> None:
    t = base()
    t["SavingLines"] += [line("INF-CASH", "52500", "51500", "1", "2025-04-01", kind="COST_AVOIDANCE_PRICE_INCREASE"),
                         line("INF-AVOID", "54000", "52500", "1", "2025-04-01",
                              kind="COST_AVOIDANCE_PRICE_INCREASE", product="P-INF-2")]
    t["Actuals"] += [["INF-CASH", "2025-04", "1", "51500"]]
    t["BudgetAdjustments"].append(budget("BA4", "INF-CASH", "1000.00", "2025-04-01"))
    t["SignOffs"] += signed("INF-CASH")
    ty = load(tmp_path, t)
    cash, avoid = by_id(ty, "INF-CASH"), by_id(ty, "INF-AVOID")
    assert (cash["cash_releasing"], cash["fye"], cash["plan"]) == (True, "1000.00", {FY: "1000.00"})
    assert (avoid["cash_releasing"], avoid["grade"], avoid["cost_avoidance"]) == (False, "C", {FY: "1500.00"})
    assert summary(ty, FY)["non_cip"]["cost_avoidance"] == "1500.00"


def test_e5_implementation_costs_are_netted_in_their_year(tmp_path) -> None:
    t = base()
    t["SavingLines"].append(line("E5", "25.00", "20.00", "6000", "2025-04-01", kind="PRODUCT_SWITCH", costs="4000.00"))
    t["Actuals"] += monthly("E5", "2025-04", 12, "500", "20.00")
    t["BudgetAdjustments"].append(budget("BA5", "E5", "30000.00", "2025-04-01"))
    t["SignOffs"] += signed("E5")
    ty = load(tmp_path, t)
    e5 = by_id(ty, "E5")
    assert (e5["fye"], e5["cip"], e5["grade"]) == ("30000.00", {FY: "26000.00"}, "A")
    assert (e5["delivered"][FY], e5["implementation_costs"]) == ("30000.00", {FY: "4000.00"})  # what CIP nets off
    s = summary(ty, FY)
    assert (s["cip"]["delivered"], s["implementation_costs"]) == ("26000.00", "4000.00")


def test_e6_rebate_is_one_off_in_its_month(tmp_path) -> None:
    t = base()
    t["SavingLines"].append(line("E6", "25000.00", "0", "1", "2026-02-01", kind="REBATE"))
    t["Actuals"].append(["E6", "2026-02", "1", "0"])
    t["BudgetAdjustments"].append(budget("BA6", "E6", "25000.00", "2026-02-01", recurrent=False))
    t["SignOffs"] += signed("E6", "2026-02-10")
    e6 = by_id(load(tmp_path, t), "E6")
    assert (e6["fye"], e6["recurrent"], e6["plan"], e6["cip"]) == ("0.00", False, {FY: "25000.00"},
                                                                   {FY: "25000.00"})


def test_e7_risk_adjusted_forecast_by_maturity(tmp_path) -> None:
    t = base()
    t["Schemes"] = [t["Schemes"][0]] + [[f"S-{m}", m, "", "", "", m, "", "false", ""] for m in
                                        ("fully_developed", "in_progress", "opportunity", "unidentified")]
    for m, fye in (("fully_developed", "400000"), ("in_progress", "300000"), ("opportunity", "200000"),
                   ("unidentified", "0.001")):
        t["SavingLines"].append(line(f"L-{m}", fye, "0", "1", "2025-04-01", scheme=f"S-{m}"))
    s = summary(load(tmp_path, t), FY)
    assert s["cip"]["forecast"] == "900000.00"
    assert s["cip"]["risk_adjusted_forecast"] == "560000.00"


def test_as_at_cuts_actuals_and_signoffs(tmp_path) -> None:
    ty = load(tmp_path, gloves(), as_at=date(2025, 12, 31))
    e1 = by_id(ty, "E1")
    assert e1["delivered"] == {FY: "2340.00"}  # Nov 2,100 + Dec 1,800 boxes at £0.60
    assert summary(ty, FY)["as_at"] == "2025-12-31"
