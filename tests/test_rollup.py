"""Regional roll-up: many trusts in one ledger, each row exactly its own summary, totals equal to the
sum of the trusts (and of the regions), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ledger import models
from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.register.load import import_register
from ledger.rollup import MONEY, rollup
from tests.ledgers import base, budget, line, monthly, signed, write_register

FY = "2025/26"
AS_AT = date(2026, 3, 31)
TRUSTS = {"RA1": "North", "RA2": "North", "RA3": "north ", "RB1": "London", "RB2": "London"}


def trust_register(org: str, region: str, scale: int) -> dict:
    """A small trust; every trust uses the same line ids, products and cost centres on purpose."""
    t = base(org)
    t["Trust"][1][3] = region
    t["Contracts"].append(["NHSSC-T1", "NHS Supply Chain", "nhssc", "T1", "Ward", "2025-04-01", "2028-03-31"])
    t["SavingLines"] += [
        line("L1", "4.00", "3.40", str(2000 * scale), "2025-11-01"),  # (CIP) validated, budget removed
        line("L2", "2.00", "1.50", str(1000 * scale), "2025-06-15"),  # (at risk) no budget removal
        line("L3", "5.00", "4.00", str(1200 * scale), "2025-04-01", contract="NHSSC-T1", attribution="tower"),
        line("L4", "1.50", "1.00", str(3000 * scale), "2025-04-01", kind="COST_AVOIDANCE_TENDER"),
    ]
    for lid in ("L1", "L2", "L3"):
        t["SignOffs"] += signed(lid)
    t["BudgetAdjustments"] += [
        budget("BA1", "L1", f"{720 * scale}.00", "2025-11-01"),
        budget("BA3", "L3", f"{1200 * scale}.00", "2025-04-01"),
    ]
    t["Actuals"] += monthly("L1", "2025-11", 5, str(150 * scale), "3.40") + monthly(
        "L3", "2025-04", 12, str(100 * scale), "4.00"
    )
    t["TowerSpend"] = [["fy", "tower_code", "spend"], [FY, "T1", f"{100000 * scale}"]]
    t["TowerStatement"] = [["fy", "tower_code", "claimed", "method"], [FY, "T1", f"{1500 * scale}.37", "NHSSC"]]
    if org != "RA2":  # (missing) RA2 has no contribution recorded
        t["TowerContribution"] = [["fy", "amount", "basis", "source_ref"], [FY, f"{1000 * scale}.01", "notified", "x"]]
    return t


def build(url: str, tmp_path: Path) -> Engine:
    engine = open_ledger(url)
    for i, (org, region) in enumerate(TRUSTS.items(), start=1):
        import_register(engine, write_register(tmp_path / org, trust_register(org, region, i)))
    return engine


def pence(text: str | None) -> int | None:
    return None if text is None else int(Decimal(text) * 100)


def field(data: dict, block: str, key: str) -> str | None:
    return data[block][key] if key else data[block]


def check_rollup(engine: Engine) -> dict:
    """Rows equal each trust's own summary; totals equal the sums; regions add up to the whole."""
    north = rollup(engine, FY, AS_AT, "NORTH")
    assert [r.org_code for r in north.rows] == ["RA1", "RA2", "RA3"]
    for row in north.rows:
        assert row.figures == summary(load_trust(engine, row.org_code, AS_AT), FY)
    everything = rollup(engine, FY, AS_AT)
    total = everything.total()
    for block, key in MONEY:
        values = [pence(field(r.figures, block, key)) for r in everything.rows]
        expected = None if None in values else sum(values)
        assert pence(field(total, block, key)) == expected, (block, key)
        regions = [pence(field(everything.total(name), block, key)) for name in everything.regions()]
        assert (None if None in regions else sum(regions)) == expected
    assert total["missing"]["towers.contribution"] == ["RA2"]
    assert total["trusts"] == 5 and total["exceptions"]["errors"] == sum(
        r.figures["exceptions"]["errors"] for r in everything.rows
    )
    t = models.TowerStatement.__table__
    with engine.connect() as conn:  # an independent check against the register rows themselves
        claimed = conn.execute(select(func.sum(t.c.claimed_pence)).where(t.c.fy == FY)).scalar()
    assert pence(total["towers"]["claimed"]) == claimed
    return everything.to_json()


def test_region_rolls_up_on_sqlite(tmp_path: Path) -> None:
    data = check_rollup(build(f"sqlite:///{tmp_path}/l.db", tmp_path))
    assert [(r["region"], r["trusts"]) for r in data["regions"]] == [("London", 2), ("North", 3)]
    london = next(r for r in data["regions"] if r["region"] == "London")
    assert london["towers"]["contribution"] == "9000.02"  # RB1 £4,000.01 + RB2 £5,000.01
    assert london["towers"]["coverage"] is not None and data["total"]["towers"]["coverage"] is None


def test_unknown_region_names_the_known_ones(tmp_path: Path) -> None:
    engine = build(f"sqlite:///{tmp_path}/l.db", tmp_path)
    with pytest.raises(LedgerError, match=r"no trust in region 'Midlands'; regions in the ledger: London \(2\)"):
        rollup(engine, FY, AS_AT, "Midlands")


@pytest.mark.pg
def test_region_rolls_up_on_postgresql(pg_ledger_url: str, tmp_path: Path) -> None:
    on_pg = check_rollup(build(pg_ledger_url, tmp_path))
    on_sqlite = check_rollup(build(f"sqlite:///{tmp_path}/l.db", tmp_path))
    assert on_pg == on_sqlite
