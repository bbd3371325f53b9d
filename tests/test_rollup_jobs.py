"""The roll-up shared among worker processes gives exactly the figures of one process."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ledger.db import open_ledger
from ledger.import_many import import_many
from ledger.register.load import import_register
from ledger.rollup import rollup
from tests.ledgers import budget, signed, write_register
from tests.test_import_many import trust

FY, AS_AT = "2025/26", date(2026, 3, 31)


def test_workers_give_the_same_rollup_as_one_process(tmp_path: Path) -> None:
    paths = []
    for i, code in enumerate(("RA1", "RB2", "RC3", "RD4", "RE5")):
        t = trust(code, actual_months=1 + i)
        t["Trust"][1][3] = ("North", "South")[i % 2]
        t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-04-01"))
        t["SignOffs"] += signed("L1")
        paths.append(write_register(tmp_path / code, t))
    url = f"sqlite:///{tmp_path}/l.db"
    import_many(url, paths, show_progress=False)
    engine = open_ledger(url)
    calls: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    alone = rollup(engine, FY, AS_AT, jobs=1, progress=lambda *call: calls[1].append(call)).to_json()
    shared = rollup(engine, FY, AS_AT, jobs=2, progress=lambda *call: calls[2].append(call)).to_json()
    assert shared == alone
    assert calls[1] == calls[2] == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]  # then each trust once
    assert [t["cip"]["delivered"] for t in shared["trusts"]] == ["100.00", "200.00", "300.00", "400.00", "500.00"]
    assert shared["total"]["cip"]["delivered"] == "1500.00"


def test_an_in_memory_ledger_is_rolled_up_in_this_process(tmp_path: Path) -> None:
    engine = open_ledger("sqlite://")  # worker processes could not open it: jobs fall back to one
    import_register(engine, write_register(tmp_path / "RA1", trust("RA1")))
    assert rollup(engine, FY, AS_AT, jobs=2).to_json() == rollup(engine, FY, AS_AT, jobs=1).to_json()
