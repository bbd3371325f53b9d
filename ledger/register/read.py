"""Reading raw rows from a register: an .xlsx workbook or a CSV folder.

Each sheet comes out as its header and an iterator of `(row_number, values)`. Worksheets up to
`CALAMINE_MAX_XML` of XML are read with python-calamine (about 10x faster than openpyxl), with
formulas and merged cells found by scanning the sheet's XML; larger ones stream through
openpyxl read-only, so a sheet with a million rows is never held in memory. Both give text as
Excel shows it, with its `_xHHHH_` escapes (a NUL is `_x0000_`) decoded. Problems that make
a file unreadable raise LedgerError with the file named; problems in cells are left to the parser.
"""
from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from xml.etree import ElementTree

from ledger.errors import LedgerError

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"')
_FORMULA = re.compile(rb'<c\s([^>]*?)>\s*<f(?:\s[^>]*)?(?:/>|>([^<]*)</f>)')  # <f> is a cell's first child
_ERROR = re.compile(rb'<c\s([^>]*?\bt="e"[^>]*)>\s*<v>([^<]*)</v>')  # a typed error value (#N/A): calamine gives ""
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # Excel's escape for a character in text, e.g. _x0000_ for NUL
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CALAMINE_MAX_XML = 50 * 2**20  # about 250,000 rows of 4 columns; calamine holds the sheet in memory


@dataclass
class RawSheet:
    """One sheet as read: where it is (`prefix` for messages), its header and its rows."""

    name: str
    prefix: str
    header: list[str]
    rows: Iterator[tuple[int, list[object]]]
    merged: tuple[str, ...] = ()



def _csv_problem(exc: csv.Error, start: int, end: int) -> str:
    """A malformed CSV record in words: where a quote was opened and where the reader gave up."""
    if "end of data" in str(exc):
        return "a quote opened in this row is never closed"
    if "expected after" in str(exc):
        where = "in this row" if end == start else f"on line {end}"
        return f"a quoted value that starts in this row closes {where} with more text after it (a quote is missing " \
               "or stray)"
    return str(exc)


class Register:
    """A register on disk. Use as a context manager; iterate `sheets()` once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.label = path.name if path.is_file() else str(path)
        self._xlsx = path.is_file()
        self._book = None  # openpyxl, opened only for a sheet calamine does not read
        self._calamine = None
        self._parts: dict[str, str] = {}  # sheet name -> its XML part in the zip

    def __enter__(self) -> Register:
        if not self.path.exists():
            raise LedgerError(f"{self.path}: no such file or folder")
        if self.path.is_file():
            self._open_workbook()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._book is not None:
            self._book.close()
        if self._calamine is not None:
            self._calamine.close()

    def _open_workbook(self) -> None:
        with self.path.open("rb") as fh:
            head = fh.read(8)
        if head == _OLE_MAGIC:
            raise LedgerError(f"{self.label}: the workbook is password-protected or an old .xls file; "
                              "save it as an unprotected .xlsx")
        if not zipfile.is_zipfile(self.path):
            raise LedgerError(f"{self.label}: not an .xlsx workbook (and not a folder of CSV files)")
        if self.path.suffix.lower() != ".xlsx":  # openpyxl goes by the name, and would call it an old .xls
            with zipfile.ZipFile(self.path) as parts:
                xlsx = "[Content_Types].xml" in parts.namelist()  # an .ods or a .zip is a zip file too
            raise LedgerError(f"{self.label}: an .xlsx workbook named {self.path.name}: rename it "
                              f"{self.path.stem}.xlsx (a register is read by that ending)" if xlsx else
                              f"{self.label}: not an .xlsx workbook (and not a folder of CSV files); save it as .xlsx")
        try:
            from python_calamine import CalamineWorkbook

            self._parts = _sheet_parts(self.path)
            self._calamine = CalamineWorkbook.from_path(str(self.path))
        except Exception:  # an unusual layout or a broken file: openpyxl reads it, or names the problem
            self._parts, self._calamine = {}, None
            self._openpyxl()

    def _openpyxl(self) -> object:
        if self._book is None:
            try:
                self._book = _load_openpyxl(self.path)
            except Exception as exc:  # openpyxl raises many types for broken files
                raise LedgerError(f"{self.label}: the workbook is corrupt or unreadable ({type(exc).__name__}: "
                                  f"{exc})") from None
        return self._book

    def where(self, name: str) -> str:
        """How messages name a sheet: `register.xlsx:Sheet` or `folder/Sheet.csv`."""
        return f"{self.label}:{name}" if self._xlsx else f"{self.path}/{name}.csv"

    def sheet_names(self) -> list[str]:
        if self._xlsx:
            return list(self._parts) if self._calamine is not None else list(self._openpyxl().sheetnames)
        return sorted(p.stem for p in self.path.glob("*.csv"))

    def odd_csv_files(self) -> list[str]:
        """Files of a CSV register whose `.csv` is not in lower case (`Actuals.CSV`): never read."""
        if self._xlsx:
            return []
        return sorted(p.name for p in self.path.iterdir() if p.suffix.lower() == ".csv" and p.suffix != ".csv")

    def sheet(self, name: str) -> RawSheet:
        """Read one sheet by its exact name as listed by `sheet_names()`."""
        if self._xlsx:
            return self._xlsx_sheet(name)
        return self._csv_sheet(name)

    def _xlsx_sheet(self, name: str) -> RawSheet:
        part = self._parts.get(name, "")
        with zipfile.ZipFile(self.path) as zf:
            size = zf.getinfo(part).file_size if part in zf.namelist() else None
        if size is not None and size <= CALAMINE_MAX_XML and (fast := self._calamine_sheet(name, part)):
            return fast
        book = self._openpyxl()
        if name not in book.sheetnames:  # listed in the workbook's index, but its part is missing from the zip
            raise LedgerError(f"{self.label}: the workbook is corrupt or unreadable (sheet {name!r} is listed but "
                              "its cells are missing); save it again from Excel")
        ws = book[name]
        rows = ws.iter_rows()
        header = [_header_text(_unescaped_value(c)) for c in next(rows, ())]
        numbered = ((n, [_cell_value(c) for c in cells]) for n, cells in enumerate(rows, start=2))
        return RawSheet(name, self.where(name), header, numbered, self._merged_ranges(name))

    def _calamine_sheet(self, name: str, part: str) -> RawSheet | None:
        """Values through calamine, formulas and merged cells from the sheet's XML (calamine gives a
        formula's cached result). None when the sheet does not start on row 1 (openpyxl reads it)."""
        try:
            sheet = self._calamine.get_sheet_by_name(name)
        except Exception:  # calamine's own error types; openpyxl reads the sheet and names the problem
            return None
        top, left = sheet.start or (0, 0)
        if top:
            return None
        with zipfile.ZipFile(self.path) as zf:
            xml = zf.read(part)
        merged = tuple(dict.fromkeys(m.decode() for m in _MERGE.findall(xml)))
        formulas: dict[int, list[tuple[int, FormulaCell]]] = {}
        for attrs, body in _FORMULA.findall(xml):
            if ref := _REF.search(attrs):
                text = f"={unescape(body.decode())}" if body else "a shared formula"
                formulas.setdefault(int(ref[2]), []).append((_column_index(ref[1].decode()), FormulaCell(text)))
        for attrs, body in _ERROR.findall(xml):
            if ref := _REF.search(attrs):
                formulas.setdefault(int(ref[2]), []).append((_column_index(ref[1].decode()),
                                                             error_cell(unescape(body.decode()))))
        del xml

        def cells(values: list[object], n: int) -> list[object]:
            out = [None] * left + [None if v == "" else v for v in values]
            for col, formula in formulas.get(n, ()):
                out += [None] * (col + 1 - len(out))
                out[col] = formula
            return out

        def numbered() -> Iterator[tuple[int, list[object]]]:
            last = 1
            for last, values in enumerate(rows, start=2):
                yield last, cells(values, last)
            for n in sorted(r for r in formulas if r > last):  # a formula without a cached value, past the values
                yield n, cells([], n)

        rows = iter(sheet.iter_rows())
        header = [_header_text(v) for v in cells(next(rows, []), 1)]
        return RawSheet(name, self.where(name), header, numbered(), merged)

    def _merged_ranges(self, name: str) -> tuple[str, ...]:
        """Merged cells hide values; read-only openpyxl does not list them, so scan the XML."""
        ws = self._openpyxl()[name]
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
            reader = csv.reader(fh, strict=True)
            header = [_header_text(v) for v in next(reader, [])]
        except UnicodeDecodeError:
            raise LedgerError(_not_utf8(path)) from None
        except (OSError, csv.Error) as exc:
            raise LedgerError(f"{path}: cannot read CSV ({exc})") from None
        if any("\0" in h for h in header):  # l\0i\0n\0e\0: UTF-16 without its byte-order mark reads as UTF-8
            fh.close()
            raise LedgerError(f"{path}: NUL characters between the letters of its header: it is UTF-16 text "
                              "(Excel's \"Unicode Text\"), not UTF-8; save it as CSV UTF-8 (comma delimited)")

        def rows() -> Iterator[tuple[int, list[object]]]:
            """Each record numbered by the line it starts on: a quoted value may run over several
            lines, and a quote left open runs on until the next quote, so the start is where to look."""
            start = reader.line_num + 1
            try:
                for values in reader:
                    yield start, _formulas_marked(values)
                    start = reader.line_num + 1
            except csv.Error as exc:
                raise LedgerError(f"{path}:{start}: cannot read CSV: {_csv_problem(exc, start, reader.line_num)}") \
                    from None
            except UnicodeDecodeError:
                raise LedgerError(_not_utf8(path)) from None
            finally:
                fh.close()

        return RawSheet(name, self.where(name), header, rows())


def _not_utf8(path: Path) -> str:
    """The message for a CSV file that is not UTF-8 text, naming the first line that is not (the
    reader decodes ahead of the rows it has parsed, so it cannot say which): an export from Excel
    as plain "CSV" is in the PC's code page, where a £ or an é is one byte UTF-8 cannot read."""
    with path.open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return (f"{path}:{line_no}: not UTF-8 text (byte 0x{raw[exc.start]:02X} at character "
                        f"{exc.start + 1} of the line): save the file as CSV UTF-8 (Excel: Save As, CSV UTF-8)")
    return f"{path}: not UTF-8 text: save the file as CSV UTF-8 (Excel: Save As, CSV UTF-8)"


class FormulaCell:
    """A cell that holds a formula (or an Excel error) rather than a value: registers must hold
    values. `problem` is how the import words it."""

    def __init__(self, text: str, problem: str = "") -> None:
        self.text = text
        self.problem = problem or f"holds a formula ({text[:40]}); paste values instead"


def error_cell(code: str) -> FormulaCell:
    """An Excel error value (#N/A, #DIV/0!, #REF!...): what it stood for is lost, so it is refused."""
    return FormulaCell(code, f"holds an Excel error ({code[:20]}), not a value; enter the value")


def _formulas_marked(values: list[str]) -> list[object]:
    """A CSV row with formula text (`=...`) as FormulaCell, refused like a workbook's formula cell:
    a CSV has no formulas, but a spreadsheet opening the text (or an export of it) would run it."""
    if "=" not in "".join(values):
        return values
    return [FormulaCell(v.strip()) if v.lstrip().startswith("=") else v for v in values]


def _cell_value(cell: object) -> object:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return FormulaCell(str(value))
    if getattr(cell, "data_type", None) == "e":
        return error_cell(str(value))
    return _unescaped_value(cell)


def _unescaped_value(cell: object) -> object:
    """An openpyxl cell's value, its text unescaped as calamine does it (openpyxl leaves `_x0000_` as is)."""
    value = getattr(cell, "value", None)
    return _unescape(value) if isinstance(value, str) and getattr(cell, "data_type", None) == "s" else value


def _unescape(text: str) -> str:
    """Text as Excel shows it: in a workbook `_xHHHH_` is the character U+HHHH and `_x005F_` an
    underscore, so `_x005F_x0000_` is the text `_x0000_` (ECMA-376 ST_Xstring)."""
    return _ESCAPED.sub(_escaped_character, text) if "_x" in text else text


def _escaped_character(match: re.Match[str]) -> str:
    """Half a surrogate pair is no character: kept as written, as calamine keeps it."""
    code = int(match[1], 16)
    return match[0] if 0xD800 <= code <= 0xDFFF else chr(code)


def _load_openpyxl(path: Path) -> object:
    """openpyxl, read-only, with shared strings as the file holds them: its own reader deletes every
    `x005F_`, which turns the text `_x005F_x0000_` into an escaped NUL; `_unescaped_value` unescapes instead."""
    from openpyxl.cell.text import Text
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    class Reader(ExcelReader):
        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            if part is None:
                return
            strings = []
            with self.archive.open(part.PartName[1:]) as src:
                for _, node in iterparse(src):
                    if node.tag == f"{{{SHEET_MAIN_NS}}}si":
                        strings.append(Text.from_tree(node).content)
                        node.clear()
            self.shared_strings = strings

    reader = Reader(path, read_only=True, data_only=False)
    reader.read()
    return reader.wb


def _sheet_parts(path: Path) -> dict[str, str]:
    """Each sheet's XML part, in workbook order, from xl/workbook.xml and its relationships."""
    with zipfile.ZipFile(path) as zf:
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets[sheet.get(_RID)]
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if not parts:
        raise ValueError("no sheets listed")
    return parts


def _column_index(letters: str) -> int:
    """`A` -> 0, `Z` -> 25, `AA` -> 26."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _header_text(value: object) -> str:
    return "" if value is None else str(value).strip().lower()
