"""The register sheets of the audit workbook, in the import format, so `savings import` reads them back.

Sheets and columns come from `ledger.register.spec.SHEETS` (the table the importer, the template
and the docs use), values from the trust's frames as known at the as-at date, converted back from
the stored form (pence, micro-pounds, thousandths) to what a person types. These sheets hold
values only: the importer refuses formulas, so every derived figure lives on other sheets and
points here. Saving lines are sorted by id and actuals by line, month and entry, which is what
lets the Phasing sheet sum each line-month's invoice rows as one block.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ledger import calendar
from ledger.frames import Frames
from ledger.register.load import RENAMES
from ledger.register.spec import SHEETS, Sheet
from reports.filters import COUNT_FORMAT, DATE_FORMAT, GBP_FORMAT
from reports.workbook_xlsx import Book, Col

PRICE_FORMAT = "£#,##0.00####"  # unit prices keep up to six decimals
VOLUME_FORMAT = "#,##0.###"
MONTH_CELL_FORMAT = "yyyy-mm"  # a real date (first of the month) that reads like the register's 2025-11
FRAME_OF = {  # register sheet -> Frames attribute
    "Contracts": "contracts", "Schemes": "schemes", "SavingLines": "lines", "Actuals": "actuals",
    "BudgetAdjustments": "budgets", "SignOffs": "signoffs", "Evidence": "evidence",
    "TowerContribution": "contribution", "TowerSpend": "tower_spend", "TowerStatement": "tower_statements",
    "Benchmarks": "benchmarks", "Activity": "activity", "Policy": "policy_rows",
}
SORT = {"SavingLines": ["line_id"], "Actuals": ["line_id", "month", "id"], "BudgetAdjustments": ["adjustment_id"],
        "SignOffs": ["line_id", "date", "id"], "Evidence": ["evidence_id"], "Contracts": ["contract_id"],
        "Schemes": ["scheme_id"], "TowerContribution": ["fy"], "TowerSpend": ["fy", "tower_code"],
        "TowerStatement": ["fy", "tower_code"], "Benchmarks": ["product_code", "period"], "Activity": ["fy"],
        "Policy": ["key"]}
FORMATS = {"money": GBP_FORMAT, "price": PRICE_FORMAT, "volume": VOLUME_FORMAT, "ratio": "0.######",
           "date": DATE_FORMAT, "month": MONTH_CELL_FORMAT, "int": COUNT_FORMAT}
SCALE = {"money": 2, "price": 6, "volume": 3, "ratio": 6}
WIDE = {"title", "notes", "supplier", "description", "file", "sha256", "comment", "source_ref", "value"}


@dataclass(frozen=True)
class Placed:
    """Where the register sheets put things: sheet rows of lines and adjustments, and column letters."""

    line_row: dict[str, int]
    adjustment_row: dict[str, int]
    letters: dict[str, dict[str, str]]


def letters_of(sheet: Sheet) -> dict[str, str]:
    return {c.name: get_column_letter(i) for i, c in enumerate(sheet.columns, start=1)}


def sorted_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k in SORT.get(name, []) if k in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys and len(frame) else frame


def _scaled(values: np.ndarray, places: int) -> list[Decimal | None]:
    return [None if v is None or pd.isna(v) else Decimal(int(v)).scaleb(-places) for v in values]


def _dates(values: np.ndarray) -> list[date | None]:
    return [None if v is None or pd.isna(v) else pd.Timestamp(v).date() for v in values]


def _months(values: np.ndarray) -> list[date | None]:
    starts: dict[int, date] = {}
    return [None if pd.isna(v) else starts.setdefault(int(v), calendar.month_start(int(v))) for v in values]


def _texts(values: np.ndarray) -> list[str | None]:
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v) for v in values]


def _bools(values: np.ndarray) -> list[bool | None]:
    return [None if v is None or pd.isna(v) else bool(v) for v in values]


def _ints(values: np.ndarray) -> list[int | None]:
    return [None if v is None or pd.isna(v) else int(v) for v in values]


CONVERT: dict[str, Callable[[np.ndarray], list]] = {
    "date": _dates, "month": _months, "bool": _bools, "int": _ints,
    **{kind: (lambda v, p=places: _scaled(v, p)) for kind, places in SCALE.items()},
}


def column_values(sheet: Sheet, frame: pd.DataFrame) -> list[list]:
    """Each register column of `sheet` as a list of cell values (blank where the frame has none)."""
    out = []
    for column in sheet.columns:
        stored = RENAMES.get(column.name, column.name)
        if stored not in frame.columns:
            out.append([None] * len(frame))
            continue
        values = frame[stored].to_numpy()
        out.append(CONVERT.get(column.kind, _texts)(values))
    return out


def _cols(sheet: Sheet) -> list[Col]:
    return [Col(c.name, FORMATS.get(c.kind), 40 if c.name in WIDE else max(12, len(c.name) + 3)) for c in sheet.columns]


def rows_of(sheet: Sheet, frame: pd.DataFrame, chunk: int = 50_000) -> Iterator[list]:
    """The sheet's rows as cell values, converted a chunk at a time so memory stays flat."""
    for start in range(0, len(frame), chunk):
        columns = column_values(sheet, frame.iloc[start:start + chunk])
        yield from (list(row) for row in zip(*columns, strict=True))


def placed(frames: Frames) -> Placed:
    """Rows of lines and adjustments and column letters, as `write_register` will lay them out."""
    lines = sorted_frame("SavingLines", frames.lines)
    budgets = sorted_frame("BudgetAdjustments", frames.budgets)
    return Placed(dict(zip(lines["line_id"], range(2, len(lines) + 2), strict=True)),
                  dict(zip(budgets["adjustment_id"], range(2, len(budgets) + 2), strict=True)),
                  {s.name: letters_of(s) for s in SHEETS})


def write_register(book: Book, frames: Frames, actual_parts: list[tuple[str, int, int]]) -> None:
    """Write Trust and every register sheet the frames hold, in the register's own sheet order.

    `actual_parts` names the sheet and row range of each part of the (sorted) actuals: one sheet
    unless they pass Excel's row limit.
    """
    for sheet in SHEETS:
        if sheet.name == "Trust":
            ws = book.sheet("Trust", _cols(sheet))
            ws.append([frames.trust.get(c.name) or None for c in sheet.columns])
            continue
        if sheet.name not in FRAME_OF:
            continue
        frame = sorted_frame(sheet.name, getattr(frames, FRAME_OF[sheet.name]))
        if sheet.name == "SavingLines":
            _write_lines(book, sheet, frame)
            continue
        pieces = actual_parts if sheet.name == "Actuals" else [(sheet.name, 0, len(frame))]
        for name, start, end in pieces:
            ws = book.sheet(name, _cols(sheet))
            for row in rows_of(sheet, frame.iloc[start:end]):
                ws.append(row)


def _write_lines(book: Book, sheet: Sheet, frame: pd.DataFrame) -> None:
    """SavingLines, then the register's own extra columns (kept with each line) after the format's, so
    they are shown and `savings import` keeps them; no formula reads them, so no column letter moves."""
    extras = [json.loads(text) if text else {} for text in frame["extra"].fillna("")]
    names = sorted({name for extra in extras for name in extra})
    ws = book.sheet(sheet.name, _cols(sheet) + [Col(name, None, max(12, len(name) + 3)) for name in names])
    for row, extra in zip(rows_of(sheet, frame), extras, strict=True):
        ws.append(row + [extra.get(name) or None for name in names])


def omitted_sheets() -> list[str]:
    """Register sheets the workbook does not carry (their rows are not in the trust's frames)."""
    return [s.name for s in SHEETS if s.name != "Trust" and s.name not in FRAME_OF]
