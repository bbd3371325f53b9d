"""A fingerprint of the data a report was made from, so the report can be made again and checked.

DESIGN.md: a board pack names the period lock and a fingerprint of the data it was made from,
so it can be reproduced byte for byte with `--as-at`. The fingerprint is a sha256 over a
canonical text form of the trust's frames as loaded (after the as-at cut): row order, database
backend, surrogate row ids and pandas' choice of dtype do not change it; any changed value does.
"""
from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from ledger.frames import Frames
from ledger.models import ADDED_LINE_COLUMNS

SURROGATE = {"id"}  # autoincrement ids depend on insert order, not on the data


def _cell(value: object) -> str:
    """One value as canonical text: blanks, whole floats, dates and bools written one way."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):  # pandas may hand back a date column as midnight timestamps
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return _escaped(str(value))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _column_text(values: list) -> list[str]:
    """`_cell` of each value: a column all of text or all of ints at once, else text and whole
    numbers directly and any other value (of each type: 1.0 and True differ) worked out once."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        if "\\" not in joined and "\t" not in joined and "\n" not in joined:
            return values
    if kinds == {int}:
        return list(map(str, values))
    memo: dict[tuple[type, object], str] = {}
    out = []
    for value in values:
        kind = type(value)
        if kind is str:
            out.append(_escaped(value))
            continue
        if kind is int:
            out.append(str(value))
            continue
        key = (kind, value)
        try:
            text = memo[key]
        except KeyError:
            text = memo[key] = _cell(value)
        except TypeError:  # an unhashable value
            text = _cell(value)
        out.append(text)
    return out


def _frame_text(frame: pd.DataFrame) -> list[str]:
    columns = sorted(c for c in frame.columns if c not in SURROGATE and not _added_and_empty(frame, c))
    texts = [_column_text(frame[c].tolist()) for c in columns]
    rows = ["\t".join(row) for row in zip(*texts, strict=True)] if columns else [""] * len(frame)
    return ["\t".join(columns), *sorted(rows)]


def _added_and_empty(frame: pd.DataFrame, column: str) -> bool:
    """A column added after fingerprints were first taken (`models.ADDED_LINE_COLUMNS`) that holds
    nothing: left out, so data that has none of it fingerprints as it did before the column existed."""
    return column in ADDED_LINE_COLUMNS and not (frame[column].astype(object).fillna("").astype(str) != "").any()


def fingerprint(frames: Frames) -> str:
    """`sha256:<hex>` over the trust row and every frame (names, columns and sorted rows)."""
    digest = hashlib.sha256()
    trust = frames.trust
    digest.update(("trust\n" + "\t".join(f"{k}={_cell(trust[k])}" for k in sorted(trust)) + "\n").encode())
    for f in sorted(fields(Frames), key=lambda f: f.name):
        value = getattr(frames, f.name)
        if isinstance(value, pd.DataFrame):
            digest.update((f"{f.name}\n" + "\n".join(_frame_text(value)) + "\n").encode())
    return f"sha256:{digest.hexdigest()}"
