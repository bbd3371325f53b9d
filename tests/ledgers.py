"""Tiny readable ledgers for tests: a register as Python lists, written as CSV and imported."""
from __future__ import annotations

import csv
from pathlib import Path

from ledger.db import open_ledger
from ledger.engine.summary import TrustYear, load_trust
from ledger.register.load import import_register

LINE_HEADER = ["line_id", "scheme_id", "contract_id", "product_code", "cost_centre", "subjective", "benefit_type",
               "attribution", "tower_enabled", "baseline_price", "new_price", "unit", "annual_volume", "go_live",
               "end_date", "one_off_costs", "created_by", "notes"]


def base(trust: str = "RT1") -> dict[str, list[list[str]]]:
    """A valid register with one trust, one 3-year contract, one scheme and no lines yet."""
    return {
        "Trust": [["org_code", "name", "trust_type", "region"], [trust, "Test NHS Trust", "acute", "South"]],
        "Contracts": [["contract_id", "supplier", "route", "tower_code", "category", "start_date", "end_date"],
                      ["C1", "Supplier Ltd", "local", "", "Clinical consumables", "2025-04-01", "2028-03-31"]],
        "Schemes": [["scheme_id", "title", "division", "category", "owner", "maturity", "stage", "qia_required",
                     "qia_ref"],
                    ["S1", "Scheme one", "Surgery", "Clinical consumables", "Owner", "fully_developed", "", "false",
                     "QIA-1"]],
        "SavingLines": [list(LINE_HEADER)],
        "Actuals": [["line_id", "month", "volume", "price_paid"]],
        "BudgetAdjustments": [["adjustment_id", "line_id", "ledger_ref", "cost_centre", "subjective", "amount",
                               "recurrent", "effective_from"]],
        "SignOffs": [["line_id", "role", "person", "decision", "date"]],
    }


def line(line_id: str, p0: str, p1: str, volume: str, go_live: str, *, kind: str = "PRICE_REDUCTION",
         contract: str = "C1", product: str = "", cost_centre: str = "CC1", end: str = "", costs: str = "",
         creator: str = "Pat Procurement", scheme: str = "S1", attribution: str = "local") -> list[str]:
    """One SavingLines row with readable defaults."""
    return [line_id, scheme, contract, product or f"P-{line_id}", cost_centre, "non_pay", kind, attribution,
            "false", p0, p1, "unit", volume, go_live, end, costs, creator, ""]


def signed(line_id: str, date: str = "2025-04-02", holder: str = "Bea Holder", finance: str = "Fin Accountant"):
    """Budget holder and finance approvals for a line."""
    return [[line_id, "budget_holder", holder, "approve", date], [line_id, "finance", finance, "approve", date]]


def budget(adj_id: str, line_id: str, amount: str, effective: str, recurrent: bool = True) -> list[str]:
    return [adj_id, line_id, f"JNL-{adj_id}", "CC1", "non_pay", amount, "true" if recurrent else "false", effective]


def monthly(line_id: str, first: str, months: int, volume: str, price: str) -> list[list[str]]:
    """Actual rows for `months` consecutive months starting at `first` (YYYY-MM)."""
    year, month = map(int, first.split("-"))
    rows = []
    for _ in range(months):
        rows.append([line_id, f"{year:04d}-{month:02d}", volume, price])
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return rows


def write_register(folder: Path, tables: dict[str, list[list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return folder


def load(tmp_path: Path, tables: dict[str, list[list[str]]], as_at=None) -> TrustYear:
    """Write `tables` as a register, import it into a fresh SQLite ledger and compute the trust."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    engine = open_ledger(f"sqlite:///{tmp_path}/ledger.db")
    result = import_register(engine, write_register(tmp_path / "register", tables))
    return load_trust(engine, result.trust, as_at)
