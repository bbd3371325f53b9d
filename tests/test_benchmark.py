"""Price benchmarking opportunity (DOMAIN.md 7.2): E10 exactly under each benchmark policy, no
netting, minimum peers, conversion to validated FYE, and never any part of a savings total."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ledger.benchmark import opportunity
from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.policy import with_overrides
from ledger.register.load import import_register
from tests.ledgers import base, budget, line, load, signed

FY = "2025/26"
E10 = Path(__file__).parent.parent / "examples" / "worked" / "E10"
HEADER = [
    "product_code",
    "period",
    "price_paid",
    "volume",
    "p_lower_quartile",
    "p_best",
    "n_peers",
    "p_median",
    "p_best_decile",
    "tower_code",
    "description",
]


def e10(tmp_path: Path, **policy: str):
    engine = open_ledger(f"sqlite:///{tmp_path}/e10.db")
    import_register(engine, E10)
    ty = load_trust(engine, "RE10")
    fig = replace(ty.figures, policy=with_overrides(ty.policy, policy)) if policy else ty.figures
    return opportunity(ty.frames.benchmarks, fig, FY)


def test_e10_lower_quartile(tmp_path: Path) -> None:
    opp = e10(tmp_path)
    assert {i.product_code: (i.opportunity, i.status) for i in opp.items} == {
        "A": (7_500_00, "opportunity"),  # (12.00 - 10.50) x 5,000
        "B": (0, "at_or_below"),  # trust £3.00 is below the LQ £3.20: no offset
    }
    assert opp.total == 7_500_00


def test_e10_best_price(tmp_path: Path) -> None:
    opp = e10(tmp_path, ppib_benchmark="best")
    assert {i.product_code: i.opportunity for i in opp.items} == {
        "A": 11_000_00,  # (12.00 - 9.80) x 5,000
        "B": 200_00,  # below the LQ but above the best £2.90: (3.00 - 2.90) x 2,000
    }


def test_minimum_peers(tmp_path: Path) -> None:
    opp = e10(tmp_path, ppib_min_peers="10")  # A has 12 peers, B 8
    assert [(i.product_code, i.status) for i in opp.items] == [("A", "opportunity"), ("B", "not_comparable")]
    assert e10(tmp_path, ppib_min_peers="13").total == 0


def test_unknown_benchmark_policy(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="ppib_benchmark: 'nhssc' is not one of"):
        e10(tmp_path, ppib_benchmark="nhssc")


def priced_register() -> dict:
    """Three items over two months; lines on item A, one going live after the benchmark showed it."""
    t = base()
    t["Benchmarks"] = [
        HEADER,
        ["A", "2025-06", "12.00", "1000", "10.50", "9.80", "12", "11.00", "9.90", "T1", "Gloves"],  # (opp)
        ["A", "2025-07", "12.00", "1000", "10.50", "9.80", "12", "11.00", "9.90", "T1", "Gloves"],  # (opp)
        ["B", "2025-06", "3.00", "2000", "3.20", "2.90", "8", "3.10", "2.95", "T1", "Drapes"],  # (cheaper)
        [
            "C",
            "2025-06",
            "0.123456",
            "100003",
            "0.100000",
            "",
            "6",
            "",
            "",
            "T2",
            "Swabs",
        ],  # (opp, sub-penny)
        ["D", "2024-06", "9.00", "1000", "1.00", "1.00", "9", "", "", "", "last year"],  # (other year)
    ]
    t["SavingLines"] += [
        line("EARLY", "12.00", "11.00", "12000", "2025-04-01", product="A"),  # (before the benchmark)
        line("AFTER", "12.00", "10.50", "12000", "2025-09-01", product="A", cost_centre="CC2"),  # (converts)
        line("UNSIGNED", "0.123456", "0.11", "1200000", "2025-09-01", product="C"),  # (not validated)
    ]
    for lid in ("EARLY", "AFTER"):
        t["SignOffs"] += signed(lid, "2025-09-01")
    t["BudgetAdjustments"] += [
        budget("BA-E", "EARLY", "12000.00", "2025-04-01"),
        budget("BA-A", "AFTER", "18000.00", "2025-09-01"),
    ]
    return t


def test_no_netting_sub_penny_prices_and_conversion(tmp_path: Path) -> None:
    ty = load(tmp_path, priced_register())
    opp = opportunity(ty.frames.benchmarks, ty.figures, FY)
    assert [(i.product_code, i.period, i.opportunity) for i in opp.items] == [
        ("A", "2025-06", 1_500_00),
        ("A", "2025-07", 1_500_00),
        ("B", "2025-06", 0),
        ("C", "2025-06", 2_345_67),  # 0.023456 x 100,003 = £2,345.670368, rounded once per row
    ]
    assert opp.total == 5_345_67
    assert opp.validated_fye == 18_000_00 and opp.converting_lines == ("AFTER",)
    assert [i.product_code for i in opp.top(2)] == ["C", "A"]
    assert opp.top(2)[0].variance == 23_456  # micro-pounds a unit


def test_median_and_decile_policies(tmp_path: Path) -> None:
    ty = load(tmp_path, priced_register())
    median = replace(ty.figures, policy=with_overrides(ty.policy, {"ppib_benchmark": "median"}))
    decile = replace(ty.figures, policy=with_overrides(ty.policy, {"ppib_benchmark": "best_decile"}))
    assert opportunity(ty.frames.benchmarks, median, FY).total == 2_000_00  # A: 1.00 x 2,000; C has no median
    assert (
        opportunity(ty.frames.benchmarks, decile, FY).total == 4_200_00 + 100_00
    )  # A 2.10 x 2,000; B 0.05 x 2,000


def test_opportunity_is_never_in_savings_totals(tmp_path: Path) -> None:
    with_benchmarks = summary(load(tmp_path / "a", priced_register()), FY)
    t = priced_register()
    del t["Benchmarks"]
    without = summary(load(tmp_path / "b", t), FY)
    assert with_benchmarks == without


def test_l_as_a_share_of_benchmark_opportunity(tmp_path: Path) -> None:
    t = priced_register()
    t["TowerSpend"] = [["fy", "tower_code", "spend"], [FY, "T1", "100000"], [FY, "T2", "50000"]]
    t["Policy"] = [
        ["key", "value"],
        ["local_savings_rate_source", "ppib_share"],
        ["local_savings_rate", "0.5"],
    ]
    recon = load(tmp_path, t).recon(FY)
    assert {r.tower_code: r.local_foregone for r in recon.rows} == {
        "T1": 1_500_00,
        "T2": 1_172_84,
    }  # half of £2,345.67, half-up
