"""The audit workbook: re-performed by an independent engine, importable again, safe and made for people."""
from __future__ import annotations

import csv
import os
import zipfile
from datetime import UTC, date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles.numbers import is_date_format
from sqlalchemy import update
from typer.testing import CliRunner

from ledger import audit, models
from ledger.db import open_ledger
from ledger.engine.summary import TrustYear, lines, load_trust, summary
from ledger.errors import LedgerError
from ledger.register.load import import_register
from ledger.tower_claims import RULE_IDS
from reports import workbook_layout
from reports.cli import app
from reports.filters import GBP_FORMAT
from reports.workbook import audit_trail, write_workbook
from tests.helpers_workbook import compiler, json_value, pennies, reperform, summary_rows
from tests.ledgers import base, budget, line, monthly, signed, write_register

FY = "2025/26"
WORKED = Path(__file__).resolve().parent.parent / "examples" / "worked"
ACUTE = WORKED.parent / "acute-trust"
E3_COLUMNS = ["baseline_volume", "activity_factor", "growth_funded"]
LINK = '=HYPERLINK("http://example.com/x","click me")'
LINK_TITLE = "S2 title"  # what the rich register says; the ledger then holds LINK (see ledger_of)
LONG = "Evidence note. " * 2700  # 40,500 characters: more than an Excel cell holds
FULL_CELL = "n" * 32_767  # exactly what an Excel cell holds


def ledger_of(tmp_path: Path, register: Path, as_at: date | None = date(2026, 3, 31)) -> TrustYear:
    """Import `register` into a fresh SQLite ledger in `tmp_path` and load its trust.

    A register refuses formula text (`=...`), but a ledger imported before that rule may hold
    some, and the workbook must still write it as text: the rich register's S2 title becomes LINK.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    engine = open_ledger(f"sqlite:///{tmp_path}/ledger.db")
    result = import_register(engine, register)
    schemes = models.Scheme.__table__
    with engine.begin() as conn:
        conn.execute(update(schemes).where(schemes.c.title == LINK_TITLE).values(title=LINK))
    return load_trust(engine, result.trust, as_at)


def rich_register(folder: Path) -> Path:
    """A small ledger touching every path of the formulas.

    L1 (ok) partial first month, two invoice rows in January one above contract (leakage);
    L2 (E3) demand management with activity growth the budget was not funded for;
    L3 (ok) one-off rebate in February; L4 (finding) validated but its budget removal is short;
    L5 (finding) not signed off; L6 (finding) cost avoidance, never CIP. Names start with = + - @.
    """
    t = base()
    t["Schemes"].append(["S2", LINK_TITLE, "Surgery", "Consumables", "@owner", "in_progress", "", "false", "QIA-2"])
    t["Contracts"].append(["C2", "-2+3 Supplies", "local", "", "Consumables", "2025-04-01", "2028-03-31"])
    rows = [
        line("L1", "4.00", "3.40", "24000", "2025-11-15", product="GLOVE"),
        line("L2", "10.00", "9.00", "900", "2025-04-01", kind="DEMAND_MANAGEMENT", scheme="S2", contract="C2"),
        line("L3", "25000.00", "0.00", "1", "2026-02-01", kind="REBATE"),
        line("L4", "2.50", "2.00", "12000", "2025-07-01", costs="300.00"),
        line("L5", "1.20", "1.00", "6000", "2025-06-01"),
        line("L6", "2.40", "1.90", "20000", "2025-04-01", kind="COST_AVOIDANCE_TENDER"),
    ]
    rows[0][-1] = LONG
    rows[3][-1] = "+SUM(A1:A9)"
    rows[4][-1] = FULL_CELL
    rows[5][-1] = "bell\x07here"  # a control character XML cannot hold
    t["SavingLines"] = [t["SavingLines"][0] + E3_COLUMNS] + [[*r, "", "", ""] for r in rows]
    t["SavingLines"][2][-3:] = ["1000", "1.05", "false"]
    t["Actuals"] += [*monthly("L1", "2025-11", 2, "2000", "3.40"), ["L1", "2026-01", "1700", "3.40"],
                     ["L1", "2026-01", "300", "4.10"], *monthly("L1", "2026-02", 2, "2000", "3.40"),
                     *monthly("L2", "2025-04", 12, "75", "9.00"), ["L3", "2026-02", "1", "0.00"],
                     *monthly("L4", "2025-07", 9, "1000", "2.00"), *monthly("L5", "2025-06", 10, "500", "1.00")]
    t["BudgetAdjustments"] += [budget("B1", "L1", "14400.00", "2025-11-15"),
                               budget("B2", "L2", "1000.00", "2025-04-01"),
                               budget("B3", "L3", "25000.00", "2026-02-01", recurrent=False),
                               budget("B4", "L4", "3000.00", "2025-10-01")]
    t["SignOffs"] += [*signed("L1"), *signed("L2"), *signed("L3"), *signed("L4")]
    return write_register(folder, t)


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrustYear, Path, Path]:
    tmp = tmp_path_factory.mktemp("rich")
    register = rich_register(tmp / "register")
    ty = ledger_of(tmp, register)
    out = tmp / "audit.xlsx"
    write_workbook(ty, FY, out)
    return ty, out, register


def test_every_formula_recomputes_to_the_ledgers_figure(rich, tmp_path):
    _, out, _ = rich
    computed, bad = reperform(out, tmp_path)
    assert len(computed) > 300
    assert bad == []


@pytest.mark.parametrize("example", ["E1", "E3N", "E4", "E5", "E6", "E7", "E8", "E9", "E10"])
def test_worked_examples_reperform_and_every_total_matches_the_json_to_the_penny(example, tmp_path):
    ty = ledger_of(tmp_path, WORKED / example)
    out = tmp_path / f"{example}.xlsx"
    write_workbook(ty, FY, out)
    data = summary(ty, FY)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    rows = summary_rows(out)
    for key, (cell, cached, ledger, check) in rows.items():
        if key in {"fy", "trust", "as_at", "policy_set"}:
            continue
        expected = json_value(data, key)
        if expected is None:
            assert (cached, ledger) == ("n/a", "n/a"), key
            continue
        places = "0.0001" if key.endswith(("coverage", "recognition_rate")) else "0.01"
        assert pennies(computed[cell], places) == Decimal(str(expected)), key
        assert check == "ok", key
    money_keys = [f"{group}.{k}" for group in ("cip", "non_cip", "towers") for k in data[group]] + [
        "implementation_costs", "leakage", "exceptions.errors", "exceptions.warnings"]
    assert set(money_keys) <= set(rows), "every figure of the JSON summary has a row"


def recomputed(tmp_path: Path, tables: dict, key: str, fy: str = FY, as_at: date = date(2026, 3, 31)) -> tuple:
    """A register's workbook, every formula recomputed (none may differ from the ledger): the
    Summary row `key` as the formulas give it, and as the ledger's JSON summary gives it."""
    ty = ledger_of(tmp_path, write_register(tmp_path / "register", tables), as_at=as_at)
    out = tmp_path / "audit.xlsx"
    write_workbook(ty, fy, out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    return pennies(computed[summary_rows(out)[key][0]]), Decimal(json_value(summary(ty, fy), key))


def test_duplicates_and_stopped_lines_carry_nothing_in_the_formulas_either(tmp_path):
    t = base()
    t["Schemes"].append(["S0", "Old scheme", "Surgery", "Consumables", "Owner", "fully_developed", "WITHDRAWN",
                         "false", "QIA-0"])
    t["SavingLines"] += [line("L1", "2.00", "1.00", "1200", "2025-10-01", product="GLOVE"),
                         line("L2", "2.00", "1.00", "1200", "2025-11-01", product="GLOVE"),  # (finding) repeats L1
                         line("L3", "3.00", "2.00", "1200", "2025-10-01", scheme="S0")]  # withdrawn
    t["Actuals"] += monthly("L1", "2025-10", 6, "100", "1.00") + monthly("L2", "2025-11", 5, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-10-01"))
    t["SignOffs"] += signed("L1") + signed("L2") + signed("L3")
    assert recomputed(tmp_path / "a", t, "cip.carry_forward") == (Decimal("600.00"),) * 2  # L1's alone
    assert recomputed(tmp_path / "b", t, "cip.fye_delivered") == (Decimal("1200.00"),) * 2
    assert recomputed(tmp_path / "c", t, "cip.at_risk") == (Decimal("0.00"),) * 2  # not L2's £500
    assert recomputed(tmp_path / "d", t, "cip.forecast") == (Decimal("600.00"),) * 2  # L1's alone
    assert recomputed(tmp_path / "e", t, "cip.risk_adjusted_forecast") == (Decimal("600.00"),) * 2


def test_a_price_above_the_baseline_avoids_nothing_in_the_formulas_either(tmp_path):
    t = base()
    t["SavingLines"] += [line("N1", "0.00", "5.00", "1200", "2025-04-01"),  # no prior spend (R-BAS-3)
                         line("A1", "2.00", "1.50", "1200", "2025-04-01", kind="COST_AVOIDANCE_TENDER")]
    assert recomputed(tmp_path, t, "non_cip.cost_avoidance") == (Decimal("600.00"),) * 2


def test_invoices_before_go_live_are_baseline_evidence_not_delivery_in_the_formulas_either(tmp_path):
    """R-BAS-1: a year of invoices before go-live (at £2.20, above the £2.00 baseline) is no delivery."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Actuals"] += monthly("L1", "2024-04", 12, "100", "2.20") + monthly("L1", "2025-04", 12, "100", "1.00")
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-04-01"))
    t["SignOffs"] += signed("L1")
    assert recomputed(tmp_path / "a", t, "cip.delivered") == (Decimal("1200.00"),) * 2
    assert recomputed(tmp_path / "b", t, "cip.delivered", "2024/25", date(2025, 3, 31)) == (Decimal("0.00"),) * 2


def test_a_year_from_february_of_a_leap_year_recomputes_to_its_fye(tmp_path):
    t = base()
    t["Contracts"][1][-1] = "2031-03-31"
    t["SavingLines"].append(line("L1", "2.00", "1.00", "14400", "2028-02-15"))  # 15/29, ..., then 14/28
    plan = recomputed(tmp_path, t, "cip.plan", "2028/29", date(2029, 3, 31))
    assert plan == (Decimal("12579.31"),) * 2  # £14,400 less the £1,820.69 of 2027/28


def test_e1_figures_read_as_domain_md_says(tmp_path):
    ty = ledger_of(tmp_path, WORKED / "E1")
    out = tmp_path / "e1.xlsx"
    write_workbook(ty, FY, out)
    rows = summary_rows(out)
    assert rows["cip.plan"][1:3] == (6000, 6000)
    assert rows["cip.delivered"][1:3] == (5850, 5850)  # E2: 5,880 - 30
    assert rows["leakage"][1:3] == (210, 210)


def test_changing_a_price_an_invoice_or_a_budget_moves_the_totals_as_the_ledger_would(rich, tmp_path):
    _, out, register = rich
    xl = compiler(out, tmp_path)
    rows = summary_rows(out)
    keys = ["cip.plan", "cip.delivered", "cip.at_risk", "cip.forecast", "leakage", "non_cip.cost_avoidance"]
    for key in keys:
        xl.evaluate(rows[key][0])
    xl.set_value("SavingLines!K2", 3.30)  # L1 new price 3.40 -> 3.30
    xl.set_value("Actuals!D5", 3.20)  # L1's January invoice row above contract: paid 3.20, not 4.10
    xl.set_value("BudgetAdjustments!F5", 2500)  # L4's budget removal 3,000 -> 2,500
    edited = tmp_path / "edited"
    edited.mkdir()
    for f in register.glob("*.csv"):
        rows_ = list(csv.reader(f.open()))
        if f.stem == "SavingLines":
            rows_[1][10] = "3.30"
        if f.stem == "Actuals":
            rows_[4][3] = "3.20"
        if f.stem == "BudgetAdjustments":
            rows_[4][5] = "2500.00"
        with (edited / f.name).open("w", newline="") as fh:
            csv.writer(fh).writerows(rows_)
    expected = summary(ledger_of(tmp_path, edited), FY)
    assert json_value(expected, "cip.plan") != rows["cip.plan"][2]
    for key in keys:
        assert pennies(xl.evaluate(rows[key][0])) == Decimal(json_value(expected, key)), key


def test_it_imports_back_with_the_same_figures(rich, tmp_path):
    ty, out, _ = rich
    again = ledger_of(tmp_path, out)
    assert summary(again, FY) == summary(ty, FY)
    assert lines(again) == lines(ty)


def test_the_example_trust_round_trips_and_its_totals_are_the_json(tmp_path):
    ty = ledger_of(tmp_path / "a", ACUTE)
    out = tmp_path / "rx1.xlsx"
    result = CliRunner().invoke(app, ["workbook", "--trust", ty.trust, "--fy", FY, "-o", str(out), "--db",
                                      f"sqlite:///{tmp_path}/a/ledger.db", "--as-at", "2026-03-31"])
    assert result.exit_code == 0, result.output
    data = summary(ty, FY)
    for key, (_, cached, _ledger, check) in summary_rows(out).items():
        if key not in {"fy", "trust", "as_at", "policy_set"} and json_value(data, key) is not None:
            places = "0.0001" if key.endswith(("coverage", "recognition_rate")) else "0.01"
            assert pennies(cached, places) == Decimal(str(json_value(data, key))), key
            assert check == "ok", key
    imported = CliRunner().invoke(app, ["import", str(out), "--db", f"sqlite:///{tmp_path}/b.db"])
    assert imported.exit_code == 0, imported.output
    again = load_trust(open_ledger(f"sqlite:///{tmp_path}/b.db"), ty.trust, ty.as_at)
    assert summary(again, FY) == data
    assert lines(again) == lines(ty)


def test_evidence_named_by_its_hash_imports_back_into_the_ledger_that_holds_the_file(tmp_path):
    """The Evidence sheet gives each file's sha256 with no file beside the workbook: the ledger that
    stored the file takes the sheet back as it is; another ledger, whose trust holds no such file,
    refuses the row at its cell, as it would a hash copied from another trust's workbook."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1000", "2025-04-01"))
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "inv-1.csv", "", "2025-05-01"]]
    register = write_register(tmp_path / "register", t)
    (register / "inv-1.csv").write_text("invoice,amount\nINV-1,100.00\n")
    sha = audit.file_sha256(register / "inv-1.csv")
    ty = ledger_of(tmp_path / "ledger", register)
    out = tmp_path / "book" / "audit.xlsx"
    out.parent.mkdir()
    write_workbook(ty, FY, out)
    engine = open_ledger(f"sqlite:///{tmp_path}/ledger/ledger.db")
    assert import_register(engine, out).changed
    assert list(load_trust(engine, ty.trust).frames.evidence["sha256"]) == [sha]
    other = open_ledger(f"sqlite:///{tmp_path}/other.db")
    with pytest.raises(LedgerError, match=f"audit.xlsx:Evidence:2:sha256: inv-1.csv is not next to the register, "
                                          f"and RT1 holds no evidence file with sha256 {sha}"):
        import_register(other, out)


def test_text_that_looks_like_a_formula_is_written_as_text(rich):
    _, out, _ = rich
    book = openpyxl.load_workbook(out)
    cells = {"Schemes": (LINK, "@owner"), "Contracts": ("-2+3 Supplies",), "SavingLines": ("+SUM(A1:A9)",)}
    for sheet, texts in cells.items():
        found = {c.value: c for row in book[sheet].iter_rows() for c in row if c.value in texts}
        assert set(found) == set(texts), sheet
        for cell in found.values():
            assert cell.data_type == "s" and cell.quotePrefix, (sheet, cell.coordinate)
    with zipfile.ZipFile(out) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>HYPERLINK" not in xml and b"<f>SUM(A1:A9)" not in xml


def test_control_characters_are_written_as_excel_escapes(rich):
    _, out, _ = rich
    notes = {r[0].value: r[17].value for r in openpyxl.load_workbook(out)["SavingLines"].iter_rows(min_row=2)}
    assert notes["L6"] == "bell_x0007_here"  # Excel shows the character; openpyxl shows the escape


def test_text_that_reads_like_an_excel_escape_comes_back_as_written(tmp_path):
    """OOXML reads `_x0041_` in a cell as "A": the workbook escapes its underscore, so Excel shows the
    text as written and the register sheets import back unchanged."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["SavingLines"][1][-1] = "ref _x0041_ and bell\x07"
    ty = ledger_of(tmp_path / "a", write_register(tmp_path / "register", t))
    out = tmp_path / "audit.xlsx"
    write_workbook(ty, FY, out)
    assert openpyxl.load_workbook(out)["SavingLines"]["R2"].value == "ref _x005F_x0041_ and bell_x0007_"
    again = ledger_of(tmp_path / "b", out)
    assert again.frames.lines["notes"].tolist() == ["ref _x0041_ and bell\x07"]


def test_long_text_is_kept_whole(rich):
    _, out, _ = rich
    book = openpyxl.load_workbook(out)
    notes = {r[0].value: r[17].value for r in book["SavingLines"].iter_rows(min_row=2)}
    assert notes["L5"] == FULL_CELL
    assert notes["L1"] == LONG[:32_767]
    parts = [r for r in book["LongText"].iter_rows(min_row=2, values_only=True)]
    assert {(p[0], p[1], p[2]) for p in parts} == {("SavingLines", "R2", "notes")}
    assert "".join(p[4] for p in sorted(parts, key=lambda p: p[3])) == LONG.strip()  # the importer strips


def test_made_for_people(rich):
    _, out, _ = rich
    book = openpyxl.load_workbook(out)
    contents = book["Contents"]
    links = {c.value: c.hyperlink.location for c in contents["A"][1:]}
    assert set(links) == set(book.sheetnames) - {"Contents"}
    assert all(loc == f"'{name}'!A1" for name, loc in links.items())
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        if ws.title not in {"README"}:
            assert ws.freeze_panes == "A2", ws.title
    for name in ("SavingLines", "Actuals", "Phasing", "LineYears", "SignOffs", "Evidence", "Exceptions"):
        (table,) = book[name].tables.values()
        assert table.autoFilter.ref == table.ref, name  # filter buttons on every column
    years = book["LineYears"]
    header = [c.value for c in years[1]]
    assert years.cell(2, header.index("cip") + 1).number_format == GBP_FORMAT
    go_live = book["SavingLines"]["N2"]
    assert is_date_format(go_live.number_format) and go_live.value.date() == date(2025, 11, 15)
    assert book["SavingLines"].column_dimensions["R"].width >= 30


def test_same_data_gives_the_same_bytes(rich, tmp_path):
    ty, out, _ = rich
    write_workbook(ty, FY, tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == out.read_bytes()


def test_as_at_cuts_actuals_and_signoffs(tmp_path):
    register = rich_register(tmp_path / "register")
    ty = ledger_of(tmp_path, register, as_at=date(2025, 12, 31))
    out = tmp_path / "dec.xlsx"
    write_workbook(ty, FY, out)
    months = [r[1] for r in openpyxl.load_workbook(out)["Actuals"].iter_rows(min_row=2, values_only=True)]
    assert max(months).date() == date(2025, 12, 1)
    rows = summary_rows(out)
    assert rows["as_at"][2] == "2025-12-31"
    assert pennies(rows["cip.delivered"][1]) == Decimal(summary(ty, FY)["cip"]["delivered"])


def test_long_sheets_continue_on_a_second_sheet_and_still_add_up(rich, tmp_path, monkeypatch):
    ty, _, _ = rich
    monkeypatch.setattr(workbook_layout, "MAX_ROWS", 20)
    out = tmp_path / "parts.xlsx"
    write_workbook(ty, FY, out)
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert {"Phasing_2", "Phasing_3", "Actuals_2"} <= set(names)
    assert reperform(out, tmp_path)[1] == []


def test_command_line_errors_are_messages(tmp_path):
    db = f"sqlite:///{tmp_path}/l.db"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(WORKED / "E1"), "--db", db]).exit_code == 0
    unknown = runner.invoke(app, ["workbook", "--trust", "NOPE", "--fy", FY, "-o", str(tmp_path / "x.xlsx"),
                                  "--db", db])
    assert unknown.exit_code == 1 and "not in the ledger" in unknown.output
    bad_fy = runner.invoke(app, ["workbook", "--trust", "RE1", "--fy", "2025", "-o", str(tmp_path / "x.xlsx"),
                                 "--db", db])
    assert bad_fy.exit_code == 2
    not_xlsx = runner.invoke(app, ["workbook", "--trust", "RE1", "--fy", FY, "-o", str(tmp_path / "x.csv"),
                                   "--db", db])
    assert not_xlsx.exit_code == 2 and ".xlsx" in not_xlsx.output


def test_the_audit_trail_carries_todays_events_in_utc(tmp_path):
    """Events are stored with their time zone, which Excel cannot hold: the sheet has them in UTC."""
    db = f"sqlite:///{tmp_path}/l.db"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(WORKED / "E1"), "--db", db]).exit_code == 0
    out = tmp_path / "today.xlsx"
    made = runner.invoke(app, ["workbook", "--trust", "RE1", "--fy", FY, "--as-at", audit.utc_today().isoformat(),
                               "-o", str(out), "--db", db])
    assert made.exit_code == 0, made.output
    engine = open_ledger(db)
    events = audit_trail(engine, "RE1", audit.utc_today())
    sheet = list(openpyxl.load_workbook(out)["AuditTrail"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in sheet] == [e["seq"] for e in events] and events
    utc = [e["recorded_at"].astimezone(UTC).replace(tzinfo=None) for e in events]
    assert all(abs(row[1] - when) < timedelta(milliseconds=1) for row, when in zip(sheet, utc, strict=True))


def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(tmp_path):
    db = f"sqlite:///{tmp_path}/l.db"
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(WORKED / "E1"), "--db", db]).exit_code == 0
    (tmp_path / "a-file").write_text("")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    for command, suffix in ((["workbook", "--fy", FY], ".xlsx"), (["pack", "--period", "2026-03"], ".pdf")):
        (tmp_path / f"folder{suffix}").mkdir()
        cases = {tmp_path / "a-file" / f"out{suffix}": "a-file is a file, not a folder",
                 tmp_path / f"folder{suffix}": "is a folder; name the file to write"}
        if os.geteuid() != 0:  # root may write anywhere
            cases[locked / f"out{suffix}"] = "cannot write there (Permission denied)"
        for path, message in cases.items():
            result = runner.invoke(app, [*command, "--trust", "RE1", "-o", str(path), "--db", db])
            assert result.exit_code == 2 and message in result.output, result.output
        refused = runner.invoke(app, [*command, "--trust", "NOPE", "-o", str(tmp_path / "new" / f"x{suffix}"),
                                      "--db", db])
        assert refused.exit_code == 1 and not (tmp_path / "new").exists()  # nothing made for a refusal
        made = runner.invoke(app, [*command, "--trust", "RE1", "-o", str(tmp_path / "new" / f"x{suffix}"), "--db", db])
        assert made.exit_code == 0 and (tmp_path / "new" / f"x{suffix}").is_file()
        (tmp_path / "new" / f"x{suffix}").unlink()
        (tmp_path / "new").rmdir()


def test_the_tower_figures_stay_on_the_workbooks_year_when_the_summary_year_changes(tmp_path):
    """C_k and L_k are the ledger's values for the workbook's year, so spend, recognised and claimed
    are that year's too: setting Summary!C2 to another year re-targets the CIP totals only."""
    ty = ledger_of(tmp_path, WORKED / "E8")
    out = tmp_path / "e8.xlsx"
    write_workbook(ty, FY, out)
    xl, rows = compiler(out, tmp_path), summary_rows(out)
    keys = ["towers.contribution", "towers.recognised", "towers.claimed", "towers.net"]
    for key in [*keys, "cip.plan"]:
        xl.evaluate(rows[key][0])
    xl.evaluate("Summary!C2")
    xl.set_value("Summary!C2", "2024/25")
    for key in keys:
        assert pennies(xl.evaluate(rows[key][0])) == Decimal(json_value(summary(ty, FY), key)), key
    assert pennies(xl.evaluate(rows["cip.plan"][0])) == Decimal(json_value(summary(ty, "2024/25"), "cip.plan"))
    recon = list(openpyxl.load_workbook(out, read_only=True)["TowerRecon"].iter_rows(values_only=True))
    items = recon[[row[:5] for row in recon].index(("tower_code", "amount", "reason", "line_id",
                                                     "what the reason means")) + 1:]
    assert items and all(row[4].endswith(f"({RULE_IDS[row[2]]})") for row in items)  # each reason explained


def test_the_packs_assurance_figures_reperform_on_the_assurance_sheet(tmp_path):
    """Section 9 item 10 on the workbook: L1 has £1,200 removed for £1,000 of cash (£200 ahead); L2 is
    cost avoidance, so all £300 removed is ahead; L3 is within its forecast; L4's scheme was withdrawn,
    so its £400 removed is a cost pressure, not ahead. L1's invoice is a stored file, L3's only named."""
    t = base()
    t["Schemes"].append(["S9", "Withdrawn scheme", "Surgery", "Consumables", "Owner", "fully_developed", "WITHDRAWN",
                         "false", ""])
    t["SavingLines"] += [line("L1", "2.00", "1.00", "1000", "2025-04-01"),
                         line("L2", "2.00", "1.50", "1200", "2025-04-01", kind="COST_AVOIDANCE_TENDER"),
                         line("L3", "2.00", "1.00", "1200", "2025-04-01"),
                         line("L4", "2.00", "1.00", "1200", "2025-04-01", scheme="S9")]
    t["BudgetAdjustments"] += [budget("B1", "L1", "1200.00", "2025-04-01"), budget("B2", "L2", "300.00", "2025-04-01"),
                               budget("B3", "L3", "500.00", "2025-04-01"), budget("B4", "L4", "400.00", "2025-04-01")]
    t["Evidence"] = [["evidence_id", "line_id", "type", "file", "sha256", "captured_at"],
                     ["EV1", "L1", "invoice_extract", "inv-1.csv", "", "2025-05-01"],
                     ["EV2", "L3", "invoice_extract", "", "", "2025-05-01"]]
    register = write_register(tmp_path / "register", t)
    (register / "inv-1.csv").write_text("invoice,amount\nINV-1,100.00\n")
    out = tmp_path / "audit.xlsx"
    write_workbook(ledger_of(tmp_path / "ledger", register), FY, out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    sheet = openpyxl.load_workbook(out, data_only=True)["Assurance"]
    rows = {r[0]: (computed.get(f"Assurance!C{i}", r[2]), r[4]) for i, r in
            enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)}
    assert all(check == "ok" for _, check in rows.values())
    figures = {label: workbook if isinstance(workbook, str) else pennies(workbook)
               for label, (workbook, _) in rows.items() if not label.startswith("Exceptions")}
    assert figures == {
        "Leakage: paid above the contract price": Decimal("0.00"),
        "Leakage share: leakage / (delivered + leakage)": "n/a",  # nothing delivered or lost yet: 0 / 0
        "Lines stopped (reversed, withdrawn or rejected)": 1,
        "Cost pressure: budget removed for the months after a stop": Decimal("400.00"),
        "Budget removed ahead of delivery (beyond the cash forecast)": Decimal("500.00"),
        "Lines with budget removed ahead of delivery": 2,
        "Cash-releasing lines (evidence due)": 3,
        "of which with evidence recorded": 2,
        "of which with a file identified by its sha256 hash": 1,
        "Evidence completeness: evidenced / due": Decimal("0.67"),
    }


def assurance_rows(out: Path, computed: dict) -> dict[str, tuple[object, object, object]]:
    """Assurance sheet by label: (the formula's recomputed value, the ledger's figure, the check as recomputed)."""
    sheet = openpyxl.load_workbook(out, data_only=True)["Assurance"]
    return {r[0]: (computed.get(f"Assurance!C{i}", r[2]), r[3], computed.get(f"Assurance!E{i}", r[4]))
            for i, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)}


def test_a_budget_removed_to_the_penny_of_the_forecast_is_not_ahead_of_delivery(tmp_path):
    """L1 (the example trust's pest control contract) saves £75.81 a month from May and has its
    £833.91 for the year removed, exactly: its eleven months summed in binary floating point fall
    a hair short of £833.91, which must not count it as a line ahead of delivery."""
    t = base()
    t["SavingLines"].append(line("L1", "1184.50", "1108.69", "12", "2025-05-01"))
    t["Actuals"] += monthly("L1", "2025-05", 11, "1", "1108.69")
    t["BudgetAdjustments"].append(budget("B1", "L1", "909.72", "2025-05-01"))
    out = tmp_path / "audit.xlsx"
    write_workbook(ledger_of(tmp_path / "ledger", write_register(tmp_path / "register", t)), FY, out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    assert assurance_rows(out, computed)["Lines with budget removed ahead of delivery"] == (0, 0, "ok")


def test_a_recurrent_saving_past_its_claim_window_is_not_ahead_of_delivery_in_the_formulas_either(tmp_path):
    """As tests/test_pack_sections.py: in 2026/27 L1's £1,200 removed is its saving at the
    contract-term plan, half of it beyond the claim window; L2's £1,500 is £300 ahead."""
    t = base()
    t["SavingLines"] += [line("L1", "2.00", "1.00", "1200", "2025-10-01"),
                         line("L2", "2.00", "1.00", "1200", "2025-10-01")]
    t["BudgetAdjustments"] += [budget("B1", "L1", "1200.00", "2025-10-01"),
                               budget("B2", "L2", "1500.00", "2025-10-01")]
    out = tmp_path / "audit.xlsx"
    write_workbook(ledger_of(tmp_path / "ledger", write_register(tmp_path / "register", t), as_at=None), "2026/27",
                   out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    rows = assurance_rows(out, computed)
    assert pennies(rows["Budget removed ahead of delivery (beyond the cash forecast)"][0]) == Decimal("300.00")
    assert rows["Lines with budget removed ahead of delivery"] == (1, 1, "ok")


def test_a_share_that_ends_in_a_half_checks_ok(tmp_path):
    """L1 delivers £31 and loses £1 to a unit bought at £2.00: leakage is 1/32 = 0.03125 of the
    saving at contract price, which the pack rounds half-up to 0.0313; the check agrees with it."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["Actuals"] += [["L1", "2025-04", "31", "1.00"], ["L1", "2025-04", "1", "2.00"]]
    out = tmp_path / "audit.xlsx"
    write_workbook(ledger_of(tmp_path / "ledger", write_register(tmp_path / "register", t)), FY, out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    share = assurance_rows(out, computed)["Leakage share: leakage / (delivered + leakage)"]
    assert (pennies(share[0], "0.0001"), pennies(share[1], "0.0001"), share[2]) == (Decimal("0.0313"),) * 2 + ("ok",)


def test_a_lines_extra_columns_are_shown_and_import_back(tmp_path):
    """Extra SavingLines columns are kept with the line (docs/register.md) but the workbook left them out,
    so they were on no sheet and a re-import of the workbook dropped them."""
    t = base()
    t["SavingLines"][0] += ["risk_owner", "call_note"]
    t["SavingLines"].append([*line("L1", "2.00", "1.00", "1200", "2025-04-01"), "Bea Holder", ""])  # (ok)
    t["SavingLines"].append([*line("L2", "2.00", "1.50", "1200", "2025-04-01"), "", "+1 call"])  # (ok) text
    ty = ledger_of(tmp_path / "a", write_register(tmp_path / "reg", t))
    out = tmp_path / "w.xlsx"
    write_workbook(ty, FY, out)
    ws = openpyxl.load_workbook(out)["SavingLines"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["call_note", "risk_owner"]
    assert [[c.value for c in row][-2:] for row in ws.iter_rows(min_row=2)] == [[None, "Bea Holder"], ["+1 call", None]]
    engine = open_ledger(f"sqlite:///{tmp_path}/b.db")
    import_register(engine, out)
    with engine.connect() as conn:
        kept = conn.execute(models.SavingLine.__table__.select().order_by(models.SavingLine.line_id)).mappings().all()
    assert [r["extra"] for r in kept] == ['{"risk_owner": "Bea Holder"}', '{"call_note": "+1 call"}']
