"""Reading raw rows from a register: an .xlsx workbook (streamed, read-only) or a CSV folder.

Each sheet comes out as its header and an iterator of `(row_number, values)`, so a sheet with a
million rows is never held in memory. Problems that make a file unreadable raise LedgerError
with the file named; problems in cells are left to the parser.
"""
from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import LedgerError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"')


@dataclass
class RawSheet:
    """One sheet as read: where it is (`prefix` for messages), its header and its rows."""

    name: str
    prefix: str
    header: list[str]
    rows: Iterator[tuple[int, list[object]]]
    merged: tuple[str, ...] = ()


class Register:
    """A register on disk. Use as a context manager; iterate `sheets()` once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name if path.is_file() else str(path)
        self._book = None

    def __enter__(self) -> Register:
        if not self.path.exists():
            raise LedgerError(f"{self.path}: no such file or folder")
        if self.path.is_file():
            self._open_workbook()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._book is not None:
            self._book.close()

    def _open_workbook(self) -> None:
        import openpyxl

        with self.path.open("rb") as fh:
            head = fh.read(8)
        if head == _OLE_MAGIC:
            raise LedgerError(f"{self.label}: the workbook is password-protected or an old .xls file; "
                              "save it as an unprotected .xlsx")
        if not zipfile.is_zipfile(self.path):
            raise LedgerError(f"{self.label}: not an .xlsx workbook (and not a folder of CSV files)")
        try:
            self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise LedgerError(f"{self.label}: the workbook is corrupt or unreadable ({type(exc).__name__}: "
                              f"{exc})") from None

    def where(self, name: str) -> str:
        """How messages name a sheet: `register.xlsx:Sheet` or `folder/Sheet.csv`."""
        return f"{self.label}:{name}" if self._book is not None else f"{self.path}/{name}.csv"

    def sheet_names(self) -> list[str]:
        if self._book is not None:
            return list(self._book.sheetnames)
        return sorted(p.stem for p in self.path.glob("*.csv"))

    def sheet(self, name: str) -> RawSheet:
        """Read one sheet by its exact name as listed by `sheet_names()`."""
        if self._book is not None:
            return self._xlsx_sheet(name)
        return self._csv_sheet(name)

    def _xlsx_sheet(self, name: str) -> RawSheet:
        ws = self._book[name]
        rows = ws.iter_rows()
        header = [_header_text(c.value) for c in next(rows, ())]
        numbered = ((n, [_cell_value(c) for c in cells]) for n, cells in enumerate(rows, start=2))
        return RawSheet(name, self.where(name), header, numbered, self._merged_ranges(name))

    def _merged_ranges(self, name: str) -> tuple[str, ...]:
        """Merged cells hide values; read-only openpyxl does not list them, so scan the XML."""
        ws = self._book[name]
        part = ws._worksheet_path
        found: list[str] = []
        with zipfile.ZipFile(self.path) as zf:
            if part.lstrip("/") not in zf.namelist():
                return ()
            with zf.open(part.lstrip("/")) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    found.extend(m.decode() for m in _MERGE.findall(data))
                    tail = data[-200:]
        return tuple(dict.fromkeys(found))

    def _csv_sheet(self, name: str) -> RawSheet:
        path = self.path / f"{name}.csv"
        try:
            fh = path.open(newline="", encoding="utf-8-sig")
            reader = csv.reader(fh)
            header = [_header_text(v) for v in next(reader, [])]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise LedgerError(f"{path}: cannot read CSV ({exc})") from None

        def rows() -> Iterator[tuple[int, list[object]]]:
            try:
                for values in reader:
                    yield reader.line_num, list(values)
            except (UnicodeDecodeError, csv.Error) as exc:
                raise LedgerError(f"{path}:{reader.line_num}: cannot read CSV ({exc})") from None
            finally:
                fh.close()

        return RawSheet(name, self.where(name), header, rows())


class FormulaCell:
    """A cell that holds a formula rather than a value (registers must hold values)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _cell_value(cell: object) -> object:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return FormulaCell(str(value))
    return value


def _header_text(value: object) -> str:
    return "" if value is None else str(value).strip().lower()
