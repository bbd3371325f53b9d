"""Re-performing an audit workbook with an independent formula engine (pycel), for the workbook tests.

The workbook carries the ledger's figures as the cached values of its formulas, and pycel would
simply read those back, so `stripped()` first saves a copy through openpyxl, which keeps the
formulas and drops every cached value: pycel then has to compute each one from the register
sheets. pycel 1.0b30 predates NumPy 2: its SUMPRODUCT returns a NumPy scalar whose repr
(`np.float64(...)`) its own ROUND cannot parse, so `compiler()` makes SUMPRODUCT return a plain
Python number. Nothing else of the engine is touched.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import openpyxl
import pycel.excellib
from pycel import ExcelCompiler

if not getattr(pycel.excellib.sumproduct, "_python_number", False):
    _numpy_sumproduct = pycel.excellib.sumproduct

    @functools.wraps(_numpy_sumproduct)
    def _sumproduct(*args: object) -> object:
        value = _numpy_sumproduct(*args)
        return value.item() if isinstance(value, np.generic) else value

    _sumproduct._python_number = True  # type: ignore[attr-defined]
    pycel.excellib.sumproduct = _sumproduct


def stripped(path: Path, out: Path) -> Path:
    """A copy of the workbook with its formulas and no cached values."""
    book = openpyxl.load_workbook(path)
    book.save(out)
    return out


def compiler(path: Path, tmp: Path) -> ExcelCompiler:
    """pycel on the stripped copy of `path`: every formula is computed from the inputs."""
    return ExcelCompiler(filename=str(stripped(path, tmp / f"stripped-{path.name}")))


@dataclass(frozen=True)
class Mismatch:
    where: str
    formula: str
    cached: object
    computed: object


def _same(cached: object, computed: object) -> bool:
    numbers = (int, float)
    if isinstance(cached, numbers) and not isinstance(cached, bool) and isinstance(computed, numbers) \
            and not isinstance(computed, bool):
        return abs(Decimal(repr(float(computed))) - Decimal(repr(float(cached)))) < Decimal("0.0000005")
    return cached == computed or (cached is None and computed == "")


def reperform(path: Path, tmp: Path) -> tuple[dict[str, object], list[Mismatch]]:
    """Compute every formula of the workbook independently: the values by cell, and the mismatches
    against the cached values the workbook was written with (the ledger's figures)."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    xl = compiler(path, tmp)
    computed, bad = {}, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                where = f"{ws.title}!{cell.coordinate}"
                cached = values[ws.title][cell.coordinate].value
                computed[where] = xl.evaluate(where)
                if not _same(cached, computed[where]):
                    bad.append(Mismatch(where, cell.value, cached, computed[where]))
    return computed, bad


def pennies(value: object, places: str = "0.01") -> Decimal:
    """A number read from a workbook (int or float) as exact Decimal at `places`, half-up."""
    return Decimal(repr(float(value))).quantize(Decimal(places), ROUND_HALF_UP)


def summary_rows(path: Path) -> dict[str, tuple[str, object, object, object]]:
    """Summary sheet by JSON key: (workbook cell, cached formula value, ledger value, check)."""
    ws = openpyxl.load_workbook(path, data_only=True)["Summary"]
    out = {}
    for row in ws.iter_rows(min_row=2):
        key = row[1].value
        if key:
            out[key] = (f"Summary!{row[2].coordinate}", row[2].value, row[3].value, row[4].value)
    return out


def json_value(data: dict, key: str) -> object:
    for part in key.split("."):
        data = data[part]
    return data
