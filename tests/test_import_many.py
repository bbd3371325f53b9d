"""`savings import DIR --all`: many trusts with one command, each register all or nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.db import open_ledger
from ledger.import_many import import_many, registers_in
from ledger.register.load import count_rows, import_register
from reports.cli import app
from tests.ledgers import base, line, monthly, write_register


def trust(code: str, actual_months: int = 3) -> dict:
    t = base(code)
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Actuals"] += monthly("L1", "2025-04", actual_months, "100", "1.00")
    return t


@pytest.fixture
def national(tmp_path: Path) -> Path:
    """Three trust registers in one folder; RB2's has a bad price (refused), the others are good."""
    folder = tmp_path / "national"
    write_register(folder / "RA1", trust("RA1"))  # (ok)
    bad = trust("RB2")
    bad["SavingLines"][1][10] = "one pound"  # (finding) new_price is not a number
    write_register(folder / "RB2", bad)
    write_register(folder / "RC3", trust("RC3", actual_months=5))  # (ok)
    (folder / "notes").mkdir()  # not a register: no Trust.csv
    return folder


def test_all_imports_every_register_and_refuses_only_the_bad_one(tmp_path: Path, national: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    result = CliRunner().invoke(app, ["import", str(national), "--all", "--db", url])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "RA1: imported 1 Contracts, 1 Schemes, 1 SavingLines, 3 Actuals, 0 BudgetAdjustments, 0 SignOffs from RA1",
        "RC3: imported 1 Contracts, 1 Schemes, 1 SavingLines, 5 Actuals, 0 BudgetAdjustments, 0 SignOffs from RC3",
        "3 registers: 2 imported, 0 unchanged, 1 refused",
    ]
    assert result.stderr == (f"{national}/RB2/SavingLines.csv:2:new_price: not a number ('one pound')\n"
                             f"{national}/RB2: refused; nothing imported from it\n")
    engine = open_ledger(url)
    assert [count_rows(engine, t)["Actuals"] for t in ("RA1", "RB2", "RC3")] == [3, 0, 5]


def test_registers_named_one_by_one_and_again_unchanged(tmp_path: Path, national: Path) -> None:
    url = f"sqlite:///{tmp_path}/l.db"
    runner = CliRunner()
    paths = [str(national / "RA1"), str(national / "RC3")]
    assert runner.invoke(app, ["import", *paths, "--db", url]).exit_code == 0
    again = runner.invoke(app, ["import", *paths, "--db", url])
    assert again.exit_code == 0
    assert again.stdout.splitlines()[-1] == "2 registers: 0 imported, 2 unchanged, 0 refused"


def test_registers_in_lists_csv_folders_and_workbooks_in_name_order(tmp_path: Path, national: Path) -> None:
    (national / "RZ9.xlsx").write_bytes(b"")
    (national / "~$RZ9.xlsx").write_bytes(b"")  # Excel's lock file is not a register
    assert [p.name for p in registers_in(national)] == ["RA1", "RB2", "RC3", "RZ9.xlsx"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p, "holds no registers"),
    (lambda p: p / "missing", "not a folder"),
])
def test_all_on_a_folder_without_registers_is_a_clear_error(tmp_path: Path, make, message: str) -> None:
    result = CliRunner().invoke(app, ["import", str(make(tmp_path)), "--all", "--db", f"sqlite:///{tmp_path}/l.db"])
    assert result.exit_code == 1
    assert message in result.stderr


def test_jobs_need_postgresql(tmp_path: Path, national: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(national), "--all", "--jobs", "2",
                                      "--db", f"sqlite:///{tmp_path}/l.db"])
    assert result.exit_code == 2
    assert result.stderr.startswith("--jobs needs PostgreSQL")


def test_progress_callback_counts_every_row_read(tmp_path: Path) -> None:
    t = trust("RT1")
    t["Actuals"] += [["L1", f"2025-{4 + i % 9:02d}", "1", "1.00"] for i in range(12_000)]
    calls: list[int] = []
    import_register(open_ledger(f"sqlite:///{tmp_path}/l.db"), write_register(tmp_path / "r", t), calls.append)
    assert sum(calls) == 1 + 1 + 1 + 12_003  # contracts, schemes, lines, actuals (Trust is read before)
    assert max(calls) == 5_000


def test_progress_bar_draws_and_outcomes_are_the_same(tmp_path: Path, national: Path) -> None:
    outcomes = import_many(f"sqlite:///{tmp_path}/l.db", registers_in(national), show_progress=True)
    assert [(o.path.name, o.rows) for o in outcomes] == [("RA1", 6), ("RB2", 0), ("RC3", 8)]


@pytest.mark.pg
def test_jobs_on_postgresql_import_each_trust_atomically(pg_ledger_url: str, national: Path) -> None:
    outcomes = import_many(pg_ledger_url, registers_in(national), jobs=2, show_progress=False)
    assert sorted((o.path.name, o.result is not None) for o in outcomes) == [
        ("RA1", True), ("RB2", False), ("RC3", True)]
    engine = open_ledger(pg_ledger_url)
    assert [count_rows(engine, t)["Actuals"] for t in ("RA1", "RB2", "RC3")] == [3, 0, 5]
