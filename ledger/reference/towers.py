"""NHS Supply Chain towers as a time-versioned reference table (DOMAIN.md 6.1 and 13.6).

The 2018 model's eleven towers and the May 2023 regrouping ship in `ledger/data/towers.csv`.
Public sources do not settle the names and dates after 2023, so the table is data the user can
replace: `savings tower-ref --import FILE.csv` stores a whole new table in the ledger (one per
database, shared by its trusts, because towers are national), `--reset` returns to the shipped
one. A tower code is in force in a financial year when `[valid_from, valid_to]` overlaps it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from ledger import calendar, models
from ledger.errors import LedgerError

COLUMNS = ("code", "name", "valid_from", "valid_to", "model", "successor", "note")
REQUIRED = ("code", "name", "valid_from")
TEXT = ("code", "name", "model", "successor", "note")
FORMULA_START = ("=", "+", "-", "@")  # how a spreadsheet opening the exported table tells a formula


@dataclass(frozen=True)
class Tower:
    """One version of a tower code: in force from `valid_from` to `valid_to` (inclusive; None = open)."""

    code: str
    name: str
    valid_from: date
    valid_to: date | None
    model: str = ""
    successor: str = ""
    note: str = ""

    def overlaps(self, first: date, last: date) -> bool:
        return self.valid_from <= last and (self.valid_to is None or self.valid_to >= first)


@dataclass(frozen=True)
class Reference:
    """The tower table in force and where it came from (`shipped` or `imported`)."""

    towers: tuple[Tower, ...]
    source: str

    def in_force(self, fy: str) -> tuple[Tower, ...]:
        first, last = calendar.fy_bounds(fy)
        return tuple(t for t in self.towers if t.overlaps(first, last))

    def name(self, code: str, fy: str) -> str:
        """The tower's name in `fy`, else its latest name, else empty."""
        current = [t for t in self.in_force(fy) if t.code == code]
        versions = current or sorted((t for t in self.towers if t.code == code), key=lambda t: t.valid_from)
        return versions[-1].name if versions else ""

    def notes(self, codes: list[str], fy: str) -> list[str]:
        """Sentences for codes that are unknown or not in force in `fy` (6.1: towers are versioned).

        Codes retired together (e.g. the 2018 towers) are named in one sentence, with successors.
        """
        out = []
        live = {t.code for t in self.in_force(fy)}
        retired: dict[tuple[str, date | None], list[str]] = {}
        successors = []
        for code in codes:
            versions = [t for t in self.towers if t.code == code]
            if not code:
                out.append("some tower lines have no tower code (their contract names none)")
            elif not versions:
                out.append(f"{code} is not in the tower reference ({self.source}); "
                           "check the code or import a reference that has it")
            elif code not in live:
                last = max(versions, key=lambda t: t.valid_from)
                retired.setdefault((last.model or "towers", last.valid_to), []).append(code)
                if last.successor:
                    successors.append(f"{code} -> {last.successor}")
        for (model, until), group in retired.items():
            when = f"ended {until}" if until else "not yet started"
            out.append(f"{', '.join(group)} ({model}, {when}) are not in force in {fy} in the tower reference "
                       f"({self.source})" + (f"; successors: {', '.join(successors)}" if successors else ""))
        return out


def code_order(code: str) -> tuple:
    """Sort key that puts T2 before T10 (digits compared as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code))


def parse(text: str, label: str) -> tuple[Tower, ...]:
    """Towers from CSV text; every problem is listed as `label:row:column: message` in one LedgerError."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    problems = [f"{label}:1:{c}: required column is missing" for c in REQUIRED if c not in header]
    if problems:
        raise LedgerError("\n".join(problems))
    towers: list[tuple[int, Tower]] = []
    for row_no, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        found = _tower(row, f"{label}:{row_no}")
        if isinstance(found, Tower):
            towers.append((row_no, found))
        else:
            problems.extend(found)
    codes = {t.code for _, t in towers}
    for i, (row_no, t) in enumerate(towers):
        if t.successor and t.successor not in codes:
            problems.append(f"{label}:{row_no}:successor: {t.successor!r} is not a code in this table")
        for other_row, other in towers[:i]:
            if other.code == t.code and t.overlaps(other.valid_from, other.valid_to or date.max):
                problems.append(
                    f"{label}:{row_no}:valid_from: {t.code} overlaps its version on row {other_row}"
                )
    if problems:
        raise LedgerError("\n".join(problems))
    return tuple(t for _, t in towers)


def _tower(row: dict[str, str], where: str) -> Tower | list[str]:
    problems = [f"{where}:{c}: required value is empty" for c in REQUIRED if not row.get(c)]
    problems += [f"{where}:{c}: {row[c]!r} starts with {row[c][0]}, which a spreadsheet would run as a formula; "
                 "start the text otherwise" for c in TEXT if row.get(c, "").startswith(FORMULA_START)]
    dates: dict[str, date | None] = {}
    for column in ("valid_from", "valid_to"):
        try:
            dates[column] = date.fromisoformat(row[column]) if row.get(column) else None
        except ValueError:
            problems.append(f"{where}:{column}: not a date like 2023-05-01 ({row[column]!r})")
    if problems:
        return problems
    start, end = dates["valid_from"], dates["valid_to"]
    if end is not None and start is not None and end < start:
        return [f"{where}:valid_to: {end} is before valid_from {start}"]
    return Tower(
        row["code"],
        row["name"],
        start,
        end,
        row.get("model", ""),
        row.get("successor", ""),
        row.get("note", ""),
    )


def shipped() -> Reference:
    """The table shipped in the package (`ledger/data/towers.csv`)."""
    text = (resources.files("ledger") / "data" / "towers.csv").read_text(encoding="utf-8")
    return Reference(parse(text, "towers.csv"), "shipped")


def load_reference(engine: Engine) -> Reference:
    """The imported table if the ledger holds one, else the shipped table.

    An imported table lists its towers by valid_from, codes in natural order (T2 before T10).
    """
    table = models.TowerRef.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table)).mappings().all()
    rows = sorted(rows, key=lambda r: (r["valid_from"], code_order(r["code"])))
    if not rows:
        return shipped()
    return Reference(
        tuple(
            Tower(r["code"], r["name"], r["valid_from"], r["valid_to"], r["model"], r["successor"], r["note"])
            for r in rows
        ),
        "imported",
    )


def import_reference(engine: Engine, path: Path) -> Reference:
    """Replace the ledger's tower table with the CSV at `path`, all or nothing."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LedgerError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise LedgerError(f"{path}: not a CSV file in UTF-8 text") from None
    towers = parse(text, path.name)
    if not towers:
        raise LedgerError(f"{path.name}: holds no towers; use --reset to go back to the shipped table")
    table = models.TowerRef.__table__
    with engine.begin() as conn:
        conn.execute(delete(table))
        conn.execute(table.insert(), [{c: getattr(t, c) for c in COLUMNS} for t in towers])
    return Reference(towers, "imported")


def reset_reference(engine: Engine) -> Reference:
    """Drop an imported table so the shipped one is in force again."""
    with engine.begin() as conn:
        conn.execute(delete(models.TowerRef.__table__))
    return shipped()


def to_csv(ref: Reference) -> str:
    """The table as CSV text in the shipped layout (to edit and import back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for t in ref.towers:
        writer.writerow(
            [
                t.code,
                t.name,
                t.valid_from.isoformat(),
                t.valid_to.isoformat() if t.valid_to else "",
                t.model,
                t.successor,
                t.note,
            ]
        )
    return out.getvalue()
