"""Tower reconciliation (DOMAIN.md 6.2): E8 to the penny, C estimated from income, L never silently
zero, allocation policies, R-DUP-4, and claimed - recognised itemised so the reasons add up."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.register.load import import_register
from ledger.tower_claims import by_reason
from ledger.towers import TowerRecon, TowerRow
from tests.ledgers import base, budget, line, load, monthly, signed

FY = "2025/26"
E8 = Path(__file__).parent.parent / "examples" / "worked" / "E8"
M = 100  # pence per pound


def e8(tmp_path: Path):
    engine = open_ledger(f"sqlite:///{tmp_path}/e8.db")
    import_register(engine, E8)
    return load_trust(engine, "RE8")


def test_e8_per_tower_exactly(tmp_path: Path) -> None:
    recon = e8(tmp_path).recon(FY)
    got = {
        r.tower_code: (r.spend, r.contribution, r.local_foregone, r.target, r.recognised, r.gap)
        for r in recon.rows
    }
    assert got == {  # £m in DOMAIN.md E8, here in pence
        "T1": (3_000_000 * M, 600_000 * M, 60_000 * M, 660_000 * M, 450_000 * M, -210_000 * M),
        "T2": (2_000_000 * M, 400_000 * M, 40_000 * M, 440_000 * M, 300_000 * M, -140_000 * M),
        "T4": (4_000_000 * M, 800_000 * M, 80_000 * M, 880_000 * M, 900_000 * M, 20_000 * M),
        "T6": (1_000_000 * M, 200_000 * M, 20_000 * M, 220_000 * M, 50_000 * M, -170_000 * M),
    }
    assert [r.net for r in recon.rows] == [-150_000 * M, -100_000 * M, 100_000 * M, -150_000 * M]


def test_e8_totals_and_summary_block(tmp_path: Path) -> None:
    ty = e8(tmp_path)
    block = ty.recon(FY).block()
    assert block == {
        "contribution": "2000000.00",
        "local_foregone": "200000.00",
        "target": "2200000.00",
        "recognised": "1700000.00",
        "claimed": "2400000.00",
        "gap": "-500000.00",
        "net": "-300000.00",
        "coverage": "0.8500",
        "recognition_rate": "0.7083",
    }
    assert summary(ty, FY)["towers"] == block


def test_e8_difference_itemised_by_reason(tmp_path: Path) -> None:
    ty = e8(tmp_path)
    recon = ty.recon(FY)
    reasons = by_reason(recon.items)
    assert sum(reasons.values()) == 700_000 * M  # 2.4m claimed - 1.7m recognised
    years = ty.figures.years.set_index(["line_id", "fy"])
    capital = int(years.loc[("E8-CAPITAL", FY), "claimed"])  # the echo system bought in June
    assert reasons["capital"] == capital > 0
    assert reasons["cost_avoidance"] == 10_000 * M  # E8-TENDER: new requirement, below quotes
    assert reasons["no_trust_baseline"] == 700_000 * M - capital - 10_000 * M
    assert sum(v for k, v in reasons.items() if k not in {"capital", "cost_avoidance", "no_trust_baseline"}) == 0
    for row in recon.rows:
        assert sum(by_reason(recon.items, row.tower_code).values()) == row.claimed - row.recognised


def reasons_register() -> dict:
    """One line per reason NHSSC's claim can differ from what the ledger recognises (FY 2025/26).

    T1 claims £60,000 and T2 £10,000; spend T1 £300,000, T2 £100,000; C from income only.
    """
    t = base()
    t["Contracts"] += [
        ["NHSSC-T1", "NHS Supply Chain", "nhssc", "T1", "Ward consumables", "2024-04-01", "2028-03-31"],
        ["NHSSC-T2", "NHS Supply Chain", "nhssc", "T2", "Sterile", "2024-04-01", "2028-03-31"],
    ]
    tower = {"contract": "NHSSC-T1", "attribution": "tower"}
    t["SavingLines"] += [
        line("A", "2.00", "1.00", "12000", "2024-10-01", **tower),  # (outside) window ends Sep 2025
        line("B", "3.00", "2.00", "12000", "2025-04-01", **tower),  # (not validated) no sign-offs
        line("C", "5.00", "4.00", "12000", "2025-04-01", **tower),  # (actuals below plan) 800 a month
        line("D", "100.00", "80.00", "120", "2025-04-01", kind="CAPITAL", **tower),  # (capital)
        line("E", "1.50", "1.00", "2400", "2025-04-01", kind="COST_AVOIDANCE_TENDER", **tower),  # (avoidance)
        line(
            "F", "4.00", "3.00", "6000", "2025-04-01", kind="PRODUCT_SWITCH", contract="NHSSC-T1"
        ),  # (local)
        line("G", "2.00", "1.50", "12000", "2025-06-01", product="P-A", **tower),  # (duplicate of A)
        line("H", "2.00", "1.00", "12000", "2025-04-01", contract="NHSSC-T2", attribution="tower"),  # (ok)
    ]
    t["SavingLines"][6][8] = "true"  # F: a trust decision the tower contract made possible
    for lid in "ACFGH":
        t["SignOffs"] += signed(lid)
    t["BudgetAdjustments"] += [
        budget("BA-A", "A", "12000.00", "2024-10-01"),
        budget("BA-C", "C", "12000.00", "2025-04-01"),
        budget("BA-F", "F", "6000.00", "2025-04-01"),
        budget("BA-G", "G", "6000.00", "2025-06-01"),
        budget("BA-H", "H", "12000.00", "2025-04-01"),
    ]
    t["Actuals"] += (
        monthly("A", "2025-04", 6, "1000", "1.00")
        + monthly("B", "2025-04", 12, "1000", "2.00")
        + monthly("C", "2025-04", 12, "800", "4.00")
        + monthly("F", "2025-04", 12, "500", "3.00")
        + monthly("H", "2025-04", 12, "1000", "1.00")
    )
    t["TowerContribution"] = [
        ["fy", "amount", "basis", "source_ref", "income"],
        [FY, "", "", "plan 2025/26", "10000000"],
    ]
    t["TowerSpend"] = [["fy", "tower_code", "spend"], [FY, "T1", "300000"], [FY, "T2", "100000"]]
    t["TowerStatement"] = [
        ["fy", "tower_code", "claimed", "method"],
        [FY, "T1", "60000", "NHSSC"],
        [FY, "T2", "10000", "NHSSC"],
    ]
    return t


def test_every_reason_itemised_and_adding_up(tmp_path: Path) -> None:
    ty = load(tmp_path, reasons_register())
    recon = ty.recon(FY)
    lines = {(i.line_id, i.reason): i.amount for i in recon.items}
    assert lines == {
        ("A", "outside_year"): 6_000 * M,
        ("B", "not_validated"): 12_000 * M,
        ("C", "actuals_below_plan"): 2_400 * M,
        ("D", "capital"): 2_400 * M,
        ("E", "cost_avoidance"): 1_200 * M,
        ("F", "duplicate_local"): 6_000 * M,
        ("G", "duplicate_local"): 5_000 * M,
        ("", "no_trust_baseline"): 9_400 * M,  # T1: 60,000 - 50,600 the lines account for
        ("", "not_in_claim"): -2_000 * M,  # T2: H recognised 12,000 but NHSSC claimed 10,000
    }
    rows = {r.tower_code: r for r in recon.rows}
    assert (rows["T1"].recognised, rows["T2"].recognised) == (15_600 * M, 12_000 * M)
    for code, row in rows.items():
        assert sum(by_reason(recon.items, code).values()) == row.claimed - row.recognised


def test_r_dup_4_no_saving_in_both_totals(tmp_path: Path) -> None:
    ty = load(tmp_path, reasons_register())
    y = ty.figures.years
    assert not ((y["cip"] != 0) & (y["tower_recognised"] != 0)).any()
    by_line = y[y["fy"] == FY].set_index("line_id")
    assert (by_line.loc["F", "cip"], by_line.loc["F", "tower_recognised"]) == (
        6_000 * M,
        0,
    )  # local, tower-enabled
    assert (by_line.loc["H", "cip"], by_line.loc["H", "tower_recognised"]) == (0, 12_000 * M)
    assert summary(ty, FY)["cip"]["delivered"] == "6000.00"  # only F is local CIP


def test_contribution_estimated_from_income_and_allocated_by_spend(tmp_path: Path) -> None:
    recon = load(tmp_path, reasons_register()).recon(FY)
    assert recon.contribution == 40_000 * M  # 0.4% (acute) x £10m
    assert recon.estimated and recon.contribution_basis.startswith("estimated: 0.4% (acute rate) x income")
    assert [r.contribution for r in recon.rows] == [30_000 * M, 10_000 * M]


def test_l_not_configured_is_none_never_zero(tmp_path: Path) -> None:
    ty = load(tmp_path, reasons_register())
    recon = ty.recon(FY)
    assert recon.local_rate is None and recon.local_rate_basis.startswith("L not configured")
    assert [r.local_foregone for r in recon.rows] == [None, None]
    block = summary(ty, FY)["towers"]
    assert (block["local_foregone"], block["target"], block["gap"]) == (None, None, None)
    assert block["net"] == "-12400.00"  # recognised 27,600 - C 40,000


def test_the_first_year_the_ledger_holds_has_no_prior_year_rate(tmp_path: Path) -> None:
    """1900/01 has no year before it in the ledger: L is not configured, not a ValueError about 1899/00."""
    recon = load(tmp_path, reasons_register()).recon("1900/01")
    assert recon.local_rate is None
    assert recon.local_rate_basis == "L not configured: the ledger holds no year before 1900/01"


def test_l_from_the_evidenced_prior_year_rate(tmp_path: Path) -> None:
    t = reasons_register()
    t["SavingLines"].append(line("P", "2.00", "1.00", "12000", "2024-06-01"))  # local, validated: FYE 12,000
    t["SignOffs"] += signed("P", "2024-06-02")
    t["BudgetAdjustments"].append(budget("BA-P", "P", "12000.00", "2024-06-01"))
    t["Activity"] = [["fy", "non_pay_spend", "wau", "expected_cost_sum"], ["2024/25", "1000000", "", ""]]
    t["TowerSpend"].append(["2024/25", "T1", "400000"])
    recon = load(tmp_path, t).recon(FY)
    assert recon.local_rate == Decimal("0.02")  # 12,000 / (1,000,000 - 400,000)
    assert [r.local_foregone for r in recon.rows] == [6_000 * M, 2_000 * M]
    assert recon.block()["target"] == "48000.00"


@pytest.mark.parametrize(
    ("allocation", "parts"), [("equal", [20_000 * M, 20_000 * M]), ("claimed", [34_285_71, 5_714_29])]
)
def test_allocation_alternatives_add_up_to_c(tmp_path: Path, allocation: str, parts: list[int]) -> None:
    t = reasons_register()
    t["Policy"] = [["key", "value"], ["tower_contribution_allocation", allocation]]
    recon = load(tmp_path, t).recon(FY)
    assert [r.contribution for r in recon.rows] == parts
    assert sum(parts) == recon.contribution


def test_unknown_allocation_is_a_clear_error(tmp_path: Path) -> None:
    t = reasons_register()
    t["Policy"] = [["key", "value"], ["tower_contribution_allocation", "by_headcount"]]
    with pytest.raises(LedgerError, match="tower_contribution_allocation: 'by_headcount' is not one of"):
        load(tmp_path, t).recon(FY)


def test_contribution_row_needs_amount_or_income(tmp_path: Path) -> None:
    t = reasons_register()
    t["TowerContribution"][1] = [FY, "", "", "", ""]
    with pytest.raises(
        LedgerError, match=r"TowerContribution\.csv:2:amount: give the notified amount, or the income"
    ):
        load(tmp_path, t)


def test_attribution_that_contradicts_r_dup_4_is_a_warning(tmp_path: Path) -> None:
    t = reasons_register()
    t["SavingLines"] += [
        line(
            "S",
            "4.00",
            "3.00",
            "100",
            "2025-04-01",
            kind="PRODUCT_SWITCH",
            contract="NHSSC-T1",
            attribution="tower",
        ),  # (finding) a trust decision attributed to the tower
        line("L", "4.00", "3.00", "100", "2025-04-01", contract="NHSSC-T2"),
    ]  # (finding) catalogue
    found = {
        f.line_id: f.message
        for f in load(tmp_path, t).findings
        if f.rule_id == "R-DUP-4" and f.severity == "warning"
    }
    assert sorted(found) == ["L", "S"]
    assert "NHSSC will claim it too" in found["L"]


def test_all_nhssc_route_policy_moves_local_lines_to_the_tower(tmp_path: Path) -> None:
    t = reasons_register()
    t["Policy"] = [["key", "value"], ["tower_attribution", "all_nhssc_route_to_tower"]]
    ty = load(tmp_path, t)
    assert bool(ty.figures.lines.set_index("line_id").loc["F", "tower"])
    assert summary(ty, FY)["cip"]["delivered"] == "0.00"
    assert {r.tower_code: r.recognised for r in ty.recon(FY).rows} == {"T1": 21_600 * M, "T2": 12_000 * M}


def test_a_year_with_tower_rows_but_nothing_in_them_has_no_data_to_reconcile() -> None:
    """The pack shows a sentence, not a table and a chart of zeros, for such a year."""
    zero = TowerRow("T1", spend=0, contribution=0, local_foregone=None, recognised=0, claimed=0)
    recon = TowerRecon("2026/27", None, "none recorded", False, "spend_share", None, "not configured", (zero,))
    assert not recon.has_data
    assert replace(recon, contribution=0).has_data  # a contribution of £0 is recorded, and reconciled
    assert replace(recon, rows=(replace(zero, claimed=1),)).has_data
