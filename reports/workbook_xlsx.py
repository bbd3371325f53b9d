"""Streaming .xlsx writing for the audit workbook: openpyxl write-only plus cached formula values.

openpyxl writes a formula cell as `<f>…</f><v/>`, with no cached result, so any reader that does
not recalculate (pandas, `openpyxl data_only=True`, previewers, LibreOffice with recalculation
off) sees blanks. The workbook must carry the ledger's figures in its formula cells, so each
formula is written with its cached value appended after a private-use marker, and `save()`
makes one streaming pass over the finished package that moves the value into `<v>`.
The pass also pins every timestamp, so the same data gives the same bytes.

Text is always written as text: a value starting with `=`, `+`, `-` or `@` is a string cell with
Excel's quote prefix, never a formula (formula injection). Excel holds 32,767 characters a cell;
longer text is kept whole on the LongText sheet (see docs/audit-workbook.md).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from ledger.errors import LedgerError

MAX_ROWS = 1_048_576  # Excel's rows per sheet, header included
MAX_TEXT = 32_767  # Excel's characters per cell
MARK = "\ue000"  # separates a formula from its cached value until save() moves the value into <v>
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_LOOKS_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # text that Excel would read as an escape: its _ escaped
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_CACHED = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?)><f>([^<]*?)\xee\x80\x80([nsb]):([^<]*)</f><v ?/></c>')
_MARK_BYTES = MARK.encode()
_TYPE_ATTR = {b"n": b"", b"s": b' t="str"', b"b": b' t="b"'}



def column_range(sheet: str, letter: str, rows: int) -> str:
    """A whole data column of a sheet (row 2 to the last of `rows`; one row when it is empty)."""
    return f"{sheet}!${letter}$2:${letter}${max(rows, 1) + 1}"

@dataclass(frozen=True)
class Col:
    """A column: header, number format (None for General) and width in characters."""

    name: str
    fmt: str | None = None
    width: float = 14


@dataclass(frozen=True)
class F:
    """A live formula (without the leading `=`) and the value the ledger says it evaluates to."""

    text: str
    cached: Decimal | int | str | bool | None


@dataclass(frozen=True)
class Link:
    """Text that links to a cell of another sheet (the Contents sheet)."""

    text: str
    sheet: str


def _encode(value: Decimal | int | str | bool | None) -> str:
    if isinstance(value, bool):
        return f"b:{int(value)}"
    if isinstance(value, int | Decimal):
        return f"n:{value:f}" if isinstance(value, Decimal) else f"n:{value}"
    if value is None:
        return "s:"
    return "s:" + _ILLEGAL.sub("", str(value))


@dataclass
class Sheet:
    """One streamed sheet. Rows are appended in order; `close()` adds the table with filters."""

    book: Book
    ws: object
    cols: tuple[Col, ...]
    table: bool = True
    rows: int = 0  # rows written, header included
    formulas: int = 0
    table_end: int | None = None  # last row of the table when notes follow it
    _pool: dict[tuple, WriteOnlyCell] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.ws.title

    def header(self) -> None:
        bold = Font(bold=True)
        cells = []
        for col in self.cols:
            cell = WriteOnlyCell(self.ws, value=col.name)
            cell.font = bold
            cells.append(cell)
        self._append(cells)

    def append(self, values: Sequence[object], fmts: dict[int, str] | None = None) -> int:
        """Write one row; returns its row number. Strings are text, `F` a formula, dates dates.

        `fmts` overrides the column's number format for some cells (by index), for sheets whose
        rows hold different kinds of figures (the Summary: money, counts, ratios).
        """
        fmts = fmts or {}
        cells = [self._cell(v, i, fmts.get(i)) for i, v in enumerate(values)]
        return self._append(cells)

    def note(self, text: str, bold: bool = False) -> int:
        """A free-standing line of text (headings on the README and TowerRecon); "" is an empty row."""
        if not text:
            return self._append([])
        cell = self._text(text, 0, pooled=False)
        if bold:
            cell.font = Font(bold=True, size=12)
        return self._append([cell])

    def _append(self, cells: list) -> int:
        if self.rows >= MAX_ROWS:
            raise LedgerError(f"sheet {self.name} would pass Excel's {MAX_ROWS:,} rows")
        self.ws.append(cells)
        self.rows += 1
        return self.rows

    def _cell(self, value: object, index: int, fmt: str | None = None) -> object:
        fmt = fmt or (self.cols[index].fmt if index < len(self.cols) else None)
        if value is None or value == "":
            return None  # an empty cell, not an empty inline string
        if isinstance(value, str):
            return self._text(value, index)
        if isinstance(value, F):
            self.formulas += 1
            cell = self._pooled((index, "f", fmt), fmt)
            cell.value = f"={value.text}{MARK}{_encode(value.cached)}"
            return cell
        if isinstance(value, Link):
            cell = self._text(value.text, index, pooled=False)
            cell.hyperlink = Hyperlink(ref="A1", location=f"'{value.sheet}'!A1", display=value.text)
            cell.font = Font(color="0563C1", underline="single")
            return cell
        if not isinstance(value, bool | int | Decimal | date | datetime):
            raise TypeError(f"cannot write {type(value).__name__} to sheet {self.name} (floats are refused)")
        if not fmt:
            return value
        cell = self._pooled((index, "n", fmt), fmt)
        cell.value = value
        return cell

    def _pooled(self, key: tuple, fmt: str | None = None, quote: bool = False, wrap: bool = False) -> WriteOnlyCell:
        """One styled cell per column and kind, reused row after row: a write-only row is written out
        before the next is built, and creating and styling a cell per value is half the cost."""
        cell = self._pool.get(key)
        if cell is None:
            cell = WriteOnlyCell(self.ws)
            if fmt:
                cell.number_format = fmt
            if quote:
                cell.quotePrefix = True
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            self._pool[key] = cell
        return cell

    def _text(self, text: str, index: int, pooled: bool = True) -> WriteOnlyCell:
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", _LOOKS_ESCAPED.sub("_x005F_", text))
        if len(text) > MAX_TEXT:
            column = self.cols[index].name if index < len(self.cols) else ""
            self.book.long_text.append((self.name, f"{get_column_letter(index + 1)}{self.rows + 1}", column, text))
            text = text[:MAX_TEXT]
        quote, wrap = text.startswith(_RISKY_START), "\n" in text
        if pooled:
            cell = self._pooled((index, "s", quote, wrap), quote=quote, wrap=wrap)
        else:
            cell = WriteOnlyCell(self.ws)
            cell.quotePrefix = quote
        cell.value = text
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell

    def close(self) -> None:
        if not self.table:
            return
        last = get_column_letter(len(self.cols))
        ref = f"A1:{last}{max(self.table_end or self.rows, 2)}"
        name = "t" + re.sub(r"\W", "_", self.name)
        table = Table(displayName=name, ref=ref, autoFilter=AutoFilter(ref=ref),
                      tableColumns=[TableColumn(id=i + 1, name=c.name) for i, c in enumerate(self.cols)])
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns that write-only tables need columns: given above
            warnings.simplefilter("ignore", UserWarning)
            self.ws.add_table(table)


class Book:
    """A write-only workbook whose sheets are created in tab order and filled in any order."""

    def __init__(self, stamp: date) -> None:
        self.wb = Workbook(write_only=True)
        moment = datetime(stamp.year, stamp.month, stamp.day)  # noqa: DTZ001 (openpyxl writes it as UTC)
        self.wb.properties.created = self.wb.properties.modified = moment
        self.wb.properties.creator = "savings-ledger"
        self.stamp = moment
        self.sheets: dict[str, Sheet] = {}
        self.long_text: list[tuple[str, str, str, str]] = []

    def sheet(self, name: str, cols: Iterable[Col], *, table: bool = True, freeze: str | None = "A2",
              header: bool = True) -> Sheet:
        """Create a sheet (tab order = creation order) with widths, frozen header and header row."""
        ws = self.wb.create_sheet(name)
        cols = tuple(cols)
        for i, col in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        if freeze:
            ws.freeze_panes = freeze
        sheet = Sheet(self, ws, cols, table=table)
        if header:
            sheet.header()
        self.sheets[name] = sheet
        return sheet

    def save(self, path: Path) -> None:
        """Close every sheet, save, then move cached values into place (streamed, bounded memory)."""
        for sheet in self.sheets.values():
            sheet.close()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
            raw = Path(tmp) / "raw.xlsx"
            self.wb.save(raw)
            done = Path(tmp) / "done.xlsx"
            fill_cached_values(raw, done, self.stamp)
            shutil.move(done, path)


def fill_cached_values(src: Path, dst: Path, stamp: datetime) -> None:
    """Copy the package, turning `<f>formula<MARK>value</f><v/>` into `<f>formula</f><v>value</v>`."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = zipfile.ZipInfo(info.filename, date_time=when)
            out.compress_type = zipfile.ZIP_DEFLATED
            with zin.open(info) as fin, zout.open(out, "w", force_zip64=True) as fout:
                if info.filename == "docProps/core.xml":
                    fout.write(_pin_modified(fin.read(), stamp))
                elif info.filename.startswith("xl/worksheets/sheet"):
                    _stream_cells(fin, fout)
                else:
                    shutil.copyfileobj(fin, fout, 1 << 20)


def _pin_modified(xml: bytes, stamp: datetime) -> bytes:
    text = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", lambda m: m.group(1) + text, xml)


def _cached_cell(match: re.Match) -> bytes:
    ref, style, formula, kind, value = match.groups()
    return b'<c r="%s"%s%s><f>%s</f><v>%s</v></c>' % (ref, style, _TYPE_ATTR[kind], formula, value)


def _stream_cells(fin, fout) -> None:
    """Rewrite formula cells chunk by chunk; a cell is never split (cut after the last `</c>`)."""
    pending = b""
    while chunk := fin.read(1 << 22):
        data = pending + chunk
        cut = data.rfind(b"</c>")
        if cut < 0:
            pending = data
            continue
        fout.write(_fill(data[:cut + 4]))
        pending = data[cut + 4:]
    fout.write(_fill(pending))


def _fill(data: bytes) -> bytes:
    if _MARK_BYTES not in data:
        return data
    out = _CACHED.sub(_cached_cell, data)
    if _MARK_BYTES in out:
        raise RuntimeError("a formula cell kept its cached-value marker; the workbook would be unreadable")
    return out
