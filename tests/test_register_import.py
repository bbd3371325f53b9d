"""Register import: every bad input is named by file:sheet:row:column and nothing is written."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import text
from typer.testing import CliRunner

from ledger.db import open_ledger
from ledger.errors import LedgerError
from ledger.register import load
from ledger.register import read as read_module
from ledger.register.load import RegisterInvalid, count_rows, import_register
from reports.cli import app
from tests.ledgers import base, budget, line, monthly, signed, write_register


def good() -> dict:
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Actuals"] += monthly("L1", "2025-04", 3, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-04-01"))
    t["SignOffs"] += signed("L1")
    return t


def problems(tmp_path: Path, tables: dict) -> list[str]:
    """Import `tables` into a ledger already holding the good register; return the problem lines."""
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, write_register(tmp_path / "ok", good()))
    before = count_rows(engine, "RT1")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, write_register(tmp_path / "bad", tables))
    assert count_rows(engine, "RT1") == before, "a failed import must leave the ledger exactly as it was"
    return [p.replace(f"{tmp_path}/bad/", "") for p in str(err.value).splitlines()]


def test_an_empty_file_is_one_problem_not_one_per_column(tmp_path) -> None:
    t = good()
    t["Contracts"] = []
    expected = ["Contracts.csv:1:*: row 1 is empty: it must be the header row of column names, with no blank row "
                "above it (savings template writes a register with every sheet's)"]
    assert problems(tmp_path, t) == expected
    t["Contracts"] = [[], *good()["Contracts"]]  # (finding) a blank row above the header: the same words fit
    assert problems(tmp_path, t) == expected


def test_lines_naming_an_empty_sheet_are_one_problem_per_column(tmp_path) -> None:
    t = good()
    t["SavingLines"] = t["SavingLines"][:1]  # the header alone
    assert problems(tmp_path, t) == [  # three Actuals rows name L1: said once (Actuals come last)
        "BudgetAdjustments.csv:2:line_id: names saving line 'L1', but SavingLines has no rows: no row of "
        "BudgetAdjustments that names one can be imported",
        "SignOffs.csv:2:line_id: names saving line 'L1', but SavingLines has no rows: no row of SignOffs that names "
        "one can be imported",
        "Actuals.csv:2:line_id: names saving line 'L1', but SavingLines has no rows: no row of Actuals that names "
        "one can be imported",
    ]


def test_missing_sheet(tmp_path) -> None:
    t = good()
    del t["Schemes"]
    assert problems(tmp_path, t) == ["Schemes.csv:0:*: required sheet is missing"]


def test_a_sheet_named_nearly_as_a_register_sheet_is_refused_not_skipped(tmp_path) -> None:
    """`Budget Adjustments.csv` was skipped without a word, and every line lost its budget removal."""
    t = good()
    t["Budget Adjustments"] = t.pop("BudgetAdjustments")  # (finding) optional sheet, misnamed
    t["scheme"] = t.pop("Schemes")  # (finding) required sheet, misnamed
    t["Notes"] = [["anything"], ["kept out of the ledger"]]  # (ok) a file that is no register sheet
    assert problems(tmp_path, t) == [
        "scheme.csv:0:*: not the name of a register sheet: rename it Schemes.csv, or its rows are not imported",
        "Budget Adjustments.csv:0:*: not the name of a register sheet: rename it BudgetAdjustments.csv, or its rows "
        "are not imported"]


def test_a_copy_of_a_register_sheet_beside_it_is_refused_not_skipped(tmp_path) -> None:
    """Excel names a copied sheet `Actuals (2)`: its rows were skipped without a word while Actuals was
    read, so a month's invoices moved into the copy were lost from delivery."""
    t = good()
    t["Actuals (2)"] = t["Actuals"][:1] + t["Actuals"][1:2]  # (finding) a copy beside the sheet
    t["Sign Offs"] = t["SignOffs"][:1]  # (finding) the same sheet, spelt apart
    assert problems(tmp_path, t) == [
        "Actuals (2).csv:0:*: not the name of a register sheet, and Actuals.csv is here too: its rows are not "
        "imported; move them into Actuals.csv, or remove it",
        "Sign Offs.csv:0:*: not the name of a register sheet, and SignOffs.csv is here too: its rows are not "
        "imported; move them into SignOffs.csv, or remove it"]


def test_an_audit_workbooks_continued_actuals_are_refused_not_cut(tmp_path) -> None:
    """An audit workbook continues Actuals past Excel's last row on Actuals_2; imported back, the
    rows there would have been dropped. The import is refused and says where such rows can go."""
    t = good()
    t["Actuals_2"] = t["Actuals"][:1] + t["Actuals"][1:2]  # (finding)
    assert problems(tmp_path, t) == [
        "Actuals_2.csv:0:*: continues Actuals.csv in an audit workbook, past the 1,048,576 rows an Excel sheet "
        "holds: a register keeps each sheet on one sheet, so import the trust's register as CSV files, which hold "
        "any number of rows"]


def test_a_csv_separated_by_semicolons_is_named_as_such(tmp_path) -> None:
    """Excel in a European locale saves "CSV" with semicolons: it was refused as missing every column."""
    t = good()
    write_register(tmp_path / "bad", t)
    contracts = tmp_path / "bad" / "Contracts.csv"
    contracts.write_text(contracts.read_text().replace(",", ";"))  # (finding)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, tmp_path / "bad")
    assert str(err.value).replace(f"{tmp_path}/bad/", "").splitlines() == [
        "Contracts.csv:1:*: the header row is one column, 'contract_id;supplier;route;tower_code;category;start_date;"
        "end_date': its columns are separated by semicolons, not commas; save it as CSV UTF-8 (comma delimited)"]


def test_a_wau_constant_or_expected_cost_of_zero_is_refused(tmp_path) -> None:
    """A constant of 0 stopped carter, the pack and the workbook with ZeroDivisionError; an expected cost
    of 0 or less dropped the year from the Carter table without a word."""
    t = good()
    t["Activity"] = [["fy", "non_pay_spend", "wau", "expected_cost_sum", "wau_constant"],
                     ["2024/25", "1000.00", "", "351360.00", "0"],  # (finding) wau_constant
                     ["2025/26", "1000.00", "", "-5.00", ""],  # (finding) expected_cost_sum
                     ["2026/27", "1000.00", "100", "", ""]]  # (ok)
    assert problems(tmp_path, t) == [
        "Activity.csv:2:wau_constant: must be more than zero: WAUs are the expected cost divided by the constant (E9)",
        "Activity.csv:3:expected_cost_sum: must be more than zero: WAUs are the expected cost divided by the "
        "constant (E9)"]


def test_a_negative_tower_spend_is_refused(tmp_path) -> None:
    """It took a negative share of the contribution and gave the other towers more than all of it."""
    t = good()
    t["TowerSpend"] = [["fy", "tower_code", "spend"], ["2025/26", "T1", "(100.00)"],  # (finding)
                       ["2025/26", "T2", "0.00"]]  # (ok)
    assert problems(tmp_path, t) == [
        "TowerSpend.csv:2:spend: cannot be negative: the contribution is shared out by each tower's spend (6.2)"]


def test_ids_that_look_the_same_are_the_same_id_however_their_accents_were_typed(tmp_path) -> None:
    """`Café` typed with é, and with e and a combining accent, looked alike on every page and were two
    ids: a sign-off naming one missed the line that held the other. Ids are kept composed (NFC)."""
    composed, combined = "CAF\u00c9-2", "CAFE\u0301-2"
    t = good()
    t["SavingLines"].append(line(composed, "2.00", "1.00", "1200", "2025-04-01"))
    t["SignOffs"] += signed(combined)  # (ok) the same line, its accent typed apart
    engine = open_ledger(f"sqlite:///{tmp_path}/nfc.db")
    import_register(engine, write_register(tmp_path / "nfc", t))
    with engine.connect() as conn:
        named = conn.execute(text("SELECT DISTINCT line_id FROM signoff WHERE line_id LIKE 'CAF%'")).scalars().all()
    assert named == [composed]
    typed = CliRunner().invoke(app, ["history", combined, "--db", f"sqlite:///{tmp_path}/nfc.db"])  # as a Mac types
    assert typed.exit_code == 0 and "Bea Holder" in typed.output
    t["SavingLines"].append(line(combined, "2.00", "1.00", "1200", "2025-04-01"))  # (finding) a second line the same
    assert problems(tmp_path, t) == [f"SavingLines.csv:4:line_id: duplicate line_id {composed} (first on row 3)"]


def test_an_id_longer_than_a_key_is_refused(tmp_path) -> None:
    """A 100,000-character line id went in, and every table, address and audit event carried it whole."""
    t = good()
    t["SavingLines"].append(line("L" * 101, "2.00", "1.00", "1200", "2025-04-01"))  # (finding)
    t["SavingLines"].append(line("L" * 100, "2.00", "1.00", "1200", "2025-04-01"))  # (ok) at the limit
    assert problems(tmp_path, t) == [
        "SavingLines.csv:3:line_id: is 101 characters long: an id is a short key, at most 100 characters (tables, "
        "web addresses and the audit trail show it whole); shorten it"]


def test_a_negative_implementation_cost_or_contribution_is_refused(tmp_path) -> None:
    """A negative one-off cost was added to CIP (F4 nets costs off the saving), and a negative
    contribution made the towers' coverage -5957%: neither is a cost the trust bears."""
    t = good()
    t["SavingLines"].append(line("L2", "2.00", "1.00", "1200", "2025-04-01", costs="(12.00)"))  # (finding)
    t["SavingLines"].append(line("L3", "2.00", "1.00", "1200", "2025-04-01", costs="0.00"))  # (ok)
    t["TowerContribution"] = [["fy", "amount", "basis", "source_ref", "income"],
                              ["2024/25", "-100.00", "notified", "x", ""],  # (finding)
                              ["2025/26", "", "", "", "-5000000.00"],  # (finding)
                              ["2026/27", "0.00", "notified", "x", ""]]  # (ok)
    assert problems(tmp_path, t) == [
        "SavingLines.csv:3:one_off_costs: cannot be negative: implementation costs are taken off the saving (F4, "
        "R-ELG-4), so a negative one would add to CIP",
        "TowerContribution.csv:2:amount: cannot be negative: it is what the trust pays towards the towers (6.1)",
        "TowerContribution.csv:3:income: cannot be negative: the contribution is estimated from it (6.1)"]


def test_a_negative_or_fractional_peer_count_is_refused(tmp_path) -> None:
    t = good()
    t["Benchmarks"] = [["product_code", "period", "price_paid", "volume", "p_lower_quartile", "p_best", "n_peers"],
                       ["P-L1", "2025-06", "1.00", "100", "0.90", "0.80", "-3"],  # (finding)
                       ["P-L2", "2025-06", "1.00", "100", "0.90", "0.80", "0"],  # (ok)
                       ["P-L3", "2025-06", "1.00", "100", "0.90", "0.80", "1.5"]]  # (finding)
    assert problems(tmp_path, t) == [
        "Benchmarks.csv:2:n_peers: cannot be negative: it counts the peers behind the benchmark prices",
        "Benchmarks.csv:4:n_peers: not a whole number ('1.5')"]  # was "a whole number has more than 0 decimal places"


def test_a_csv_file_ending_in_upper_case_csv_is_refused_not_skipped(tmp_path) -> None:
    """Actuals.CSV (as Windows may name it) was never read: the register imported with no actuals."""
    t = good()
    write_register(tmp_path / "bad", t)
    (tmp_path / "bad" / "Actuals.csv").rename(tmp_path / "bad" / "Actuals.CSV")  # (finding)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, tmp_path / "bad")
    assert str(err.value).replace(f"{tmp_path}/bad/", "").splitlines() == [
        "Actuals.CSV:0:*: not read: a register's files end in .csv; rename it Actuals.csv"]


def test_a_title_row_above_the_header_is_named_as_such(tmp_path) -> None:
    """A title in row 1 was reported as every required column missing."""
    t = good()
    t["Contracts"].insert(0, ["Contracts register, March"])  # (finding)
    assert problems(tmp_path, t) == [
        "Contracts.csv:1:*: row 1 names none of the sheet's columns ('contracts register, march'): row 1 must be "
        "the header of column names, e.g. contract_id, supplier, route"]


def test_missing_required_column(tmp_path) -> None:
    t = good()
    t["Contracts"] = [[c for c in row[:-2]] + row[-1:] for row in t["Contracts"]]  # drop start_date
    assert problems(tmp_path, t) == ["Contracts.csv:1:start_date: required column is missing"]


def test_text_in_money_price_and_date_columns(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][10] = "3,4O"
    t["SavingLines"][1][13] = "01/04/2025"
    t["BudgetAdjustments"][1][5] = "twelve hundred"
    assert problems(tmp_path, t) == [
        "SavingLines.csv:2:new_price: not a number ('3,4O')",
        "SavingLines.csv:2:go_live: not a date like 2025-11-01 ('01/04/2025')",
        "BudgetAdjustments.csv:2:amount: not a number ('twelve hundred')",
    ]


def test_scientific_notation_is_refused_saying_to_write_the_amount_out(tmp_path) -> None:
    """1e3 is a spreadsheet's shorthand, not how a ledger's amounts are written: refused, never read as 1000."""
    t = good()
    t["BudgetAdjustments"][1][5] = "1e3"  # (finding) amount
    t["Actuals"][1][2] = "1.2E+2"  # (finding) volume
    folder = write_register(tmp_path / "bad", t)
    run = CliRunner().invoke(app, ["import", str(folder), "--db", f"sqlite:///{tmp_path}/l.db"])
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        f"{folder}/BudgetAdjustments.csv:2:amount: scientific notation is not accepted ('1e3'); write the amount out, "
        "e.g. 1000.00 rather than 1e3",
        f"{folder}/Actuals.csv:2:volume: scientific notation is not accepted ('1.2E+2'); write the amount out, "
        "e.g. 1000.00 rather than 1e3",
        f"{folder}: refused; nothing imported from it"]


def test_numbers_too_large_for_the_ledger_are_refused_not_a_crash(tmp_path) -> None:
    """A number past 10^12, or a line or invoice row spending over £1bn, is a slip; stored, it would not fit
    the database (a traceback) or would stop the engine counting the whole trust."""
    t = good()
    t["SavingLines"][1][9] = "99999999999999999999999"  # baseline_price: past int64 in micro-pounds
    t["SavingLines"].append(line("L2", "10000000", "9000000", "1000000", "2025-04-01"))  # £10bn a year
    t["Actuals"][1][2] = "2000000000"  # 2bn units at £1.00 in one invoice row
    assert problems(tmp_path, t) == [
        "SavingLines.csv:2:baseline_price: too large ('99999999999999999999999'): the ledger holds numbers up to "
        "1,000,000,000,000",
        "SavingLines.csv:3:annual_volume: at these prices and volumes the line spends £10,000,000,000,000 a year, "
        "more than the ledger counts (£1,000,000,000): check the price and the volume",
        "Actuals.csv:2:volume: at these prices and volumes this invoice row spends £2,000,000,000, more than the "
        "ledger counts (£1,000,000,000): check the price and the volume"]


def test_digits_other_than_0_to_9_are_refused_at_the_cell(tmp_path) -> None:
    """Python reads Arabic-Indic ١٢٣ and full-width １２３ as 123, where a spreadsheet sees text: a number,
    month, year or date is written with the digits 0-9."""
    t = good()
    t["SavingLines"][1][9] = "１０.００"  # (finding) baseline_price, full-width
    t["SavingLines"][1][12] = "١٢٠٠"  # (finding) annual_volume, Arabic-Indic
    t["SavingLines"][1][15] = "£１,０００"  # (finding) one_off_costs
    t["SavingLines"].append(line("L2", "2.00", "1.00", "12", "２０２５-04-01"))  # (finding) go_live
    t["Actuals"][2][1] = "２０２５-05"  # (finding) month
    t["BudgetAdjustments"][1][5] = "١٢٠٠.٠٠"  # (finding) amount
    t["Policy"] = [["key", "value"], ["ppib_min_peers", "٥"], ["local_savings_rate", "０.０２"],  # (finding) both
                   ["rag_thresholds", "0.95,0.8"]]  # (ok)
    assert problems(tmp_path, t) == [
        "SavingLines.csv:2:baseline_price: not a number ('１０.００'): use the digits 0-9",
        "SavingLines.csv:2:annual_volume: not a number ('١٢٠٠'): use the digits 0-9",
        "SavingLines.csv:2:one_off_costs: not a number ('£１,０００'): use the digits 0-9",
        "SavingLines.csv:3:go_live: not a date like 2025-11-01 ('２０２５-04-01')",
        "BudgetAdjustments.csv:2:amount: not a number ('١٢٠٠.٠٠'): use the digits 0-9",
        "Policy.csv:2:value: policy ppib_min_peers: '٥' is not valid: use the digits 0-9",
        "Policy.csv:3:value: policy local_savings_rate: '０.０２' is not valid: use the digits 0-9",
        "Actuals.csv:3:month: not a month like 2025-11 ('２０２５-05')"]


def test_a_date_before_the_ledgers_years_is_refused(tmp_path) -> None:
    """Excel holds no date before 1900: a line going live in year 1 imported, then made an audit workbook
    that showed ##### and that `savings import` could not read back."""
    t = good()
    t["SavingLines"][1][13] = "0001-01-01"  # (finding) go_live
    t["Contracts"][1][5] = "1900-03-31"  # (finding) start_date, the day before 1900/01
    t["SavingLines"].append(line("L2", "2.00", "1.00", "12", "1900-04-01"))  # (ok) the first day the ledger holds
    assert problems(tmp_path, t) == [
        "Contracts.csv:2:start_date: 1900-03-31 is before the years the ledger holds (from 1900-04-01)",
        "SavingLines.csv:2:go_live: 0001-01-01 is before the years the ledger holds (from 1900-04-01)"]


def test_a_bad_policy_row_is_named_by_its_row_and_column(tmp_path) -> None:
    """An unknown, locked or malformed policy was refused with no file, row or column to look at."""
    t = good()
    t["Policy"] = [["key", "value"],
                   ["local_savings_rate", "0.02"],  # (ok)
                   ["nonsense_key", "1"],  # (finding) key
                   ["cip_requires_budget_removal", "false"],  # (finding) locked
                   ["rag_thresholds", "high"],  # (finding) value
                   ["fy_start_month", "4"]]  # (ok) a locked key at its value
    got = problems(tmp_path, t)
    assert [p.split(": ")[0] for p in got] == ["Policy.csv:3:key", "Policy.csv:4:value", "Policy.csv:5:value"]
    assert got[1:] == [
        "Policy.csv:4:value: policy cip_requires_budget_removal cannot be changed: CIP always needs budget removal "
        "(R-ELG-1)",
        "Policy.csv:5:value: policy rag_thresholds: 'high' is not valid (expected two numbers, like 0.95,0.8)"]


def test_zero_and_negative_volumes(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][12] = "0"
    t["Actuals"][2][2] = "-5"
    got = problems(tmp_path, t)
    assert got[0] == "SavingLines.csv:2:annual_volume: a volume must be more than zero ('0')"
    assert "Actuals.csv:3:volume: a volume must be more than zero ('-5')" in got


def test_end_dates_before_start(tmp_path) -> None:
    t = good()
    t["Contracts"][1][-1] = "2024-03-31"
    t["SavingLines"][1][14] = "2025-03-01"
    assert problems(tmp_path, t) == ["Contracts.csv:2:end_date: end date is before the start date",
                                     "SavingLines.csv:2:end_date: end date is before go_live"]


def test_unknown_scheme_contract_and_line(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][1] = "NOPE"
    t["SavingLines"][1][2] = "C9"
    t["Actuals"].append(["GHOST", "2025-05", "1", "1.00"])
    got = problems(tmp_path, t)
    assert got[:2] == ["SavingLines.csv:2:scheme_id: names scheme 'NOPE', which is not in Schemes",
                       "SavingLines.csv:2:contract_id: names contract 'C9', which is not in Contracts"]
    assert got[2:] == ["Actuals.csv:5:line_id: names saving line 'GHOST', which is not in SavingLines"]


def test_duplicate_ids(tmp_path) -> None:
    t = good()
    t["SavingLines"].append(line("L1", "3.00", "1.00", "10", "2025-05-01"))
    assert problems(tmp_path, t) == ["SavingLines.csv:3:line_id: duplicate line_id L1 (first on row 2)"]


def test_an_id_holding_a_line_break_or_another_unseen_character_is_refused_at_its_cell(tmp_path) -> None:
    """Ids are named by other rows, the audit trail and the web app's addresses: one line of visible
    characters and plain spaces. Any visible character is an id's own."""
    t = good()
    t["Contracts"].append(["C\n2", "Other Ltd", "local", "", "", "2025-04-01", ""])  # (finding) a line break
    t["SavingLines"] += [
        line("L2\tb", "2.00", "1.00", "10", "2025-04-01"),  # (finding) a tab
        line("L3\u200b", "2.00", "1.00", "10", "2025-04-01"),  # (finding) a zero-width space
        line("..", "2.00", "1.00", "10", "2025-04-01"),  # (finding) no web address can name it
        line(" CIP/25/006?#% ", "2.00", "1.00", "10", "2025-04-01"),  # (ok) spaces around it are dropped
        line("CIP\n007", "2.00", "1.00", "10", "2025-04-01"),  # (finding) a line break, in the last row
    ]
    t["BudgetAdjustments"].append(budget("B\u00a02", "L1", "100.00", "2025-04-01"))  # (finding) a no-break space
    unseen = "an id is one line of visible characters and plain spaces; retype the id without it"
    assert problems(tmp_path, t) == [
        f"Contracts.csv:3:contract_id: holds a line break ('C\\n2'): {unseen}",
        f"SavingLines.csv:3:line_id: holds a tab ('L2\\tb'): {unseen}",
        f"SavingLines.csv:4:line_id: holds U+200B ZERO WIDTH SPACE ('L3\\u200b'): {unseen}",
        "SavingLines.csv:5:line_id: '..' cannot be an id: a web address reads '..' as a step between folders, so no "
        "page could name it; choose another id",
        f"SavingLines.csv:7:line_id: holds a line break ('CIP\\n007'): {unseen}",
        f"BudgetAdjustments.csv:3:adjustment_id: holds U+00A0 NO-BREAK SPACE ('B\\xa02'): {unseen}",
    ]


def test_deferral_is_rejected_at_entry(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][6] = "STOCK_RUNDOWN"
    got = problems(tmp_path, t)
    assert got[0].startswith("SavingLines.csv:2:benefit_type: R-ELG-6")


def test_actuals_are_checked_last_and_every_sheets_problems_are_reported(tmp_path) -> None:
    t = good()
    t["Actuals"][2][3] = "free"
    t["BudgetAdjustments"][1][5] = "twelve hundred"
    t["SignOffs"][1][0] = "GHOST"
    assert problems(tmp_path, t) == [
        "BudgetAdjustments.csv:2:amount: not a number ('twelve hundred')",
        "SignOffs.csv:2:line_id: names saving line 'GHOST', which is not in SavingLines",
        "Actuals.csv:3:price_paid: not a number ('free')",
    ]


@pytest.mark.pg
def test_a_problem_after_actuals_batches_went_in_leaves_postgresql_as_it_was(pg_ledger_url, tmp_path,
                                                                            monkeypatch) -> None:
    engine = open_ledger(pg_ledger_url)
    import_register(engine, write_register(tmp_path / "ok", good()))
    before = count_rows(engine, "RT1")
    monkeypatch.setattr(load, "BATCH", 2)  # the first Actuals batches are sent before the bad row is read
    t = good()
    t["Actuals"] += monthly("L1", "2025-07", 6, "100", "1.00")
    t["Actuals"][-1][2] = "lots"
    with pytest.raises(RegisterInvalid, match=r"Actuals\.csv:10:volume"):
        import_register(engine, write_register(tmp_path / "bad", t))
    assert count_rows(engine, "RT1") == before
    t["Actuals"][-1][2] = "100"
    assert import_register(engine, write_register(tmp_path / "fixed", t)).rows["Actuals"] == 9
    assert count_rows(engine, "RT1")["Actuals"] == 9
    engine.dispose()


def test_blank_rows_are_skipped(tmp_path) -> None:
    t = good()
    t["Actuals"].insert(2, ["", "", "", ""])
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    result = import_register(engine, write_register(tmp_path / "r", t))
    assert result.rows["Actuals"] == 3


def test_reimport_changes_nothing_and_a_change_replaces(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "r", good())
    assert import_register(engine, folder).changed
    assert not import_register(engine, folder).changed
    t = good()
    t["Schemes"][1][1] = "Gloves, renamed"
    t["Actuals"].append(["L1", "2025-07", "100", "1.00"])  # a new month of a validated line may be added
    assert import_register(engine, write_register(tmp_path / "r", t)).changed
    assert count_rows(engine, "RT1")["Actuals"] == 4
    from sqlalchemy import text

    with engine.connect() as conn:
        assert conn.execute(text("select title from scheme")).scalar() == "Gloves, renamed"


def xlsx(path: Path, tables: dict) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_register_imports(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    result = import_register(engine, xlsx(tmp_path / "register.xlsx", good()))
    assert result.rows["SavingLines"] == 1


def test_xlsx_formulas_and_merged_cells_are_refused(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][12] = "=100*12"
    path = xlsx(tmp_path / "register.xlsx", t)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["Schemes"].merge_cells("C2:D2")
    wb.save(path)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, path)
    assert str(err.value).splitlines() == [
        "register.xlsx:Schemes:2:*: merged cells C2:D2: unmerge them so every cell holds its own value",
        "register.xlsx:SavingLines:2:annual_volume: holds a formula (=100*12); paste values instead",
    ]


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_excel_numbers_too_large_are_refused_not_a_traceback(tmp_path, monkeypatch, reader) -> None:
    """A double past 28 digits stopped the import with decimal.InvalidOperation."""
    if reader == "openpyxl":
        monkeypatch.setattr(read_module, "CALAMINE_MAX_XML", 0)
    t = good()
    t["SavingLines"][1][12] = 1e20  # (finding) annual_volume
    t["BudgetAdjustments"][1][5] = -1e300  # (finding) amount
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, xlsx(tmp_path / "register.xlsx", t))
    assert str(err.value).splitlines() == [
        "register.xlsx:SavingLines:2:annual_volume: too large (1E+20): the ledger holds numbers up to "
        "1,000,000,000,000",
        "register.xlsx:BudgetAdjustments:2:amount: too large (-1E+300): the ledger holds numbers up to "
        "1,000,000,000,000",
    ]


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_excel_error_values_are_refused_not_read_as_empty(tmp_path, monkeypatch, reader) -> None:
    """#N/A in an optional column would be stored as nothing, and #DIV/0! in a required one
    reported as empty: both are refused as what they are, whichever reader opens the sheet."""
    if reader == "openpyxl":
        monkeypatch.setattr(read_module, "CALAMINE_MAX_XML", 0)
    t = good()
    t["SavingLines"][1][17] = "#N/A"  # notes
    t["BudgetAdjustments"][1][5] = "#DIV/0!"  # amount
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, xlsx(tmp_path / "register.xlsx", t))
    assert str(err.value).splitlines() == [
        "register.xlsx:SavingLines:2:notes: holds an Excel error (#N/A), not a value; enter the value",
        "register.xlsx:BudgetAdjustments:2:amount: holds an Excel error (#DIV/0!), not a value; enter the value",
    ]


def test_formula_text_in_a_csv_register_is_refused_like_a_formula_cell(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][12] = " =1200*1"  # (finding) annual_volume, as a spreadsheet would run it
    t["Actuals"][1][3] = '=HYPERLINK("http://x.example","1.00")'  # (finding) price_paid
    t["SavingLines"][1][-1] = "net = gross - fees"  # an equals sign inside text is text
    assert problems(tmp_path, t) == [
        "SavingLines.csv:2:annual_volume: holds a formula (=1200*1); paste values instead",
        'Actuals.csv:2:price_paid: holds a formula (=HYPERLINK("http://x.example","1.00")); paste values instead',
    ]


def test_a_nul_character_in_a_cell_is_refused_not_stored(tmp_path) -> None:
    """A stray zero byte from a broken export: text that cannot be shown or stored in PostgreSQL."""
    t = good()
    t["SavingLines"][1][17] = "price\x00 agreed"  # (finding) notes, text the parsers keep as it is
    t["Actuals"][2][1] = "2025-05\x00"  # (finding) a month the month parser would read
    assert problems(tmp_path, t) == [
        "SavingLines.csv:2:notes: holds a NUL character ('price\\x00 agreed'); retype the cell without it",
        "Actuals.csv:3:month: holds a NUL character ('2025-05\\x00'); retype the cell without it",
    ]


@pytest.mark.parametrize("reader", ["calamine", "openpyxl"])
def test_a_nul_character_in_a_workbook_cell_is_refused(tmp_path, monkeypatch, reader) -> None:
    """Excel writes a NUL in text as `_x0000_`, and either reader turns it back into one."""
    if reader == "openpyxl":
        monkeypatch.setattr(read_module, "CALAMINE_MAX_XML", 0)
    t = good()
    t["Contracts"][1][1] = "Supplier_x0000_ Ltd"  # (finding) supplier
    path = xlsx(tmp_path / "register.xlsx", t)
    run = CliRunner().invoke(app, ["import", str(path), "--db", f"sqlite:///{tmp_path}/l.db"])
    assert run.exit_code == 1
    assert run.stderr.splitlines() == [
        "register.xlsx:Contracts:2:supplier: holds a NUL character ('Supplier\\x00 Ltd'); retype the cell without it",
        f"{path}: refused; nothing imported from it"]


def test_excel_numbers_and_dates_are_read_exactly(tmp_path) -> None:
    from datetime import datetime

    t = good()
    t["SavingLines"][1][9:14] = [4.1, 3.405, "unit", 24000, datetime(2025, 4, 1)]  # noqa: DTZ001 (Excel dates are naive)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, xlsx(tmp_path / "register.xlsx", t))
    from ledger.engine.summary import lines, load_trust

    assert next(iter(lines(load_trust(engine, "RT1"))))["fye"] == "16680.00"  # (4.1 - 3.405) x 24,000


@pytest.mark.parametrize(("content", "message"), [
    (b"hello, this is not a workbook", "not an .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "password-protected or an old .xls"),
])
def test_files_that_are_not_workbooks(tmp_path, content: bytes, message: str) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match=message):
        import_register(open_ledger(f"sqlite:///{tmp_path}/l.db"), path)


def test_a_workbook_named_otherwise_than_xlsx_is_told_to_be_renamed(tmp_path) -> None:
    """An .xlsx saved as `register.xls` got openpyxl's words about the old .xls format and xlrd."""
    path = xlsx(tmp_path / "register.xlsx", good()).rename(tmp_path / "register.xls")  # (finding)
    with pytest.raises(LedgerError) as caught:
        import_register(open_ledger(f"sqlite:///{tmp_path}/l.db"), path)
    assert str(caught.value) == ("register.xls: an .xlsx workbook named register.xls: rename it register.xlsx (a "
                                 "register is read by that ending)")
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as zf:  # (finding) a zip file, but no workbook
        zf.writestr("notes.txt", "not a register")
    with pytest.raises(LedgerError, match=r"notes.zip: not an .xlsx workbook \(and not a folder of CSV files\)"):
        import_register(open_ledger(f"sqlite:///{tmp_path}/l.db"), tmp_path / "notes.zip")


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # the duplicate part is the corruption
def test_corrupt_workbook(tmp_path) -> None:
    path = xlsx(tmp_path / "register.xlsx", good())
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/workbook.xml", "<not xml")
    with pytest.raises(LedgerError, match="corrupt or unreadable"):
        import_register(open_ledger(f"sqlite:///{tmp_path}/l.db"), path)


def test_a_workbook_missing_a_sheets_part_is_corrupt_not_a_crash(tmp_path) -> None:
    """The index (xl/workbook.xml) lists the sheet, but its XML part is not in the zip."""
    path = xlsx(tmp_path / "register.xlsx", good())
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist() if name != "xl/worksheets/sheet1.xml"}
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(LedgerError, match=r"broken.xlsx: the workbook is corrupt or unreadable \(sheet '\w+' is "
                                          r"listed but its cells are missing\); save it again from Excel"):
        import_register(engine, broken)
    assert count_rows(engine, "RT1")["SavingLines"] == 0


def test_cli_reports_every_problem_and_exits_1(tmp_path) -> None:
    t = good()
    t["SavingLines"][1][10] = "3,4O"
    t["Actuals"][1][1] = "2025-13"
    folder = write_register(tmp_path / "bad", t)
    savings = shutil.which("savings", path=str(Path(sys.executable).parent))
    run = subprocess.run([savings, "import", str(folder), "--db", f"sqlite:///{tmp_path}/l.db"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [f"{folder}/SavingLines.csv:2:new_price: not a number ('3,4O')",
                                       f"{folder}/Actuals.csv:2:month: not a month like 2025-11 ('2025-13')",
                                       f"{folder}: refused; nothing imported from it"]


def test_a_value_under_no_column_name_is_refused_not_dropped(tmp_path) -> None:
    """A cell past the last header, or under a blank one, would be lost without a word."""
    t = good()
    t["SavingLines"][1] += ["", "keep me"]  # two cells past the header: the second holds a value
    t["Actuals"][0].insert(2, "")  # a blank header over a column of values
    for row in t["Actuals"][1:]:
        row.insert(2, "7")
    path = write_register(tmp_path / "register", t)
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    with pytest.raises(RegisterInvalid) as err:
        import_register(engine, path)
    lines = str(err.value).splitlines()
    assert lines[0] == (f"{path}/SavingLines.csv:2:column 20: holds 'keep me' under no column name: name the "
                        "column in row 1, or clear the cell")
    assert lines[1:] == [f"{path}/Actuals.csv:{n}:column 3: holds '7' under no column name: name the column in "
                         "row 1, or clear the cell" for n in (2, 3, 4)]


def test_a_sign_off_or_evidence_dated_in_the_future_is_refused_as_on_the_command_line(tmp_path) -> None:
    """A decision is recorded when it is taken: a register sign-off dated next year would validate a
    line today and vanish again under --as-at; `savings signoff --date` refuses the same date."""
    today = datetime.now(UTC).date()
    later = today + timedelta(days=400)
    t = good()
    assert t["SignOffs"][0][-1] == "date"
    t["SignOffs"][1][-1] = later.isoformat()  # the budget holder's approval
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "", "a" * 64, later.isoformat()]]
    assert problems(tmp_path, t) == [
        f"SignOffs.csv:2:date: a sign-off dated {later} is in the future (today is {today}): record it when it "
        "happens",
        f"Evidence.csv:2:captured_at: evidence dated {later} is in the future (today is {today}): record it when it "
        "happens"]


def test_an_org_code_not_in_capitals_is_refused(tmp_path) -> None:
    """ODS codes are capitals: "rt1" beside RT1 would be a second trust the web and roll-ups cannot tell apart."""
    t = good()
    t["Trust"][1][0] = "rt1"
    assert problems(tmp_path, t) == [
        "Trust.csv:2:org_code: ODS org codes are written in capitals: write it RT1 (another spelling would be a "
        "second trust, which the web app's addresses and the roll-ups cannot tell from the first)"]


@pytest.mark.parametrize("code", ["R/X1", "RX#1", "RX%1", "RX 1", "RX-1"])
def test_an_org_code_of_other_than_letters_and_digits_is_refused(tmp_path, code) -> None:
    """The web app's addresses carry the org code as it is: /, #, % or a space would break them."""
    t = good()
    t["Trust"][1][0] = code
    assert problems(tmp_path, t) == [f"Trust.csv:2:org_code: '{code}' is not an ODS org code: write the trust's "
                                     "code of capital letters and digits, e.g. RX1"]
