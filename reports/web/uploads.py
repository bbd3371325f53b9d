"""Receiving files from the browser safely: registers (.xlsx or CSV files) and evidence.

An upload is streamed to a private temporary folder under a sanitised name, never above the
size cap; a workbook is opened only after its zip directory has been checked (too many parts,
too much uncompressed data or an absurd compression ratio is a zip bomb and is refused). The
register then goes through `ledger.register.load.import_register`, the same all-or-nothing
import as `savings import`, so its row-level messages are the CLI's, word for word (a formula
in a cell or formula text in a CSV, a wrong number, a missing column ...), and a refused
register writes nothing.
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from starlette.datastructures import UploadFile

from ledger.errors import LedgerError
from ledger.register import load
from ledger.register.read import Register
from ledger.register.spec import SHEET_BY_NAME
from reports.web.security import MAX_BODY

CHUNK = 1 << 20
MAX_PARTS = 2_000  # files inside one .xlsx
MAX_UNPACKED = 200 * 1024 * 1024  # bytes a workbook may unpack to
MAX_RATIO = 150  # uncompressed / compressed, per part (XML compresses ~10-30x)
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_name(filename: str) -> str:
    """The upload's base name with path parts and odd characters removed (never empty or hidden)."""
    base = Path(filename.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .") or "upload"
    return cleaned[:120]


async def save_upload(upload: UploadFile, target: Path, limit: int = MAX_BODY) -> Path:
    """Copy an upload to `target`, refusing one over `limit` bytes (the partial file is removed)."""
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise LedgerError(f"{target.name}: larger than {limit // (1024 * 1024)} MB; nothing was written")
            out.write(chunk)
    return target


def check_workbook(path: Path) -> None:
    """Refuse what is not a plain .xlsx, or a zip that would unpack to far more than it weighs."""
    if not zipfile.is_zipfile(path):
        raise LedgerError(f"{path.name}: not an .xlsx workbook (a register is an .xlsx file or CSV files); "
                          "nothing was written")
    with zipfile.ZipFile(path) as zf:
        parts = zf.infolist()
        if len(parts) > MAX_PARTS:
            raise LedgerError(f"{path.name}: holds {len(parts):,} parts, more than a register workbook can; "
                              "refused, nothing was written")
        total = sum(p.file_size for p in parts)
        if total > MAX_UNPACKED:
            raise LedgerError(f"{path.name}: would unpack to {total / 2**20:,.0f} MB (a zip bomb?); refused, "
                              "nothing was written")
        for part in parts:
            if part.file_size > 1_000_000 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                ratio = part.file_size // max(part.compress_size, 1)
                raise LedgerError(f"{path.name}: part {part.filename} is compressed {ratio:,} to 1 (a zip bomb?); "
                                  "refused, nothing was written")
        if "[Content_Types].xml" not in zf.namelist():
            raise LedgerError(f"{path.name}: a zip file but not an .xlsx workbook; nothing was written")


def register_trust(path: Path) -> str:
    """The org code on the register's Trust sheet (first data row), read before importing anything."""
    with Register(path) as register:
        names = {n.lower(): n for n in register.sheet_names()}
        if "trust" not in names:
            return ""
        raw = register.sheet(names["trust"])
        column = raw.header.index("org_code") if "org_code" in raw.header else None
        for _row, values in raw.rows:
            if column is not None and column < len(values) and values[column] not in (None, ""):
                return str(values[column]).strip()  # as the importer will store it: org codes match exactly
    return ""


def stage_register(files: list[UploadFile], folder: Path) -> Path:
    """Where the uploaded register lies once saved: the .xlsx file, or the folder of CSV files."""
    names = [safe_name(f.filename or "") for f in files]
    if len(files) == 1 and names[0].lower().endswith(".xlsx"):
        return folder / names[0]
    csv_names = {SHEET_BY_NAME[key].name.lower(): SHEET_BY_NAME[key].name for key in SHEET_BY_NAME}
    wrong = [n for n in names if not n.lower().endswith(".csv") or n[:-4].lower() not in csv_names]
    if wrong:
        raise LedgerError(f"{', '.join(wrong)}: upload one .xlsx register, or CSV files named after its sheets "
                          f"(Trust.csv, Contracts.csv, Schemes.csv, SavingLines.csv ...); nothing was written")
    for sheet in sorted({n[:-4].lower() for n in names}):
        same = [n for n in names if n[:-4].lower() == sheet]
        if len(same) > 1:  # one would silently replace the other
            raise LedgerError(f"{', '.join(same)}: {len(same)} files for the {csv_names[sheet]} sheet; upload one "
                              "file per sheet; nothing was written")
    return folder / "register"


async def import_upload(engine, files: list[UploadFile], trust: str) -> load.ImportResult:
    """Save, check and import an uploaded register for `trust`; LedgerError says why when refused."""
    if not files:
        raise LedgerError("choose the register to upload (.xlsx, or its CSV files)")
    with tempfile.TemporaryDirectory(prefix="savings-upload-") as tmp:
        target = stage_register(files, Path(tmp))
        if target.suffix.lower() == ".xlsx":
            await save_upload(files[0], target)
            check_workbook(target)
        else:
            target.mkdir()
            for upload in files:
                name = safe_name(upload.filename or "")
                stem = name[:-4].lower()
                await save_upload(upload, target / f"{SHEET_BY_NAME[stem].name}.csv")
        try:
            found = register_trust(target)
            if found and found.upper() != trust:  # "rt1" on RT1's page: the importer says to write it in capitals
                raise LedgerError(f"this register is for trust {found}, not {trust}: upload it from {found}'s page "
                                  "(if you belong to it); nothing was written")
            return load.import_register(engine, target)
        except LedgerError as exc:  # name the files as the user knows them, not by the temporary folder
            raise type(exc)(*_relabel(exc, f"{tmp}/")) from None


def _relabel(exc: LedgerError, prefix: str) -> tuple:
    if isinstance(exc, load.RegisterInvalid):
        exc.problems.lines = [line.replace(prefix, "") for line in exc.problems.lines]
        return (exc.problems,)
    return (str(exc).replace(prefix, ""),)
