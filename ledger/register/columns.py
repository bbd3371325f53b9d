"""The import's fast path: a chunk of register rows parsed and checked a column at a time.

Most registers are clean, and parsing them cell by cell (a dict per row, a parser call and often
a regex per cell) was most of an import's time. Here each column is parsed in one pass, each
distinct text once. The answer is only ever "these rows, typed" or "look closer": on any
problem at all (a bad or formula cell, a NUL character, an empty required value, a reference to
an unknown id, a duplicate key) `parse_chunk` returns None and the importer runs the same rows
through its per-row path, which words every message. So the messages, and the rows stored, are
the per-row path's; this module only has to agree with it on clean rows.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.register.parse import (
    LARGEST_SPEND,
    MAX_ID,
    NOT_IDS,
    UNITS_PER_POUND,
    id_unfit,
    is_blank,
    parse_id,
    parse_text,
)
from ledger.register.read import FormulaCell
from ledger.register.spec import Column, Sheet

ABSENT = object()  # an empty optional cell: the stored row gets the column's default


@dataclass
class Chunk:
    """Clean rows of one sheet as columns: register row numbers, typed values, extra columns' text."""

    row_nos: list[int]
    typed: dict[str, list[object]]  # register column -> value per row, ABSENT where empty
    extra: dict[str, list[str]]  # columns the format does not know, kept as text


def parse_chunk(sheet: Sheet, header: list[str], columns: dict[str, Column | None],
                parsers: dict[str, Callable[[object], object]], rows: Sequence[tuple[int, list[object]]],
                ids: dict[str, set[str] | None], seen: dict[tuple, int]) -> Chunk | None:
    """`rows` typed and checked as the per-row path would, or None if any row has a problem.

    On success the chunk's keys are added to `seen` and `ids[sheet.name]`, as the per-row path
    adds them; on None nothing is changed.
    """
    index = {name: i for i, name in enumerate(header)}  # as a row's dict of cells: the last "" column wins
    width = len(header)
    unnamed = [i for i, name in enumerate(header) if not name]
    if any(not is_blank(v[i]) for _, v in rows for i in unnamed if i < len(v)) or \
            any(not is_blank(x) for _, v in rows if len(v) > width for x in v[width:]):
        return None  # a value under no column name: the per-row path words it
    values = [v if len(v) >= width else v + [None] * (width - len(v)) for _, v in rows]
    cells = list(zip(*values, strict=False)) if values else [() for _ in header]
    row_nos = [n for n, _ in rows]
    blank = _blank_rows(cells, list(index.values()))
    if blank:
        keep = [j for j in range(len(row_nos)) if j not in blank]
        row_nos = [row_nos[j] for j in keep]
        cells = [[col[j] for j in keep] for col in cells]
    typed: dict[str, list[object]] = {}
    extra: dict[str, list[str]] = {}
    for name, column in columns.items():
        col = cells[index[name]]
        if FormulaCell in set(map(type, col)) or _holds_nul(col):
            return None
        if column is None:
            extra[name] = [v.strip() if type(v) is str else "" if is_blank(v) else str(v).strip() for v in col]
            continue
        parsed = _parse_column(col, parsers[name], column)
        if parsed is None:
            return None
        typed[name] = parsed
    if not _rows_hold(sheet, typed, ids):
        return None
    if sheet.key and not _keys_new(sheet, typed, row_nos, ids, seen):
        return None
    return Chunk(row_nos, typed, extra)


def _blank_rows(cells: list[Sequence[object]], named: list[int]) -> set[int]:
    """Positions of rows whose every named cell is blank (a row is blank only if its first is)."""
    if not named or not cells or not cells[0]:
        return set()
    first = cells[named[0]]
    maybe = [j for j, v in enumerate(first) if is_blank(v)]
    return {j for j in maybe if all(is_blank(cells[i][j]) for i in named)}


def _holds_nul(col: Sequence[object]) -> bool:
    """Whether any text cell holds a NUL character: one search of the column's text joined."""
    try:  # a CSV column is all text
        return "\x00" in "".join(col)  # type: ignore[arg-type]
    except TypeError:  # a workbook's column: text among numbers, dates and empty cells
        return "\x00" in "".join([v for v in col if type(v) is str])


_MISS = object()


def _parse_column(col: Sequence[object], parse: Callable[[object], object], column: Column) -> list[object] | None:
    """Each cell typed (ABSENT when blank), or None when a cell would be a problem."""
    out: list[object] = []
    append = out.append
    cache: dict[str, object] = {}
    ids = parse is parse_id  # an id is text whose characters are checked below, for the whole column at once
    text = ids or parse is parse_text  # text needs only a strip
    try:
        for v in col:
            if type(v) is str:
                if text:
                    value = v.strip() or ABSENT
                elif (value := cache.get(v, _MISS)) is _MISS:
                    value = cache[v] = ABSENT if not v.strip() else parse(v)
            else:
                value = ABSENT if is_blank(v) else parse(v)
            if value is ABSENT and column.required:
                return None
            append(value)
    except ValueError:
        return None
    if ids and not _ids_fit(out):
        return None
    if ids and not unicodedata.is_normalized("NFC", "".join(v for v in out if v is not ABSENT)):  # as parse_id
        return [v if v is ABSENT else unicodedata.normalize("NFC", v) for v in out]
    return out


def _ids_fit(col: list[object]) -> bool:
    """Whether every id of the column is one `parse_id` takes (each is stripped text, or ABSENT)."""
    texts = [v for v in col if v is not ABSENT]
    return (id_unfit("".join(texts)) is None and not any(bad in texts for bad in NOT_IDS)  # type: ignore[arg-type]
            and max(map(len, texts), default=0) <= MAX_ID)  # type: ignore[arg-type]


def _rows_hold(sheet: Sheet, typed: dict[str, list[object]], ids: dict[str, set[str] | None]) -> bool:
    """The per-row path's checks within a row and against earlier sheets (`_Importer._check_row`)."""
    from ledger.register.load import LEAST, RECORDED, REFERENCES, in_future, policy_problem  # kept with the importer

    for (ref_sheet, column), target in REFERENCES.items():
        known = ids.get(target, set())
        if ref_sheet == sheet.name and column in typed and known is not None and \
                not known.issuperset(v for v in typed[column] if v is not ABSENT and v):
            return False
    absent = [ABSENT] * len(next(iter(typed.values()), ()))
    if sheet.name in RECORDED and in_future(typed.get(RECORDED[sheet.name][0], ())):
        return False
    if sheet.name == "Contracts" and _ends_before(typed.get("end_date", absent), typed["start_date"]):
        return False
    if sheet.name == "SavingLines" and _ends_before(typed.get("end_date", absent), typed["go_live"]):
        return False
    for column, (least, _) in LEAST.get(sheet.name, {}).items():
        if any(v is not ABSENT and v < least for v in typed.get(column, ())):  # type: ignore[operator]
            return False
    if sheet.name == "Policy" and any(policy_problem({"key": k, "value": v})
                                      for k, v in zip(typed["key"], typed["value"], strict=True)):
        return False
    if sheet.name == "TowerContribution":
        amounts, incomes = typed.get("amount", absent), typed.get("income", absent)
        if any(a is ABSENT and i is ABSENT for a, i in zip(amounts, incomes, strict=True)):
            return False
    return not (sheet.name in ("SavingLines", "Actuals") and _overspends(sheet.name, typed))


def _overspends(sheet: str, typed: dict[str, list[object]]) -> bool:
    """Whether any row spends more than the ledger counts: `parse.spend_problem` of each row, worked
    out on the columns (every price and volume here is required, the E3 columns optional)."""
    limit = LARGEST_SPEND * UNITS_PER_POUND
    if sheet == "Actuals":  # the big sheet
        return any(p * v > limit for p, v in zip(typed["price_paid"], typed["volume"], strict=True))  # type: ignore[operator]
    absent = [ABSENT] * len(typed["annual_volume"])
    for p0, p1, q1, q0, factor in zip(typed["baseline_price"], typed["new_price"], typed["annual_volume"],
                                      typed.get("baseline_volume", absent), typed.get("activity_factor", absent),
                                      strict=True):
        spend = max(p0, p1) * q1  # type: ignore[call-overload, operator]
        if q0 is not ABSENT and q0:
            ppm = factor if factor is not ABSENT and factor else 1_000_000
            spend = max(spend, p0 * (q0 * ppm // 1_000_000))  # type: ignore[operator]
        if spend > limit:
            return True
    return False


def _ends_before(ends: list[object], starts: list[object]) -> bool:
    return any(end is not ABSENT and end < start for end, start in zip(ends, starts, strict=True))


def _keys_new(sheet: Sheet, typed: dict[str, list[object]], row_nos: list[int], ids: dict[str, set[str] | None],
              seen: dict[tuple, int]) -> bool:
    """No key repeats, within the chunk or with earlier rows; if so, record the keys as seen."""
    keys = list(zip(*(typed[k] for k in sheet.key), strict=True))
    if any(ABSENT in key for key in keys) or len(set(keys)) != len(keys) or any(key in seen for key in keys):
        return False
    seen.update(zip(keys, row_nos, strict=True))
    known = ids.setdefault(sheet.name, set())
    if known is not None:
        known.update(str(key[0]) for key in keys)
    return True


def table_columns(chunk: Chunk, defaults: dict[str, object], stored: dict[str, str], fixed: dict[str, object],
                  extra_column: str | None = None) -> dict[str, list[object]]:
    """The chunk as the table's columns (all but its id, in table order), defaults where a cell was empty.

    Args:
        defaults: the table's columns and the value each takes when the register leaves it empty.
        stored: register column -> table column, for the columns the table stores.
        fixed: values the importer sets on every row (trust, source, ...).
        extra_column: the table column that keeps the unknown columns as JSON, if any.
    """
    n = len(chunk.row_nos)
    by_table = {stored[name]: col for name, col in chunk.typed.items() if name in stored}
    out: dict[str, list[object]] = {}
    for name, default in defaults.items():
        if name == "source_row":
            out[name] = chunk.row_nos
        elif name == extra_column:
            out[name] = _extra_json(chunk.extra, n)
        elif name in fixed:
            out[name] = [fixed[name]] * n
        elif name in by_table:
            out[name] = [default if v is ABSENT else v for v in by_table[name]]
        else:
            out[name] = [default] * n
    return out


def _extra_json(extra: dict[str, list[str]], n: int) -> list[str]:
    """A saving line's unknown columns as sorted JSON of the non-empty ones ("" when none)."""
    if not extra:
        return [""] * n
    names = list(extra)
    out = []
    for values in zip(*extra.values(), strict=True):
        kept = {name: v for name, v in zip(names, values, strict=True) if v != ""}
        out.append(json.dumps(kept, sort_keys=True) if kept else "")
    return out
