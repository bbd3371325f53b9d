"""What is locked, and the guard a register re-import passes through (R-GOV-4, C4).

Locked rows: a line that is VALIDATED (or CLOSED, REVERSED) with its register sign-offs, budget
adjustments and evidence; and every row dated in a closed month (a line by its go-live, an
actual by its month, a sign-off by its date, a budget adjustment by its effective date, evidence
by its capture date). The importer never deletes or re-inserts a locked row (PostgreSQL would
refuse it); it shows each register row to `ImportGuard.admit`, which compares it with the stored
one, and `ImportGuard.check` lists every change or removal at once, so the import is refused
with a message that says the correction is a reversal plus a new entry.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, false, func, or_, select
from sqlalchemy.engine import Connection

from ledger import audit, calendar, models
from ledger.money import from_pence
from ledger.register.parse import as_register_text

LINE_FIELDS = (  # what a lock freezes; notes, extra and source_row may still change
    "scheme_id", "contract_id", "product_code", "cost_centre", "subjective", "benefit_type", "attribution",
    "tower_enabled", "baseline_micro", "new_micro", "unit", "annual_volume_milli", "baseline_volume_milli",
    "activity_factor_ppm", "growth_funded", "go_live", "end_date", "one_off_costs_pence", "created_by",
    *models.ADDED_LINE_COLUMNS,  # hashed only when one holds something: see `fields_hash`
)
LOCKED_LINES = models.LockedLine.__table__
REGISTER_NAMES = {  # stored column -> register column, for messages
    "baseline_micro": "baseline_price", "new_micro": "new_price", "annual_volume_milli": "annual_volume",
    "baseline_volume_milli": "baseline_volume", "activity_factor_ppm": "activity_factor",
    "one_off_costs_pence": "one_off_costs", "amount_pence": "amount", "volume_milli": "volume",
    "price_micro": "price_paid",
}


@dataclass(frozen=True)
class Spec:
    """How one register sheet is compared: its table, key (None: compared as a multiset), fields, date."""

    table: Table
    key: tuple[str, ...] | None
    fields: tuple[str, ...]
    dated: str


SPECS = {
    "SavingLines": Spec(models.SavingLine.__table__, ("line_id",), LINE_FIELDS, "go_live"),
    "Actuals": Spec(models.Actual.__table__, None, ("line_id", "month", "volume_milli", "price_micro"), "month"),
    "SignOffs": Spec(models.SignOff.__table__, None, ("line_id", "role", "person", "decision", "date", "comment"),
                     "date"),
    "BudgetAdjustments": Spec(models.BudgetAdjustment.__table__, ("adjustment_id",),
                              ("line_id", "ledger_ref", "cost_centre", "subjective", "amount_pence", "recurrent",
                               "effective_from"), "effective_from"),
    "Evidence": Spec(models.Evidence.__table__, ("evidence_id",), ("line_id", "type", "file", "sha256", "captured_at"),
                     "captured_at"),
}
BY_TABLE = {spec.table.name: (sheet, spec) for sheet, spec in SPECS.items()}


def row_hash(row: Mapping) -> str:
    """sha256 of a line's locked fields (stored in LockedLine, re-checked by `audit verify`)."""
    return fields_hash([row.get(f) for f in LINE_FIELDS])


def fields_hash(values: Sequence) -> str:
    """`row_hash` of a line's LINE_FIELDS values, given in that order.

    The fields added after locks were first taken (`models.ADDED_LINE_COLUMNS`, at the end) join the
    hash only when one of them holds something, so a line locked before they existed, which has
    none, still hashes to what was stored then.
    """
    values = list(values)
    first_added = len(LINE_FIELDS) - len(models.ADDED_LINE_COLUMNS)
    if all(v in ("", None) for v in values[first_added:]):
        values = values[:first_added]
    return hashlib.sha256(audit.canonical(values).encode()).hexdigest()


def _as_read_back(spec: Spec, row: Sequence) -> tuple:
    """A stored sign-off's fields as the register would read them back (its comment as a cell is read),
    so a sign-off recorded before comments were stored so still matches its workbook row."""
    return tuple(as_register_text(v) if c == "comment" else v for c, v in zip(spec.fields, row, strict=True))


def _blank(column) -> object:
    """The value the importer stores for a column the register leaves empty."""
    if column.default is not None and getattr(column.default, "is_scalar", False):
        return column.default.arg
    if column.nullable:
        return None
    return "" if column.type.python_type is str else 0


def _show(column: str, value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if column.endswith("_micro"):
        return f"{int(value) / 1_000_000:,.6f}".rstrip("0").rstrip(".")
    if column.endswith("_milli"):
        return f"{int(value) / 1000:,.3f}".rstrip("0").rstrip(".")
    if column.endswith("_pence"):
        return f"£{from_pence(int(value)):,}"
    if column == "month":
        return calendar.month_label(int(value))
    return str(value)


def _held_as_extra(column: str, value: object, stored: Mapping) -> bool:
    """True when `column` is one added after the line was stored (`models.ADDED_LINE_COLUMNS`), so the
    register that had it then kept it in the line's `extra`, and it still says `value` there: the
    same register, not a change."""
    if column not in models.ADDED_LINE_COLUMNS or stored[column] not in ("", None) or not stored.get("extra"):
        return False
    try:
        return json.loads(stored["extra"]).get(column) == value
    except (ValueError, AttributeError):
        return False


class ImportGuard:
    """Built at the start of a re-import (it takes the trust's write lock); see the module docstring."""

    def __init__(self, conn: Connection, trust: str, where: Callable[[str], str]) -> None:
        audit.begin_write(conn, trust)
        self.trust, self.where = trust, where
        locks = models.PeriodLock.__table__
        self.closed = conn.execute(select(func.max(locks.c.month)).where(locks.c.trust == trust)).scalar()
        self.locked = set(conn.execute(select(LOCKED_LINES.c.line_id)
                                       .where(LOCKED_LINES.c.trust == trust)).scalars())
        self._problems: list[tuple[str, int, str, str]] = []
        self.notes_kept: list[str] = []  # validated lines whose register notes differ from the stored ones
        self.keyed: dict[str, dict[tuple, dict]] = {}
        self.multi: dict[str, Counter] = {}
        self.sample: dict[str, dict[tuple, dict]] = {}
        for sheet, spec in SPECS.items():
            clause = self.kept(spec.table)
            rows = [] if clause is None else conn.execute(
                select(spec.table).where(spec.table.c.trust == trust, clause)).mappings().all()
            if spec.key:
                self.keyed[sheet] = {tuple(r[k] for k in spec.key): dict(r) for r in rows}
            else:
                values = [tuple(r[c] for c in spec.fields) for r in rows]
                self.multi[sheet] = Counter(values)
                self.sample[sheet] = {v: dict(r) for v, r in zip(values, rows, strict=True)}
        signoffs = SPECS["SignOffs"]  # recorded with `savings signoff` or on the web: kept, and never stored twice
        self.outside = {"SignOffs": Counter(_as_read_back(signoffs, r) for r in conn.execute(
            select(*(signoffs.table.c[c] for c in signoffs.fields))
            .where(signoffs.table.c.trust == trust, signoffs.table.c.source != "register")))}

    def kept(self, model: object) -> ColumnElement | None:
        """The rows of `model`'s table the importer must keep (neither delete nor re-insert)."""
        table = getattr(model, "__table__", model)
        if table.name not in BY_TABLE:
            return None
        spec = BY_TABLE[table.name][1]
        conds: list[ColumnElement] = []
        if self.closed is not None:
            bound = self.closed if spec.dated == "month" else calendar.last_day(self.closed)
            dated = table.c[spec.dated]
            # evidence with no capture date is in no closed month: false, not SQL's unknown (under
            # which the row was neither deleted nor kept, and the importer inserted it a second time)
            conds.append(dated.is_not(None) & (dated <= bound))
        if self.locked:
            line = table.c.line_id.in_(select(LOCKED_LINES.c.line_id).where(LOCKED_LINES.c.trust == self.trust))
            conds.append(line)
        if table.name == "signoff":  # sign-offs recorded with `savings signoff` are kept by the importer anyway
            return None if not conds else (table.c.source == "register") & or_(*conds)
        if table.name == "evidence":  # so is evidence attached with `savings evidence add`
            conds.append(table.c.source != "register")
        return or_(false(), *conds) if conds else None

    def _closed(self, row: Mapping, spec: Spec) -> str | None:
        """Why a row is locked by a period close, or None."""
        value = row.get(spec.dated)
        if self.closed is None or value is None:
            return None
        month = int(value) if spec.dated == "month" else calendar.month_index(value)
        if month <= self.closed:
            return (f"{_show('month', month)} is closed for {self.trust} (closed through "
                    f"{_show('month', self.closed)})")
        return None

    def _why(self, row: Mapping, spec: Spec) -> str:
        """Why a stored row is locked: its month is closed, or its line is validated."""
        return self._closed(row, spec) or f"line {row['line_id']} is validated (R-GOV-4)"

    def _add(self, sheet: str, row: Mapping, column: str, message: str, at: int | None = None) -> None:
        """A problem at the register row `row` came from, or at row `at` (0: the sheet as a whole)."""
        name = REGISTER_NAMES.get(column, column)
        self._problems.append((self.where(sheet), int(row.get("source_row") or 0) if at is None else at, name,
                               message))

    @staticmethod
    def _was(row: Mapping) -> str:
        """Where a row the register no longer holds came from: its row in the register imported before
        (not a row of this file), or the web app's forms, which store no register row."""
        return f"row {row['source_row']} of the register imported before" if row.get("source_row") else \
            "entered on the web, in no register"

    def idle(self, sheet: str) -> bool:
        """True when nothing of `sheet` is kept, so `admit` would take every row."""
        spec = SPECS.get(sheet)
        return spec is None or (self.closed is None and not self.keyed.get(sheet) and not self.multi.get(sheet)
                                and not self.outside.get(sheet))

    def admit(self, sheet: str, row: dict) -> bool:
        """True when the importer should insert `row`; False for a kept (or refused) locked row."""
        if self.idle(sheet):
            return True  # nothing of this sheet is kept: a first import, or a trust with nothing locked
        spec = SPECS[sheet]
        full = {c: row.get(c) if row.get(c) not in (None, "") else _blank(spec.table.c[c]) for c in spec.fields}
        if spec.key:
            key = tuple(row.get(k) for k in spec.key)
            stored = self.keyed[sheet].pop(key, None)
            if stored is not None:
                self._compare(sheet, spec, row, full, stored)
                return False
        else:
            values = tuple(full[c] for c in spec.fields)
            for kept in (self.multi[sheet], self.outside.get(sheet, Counter())):  # a locked register row first
                if kept[values] > 0:  # the row as stored (an audit workbook's sheet imported back)
                    kept[values] -= 1
                    return False
        why = self._closed(full, spec)
        if why:
            self._add(sheet, row, spec.dated, f"{why}: this row is new or changed; enter the correction in an open "
                                              "month (a reversal plus a new entry)")
            return False
        return True

    def _compare(self, sheet: str, spec: Spec, row: dict, full: dict, stored: dict) -> None:
        """A row the register shares a key with a kept row: the same row (kept as stored), or a refusal.

        Evidence attached outside the register is the same evidence when every field agrees (an audit
        workbook's Evidence sheet imported back); another row cannot take its id.
        """
        for column in spec.fields:
            if sheet == "Evidence" and column in ("sha256", "file") and row.get(column) in (None, ""):
                continue  # the register may leave the hash to the ledger
            if full[column] == stored[column] or _held_as_extra(column, full[column], stored):
                continue
            if stored.get("source", "register") != "register":
                self._add(sheet, row, spec.key[0], f"{spec.key[0]} {row[spec.key[0]]} is already used by evidence "
                                                   "attached with `savings evidence add`; give this row another id")
            else:
                line = stored["line_id"]
                self._add(sheet, row, column, f"{self._why(stored, spec)}, so its {REGISTER_NAMES.get(column, column)} "
                                              f"cannot change ({_show(column, stored[column])} -> "
                                              f"{_show(column, full[column])}); the correction is a reversal "
                                              f"(savings reverse {line} --reason ...) and a new line")
            return
        if sheet == "SavingLines" and (row.get("notes") or "") != (stored.get("notes") or ""):
            self.notes_kept.append(stored["line_id"])

    def check(self) -> list[tuple[str, int, str, str]]:
        """Every problem found, including locked rows that the register no longer holds."""
        for sheet, left in self.keyed.items():
            spec = SPECS[sheet]
            for stored in left.values():
                if stored.get("source", "register") != "register":
                    continue
                subject = f"line {stored['line_id']}" if sheet == "SavingLines" else \
                    f"{spec.key[0]} {stored[spec.key[0]]} (line {stored['line_id']})"
                self._add(sheet, stored, spec.key[0], f"{self._why(stored, spec)}: {subject} cannot be removed from "
                          f"the register (it was {self._was(stored)}); reverse it instead", at=0)
        for sheet, counter in self.multi.items():
            spec = SPECS[sheet]
            for values, n in sorted(counter.items(), key=lambda kv: str(kv[0])):
                if n > 0:
                    stored = self.sample[sheet][values]
                    advice = "enter the correction in an open month" if self._closed(stored, spec) else \
                        "rows of a validated line cannot be removed or changed; reverse the line instead"
                    self._add(sheet, stored, spec.dated,
                              f"{self._why(stored, spec)}: {n} row(s) of line {stored['line_id']} dated "
                              f"{_show(spec.dated, stored[spec.dated])} are missing or changed in the register "
                              f"(one was {self._was(stored)}); {advice}", at=0)
        return self._problems
