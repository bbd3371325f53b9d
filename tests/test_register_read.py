"""Workbooks read through calamine (fast) and through openpyxl (streamed) give the ledger the same rows."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from ledger.db import open_ledger
from ledger.errors import LedgerError
from ledger.register import read
from ledger.register.load import RegisterInvalid, import_register
from ledger.register.read import Register
from tests.ledgers import base, budget, line, monthly, signed
from tests.xlsx_writer import write_xlsx

TABLES = ("contract", "scheme", "savingline", "actual", "budgetadjustment", "signoff")


def workbook(path: Path, tables: dict, offset_columns: int = 0) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in tables.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None] * offset_columns + list(row))
    wb.save(path)
    return path


def typed_register() -> dict:
    """Cells as Excel holds them: numbers, real dates and datetimes, booleans, text numbers, blanks."""
    t = base()
    t["SavingLines"].append(line("L1", "2.00", "1.00", "1200", "2025-04-01"))
    t["SavingLines"].append(line("L2", "4.10", "3.405", "24000", "2025-05-15", cost_centre="12345"))
    t["SavingLines"][1][9:14] = [2, 1.5, "box", 1200, datetime(2025, 4, 1)]  # noqa: DTZ001  (ok) Excel datetimes are naive
    t["SavingLines"][2][4] = 12345  # (ok) a cost centre typed as a number is text 12345
    t["SavingLines"][2][8] = True  # (ok) tower_enabled as a real boolean
    t["Actuals"] += monthly("L1", "2025-04", 3, "100", "1.00")
    t["Actuals"].append(["L2", date(2025, 6, 1), 2000, 3.405])  # (ok) the month as a real date
    t["BudgetAdjustments"].append(budget("B1", "L1", "1200.00", "2025-04-01"))
    t["BudgetAdjustments"].append(["B2", "L2", "JNL-2", "", "", 16680, False, date(2025, 5, 15)])
    t["SignOffs"] += signed("L1")
    return t


def stored(url: str) -> dict[str, list[tuple]]:
    engine = open_ledger(url)
    with engine.connect() as conn:
        return {t: sorted(map(repr, conn.execute(text(f"select * from {t} order by 1, 2")))) for t in TABLES}


def test_calamine_and_openpyxl_store_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook(tmp_path / "register.xlsx", typed_register())
    import_register(open_ledger(f"sqlite:///{tmp_path}/fast.db"), path)
    monkeypatch.setattr(read, "CALAMINE_MAX_XML", 0)  # every sheet through openpyxl
    import_register(open_ledger(f"sqlite:///{tmp_path}/streamed.db"), path)
    fast, streamed = stored(f"sqlite:///{tmp_path}/fast.db"), stored(f"sqlite:///{tmp_path}/streamed.db")
    assert fast == streamed
    assert len(fast["actual"]) == 4


def test_calamine_reads_a_small_sheet_and_keeps_row_numbers(tmp_path: Path) -> None:
    path = workbook(tmp_path / "r.xlsx", {"Actuals": [["line_id", "month"], ["L1", "2025-04"], [], ["L2", 3]]},
                    offset_columns=1)
    with Register(path) as register:
        sheet = register.sheet("Actuals")
        assert sheet.header == ["", "line_id", "month"]
        assert [(n, values) for n, values in sheet.rows] == [
            (2, [None, "L1", "2025-04"]), (3, [None, None, None]), (4, [None, "L2", 3.0])]


def problems(tmp_path: Path, path: Path) -> list[str]:
    with pytest.raises(RegisterInvalid) as err:
        import_register(open_ledger(f"sqlite:///{tmp_path}/{len(list(tmp_path.glob('*.db')))}.db"), path)
    return str(err.value).splitlines()


def test_formulas_are_found_in_the_xml_whatever_their_cached_value(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    t = typed_register()
    t["SavingLines"][1][12] = '=IF(A1<2,"a&b",1)'  # (finding) escaped in the XML as &lt; and &amp;
    path = workbook(tmp_path / "register.xlsx", t)
    wb = load_workbook(path)
    wb["Actuals"]["D9"] = "=1+1"  # (finding) alone on a row below every value: no cached value either
    wb.save(path)
    found = problems(tmp_path, path)
    assert found == [
        """register.xlsx:SavingLines:2:annual_volume: holds a formula (=IF(A1<2,"a&b",1)); paste values instead""",
        "register.xlsx:Actuals:9:line_id: required value is empty",
        "register.xlsx:Actuals:9:month: required value is empty",
        "register.xlsx:Actuals:9:volume: required value is empty",
        "register.xlsx:Actuals:9:price_paid: holds a formula (=1+1); paste values instead",
    ]
    monkeypatch.setattr(read, "CALAMINE_MAX_XML", 0)
    assert problems(tmp_path, path) == found


def test_a_sheet_not_starting_on_row_one_is_read_by_openpyxl(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Actuals"
    ws["A3"] = "line_id"
    wb.save(tmp_path / "r.xlsx")
    with Register(tmp_path / "r.xlsx") as register:
        sheet = register.sheet("Actuals")
        assert sheet.header == [""]
        assert list(sheet.rows) == [(2, [None]), (3, ["line_id"])]


def test_excel_escapes_read_the_same_through_calamine_and_openpyxl(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """In a workbook's text `_xHHHH_` is the character U+HHHH (how Excel stores a control character)
    and `_x005F_` an underscore, so `_x005F_x0041_` is the text `_x0041_` (ECMA-376, ST_Xstring)."""
    written = ["Supplier_x0000_ Ltd", "a_x000D_b", "_x005F_x0041_", "tab_x0009_", "x005F_ and _x0041",
               "_xD83D_"]
    shown = ["Supplier\x00 Ltd", "a\rb", "_x0041_", "tab\t", "x005F_ and _x0041",
             "_xD83D_"]  # (ok) half a surrogate pair is no character: kept as written
    sheet = {"Notes": [["note"], *([text] for text in written)]}
    for path in (workbook(tmp_path / "shared.xlsx", sheet), write_xlsx(tmp_path / "inline.xlsx", sheet)):
        with Register(path) as register:
            fast = [values for _, values in register.sheet("Notes").rows]
        with monkeypatch.context() as streamed:
            streamed.setattr(read, "CALAMINE_MAX_XML", 0)  # the same sheet through openpyxl
            with Register(path) as register:
                slow = [values for _, values in register.sheet("Notes").rows]
        assert fast == slow == [[text] for text in shown], path.name


def test_a_csv_that_is_not_utf8_is_named_at_its_first_such_line(tmp_path: Path) -> None:
    """Excel's plain "CSV" is written in the PC's code page: a £ is one byte, 0xA3, that UTF-8 cannot read."""
    rows = ["id,note"] + [f"L{i},fine" for i in range(1, 3000)] + ["L3000,costs £12"]
    (tmp_path / "Notes.csv").write_bytes("\n".join(rows).encode("cp1252"))
    with Register(tmp_path) as register:
        sheet = register.sheet("Notes")
        with pytest.raises(LedgerError) as caught:
            list(sheet.rows)
    assert str(caught.value) == (f"{tmp_path / 'Notes.csv'}:3001: not UTF-8 text (byte 0xA3 at character 13 of the "
                                 "line): save the file as CSV UTF-8 (Excel: Save As, CSV UTF-8)")
    (tmp_path / "Notes.csv").write_bytes("id,note é\n".encode("latin-1"))  # in the header row itself
    with Register(tmp_path) as register, pytest.raises(LedgerError, match=r"Notes.csv:1: not UTF-8 text \(byte 0xE9"):
        register.sheet("Notes")


def test_a_csv_in_utf16_without_its_byte_order_mark_is_named_as_such(tmp_path: Path) -> None:
    """UTF-16 letters read as UTF-8 with a NUL between each: the header named none of the sheet's columns."""
    (tmp_path / "Notes.csv").write_bytes("id,note\nL1,fine\n".encode("utf-16-le"))  # (finding) no BOM
    with Register(tmp_path) as register, pytest.raises(LedgerError) as caught:
        register.sheet("Notes")
    assert str(caught.value) == (f"{tmp_path / 'Notes.csv'}: NUL characters between the letters of its header: it "
                                 "is UTF-16 text (Excel's \"Unicode Text\"), not UTF-8; save it as CSV UTF-8 (comma "
                                 "delimited)")


@pytest.mark.parametrize(("body", "message"), [
    ('L1,"a note\nthat runs on\nL2,b\n', ':3: cannot read CSV: a quote opened in this row is never closed'),
    ('L1,"oops\nL2,b\nL3,c"d\n', ':3: cannot read CSV: a quoted value that starts in this row closes on line 5 with '
                                 'more text after it (a quote is missing or stray)'),
    ('L1,"ab"c\n', ':3: cannot read CSV: a quoted value that starts in this row closes in this row with more '
                   'text after it (a quote is missing or stray)'),
])
def test_a_misplaced_quote_is_named_at_the_row_it_opens_in(tmp_path: Path, body: str, message: str) -> None:
    """A quote left open runs on until the next quote: the row it starts in is where to look."""
    (tmp_path / "Notes.csv").write_text("id,note\nL0,fine\n" + body)
    with Register(tmp_path) as register:
        sheet = register.sheet("Notes")
        with pytest.raises(LedgerError) as caught:
            list(sheet.rows)
    assert str(caught.value) == f"{tmp_path / 'Notes.csv'}{message}"


def test_a_quoted_value_over_several_lines_is_numbered_by_the_line_it_starts_on(tmp_path: Path) -> None:
    (tmp_path / "Notes.csv").write_text('id,note\nL1,"two\nlines"\nL2,one\n')
    with Register(tmp_path) as register:
        assert list(register.sheet("Notes").rows) == [(2, ["L1", "two\nlines"]), (4, ["L2", "one"])]
