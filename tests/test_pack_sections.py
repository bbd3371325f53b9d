"""Pack sections add up: reasons to the variance, pipeline and categories to the JSON summary."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.engine.summary import summary
from ledger.money import to_pence
from reports import pack_sections as sections
from reports.pack import exceptions
from tests import ledgers
from tests.helpers_pack import big_register

FY = "2025/26"


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory):
    """300 lines with every kind of shortfall (not signed off, no budget, QIA, leakage, cost avoidance)."""
    return ledgers.load(tmp_path_factory.mktemp("sections"), big_register(300), as_at=date(2025, 12, 31))


def _pence(text: str) -> int:
    return to_pence(Decimal(text))


def test_reasons_add_up_to_plan_less_counted(trust):
    v = sections.variance(trust, FY, 2025 * 12 + 11)  # December 2025
    assert v.counted == _pence(summary(trust, FY)["cip"]["delivered"])
    assert sum(r.amount for r in v.reasons) == v.plan - v.counted
    listed = sum(d.plan for d in v.drivers) + (v.others.plan if v.others else 0)
    assert listed == v.plan
    assert sum(d.counted for d in v.drivers) + (v.others.counted if v.others else 0) == v.counted
    assert {r.rule_id for r in v.reasons} >= {"R-ELG-1", "R-ELG-1a", "R-GOV-2", "R-LEA-1"}


def test_pipeline_and_categories_add_up_to_the_summary(trust):
    s = summary(trust, FY)
    p = sections.pipeline(trust, FY)
    assert sum(r.forecast for r in p.rows) == _pence(s["cip"]["forecast"])
    assert sum(r.risk_adjusted for r in p.rows) == _pence(s["cip"]["risk_adjusted_forecast"])
    assert sum(sum(r.by_rag) for r in p.rows) == _pence(s["cip"]["forecast"])
    cats = sections.categories(trust, FY)
    assert sum(c.plan for c in cats) == _pence(s["cip"]["plan"])
    assert sum(c.counted for c in cats) == _pence(s["cip"]["delivered"])
    assert sum(c.avoidance for c in cats) == _pence(s["non_cip"]["cost_avoidance"])


@pytest.mark.parametrize(("plan", "forecast", "maturity", "all_a", "colour"), [
    (1000, 0, "unidentified", True, "Blue"),  # every line counted in full
    (1000, 950, "fully_developed", False, "Green"),
    (1000, 949, "fully_developed", False, "Amber"),
    (1000, 1000, "in_progress", False, "Amber"),
    (1000, 749, "fully_developed", False, "Red"),
    (1000, 1000, "opportunity", False, "Red"),
])
def test_rag_follows_the_default_thresholds(plan, forecast, maturity, all_a, colour):
    assert sections.rag(plan, forecast, maturity, all_a, (Decimal("0.95"), Decimal("0.75"))) == colour


def test_pipeline_rows_are_net_of_implementation_costs_like_the_summary(tmp_path):
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line("L1", "2.00", "1.00", "1200", "2025-04-01", costs="150.00"),
                         ledgers.line("L2", "3.00", "2.00", "2400", "2025-04-01")]
    for line_id, volume in (("L1", "100"), ("L2", "200")):
        t["Actuals"] += ledgers.monthly(line_id, "2025-04", 12, volume, "1.00" if line_id == "L1" else "2.00")
    ty = ledgers.load(tmp_path, t)
    p = sections.pipeline(ty, FY)
    assert [r.forecast for r in p.rows] == [105_000 + 240_000]  # (£1,200 - £150) + £2,400, one maturity
    assert _pence(summary(ty, FY)["cip"]["forecast"]) == 345_000 == sum(sum(r.by_rag) for r in p.rows)


def test_evidence_completeness_tells_a_reference_from_a_file_held(tmp_path):
    """Section 9 item 10: L1's invoice is a file stored by its hash; L2's is only named; L3 has none."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line(i, "2.00", "1.00", "1200", "2025-04-01") for i in ("L1", "L2", "L3")]
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "inv-1.csv", "", "2025-05-01"],
                     ["EV2", "L2", "invoice_extract", "", "", "2025-05-01"]]
    (tmp_path / "register").mkdir()
    (tmp_path / "register" / "inv-1.csv").write_text("invoice,amount\nINV-1,100.00\n")
    a = sections.assurance(ledgers.load(tmp_path, t), FY)
    assert (a.evidenced, a.evidence_stored, a.evidence_due, a.evidence_share) == (2, 1, 3, "0.6667")


def test_the_amount_at_stake_is_the_findings_own_amount(tmp_path):
    """Appendix A: a leakage warning stakes the leakage (£120, not L1's £1,080 forecast); a short
    budget removal stakes what is at risk (£600 of L2's £1,200)."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line("L1", "2.00", "1.00", "1200", "2025-04-01"),
                         ledgers.line("L2", "2.00", "1.00", "1200", "2025-04-01")]
    t["Actuals"] += ledgers.monthly("L1", "2025-04", 12, "100", "1.10") + ledgers.monthly("L2", "2025-04", 12, "100",
                                                                                          "1.00")
    t["SignOffs"] += ledgers.signed("L2")
    t["BudgetAdjustments"].append(ledgers.budget("B2", "L2", "600.00", "2025-04-01"))
    stakes = {(f.rule_id, f.line_id): stake for f, stake in exceptions(ledgers.load(tmp_path, t), FY)}
    assert stakes[("R-LEA-1", "L1")] == 12_000 and stakes[("R-ELG-1a", "L2")] == 60_000
    assert stakes[("R-ELG-1", "L1")] == 108_000  # not signed off: its forecast


def test_a_finding_of_another_year_stakes_its_own_years_amount(tmp_path):
    """L1 runs from October 2025 into 2026/27 and pays above contract in both years: each leakage
    warning stakes the leakage it names, whichever year's pack lists it."""
    t = ledgers.base()
    t["SavingLines"].append(ledgers.line("L1", "2.00", "1.00", "1200", "2025-10-01"))
    t["Actuals"] += ledgers.monthly("L1", "2025-10", 6, "100", "1.50") + ledgers.monthly("L1", "2026-04", 2, "100",
                                                                                          "1.30")
    ty = ledgers.load(tmp_path, t)
    for fy in (FY, "2026/27"):
        leaks = sorted((f.message.split(" leakage in ")[1][:7], stake) for f, stake in exceptions(ty, fy)
                       if f.rule_id == "R-LEA-1")
        assert leaks == [("2025/26", 30_000), ("2026/27", 6_000)], fy  # £0.50 x 600 units, £0.30 x 200


def test_budget_removed_ahead_of_delivery_is_beyond_the_cash_a_line_will_release(tmp_path):
    """Section 9 item 10: L1 has £1,200 removed for a £1,000 forecast (£200 ahead); L2 is cost
    avoidance, which releases no cash, so all £300 removed for it is ahead; L3 is within its forecast."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line("L1", "2.00", "1.00", "1000", "2025-04-01"),
                         ledgers.line("L2", "2.00", "1.50", "1200", "2025-04-01", kind="COST_AVOIDANCE_TENDER"),
                         ledgers.line("L3", "2.00", "1.00", "1200", "2025-04-01")]
    t["BudgetAdjustments"] += [ledgers.budget("B1", "L1", "1200.00", "2025-04-01"),
                               ledgers.budget("B2", "L2", "300.00", "2025-04-01"),
                               ledgers.budget("B3", "L3", "500.00", "2025-04-01")]
    a = sections.assurance(ledgers.load(tmp_path, t), FY)
    assert (a.ahead_lines, a.ahead) == (2, 50_000)


def test_the_monthly_forecast_and_its_recurrent_share_add_up_to_the_summarys_forecast(tmp_path):
    """L1's £150 of costs come off in its go-live month; L3 repeats L2 (R-DUP-1) and forecasts nothing."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line("L1", "2.00", "1.00", "1200", "2025-06-01", costs="150.00"),
                         ledgers.line("L2", "3.00", "2.00", "2400", "2025-04-01", product="GLOVE"),
                         ledgers.line("L3", "3.00", "2.00", "2400", "2025-05-01", product="GLOVE")]
    ty = ledgers.load(tmp_path, t)
    m = sections.monthly(ty, FY, [0] * 12)
    forecast = _pence(summary(ty, FY)["cip"]["forecast"])
    assert sum(m.forecast) == forecast == 100_000 - 15_000 + 240_000  # L1 June-March, less costs; L2 the year
    assert m.forecast[2] == 10_000 + 20_000 - 15_000  # June: L1's first month less its costs, and L2's
    assert sections.recurrent_forecast(ty, FY) == forecast
    waiting = {w.step: w.lines for w in sections.pipeline(ty, FY).awaiting}
    assert waiting["sign-off (budget holder and finance)"] == 2  # L1 and L2: no sign-off would make L3 count


def test_a_recurrent_saving_past_its_claim_window_is_not_budget_removed_ahead_of_delivery(tmp_path):
    """R-TIM-3, R-ELG-1a: L1 saves £1,200 a year from October 2025 and its budget is cut by that FYE.
    In 2026/27 only April to September (£600) are in its CIP claim window, but the price stays
    down to the contract's end, so the £1,200 removed is not ahead of delivery. L2 has £1,500
    removed for the same saving: £300 ahead."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line("L1", "2.00", "1.00", "1200", "2025-10-01"),
                         ledgers.line("L2", "2.00", "1.00", "1200", "2025-10-01")]
    t["BudgetAdjustments"] += [ledgers.budget("B1", "L1", "1200.00", "2025-10-01"),
                               ledgers.budget("B2", "L2", "1500.00", "2025-10-01")]
    a = sections.assurance(ledgers.load(tmp_path, t), "2026/27")
    assert (a.ahead_lines, a.ahead) == (1, 30_000)


def test_evidence_captured_after_the_as_at_date_is_not_yet_known(tmp_path):
    """A pack made again for December 2025 shows the evidence it showed then: L2's invoice captured
    in February 2026 is left out, L1's (December) and L3's (undated, as a register may give it) are in."""
    t = ledgers.base()
    t["SavingLines"] += [ledgers.line(i, "2.00", "1.00", "1200", "2025-04-01") for i in ("L1", "L2", "L3")]
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "", "", "2025-12-31"],
                     ["EV2", "L2", "invoice_extract", "", "", "2026-02-01"],
                     ["EV3", "L3", "invoice_extract", "", "", ""]]
    a = sections.assurance(ledgers.load(tmp_path, t, as_at=date(2025, 12, 31)), FY)
    assert (a.evidenced, a.evidence_due) == (2, 3)
