"""Carter metrics (DOMAIN.md 7.1): non-pay per WAU against -10% (E9 exactly), WAU constants, the
ledger link to validated non-pay CIP, and procurement compliance from the SpendExtract sheet."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from ledger.carter import compliance, non_pay_per_wau, spend_years
from ledger.db import open_ledger
from ledger.engine.summary import load_trust
from ledger.errors import LedgerError
from ledger.register.load import import_register
from tests.ledgers import base, budget, line, load, signed, write_register

E9 = Path(__file__).parent.parent / "examples" / "worked" / "E9"
ACTIVITY = ["fy", "non_pay_spend", "wau", "expected_cost_sum", "wau_constant"]


def test_e9_non_pay_per_wau_exactly(tmp_path: Path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/e9.db")
    import_register(engine, E9)
    ty = load_trust(engine, "RE9")
    base_year, year = non_pay_per_wau(ty.frames.activity, ty.figures)
    assert (base_year.fy, base_year.wau, base_year.per_wau) == (
        "2024/25",
        60_000,
        2_000_00,
    )  # 210.816m / 3,513.60
    assert "3,513.60" in base_year.wau_basis
    assert (year.fy, year.wau, year.per_wau) == ("2025/26", 63_000, 1_873_02)  # £1,873.02
    assert year.change == Decimal("-0.063492")  # -6.3%
    assert year.target_per_wau == 1_800_00  # -10%
    assert year.allowed == 113_400_000_00
    assert year.gap == 4_600_000_00  # £4.6m
    assert year.expected == 126_000_000_00  # 63,000 WAU at the base £2,000
    assert year.residual == 8_000_000_00 - year.validated_fye  # shown as inflation and mix


def activity_register(rows: list[list[str]]) -> dict:
    t = base()
    t["Activity"] = [ACTIVITY, *rows]
    t["SavingLines"].append(line("X", "1.00", "0.90", "100", "2025-04-01"))  # not validated: no FYE counts
    return t


def test_wau_constant_by_year_and_from_the_sheet(tmp_path: Path) -> None:
    t = activity_register(
        [
            ["2016/17", "1000000", "", "3514550", ""],
            ["2017/18", "900000", "", "3516010", "3516.01"],
            ["2030/31", "800000", "", "3513600", ""],
        ]
    )
    ty = load(tmp_path, t)
    years = {y.fy: y for y in non_pay_per_wau(ty.frames.activity, ty.figures)}
    assert years["2016/17"].wau == 1000  # £3,514,550 / the 2016/17 constant £3,514.55
    assert years["2017/18"].wau == 1000 and "Activity sheet" in years["2017/18"].wau_basis
    assert (
        years["2030/31"].wau == 1000
        and "2018/19 constant, the latest published" in years["2030/31"].wau_basis
    )
    assert years["2017/18"].change == Decimal("-0.1")  # £900 vs £1,000 a WAU


def test_validated_non_pay_fye_explains_the_fall(tmp_path: Path) -> None:
    t = activity_register([["2024/25", "1000000", "1000", "", ""], ["2025/26", "950000", "1000", "", ""]])
    t["SavingLines"] += [
        line("N", "2.00", "1.00", "12000", "2025-04-01"),  # (counts) validated non-pay
        line("U", "2.00", "1.00", "5000", "2025-04-01"),
    ]  # (not counted) no sign-offs
    t["SignOffs"] += signed("N")
    t["BudgetAdjustments"].append(budget("BA-N", "N", "12000.00", "2025-04-01"))
    ty = load(tmp_path, t)
    year = non_pay_per_wau(ty.frames.activity, ty.figures)[1]
    assert (year.validated_fye, year.residual) == (12_000_00, 38_000_00)  # 50,000 fall - 12,000 CIP FYE


def test_base_year_choice_and_errors(tmp_path: Path) -> None:
    ty = load(
        tmp_path,
        activity_register([["2024/25", "1000000", "1000", "", ""], ["2025/26", "990000", "900", "", ""]]),
    )
    later = non_pay_per_wau(ty.frames.activity, ty.figures, base="2025/26")
    assert later[0].change == Decimal("-0.090909")  # £1,000 a WAU against the 2025/26 £1,100
    with pytest.raises(LedgerError, match="base year 2023/24 has no WAUs"):
        non_pay_per_wau(ty.frames.activity, ty.figures, base="2023/24")
    with pytest.raises(LedgerError, match="no Activity year gives wau or expected_cost_sum"):
        non_pay_per_wau(ty.frames.activity.iloc[0:0], ty.figures)


SPEND = [
    "transaction_id",
    "date",
    "supplier",
    "amount",
    "addressable",
    "on_catalogue",
    "po_number",
    "contract_ref",
]


def test_compliance_from_the_spend_extract(tmp_path: Path) -> None:
    t = activity_register([])
    t["SpendExtract"] = [
        SPEND,
        ["T1", "2025-04-03", "A Ltd", "100.00", "true", "true", "PO1", "C1"],  # (all three)
        ["T2", "2025-05-03", "A Ltd", "300.00", "", "true", "PO2", ""],  # (no contract)
        ["T3", "2025-06-03", "B Ltd", "50.00", "true", "false", "PO3", "C2"],  # (off catalogue)
        ["T4", "2026-03-31", "B Ltd", "50.00", "true", "true", "", "C2"],  # (no PO)
        ["T5", "2025-07-01", "Rates", "9999.00", "false", "false", "", ""],  # (not addressable)
        ["T6", "2026-04-01", "A Ltd", "70.00", "true", "true", "PO6", "C1"],
    ]  # (next year)
    write_register(tmp_path / "reg", t)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, tmp_path / "reg")
    got = compliance(engine, "RT1", "2025/26")
    assert (got.transactions, got.on_catalogue, got.with_po, got.value, got.under_contract) == (
        4,
        3,
        3,
        500_00,
        200_00,
    )
    assert got.shares() == {
        "catalogue": Decimal("0.75"),
        "purchase_order": Decimal("0.75"),
        "contract": Decimal("0.4"),
    }
    assert compliance(engine, "RT1", "2024/25") is None
    assert spend_years(engine, "RT1") == ["2025/26", "2026/27"]


def test_wau_is_exact_not_rounded_early() -> None:
    import pandas as pd

    activity = pd.DataFrame(
        {
            "fy": ["2024/25"],
            "non_pay_pence": [100_00],
            "wau_milli": [None],
            "expected_cost_sum_pence": [1_00],
            "wau_constant_pence": [None],
        }
    )
    (year,) = non_pay_per_wau(activity, None)
    assert year.wau == Fraction(100, 351360)
