"""Counting rules one by one: each a tiny ledger, its findings and its exact figures."""
from __future__ import annotations

from datetime import date

import numpy as np

from ledger import calendar
from ledger.engine.bridge import bridge
from ledger.engine.status import NEVER, active_until
from ledger.engine.summary import lines, summary
from reports.web import explain
from tests.ledgers import base, budget, line, load, monthly, signed

FY = "2025/26"


def one_line(**kw) -> dict:
    """£1,200 a year (£100 a month) from April 2025, actualised at plan, removed and signed off."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01", **kw))
    t["Actuals"] += monthly("L1", "2025-04", 12, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-04-01"))
    t["SignOffs"] += signed("L1")
    return t


def rules_of(ty, line_id: str = "L1") -> list[str]:
    return next(x for x in lines(ty) if x["line_id"] == line_id)["findings"]


def cip(ty, line_id: str = "L1") -> dict:
    x = next(x for x in lines(ty) if x["line_id"] == line_id)
    return {"cip": x["cip"].get(FY), "at_risk": x["at_risk"].get(FY), "grade": x["grade"]}


def test_clean_line_counts_in_full(tmp_path) -> None:
    ty = load(tmp_path, one_line())
    assert cip(ty) == {"cip": "1200.00", "at_risk": "0.00", "grade": "A"}
    assert rules_of(ty) == []


def test_creator_cannot_sign_off_own_line(tmp_path) -> None:
    t = one_line()
    t["SignOffs"] = [t["SignOffs"][0], *signed("L1", holder="Pat Procurement")]  # (finding) creator approves
    ty = load(tmp_path, t)
    assert cip(ty) == {"cip": "0.00", "at_risk": "1200.00", "grade": "B"}
    assert "R-GOV-3" in rules_of(ty)
    assert summary(ty, FY)["exceptions"]["errors"] == 1


def test_budget_holder_and_finance_must_be_two_people(tmp_path) -> None:
    t = one_line()
    t["SignOffs"] = [t["SignOffs"][0], *signed("L1", holder="Sam Same", finance="sam same ")]  # (finding)
    ty = load(tmp_path, t)
    assert cip(ty)["cip"] == "0.00"
    assert "R-GOV-3" in rules_of(ty)


def test_missing_finance_sign_off_is_not_validated(tmp_path) -> None:
    t = one_line()
    t["SignOffs"] = t["SignOffs"][:2]  # (finding) budget holder only
    ty = load(tmp_path, t)
    assert cip(ty) == {"cip": "0.00", "at_risk": "1200.00", "grade": "B"}
    assert rules_of(ty) == ["R-ELG-1"]


def test_latest_decision_wins_and_a_rejection_stops_counting(tmp_path) -> None:
    t = one_line()
    t["SignOffs"].append(["L1", "finance", "Fin Accountant", "reject", "2025-05-01"])  # (finding)
    ty = load(tmp_path, t)
    assert cip(ty)["cip"] == "0.00"
    assert "R-GOV-1" in rules_of(ty)


def test_product_switch_needs_a_qia(tmp_path) -> None:
    t = one_line(kind="PRODUCT_SWITCH")
    t["Schemes"][1][-1] = ""  # (finding) no qia_ref
    ty = load(tmp_path, t)
    assert cip(ty) == {"cip": "0.00", "at_risk": "1200.00", "grade": "B"}
    assert rules_of(ty) == ["R-GOV-2"]


def test_no_budget_removal_means_at_risk(tmp_path) -> None:
    t = one_line()
    t["BudgetAdjustments"] = t["BudgetAdjustments"][:1]  # (finding)
    ty = load(tmp_path, t)
    assert cip(ty) == {"cip": "0.00", "at_risk": "1200.00", "grade": "B"}
    assert rules_of(ty) == ["R-ELG-1a"]


def test_short_budget_removal_counts_up_to_the_removal(tmp_path) -> None:
    t = one_line()
    t["BudgetAdjustments"][1] = budget("B1", "L1", "900.00", "2025-04-01")  # (finding) £300 short
    ty = load(tmp_path, t)
    assert cip(ty) == {"cip": "900.00", "at_risk": "300.00", "grade": "B"}
    assert rules_of(ty) == ["R-ELG-1a"]


def test_budget_removed_part_way_through_the_year_is_prorated(tmp_path) -> None:
    t = one_line()
    t["BudgetAdjustments"][1] = budget("B1", "L1", "1200.00", "2025-10-16")  # 16/31 of Oct + Nov-Mar
    ty = load(tmp_path, t)
    assert cip(ty)["cip"] == "551.61"  # 1200 x (5 x 31 + 16) / (12 x 31) = 551.6129


def test_same_product_and_cost_centre_is_counted_once(tmp_path) -> None:
    t = one_line(product="GLOVE")
    t["SavingLines"].append(line("L2", "2.00", "1.50", "1200", "2025-07-01", product="GLOVE"))  # (finding)
    t["Actuals"] += monthly("L2", "2025-07", 9, "100", "1.50")
    t["BudgetAdjustments"].append(budget("B2", "L2", "600.00", "2025-07-01"))
    t["SignOffs"] += signed("L2")
    ty = load(tmp_path, t)
    assert cip(ty, "L1")["cip"] == "1200.00"
    assert cip(ty, "L2")["cip"] == "0.00"
    assert rules_of(ty, "L2") == ["R-DUP-1"]


def test_a_duplicate_repeats_the_earliest_line_and_on_a_tie_the_lower_id(tmp_path) -> None:
    t = one_line(product="GLOVE")
    t["SavingLines"] += [line("L0", "2.00", "1.50", "1200", "2025-04-01", product="GLOVE"),  # same day as L1
                         line("L3", "2.00", "1.40", "1200", "2025-06-01", product="GLOVE")]
    ty = load(tmp_path, t)
    repeats = ty.figures.lines.set_index("line_id")["duplicate_of"]
    assert repeats.isna().loc["L0"]
    assert (repeats.loc["L1"], repeats.loc["L3"]) == ("L0", "L0")  # L0 and L1 went live together: L0 is lower


def test_a_withdrawn_line_does_not_block_the_line_that_replaces_it(tmp_path) -> None:
    t = base()
    t["Schemes"].append(["S0", "Old scheme", "Surgery", "Clinical consumables", "Owner", "fully_developed",
                         "WITHDRAWN", "false", "QIA-0"])
    t["SavingLines"] += [line("L0", "2.00", "1.50", "1200", "2025-04-01", product="GLOVE", scheme="S0"),
                         line("L1", "2.00", "1.00", "1200", "2025-05-01", product="GLOVE")]
    t["Actuals"] += monthly("L1", "2025-05", 11, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-05-01"))
    t["SignOffs"] += signed("L1")
    ty = load(tmp_path, t)
    assert cip(ty, "L1") == {"cip": "1100.00", "at_risk": "0.00", "grade": "A"}  # 11 months x £100
    assert "R-DUP-1" not in rules_of(ty, "L1") + rules_of(ty, "L0")


def test_a_price_line_and_a_volume_line_on_one_product_both_count(tmp_path) -> None:
    t = base()
    t["SavingLines"][0] += ["baseline_volume"]
    t["SavingLines"] += [[*line("P1", "2.00", "1.00", "1200", "2025-04-01", product="GLOVE"), ""],
                         [*line("V1", "1.00", "1.00", "1200", "2025-04-01", product="GLOVE",
                                kind="DEMAND_MANAGEMENT"), "1440"],  # (1440 - 1200) x £1.00 = £240 a year
                         [*line("P2", "2.00", "1.50", "1200", "2025-06-01", product="GLOVE"), ""]]  # (finding)
    t["Actuals"] += monthly("P1", "2025-04", 12, "100", "1.00") + monthly("V1", "2025-04", 12, "100", "1.00")
    t["BudgetAdjustments"] += [budget("B1", "P1", "1200.00", "2025-04-01"), budget("B2", "V1", "240.00", "2025-04-01")]
    t["SignOffs"] += signed("P1") + signed("V1") + signed("P2")
    ty = load(tmp_path, t)
    assert cip(ty, "P1")["cip"] == "1200.00" and cip(ty, "V1")["cip"] == "240.00"
    repeats = ty.figures.lines.set_index("line_id")["duplicate_of"]
    assert repeats.isna().loc["P1"] and repeats.isna().loc["V1"] and repeats.loc["P2"] == "P1"
    assert "R-DUP-1" in rules_of(ty, "P2") and "R-DUP-1" not in rules_of(ty, "V1")
    assert summary(ty, FY)["cip"]["delivered"] == "1440.00"


def stacked_pair(p0: str, p1: str = "0.90", go_live: str = "2026-06-01", **first) -> dict:
    """L1 takes GLOVE from £2.00 to £1.00 in April 2025; L2 goes live after L1's claim window."""
    t = one_line(product="GLOVE", **first)
    t["SavingLines"].append(line("L2", p0, p1, "1200", go_live, product="GLOVE"))
    return t


def stacked_findings(ty) -> list[tuple[str, str, int | None]]:
    return [(f.line_id, f.message, f.amount) for f in ty.findings if f.rule_id == "R-DUP-3"]


def test_a_stacked_line_measured_from_the_old_price_claims_the_first_line_again(tmp_path) -> None:
    ty = load(tmp_path, stacked_pair("2.00"))  # (finding) L1 already took the price to £1.00
    assert stacked_findings(ty) == [(
        "L2", "measured from a price of £2.00, but line L1 (live 2025-04-01) already took product GLOVE at cost "
              "centre CC1 to £1.00; stacked schemes are measured one after the other, so this line starts from "
              "£1.00: £1,200.00 a year of line L1's saving is claimed again", 120_000)]  # (2.00 - 1.00) x 1,200
    assert rules_of(ty, "L2") == ["R-ELG-1", "R-DUP-3"]
    assert rules_of(ty, "L1") == []
    assert cip(ty, "L1")["cip"] == "1200.00"  # the earlier line keeps its count; the register is counted as it is
    assert next(x for x in lines(ty) if x["line_id"] == "L2")["fye"] == "1320.00"  # (2.00 - 0.90) x 1,200


def test_a_stacked_line_claims_again_no_more_than_it_claims(tmp_path) -> None:
    ty = load(tmp_path, stacked_pair("1.50", "1.20"))  # claims 0.30 a unit; all of it is L1's
    assert [a for _, _, a in stacked_findings(ty)] == [36_000]  # (1.50 - 1.20) x 1,200


def test_a_stacked_one_off_benefit_claims_again_once_not_a_year(tmp_path) -> None:
    t = one_line(product="GLOVE")
    t["SavingLines"].append(line("L2", "2.00", "1.90", "1200", "2026-06-01", product="GLOVE", kind="REBATE"))
    ty = load(tmp_path, t)
    [(_, message, amount)] = stacked_findings(ty)
    assert (message.endswith(": £120.00 of line L1's saving is claimed again"), amount) == (True, 12_000)


def test_a_stacked_line_claims_again_no_more_than_the_earlier_line_saved(tmp_path) -> None:
    ty = load(tmp_path, stacked_pair("2.50"))  # from £2.50, above even L1's own £2.00 before
    [(_, message, amount)] = stacked_findings(ty)
    assert amount == 120_000  # (2.00 - 1.00) x 1,200: L1's saving; the other £0.50 a unit is not L1's
    assert message.startswith("measured from a price of £2.50, but line L1")


def test_a_stacked_line_measured_from_the_new_price_is_clean(tmp_path) -> None:
    ty = load(tmp_path, stacked_pair("1.00"))
    assert stacked_findings(ty) == []


def test_stacking_looks_only_at_changes_that_still_hold(tmp_path) -> None:
    ended = load(tmp_path / "ended", stacked_pair("2.00", end="2026-04-30"))  # L1's price ended before L2
    assert stacked_findings(ended) == []
    t = stacked_pair("2.00")
    t["Schemes"].append(["S0", "Old scheme", "Surgery", "Clinical consumables", "Owner", "fully_developed",
                         "WITHDRAWN", "false", "QIA-0"])
    t["SavingLines"][1][1] = "S0"  # L1 withdrawn: it never took the price anywhere
    assert stacked_findings(load(tmp_path / "withdrawn", t)) == []


def test_a_price_change_on_an_evergreen_contract_holds_beyond_twelve_months(tmp_path) -> None:
    t = stacked_pair("2.00", go_live="2027-06-01")
    t["Contracts"][1][-1] = ""  # C1 has no end date: L1's £1.00 still holds when L2 goes live, 26 months on
    assert [(i, a) for i, _, a in stacked_findings(load(tmp_path, t))] == [("L2", 120_000)]  # (2.00 - 1.00) x 1,200


def test_a_withdrawn_line_is_not_warned_for_claiming_again(tmp_path) -> None:
    t = stacked_pair("2.00")
    t["Schemes"].append(["S0", "Old scheme", "Surgery", "Clinical consumables", "Owner", "fully_developed",
                         "WITHDRAWN", "false", "QIA-0"])
    t["SavingLines"][2][1] = "S0"  # L2 withdrawn: it claims nothing, so nothing of L1's is claimed again
    ty = load(tmp_path, t)
    assert stacked_findings(ty) == []
    assert "R-DUP-3" not in rules_of(ty, "L2")


def test_a_line_inside_the_first_ones_window_is_a_duplicate_not_a_stack(tmp_path) -> None:
    ty = load(tmp_path, stacked_pair("2.00", go_live="2025-10-01"))
    assert sorted(rules_of(ty, "L2")) == ["R-DUP-1", "R-ELG-1"]


def test_the_latest_earlier_change_is_the_one_stacked_on(tmp_path) -> None:
    t = stacked_pair("1.00", go_live="2027-06-01")  # right after L1, but L3 came between
    t["SavingLines"].append(line("L3", "1.00", "0.80", "1200", "2026-06-01", product="GLOVE"))
    ty = load(tmp_path, t)
    assert [(i, a) for i, _, a in stacked_findings(ty)] == [("L2", 12_000)]  # (1.00 - 0.90) x 1,200, L3's
    assert "line L3 (live 2026-06-01)" in stacked_findings(ty)[0][1]


def test_a_line_that_leaves_the_price_as_it_was_does_not_hide_the_change_before_it(tmp_path) -> None:
    t = stacked_pair("2.00", go_live="2027-06-01")
    t["SavingLines"].append(line("L3", "2.00", "2.00", "1200", "2026-05-01", product="GLOVE"))  # no price change
    ty = load(tmp_path, t)
    assert [(i, a) for i, _, a in stacked_findings(ty)] == [("L2", 120_000)]  # (2.00 - 1.00) x 1,200, L1's
    assert "line L1 (live 2025-04-01)" in stacked_findings(ty)[0][1]


def test_an_avoided_price_rise_after_a_reduction_is_not_a_stack(tmp_path) -> None:
    t = stacked_pair("1.20", "1.00")  # L2: the supplier's proposed rise from £1.00 to £1.20 resisted
    t["SavingLines"][2][6] = "COST_AVOIDANCE_PRICE_INCREASE"  # its baseline is the quoted price, above by design
    assert stacked_findings(load(tmp_path, t)) == []


def test_a_stacked_volume_line_is_measured_from_the_volume_after_the_first(tmp_path) -> None:
    t = base()
    t["SavingLines"][0] += ["baseline_volume"]
    t["SavingLines"] += [[*line("V1", "1.00", "1.00", "1200", "2025-04-01", product="GLOVE",
                                kind="DEMAND_MANAGEMENT"), "1440"],
                         [*line("V2", "1.00", "1.00", "1000", "2026-06-01", product="GLOVE",  # (finding)
                                kind="DEMAND_MANAGEMENT"), "1440"]]
    ty = load(tmp_path, t)
    assert [(i, a) for i, _, a in stacked_findings(ty)] == [("V2", 24_000)]  # £1.00 x (1,440 - 1,200)
    assert "measured from a volume of 1,440, but line V1" in stacked_findings(ty)[0][1]
    assert "to 1,200;" in stacked_findings(ty)[0][1]


def indexed(index: str, approval: str, **kw) -> dict:
    """The clean line, its baseline price set from a counterfactual index (R-INF-3)."""
    t = one_line(**kw)
    t["SavingLines"][0] += ["counterfactual_index", "counterfactual_approval"]
    t["SavingLines"][1] += [index, approval]
    return t


def test_a_baseline_from_an_index_without_its_approval_is_not_cash_releasing(tmp_path) -> None:
    ty = load(tmp_path, indexed("CPI", ""))  # (finding)
    assert cip(ty) == {"cip": "0.00", "at_risk": "0.00", "grade": "C"}
    assert [f.format() for f in ty.findings if f.rule_id == "R-INF-3"] == [
        "warning: R-INF-3: line L1: its baseline price was set from CPI, and no policy approval of that index is "
        "recorded (counterfactual_approval): not cash-releasing until there is one"]
    assert summary(ty, FY)["non_cip"]["cost_avoidance"] == "1200.00"  # reported, never CIP (R-ELG-2)


def test_a_baseline_from_an_approved_index_counts(tmp_path) -> None:
    ty = load(tmp_path, indexed("ONS PPI K646", "FIN-POL-2025-07"))
    assert cip(ty) == {"cip": "1200.00", "at_risk": "0.00", "grade": "A"}
    assert rules_of(ty) == []


def test_a_waste_line_with_its_budget_removed_is_held_back_by_its_unapproved_index_alone(tmp_path) -> None:
    ty = load(tmp_path, indexed("CPI", "", kind="WASTE"))
    assert cip(ty) == {"cip": "0.00", "at_risk": "0.00", "grade": "C"}
    assert [f.format() for f in ty.findings if f.line_id == "L1"] == [
        "warning: R-INF-3: line L1: its baseline price was set from CPI, and no policy approval of that index is "
        "recorded (counterfactual_approval): not cash-releasing until there is one"]


def test_an_unapproved_index_on_cost_avoidance_is_not_said_to_hold_back_cash(tmp_path) -> None:
    ty = load(tmp_path, indexed("CPI", "", kind="COST_AVOIDANCE_TENDER"))
    assert [f.format() for f in ty.findings if f.line_id == "L1"] == [
        "info: R-INF-1: line L1: cost avoidance: not cash-releasing",
        "warning: R-INF-3: line L1: its baseline price was set from CPI, and no policy approval of that index is "
        "recorded (counterfactual_approval)"]
    fact = ty.figures.lines.set_index("line_id").loc["L1"]
    assert [c["text"] for c in explain.checks(fact, ty.policy) if c["rule"] == "R-INF-3"] == [
        "the baseline price was set from CPI; no approval of that index is recorded"]


def test_cost_avoidance_is_never_cip(tmp_path) -> None:
    t = one_line(kind="COST_AVOIDANCE_TENDER")
    ty = load(tmp_path, t)
    s = summary(ty, FY)
    assert cip(ty)["grade"] == "C"
    assert (s["cip"]["delivered"], s["non_cip"]["cost_avoidance"]) == ("0.00", "1200.00")


def test_capital_is_reported_apart(tmp_path) -> None:
    ty = load(tmp_path, one_line(kind="CAPITAL"))
    s = summary(ty, FY)
    assert (s["cip"]["delivered"], s["non_cip"]["capital"], s["non_cip"]["cost_avoidance"]) == \
        ("0.00", "1200.00", "0.00")
    assert rules_of(ty) == ["R-ELG-5"]


def test_waste_counts_only_with_a_cash_path(tmp_path) -> None:
    with_budget = load(tmp_path / "a", one_line(kind="WASTE"))
    t = one_line(kind="WASTE")
    t["BudgetAdjustments"] = t["BudgetAdjustments"][:1]
    without = load(tmp_path / "b", t)
    assert cip(with_budget)["cip"] == "1200.00"
    assert cip(without)["grade"] == "C"
    assert summary(without, FY)["non_cip"]["non_financial_count"] == 1


def test_contract_end_truncates_the_window_and_makes_it_non_recurrent(tmp_path) -> None:
    """R-TIM-4 truncates the window at contract end; R-TIM-1/2: six months cannot recur, so FYE is
    0 and the line counts only the £600 of the months it saves cash in."""
    t = one_line()
    t["Contracts"][1][-1] = "2025-09-30"  # the price holds six months only
    ty = load(tmp_path, t)
    x = next(x for x in lines(ty) if x["line_id"] == "L1")
    assert (x["recurrent"], x["fye"], x["plan"][FY]) == (False, "0.00", "600.00")
    assert "R-TIM-1" in x["findings"]


def test_tower_saving_is_not_local_cip(tmp_path) -> None:
    ty = load(tmp_path, one_line(attribution="tower"))
    s = summary(ty, FY)
    assert (s["cip"]["delivered"], s["towers"]["recognised"]) == ("0.00", "1200.00")


def test_bridge_steps_add_up_from_claimed_to_cip(tmp_path) -> None:
    t = one_line()
    t["BudgetAdjustments"][1] = budget("B1", "L1", "900.00", "2025-04-01")
    t["SavingLines"].append(line("L2", "5.00", "4.00", "1200", "2025-04-01", kind="COST_AVOIDANCE_TENDER"))
    t["Actuals"].append(["L1", "2025-06", "10", "1.50"])  # leakage £5
    ty = load(tmp_path, t)
    claimed, steps, counted = bridge(ty.figures, FY)
    named = {s.reason: s.amount for s in steps if s.amount}
    assert claimed == 240_000
    assert named == {"not cash-releasing (cost avoidance, non-financial)": 120_000,
                     "volume and timing against plan": -1_000, "leakage (paid above contract price)": 500,
                     "budget removal short": 30_500}
    assert claimed - sum(s.amount for s in steps) == counted == 90_000


def test_a_trust_with_no_lines_yet_has_zero_figures(tmp_path) -> None:
    ty = load(tmp_path, base())
    s = summary(ty, FY)
    assert (s["cip"]["plan"], s["cip"]["delivered"], s["exceptions"]) == ("0.00", "0.00", {"errors": 0, "warnings": 0})
    assert lines(ty) == []


def test_a_line_is_active_until_its_stop_month() -> None:
    end = np.array(["2026-04-01"] * 3, dtype="datetime64[D]")
    stop = np.array([NEVER, 0, calendar.month_index(date(2025, 10, 1))])
    until = active_until(end, stop)
    assert until[0] == end[0] and until[1] < np.datetime64("1000-01-01") and str(until[2]) == "2025-10-01"


def test_duplicates_and_stopped_lines_carry_nothing_into_next_year(tmp_path) -> None:
    t = base()
    t["Schemes"].append(["S0", "Old scheme", "Surgery", "Clinical consumables", "Owner", "fully_developed",
                         "WITHDRAWN", "false", "QIA-0"])
    t["SavingLines"] += [line("L1", "2.00", "1.00", "1200", "2025-10-01", product="GLOVE"),  # £100 a month
                         line("L2", "2.00", "1.00", "1200", "2025-11-01", product="GLOVE"),  # (finding) repeats L1
                         line("L3", "3.00", "2.00", "1200", "2025-10-01", scheme="S0")]  # withdrawn
    t["Actuals"] += monthly("L1", "2025-10", 6, "100", "1.00") + monthly("L2", "2025-11", 5, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-10-01"))
    t["SignOffs"] += signed("L1") + signed("L2") + signed("L3")
    s = summary(load(tmp_path, t), FY)["cip"]
    assert (s["delivered"], s["fye_delivered"], s["carry_forward"]) == ("600.00", "1200.00", "600.00")  # L1 alone


def test_a_duplicate_is_neither_at_risk_nor_forecast(tmp_path) -> None:
    """R-DUP-1: L2 repeats L1's saving, so its £500 can never count: it is not pipeline at risk,
    and the forecast holds the saving once, on L1 (DESIGN.md still lists L2's plan in the plan)."""
    t = base()
    t["SavingLines"] += [line("L1", "2.00", "1.00", "1200", "2025-10-01", product="GLOVE"),  # £100 a month
                         line("L2", "2.00", "1.00", "1200", "2025-11-01", product="GLOVE")]  # (finding) repeats L1
    t["Actuals"] += monthly("L1", "2025-10", 6, "100", "1.00") + monthly("L2", "2025-11", 5, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-10-01"))
    t["SignOffs"] += signed("L1") + signed("L2")
    ty = load(tmp_path, t)
    s = summary(ty, FY)["cip"]
    assert (s["plan"], s["delivered"], s["at_risk"]) == ("1100.00", "600.00", "0.00")  # at risk was £500 (L2)
    assert (s["forecast"], s["risk_adjusted_forecast"]) == ("600.00", "600.00")  # were £1,100: L1 and L2
    assert cip(ty, "L2")["at_risk"] == "0.00"


def test_no_prior_spend_is_no_saving_and_no_negative_avoidance(tmp_path) -> None:
    t = base()
    t["SavingLines"] += [line("N1", "0.00", "5.00", "1200", "2025-04-01"),  # (finding) a new requirement, R-BAS-3
                         line("A1", "2.00", "1.50", "1200", "2025-04-01", kind="COST_AVOIDANCE_TENDER")]  # £600
    ty = load(tmp_path, t)
    assert summary(ty, FY)["non_cip"]["cost_avoidance"] == "600.00"  # not 600 - 6,000
    assert cip(ty, "N1")["cip"] == "0.00" and "R-BAS-3" in rules_of(ty, "N1")
    assert next(x for x in lines(ty) if x["line_id"] == "N1")["cost_avoidance"] == {FY: "0.00"}


def test_a_line_that_costs_more_than_its_baseline_is_named(tmp_path) -> None:
    """Prices entered the wrong way round made a Grade A line with a negative plan and no finding at all:
    the CIP plan fell by £14,400 without a word."""
    t = base()
    t["SavingLines"] += [line("W1", "3.40", "4.00", "24000", "2025-04-01"),  # (finding) the wrong way round
                         line("OK", "4.00", "3.40", "24000", "2025-04-01", product="P-OK")]  # (ok)
    ty = load(tmp_path, t)
    assert [(f.line_id, f.message) for f in ty.findings if f.rule_id == "R-BAS-1"] == [
        ("W1", "new price £4.00 is above the baseline price £3.40: it costs £14,400.00 a year more, not less "
               "(are baseline_price and new_price the wrong way round?)")]


def test_a_budget_increase_is_written_with_its_sign_before_the_pound(tmp_path) -> None:
    """A negative adjustment (a budget added back) read "budget removed in 2025/26 (£-1,200.00)"."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Actuals"] += monthly("L1", "2025-04", 12, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "(1200.00)", "2025-04-01"))  # (finding) budget added
    t["SignOffs"] += signed("L1")
    assert [f.message for f in load(tmp_path, t).findings if f.rule_id == "R-ELG-1a"] == [
        "budget removed in 2025/26 (-£1,200.00) is £1,200.00 short of the £1,200.00 delivered; the shortfall is "
        "at risk"]


def test_one_person_in_two_spellings_does_not_sign_off_twice(tmp_path) -> None:
    """R-GOV-3: the finance sign-off by "bea\u200b holder" is Bea Holder's second, so L1 is not validated."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["SignOffs"] += signed("L1", finance="bea\u200b  HOLDER")
    assert cip(load(tmp_path, t))["cip"] == "0.00"
    assert "R-GOV-3" in rules_of(load(tmp_path / "again", t), "L1")


def test_a_baseline_above_what_was_paid_in_the_year_before_go_live_is_named(tmp_path) -> None:
    """R-BAS-1: P0 is the volume-weighted average price paid in the 12 months before go-live.
    Invoices: 100 a month at £1.90 (Apr-Sep 2024), 300 a month at £1.80 (Oct 2024-Mar 2025), so
    4,380 / 2,400 = £1.825 a unit; the line's £2.00 claims (2.00 - 1.825) x 1,200 = £210 a year
    with no spend behind it. March 2024 is 13 months before go-live, outside the window."""
    t = one_line()
    t["Actuals"] += (monthly("L1", "2024-03", 1, "1000", "5.00") + monthly("L1", "2024-04", 6, "100", "1.90")
                     + monthly("L1", "2024-10", 6, "300", "1.80"))
    ty = load(tmp_path, t)
    [found] = [f for f in ty.findings if f.rule_id == "R-BAS-1"]
    assert (found.line_id, found.severity, found.amount) == ("L1", "warning", 21000)
    assert found.message == (
        "baseline price £2.00 is above the £1.825 a unit paid on average (weighted by volume) in the 12 months "
        "before go-live, from Actuals in 12 of them: £210.00 a year of the saving has no spend behind it; set the "
        "baseline from what was paid, or keep the reason with the line's evidence")
    assert cip(ty) == {"cip": "1200.00", "at_risk": "0.00", "grade": "A"}  # counted as the register stands
    assert next(x for x in lines(ty) if x["line_id"] == "L1")["delivered"] == {FY: "1200.00"}  # not delivery


def test_a_baseline_at_or_below_what_was_paid_before_go_live_raises_nothing(tmp_path) -> None:
    """R-BAS-1: paid £2.00 (the baseline) for six months and £2.10 for three: the baseline is
    below the £2.033 average, a conservative claim; no Actuals before go-live, nothing to compare."""
    t = one_line()
    t["Actuals"] += monthly("L1", "2024-07", 6, "100", "2.00") + monthly("L1", "2025-01", 3, "100", "2.10")
    assert "R-BAS-1" not in rules_of(load(tmp_path / "paid", t))
    assert "R-BAS-1" not in rules_of(load(tmp_path / "none", one_line()))


def test_a_counterfactual_baseline_is_not_compared_with_what_was_paid(tmp_path) -> None:
    """R-BAS-1 against R-INF-1/3: a price rise resisted (or a baseline set from an index) is above what
    was paid by design, so a year of invoices at £1.50 before go-live raises no R-BAS-1."""
    for name, t in (("avoided", one_line(kind="COST_AVOIDANCE_PRICE_INCREASE")), ("indexed", indexed("CPI", "yes"))):
        t["Actuals"] += monthly("L1", "2024-04", 12, "100", "1.50")
        assert "R-BAS-1" not in rules_of(load(tmp_path / name, t)), name
    t = one_line()
    t["Actuals"] += monthly("L1", "2024-04", 12, "100", "1.50")
    assert "R-BAS-1" in rules_of(load(tmp_path / "paid", t))  # (finding) the same invoices under a price cut


def test_an_invoice_row_near_the_largest_spend_is_counted_exactly(tmp_path) -> None:
    """R-ACT-1 / R-LEA-1 at the edge of what the import takes (£1bn a row): a month's saving is
    annualised (x 12) in billionths of a pound, past int64 for a row above £768m, so those sums
    are kept as Python ints; the figures are exact to the penny, not wrapped round to the other sign."""
    t = base()
    t["SavingLines"].append(line("L1", "10.00", "9.00", "12000", "2025-04-01"))
    t["Actuals"] += [["L1", "2025-04", "1000", "780000.00"],  # (finding) a price typed in the wrong column
                     ["L1", "2025-05", "600", "999999.99"], ["L1", "2025-05", "400", "999999.99"]]
    x = next(x for x in lines(load(tmp_path, t)) if x["line_id"] == "L1")
    assert (x["delivered"][FY], x["leakage"][FY]) == (
        "-1779979990.00",  # (10 - 780,000) x 1,000 + (10 - 999,999.99) x 1,000
        "1779981990.00")  # (780,000 - 9) x 1,000 + (999,999.99 - 9) x 1,000


def test_the_baseline_price_from_invoices_near_the_largest_spend_is_exact(tmp_path) -> None:
    """R-BAS-1 on invoice rows that together pass int64 in billionths of a pound: the average price
    paid before go-live is still exact (£999,999.99), so the baseline check stays quiet."""
    t = base()
    t["SavingLines"].append(line("L1", "999999.99", "9.00", "1000", "2025-04-01"))
    t["Actuals"] += monthly("L1", "2024-04", 12, "1000", "999999.99")  # £12bn in a year: past int64
    ty = load(tmp_path, t)
    facts = ty.figures.lines.set_index("line_id").loc["L1"]
    assert (facts["prior_price_micro"], facts["prior_months"]) == (999_999_990_000, 12)
    assert "R-BAS-1" not in rules_of(ty)
