"""`savings template`: an empty register with headers, drop-downs and a README sheet."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ledger.register.spec import SHEETS

README = (
    "savings-ledger register",
    "Fill one row per record. Column names are exact; extra columns are kept.",
    "Bold headers are required. Dates: YYYY-MM-DD or Excel dates. Money: pounds (1234.56 or £1,234.56).",
    "Unit prices may have up to 6 decimal places. Months: YYYY-MM. Financial years: 2025/26.",
    "Trust, Contracts, Schemes and SavingLines are required; other sheets may be left out.",
    "Registers hold values, not formulas, and no merged cells.",
    "A line is validated only by SignOffs (budget_holder and finance, two people, not the creator).",
)


def write_template(path: Path) -> None:
    """Write the empty register workbook to `path`."""
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    for i, text in enumerate(README, start=1):
        readme.cell(row=i, column=1, value=text)
    readme["A1"].font = Font(bold=True, size=14)
    row = len(README) + 2
    readme.cell(row=row, column=1, value="sheet").font = Font(bold=True)
    for col, head in enumerate(("column", "required", "kind", "allowed values / notes"), start=2):
        readme.cell(row=row, column=col, value=head).font = Font(bold=True)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        for col, column in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=col, value=column.name)
            cell.font = Font(bold=column.required)
            ws.column_dimensions[get_column_letter(col)].width = max(14, len(column.name) + 4)
            if column.codes:
                dv = DataValidation(type="list", formula1='"' + ",".join(column.codes) + '"', allow_blank=True)
                if len(dv.formula1) <= 257:
                    ws.add_data_validation(dv)
                    dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}5000")
            elif column.kind == "bool":
                dv = DataValidation(type="list", formula1='"true,false"', allow_blank=True)
                ws.add_data_validation(dv)
                dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}5000")
            row += 1
            for c, value in enumerate((sheet.name, column.name, "yes" if column.required else "",
                                       column.kind, ", ".join(column.codes) or column.help), start=1):
                readme.cell(row=row, column=c, value=value)
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
