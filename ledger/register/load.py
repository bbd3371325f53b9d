"""Importing a register into the ledger: every problem reported at once, all or nothing.

The register is read sheet by sheet in the order of `spec.SHEETS`, each row parsed and checked,
references checked against the sheets before it, and rows inserted in batches inside one
transaction, each batch going in while the next is parsed (`bulk.Background`). The Actuals, the
biggest sheet and one no other sheet names, come last: the governance step reads the trust back
without them and works out what to record while they go in. A batch is parsed a column at a time
(`columns.parse_chunk`); one with any problem goes again through the per-row path here, which
words each problem. Any problem rolls the whole transaction back, so the ledger is left exactly
as it was. Importing a register whose bytes have already been imported for the trust changes
nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import pandas as pd
from sqlalchemy import Table, delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ledger import collector, evidence, governance, models
from ledger.bulk import Background
from ledger.errors import LedgerError
from ledger.locks import ImportGuard
from ledger.policy import DEFAULT, POLICY_KEYS, with_overrides
from ledger.register.columns import parse_chunk, table_columns
from ledger.register.parse import holds_nul, is_blank, nul_problem, parser_for, shown, spend_problem
from ledger.register.read import FormulaCell, RawSheet, Register
from ledger.register.spec import DEFERRAL_TYPES, SHEET_BY_NAME, SHEETS, Sheet

MAX_REPORTED = 1000
BATCH = 20_000
PROGRESS_EVERY = 5_000
_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "bars"}  # other spreadsheets' "CSV"
ACTUALS = SHEET_BY_NAME["actuals"]  # read last: no sheet names its rows, and governance does not read them


@dataclass
class Problems:
    """Problems found so far, as `file:sheet:row:column: message` lines (capped, counted)."""

    lines: list[str] = field(default_factory=list)
    count: int = 0

    def add(self, where: str, row: int | str, column: str, message: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_REPORTED:
            self.lines.append(f"{where}:{row}:{column}: {message}")

    def report(self) -> str:
        more = self.count - len(self.lines)
        return "\n".join(self.lines + ([f"... and {more} more problems"] if more > 0 else []))


class RegisterInvalid(LedgerError):
    """The register has problems; `str()` lists every one, one per line."""

    def __init__(self, problems: Problems) -> None:
        super().__init__(problems.report())
        self.problems = problems


@dataclass
class ImportResult:
    trust: str
    rows: dict[str, int]
    changed: bool
    notes: tuple[str, ...] = ()  # what the import kept that the user should know of


TABLES: dict[str, type[SQLModel]] = {
    "Contracts": models.Contract, "Schemes": models.Scheme, "SavingLines": models.SavingLine,
    "Actuals": models.Actual, "BudgetAdjustments": models.BudgetAdjustment, "SignOffs": models.SignOff,
    "Evidence": models.Evidence, "TowerContribution": models.TowerContribution,
    "TowerSpend": models.TowerSpend, "TowerStatement": models.TowerStatement,
    "Benchmarks": models.Benchmark, "Activity": models.Activity, "SpendExtract": models.SpendExtract,
    "Policy": models.PolicyValue,
}
RENAMES = {  # register column -> table column, where the stored form differs
    "baseline_price": "baseline_micro", "new_price": "new_micro", "annual_volume": "annual_volume_milli",
    "baseline_volume": "baseline_volume_milli", "activity_factor": "activity_factor_ppm",
    "one_off_costs": "one_off_costs_pence", "amount": "amount_pence", "volume": "volume_milli",
    "price_paid": "price_micro", "spend": "spend_pence", "claimed": "claimed_pence",
    "p_lower_quartile": "p_lower_quartile_micro", "p_best": "p_best_micro",
    "non_pay_spend": "non_pay_pence", "wau": "wau_milli", "expected_cost_sum": "expected_cost_sum_pence",
    "income": "income_pence", "p_median": "p_median_micro", "p_best_decile": "p_best_decile_micro",
    "wau_constant": "wau_constant_pence",
}
_WAU = "must be more than zero: WAUs are the expected cost divided by the constant (E9)"
LEAST = {  # sheet -> {column: (the least value it may hold, stored form; why)}
    "Activity": {"expected_cost_sum": (1, _WAU), "wau_constant": (1, _WAU)},
    "TowerSpend": {"spend": (0, "cannot be negative: the contribution is shared out by each tower's spend (6.2)")},
    "Benchmarks": {"n_peers": (0, "cannot be negative: it counts the peers behind the benchmark prices")},
    "SavingLines": {"one_off_costs": (0, "cannot be negative: implementation costs are taken off the saving (F4, "
                                         "R-ELG-4), so a negative one would add to CIP")},
    "TowerContribution": {"amount": (0, "cannot be negative: it is what the trust pays towards the towers (6.1)"),
                          "income": (0, "cannot be negative: the contribution is estimated from it (6.1)")},
}
RECORDED = {"SignOffs": ("date", "a sign-off"), "Evidence": ("captured_at", "evidence")}  # dated when they happen


def in_future(days: Iterable[object]) -> date | None:
    """The first of `days` after today (UTC), if any: a decision or a piece of evidence is dated when
    it happens, as `savings signoff` and `savings evidence add` insist, and figures are only ever as
    known on a day that has come."""
    today = datetime.now(UTC).date()
    return next((day for day in days if isinstance(day, date) and day > today), None)


NAMED = {"Schemes": "scheme", "Contracts": "contract", "SavingLines": "saving line"}  # a sheet's row, as words
REFERENCES = {  # (sheet, column) -> the sheet whose ids it must name
    ("SavingLines", "scheme_id"): "Schemes", ("SavingLines", "contract_id"): "Contracts",
    ("Actuals", "line_id"): "SavingLines", ("BudgetAdjustments", "line_id"): "SavingLines",
    ("SignOffs", "line_id"): "SavingLines", ("Evidence", "line_id"): "SavingLines",
}


def _org_code_problem(code: str) -> str | None:
    """Why `code` cannot be a trust's org code, or None: ODS codes are capital letters and digits (RX1,
    R0A), the web app's addresses carry them as they are, and `rx1` beside RX1 would be a second trust
    that neither those addresses nor a region's roll-up could tell from the first."""
    if re.fullmatch(r"[A-Z0-9]+", code):
        return None
    if re.fullmatch(r"[A-Z0-9]+", code.upper()):
        return (f"ODS org codes are written in capitals: write it {code.upper()} (another spelling would be a "
                "second trust, which the web app's addresses and the roll-ups cannot tell from the first)")
    return f"{shown(code)} is not an ODS org code: write the trust's code of capital letters and digits, e.g. RX1"


def fingerprint(path: Path) -> str:
    """sha256 over the register's bytes (the workbook, or the CSV files in name order)."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(path.glob("*.csv"))
    for f in files:
        digest.update(f.name.encode() + b"\0")
        with f.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def import_register(engine: Engine, path: Path, progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import one trust's register atomically; raise RegisterInvalid listing every problem.

    `progress`, when given, is called with the number of rows read since its last call (every
    few thousand rows), so a terminal can show a big register moving.
    """
    path = Path(path)
    print_name = path.name if path.is_file() else str(path)
    digest = fingerprint(path) if path.exists() else ""
    with Register(path) as register, engine.connect() as conn:
        importer = _Importer(conn, register, print_name, progress or (lambda _rows: None))
        with conn.begin() as tx, collector.paused():  # some 100,000 objects a register, no cycles
            result = importer.run(digest)
            if importer.problems.count:
                tx.rollback()
                raise RegisterInvalid(importer.problems)
            if not result.changed:
                tx.rollback()
    return result


class _Importer:
    def __init__(self, conn: Connection, register: Register, label: str, progress: Callable[[int], None]) -> None:
        self.conn = conn
        self.register = register
        self.label = label
        self.progress = progress
        self.problems = Problems()
        self.ids: dict[str, set[str] | None] = {}
        self.told_empty: set[tuple[str, str]] = set()  # (sheet, column) naming an empty sheet, reported once
        self.evidence_rows: list[dict[str, list]] = []  # the Evidence sheet's rows, as its table's columns
        self.trust = ""

    def run(self, digest: str) -> ImportResult:
        present = {name.lower(): name for name in self.register.sheet_names()}
        for name in self.register.odd_csv_files():  # Windows may write Actuals.CSV: its rows would be skipped
            self.problems.add(f"{self.register.path}/{name}", 0, "*", f"not read: a register's files end in .csv; "
                              f"rename it {Path(name).stem}.csv")
        near: dict[str, list[str]] = {}  # "Budget Adjustments", "Actuals (2)": never skipped unread
        for name in present.values():
            if name.lower() not in SHEET_BY_NAME:
                near.setdefault(_loose(name), []).append(name)
        for sheet in SHEETS:
            held = sheet.name.lower() in present
            right = Path(self.register.where(sheet.name)).name.rpartition(":")[2]  # Schemes.csv, or Schemes
            for name in near.get(_loose(sheet.name), []):
                self.problems.add(self.register.where(name), 0, "*", _near_name(name, sheet.name, right, held))
            if not held and sheet.required and not near.get(_loose(sheet.name)):
                self.problems.add(self.register.where(sheet.name), 0, "*", "required sheet is missing")
        if self.problems.count:
            return ImportResult("", {}, False)
        trust_rows = list(self._records(SHEET_BY_NAME["trust"], present))
        if len(trust_rows) != 1:
            if not self.problems.count:
                self.problems.add(self.register.where("Trust"), 2, "org_code",
                                  f"the Trust sheet must hold exactly one trust (found {len(trust_rows)})")
            return ImportResult("", {}, False)
        row_no, trust = trust_rows[0]
        if (unfit := _org_code_problem(trust["org_code"])) is not None:
            self.problems.add(self.register.where("Trust"), row_no, "org_code", unfit)
            return ImportResult("", {}, False)
        self.trust = trust["org_code"]
        self.guard = ImportGuard(self.conn, self.trust, self.register.where)  # R-GOV-4, C4: locked rows kept
        last = self.conn.execute(
            select(models.RegisterImport.fingerprint).where(models.RegisterImport.trust == self.trust)
            .order_by(models.RegisterImport.id.desc()).limit(1)).scalar()
        if last == digest:
            return ImportResult(self.trust, {}, False)
        held = evidence.held_files(self.conn, self.trust)  # before the clear: the files the trust held
        self._clear()
        self.conn.execute(models.Trust.__table__.insert(), [{
            "org_code": self.trust, "name": trust["name"], "trust_type": trust["trust_type"],
            "region": trust.get("region") or ""}])
        counts: dict[str, int] = {}
        with Background(self.conn) as background:
            for sheet in SHEETS[1:]:
                if sheet.name.lower() in present and sheet is not ACTUALS:
                    counts[sheet.name] = self._load_sheet(sheet, present, background.insert)
        read = None if self.problems.count else governance.read_for_import(self.conn, self.trust)
        record = None
        with Background(self.conn) as background:  # the governance step is worked out as the actuals go in
            if ACTUALS.name.lower() in present:
                counts[ACTUALS.name] = self._load_sheet(ACTUALS, present, background.insert)
            if read is not None and not self.problems.count:
                record = governance.plan_import(read, self.register.label, digest)
        if not self.problems.count:  # rows that failed to parse would show as "removed": report those first
            for problem in self.guard.check():
                self.problems.add(*problem)
        if self.problems.count:  # the files too: one report names every problem the register has
            self._check_evidence_files(held)
        else:
            governance.record_import(self.conn, record, self.register, held)
        counts = {sheet.name: counts[sheet.name] for sheet in SHEETS if sheet.name in counts}
        self.conn.execute(models.RegisterImport.__table__.insert(), [{
            "trust": self.trust, "source": self.label, "fingerprint": digest,
            "rows": sum(counts.values()), "imported_at": datetime.now(UTC)}])
        return ImportResult(self.trust, counts, True, self._kept_for_absent_lines() + self._notes_kept())

    def _check_evidence_files(self, held: frozenset[str]) -> None:
        """The files the Evidence rows name, checked as the import would store them (nothing is stored)."""
        if not self.evidence_rows:
            return
        rows = pd.concat([pd.DataFrame(values) for values in self.evidence_rows], ignore_index=True)
        for row_no, column, message in evidence.register_files(self.trust, rows, self.register.path, held).problems:
            self.problems.add(self.register.where("Evidence"), row_no, column, message)

    def _notes_kept(self) -> tuple[str, ...]:
        """R-GOV-4: a validated line's row is kept as stored, its notes too; say so when the register's differ."""
        kept = self.guard.notes_kept
        if not kept:
            return ()
        many = len(kept) > 1
        return (f"the notes of validated line{'s' if many else ''} {', '.join(sorted(kept))} are kept as stored: "
                "a validated line does not change (R-GOV-4)",)

    def _kept_for_absent_lines(self) -> tuple[str, ...]:
        """Sign-offs and evidence recorded outside the register (CLI or web) are kept by a re-import,
        also for a line the register no longer holds: say so, as they count again if the line returns."""
        lines = select(models.SavingLine.line_id).where(models.SavingLine.trust == self.trust)
        notes = []
        for model, what in ((models.SignOff, "sign-off"), (models.Evidence, "evidence file")):
            table = model.__table__
            held = self.conn.execute(
                select(table.c.line_id, func.count()).where(table.c.trust == self.trust, table.c.source != "register",
                                                            table.c.line_id.not_in(lines))
                .group_by(table.c.line_id).order_by(table.c.line_id)).all()
            if held:
                n, many = sum(count for _, count in held), len(held) > 1
                notes.append(f"{n} {what}{'s' if n > 1 else ''} recorded outside the register "
                             f"{'are' if n > 1 else 'is'} kept for line{'s' if many else ''} "
                             f"{', '.join(line_id for line_id, _ in held)}, which the register no longer holds; "
                             f"{'they apply' if n > 1 else 'it applies'} again if the "
                             f"line{'s come' if many else ' comes'} back")
        return tuple(notes)

    def _clear(self) -> None:
        """Remove the trust's register rows (governance events and CLI sign-offs are kept)."""
        for table in TABLES.values():
            stmt = delete(table).where(table.trust == self.trust)
            if table is models.SignOff:
                stmt = stmt.where(models.SignOff.source == "register")
            if (kept := self.guard.kept(table)) is not None:
                stmt = stmt.where(~kept)
            self.conn.execute(stmt)
        self.conn.execute(delete(models.Trust).where(models.Trust.org_code == self.trust))

    def _load_sheet(self, sheet: Sheet, present: dict[str, str], insert: Callable) -> int:
        """Read, check and `insert` one sheet, BATCH rows at a time; return the rows it holds."""
        table = TABLES[sheet.name].__table__
        opened = self._open(sheet, present)
        if opened is None:
            self.progress(0)
            return 0
        raw, columns, parsers = opened
        stored = {c.name: RENAMES.get(c.name, c.name) for c in sheet.columns if RENAMES.get(c.name, c.name) in table.c}
        defaults = {c.name: _default(c) for c in table.c if c.name != "id"}
        fixed = {"trust": self.trust, **({"source": "register"} if sheet.name == "SignOffs" else {})}
        extra = "extra" if sheet.name == "SavingLines" else None
        read = self._load_batches(sheet, table, raw, columns, parsers, stored, defaults, fixed, extra, insert)
        self.progress(read % PROGRESS_EVERY)
        return read

    def _load_batches(self, sheet: Sheet, table: Table, raw: RawSheet, columns: dict, parsers: dict,
                      stored: dict[str, str], defaults: dict[str, object], fixed: dict[str, object],
                      extra: str | None, insert: Callable) -> int:
        """Each batch of the sheet typed, checked, shown to the guard and inserted; return the rows read."""
        seen: dict[tuple, int] = {}
        read = 0
        while chunk := list(islice(raw.rows, BATCH)):
            clean = parse_chunk(sheet, raw.header, columns, parsers, chunk, self.ids, seen)
            if clean is not None:
                values: dict[str, list] | None = table_columns(clean, defaults, stored, fixed, extra)
                n = len(clean.row_nos)
            else:  # some row has a problem: the per-row path words it
                values = None
                rows = [self._row(sheet, stored, fixed, row_no, r) for row_no, r in
                        self._checked(sheet, raw, columns, parsers, chunk, seen)]
                n = len(rows)
            for _ in range(read // PROGRESS_EVERY, (read + n) // PROGRESS_EVERY):
                self.progress(PROGRESS_EVERY)
            read += n
            if not self.guard.idle(sheet.name):  # a re-import keeping locked rows: the guard sees each row
                if values is not None:
                    rows = [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]
                rows, values = [row for row in rows if self.guard.admit(sheet.name, row)], None
            if values is None:
                values = {k: [r.get(k, blank) for r in rows] for k, blank in defaults.items()}
            if sheet.name == "Evidence":  # kept to check its files when the import is refused (a small sheet)
                self.evidence_rows.append(values)
            if not self.problems.count:
                insert(table, values)
        return read

    @staticmethod
    def _row(sheet: Sheet, stored: dict[str, str], fixed: dict[str, object], row_no: int, record: dict) -> dict:
        """A checked record as its table row (without the defaults of its empty cells)."""
        row = {stored[k]: v for k, v in record.items() if k in stored}
        if sheet.name == "SavingLines":
            extra = {k[1:]: v for k, v in record.items() if k.startswith("+") and v != ""}
            row["extra"] = json.dumps(extra, sort_keys=True) if extra else ""
        row.update(fixed)
        row["source_row"] = row_no
        return row

    def _records(self, sheet: Sheet, present: dict[str, str]) -> Iterator[tuple[int, dict]]:
        """Typed, checked records of one sheet; problems are recorded, bad rows are not yielded."""
        opened = self._open(sheet, present)
        if opened is not None:
            raw, columns, parsers = opened
            yield from self._checked(sheet, raw, columns, parsers, raw.rows, {})

    def _open(self, sheet: Sheet, present: dict[str, str]) -> tuple[RawSheet, dict, dict] | None:
        """The sheet, its columns and their parsers; None (problems recorded) when its header is wrong."""
        raw = self.register.sheet(present[sheet.name.lower()])
        for merged in raw.merged:
            first_row = int(re.sub(r"\D", "", merged.split(":")[0]))
            self.problems.add(raw.prefix, first_row, "*", f"merged cells {merged}: unmerge them so every cell "
                              "holds its own value")
        columns = self._columns(sheet, raw)
        if columns is None:
            self.ids[sheet.name] = None  # ids unknown: do not report references to this sheet
            return None
        self.ids.setdefault(sheet.name, set())
        return raw, columns, {name: parser_for(col) for name, col in columns.items() if col is not None}

    def _checked(self, sheet: Sheet, raw: RawSheet, columns: dict, parsers: dict,
                 rows: Iterable[tuple[int, list[object]]], seen: dict[tuple, int]) -> Iterator[tuple[int, dict]]:
        """The per-row path: each row typed and checked, every problem worded; bad rows not yielded."""
        ids = self.ids[sheet.name]
        first_key = sheet.key[0] if sheet.key else None
        where, header = raw.prefix, raw.header
        for row_no, values in rows:
            cells = {name: (values[i] if i < len(values) else None) for i, name in enumerate(header)}
            stray = [(i, v) for i, v in enumerate(values) if (i >= len(header) or not header[i]) and not is_blank(v)]
            for i, value in stray:  # a value under no column name would be dropped without a word
                self.problems.add(where, row_no, f"column {i + 1}", f"holds {shown(value)} under no column name: "
                                  "name the column in row 1, or clear the cell")
            if all(is_blank(v) for v in cells.values()) and not stray:
                continue
            record = None if stray else self._record(sheet, where, row_no, cells, columns, parsers)
            if record is None:
                if first_key and not is_blank(cells.get(first_key)):
                    ids.add(str(cells[first_key]).strip())  # a bad row still names its id: no cascade
                continue
            key = tuple(record.get(k) for k in sheet.key)
            if sheet.key and key in seen:
                self.problems.add(where, row_no, sheet.key[-1],
                                  f"duplicate {'/'.join(sheet.key)} {'/'.join(map(str, key))} "
                                  f"(first on row {seen[key]})")
                continue
            if sheet.key:
                seen[key] = row_no
                ids.add(str(key[0]))
            yield row_no, record

    def _columns(self, sheet: Sheet, raw: RawSheet) -> dict | None:
        if not any(raw.header):
            self.problems.add(raw.prefix, 1, "*", "row 1 is empty: it must be the header row of column names, with "
                              "no blank row above it (savings template writes a register with every sheet's)")
            return None
        named = [h for h in raw.header if h]
        if len(named) == 1 and (sep := next((c for c in _SEPARATORS if c in named[0]), None)):
            self.problems.add(raw.prefix, 1, "*", f"the header row is one column, {named[0]!r}: its columns are "
                              f"separated by {_SEPARATORS[sep]}, not commas; save it as CSV UTF-8 (comma delimited)")
            return None
        if not {c.name for c in sheet.columns} & set(named):  # a title above the header, or another sheet's
            shown_row = ", ".join(repr(h) for h in named[:3]) + (", ..." if len(named) > 3 else "")
            self.problems.add(raw.prefix, 1, "*", f"row 1 names none of the sheet's columns ({shown_row}): row 1 must "
                              f"be the header of column names, e.g. {', '.join(c.name for c in sheet.columns[:3])}")
            return None
        missing = [c.name for c in sheet.columns if c.required and c.name not in raw.header]
        for name in missing:
            self.problems.add(raw.prefix, 1, name, "required column is missing")
        dupes = {h for h in raw.header if h and raw.header.count(h) > 1}
        for name in sorted(dupes):
            self.problems.add(raw.prefix, 1, name, "column appears more than once")
        if missing or dupes:
            return None
        known = {c.name: c for c in sheet.columns}
        return {h: known.get(h) for h in raw.header if h}

    def _record(self, sheet: Sheet, where: str, row_no: int, cells: dict, columns: dict,
                parsers: dict) -> dict | None:
        record: dict[str, object] = {}
        before = self.problems.count
        for name, column in columns.items():
            value = cells.get(name)
            if isinstance(value, FormulaCell):
                self.problems.add(where, row_no, name, value.problem)
                continue
            if holds_nul(value):
                self.problems.add(where, row_no, name, nul_problem(value))
                continue
            if sheet.name == "SavingLines" and name == "benefit_type" and str(value).upper() in DEFERRAL_TYPES:
                self.problems.add(where, row_no, name, "R-ELG-6: a deferral (stock run-down, delayed purchase) "
                                  "is not a saving and cannot be recorded")
                continue
            if column is None:
                record["+" + name] = "" if is_blank(value) else str(value).strip()
                continue
            if is_blank(value):
                if column.required:
                    self.problems.add(where, row_no, name, "required value is empty")
                continue
            try:
                record[name] = parsers[name](value)
            except ValueError as exc:
                self.problems.add(where, row_no, name, str(exc))
        if self.problems.count == before:
            self._check_row(sheet.name, where, row_no, record)
        return record if self.problems.count == before else None

    def _check_row(self, sheet: str, where: str, row_no: int, record: dict) -> None:
        """Checks within a row and against the sheets already read."""
        for (ref_sheet, column), target in REFERENCES.items():
            known = self.ids.get(target, set())
            if ref_sheet == sheet and record.get(column) and known is not None and record[column] not in known:
                if known:
                    self.problems.add(where, row_no, column,
                                      f"names {NAMED[target]} {record[column]!r}, which is not in {target}")
                elif (sheet, column) not in self.told_empty:  # once, not once for each of thousands of rows
                    self.told_empty.add((sheet, column))  # (the import is refused: no later row is stored)
                    self.problems.add(where, row_no, column, f"names {NAMED[target]} {record[column]!r}, but "
                                      f"{target} has no rows: no row of {sheet} that names one can be imported")
        if sheet in RECORDED and (day := in_future([record.get(RECORDED[sheet][0])])):
            self.problems.add(where, row_no, RECORDED[sheet][0], f"{RECORDED[sheet][1]} dated {day} is in the future "
                              f"(today is {datetime.now(UTC).date()}): record it when it happens")
        if sheet == "Contracts" and record.get("end_date") and record["end_date"] < record["start_date"]:
            self.problems.add(where, row_no, "end_date", "end date is before the start date")
        if sheet == "TowerContribution" and record.get("amount") is None and record.get("income") is None:
            self.problems.add(where, row_no, "amount", "give the notified amount, or the income to estimate it from")
        if sheet == "SavingLines" and record.get("end_date") and record["end_date"] < record["go_live"]:
            self.problems.add(where, row_no, "end_date", "end date is before go_live")
        if spent := spend_problem(sheet, record):
            self.problems.add(where, row_no, *spent)
        if sheet == "Policy" and (reason := policy_problem(record)):
            self.problems.add(where, row_no, *reason)
        for column, (least, reason) in LEAST.get(sheet, {}).items():
            if record.get(column) is not None and record[column] < least:
                self.problems.add(where, row_no, column, reason)


def _near_name(name: str, sheet: str, right: str, held: bool) -> str:
    """Why a sheet named nearly as register sheet `sheet` (written `right` in messages) is refused."""
    if held and re.fullmatch(rf"{sheet}_\d+", name):  # the audit workbook's Actuals_2, past Excel's last row
        return (f"continues {right} in an audit workbook, past the 1,048,576 rows an Excel sheet holds: a register "
                "keeps each sheet on one sheet, so import the trust's register as CSV files, which hold any number "
                "of rows")
    if held:  # Excel's copy of a sheet, "Actuals (2)"
        return f"not the name of a register sheet, and {right} is here too: its rows are not imported; move them " \
               f"into {right}, or remove it"
    return f"not the name of a register sheet: rename it {right}, or its rows are not imported"


def _loose(name: str) -> str:
    """A sheet name as someone might mistype it: `Budget Adjustments`, `budget_adjustment` -> `budgetadjustment`."""
    return re.sub(r"[^a-z]", "", name.lower()).removesuffix("s")


def policy_problem(record: Mapping[str, object]) -> tuple[str, str] | None:
    """(column, message) when a Policy row's key is unknown or locked, or its value is not valid for it."""
    try:
        with_overrides(DEFAULT, {str(record["key"]): record["value"]})
    except LedgerError as exc:
        unknown = str(record["key"]).strip() not in POLICY_KEYS
        return ("key" if unknown else "value"), str(exc)
    return None


def check_row(sheet: Sheet, cells: Mapping[str, object], ids: dict[str, set[str] | None], problems: Problems,
              where: str = "form", row_no: int = 1) -> dict | None:
    """One row typed and checked exactly as a register row is, outside an import (the web app's
    forms): the same parsers, references and messages. None, with `problems` told why, if wrong.

    `ids` holds the ids each referenced sheet already has (`{"Schemes": {...}, ...}`).
    """
    importer = _Importer(None, None, where, lambda _rows: None)  # type: ignore[arg-type]
    importer.problems, importer.ids = problems, ids
    columns = {c.name: c for c in sheet.columns if c.name in cells}
    parsers = {name: parser_for(column) for name, column in columns.items()}
    return importer._record(sheet, where, row_no, dict(cells), columns, parsers)


def stored_row(table: Table, record: Mapping[str, object], trust: str) -> dict:
    """A checked row as `table` stores it: register names mapped, unknown columns dropped, defaults
    where the row is silent (the web app's forms; an import stores whole sheets at once)."""
    row = {RENAMES.get(k, k): v for k, v in record.items() if not k.startswith("+")}
    row = {k: v for k, v in row.items() if k in table.c}
    row.update(trust=trust, source_row=0)
    return {c.name: row.get(c.name, _default(c)) for c in table.c if c.name != "id"}


def _default(column) -> object:
    if column.default is not None and getattr(column.default, "is_scalar", False):
        return column.default.arg
    if column.nullable:
        return None
    return "" if column.type.python_type is str else 0


def count_rows(engine: Engine, trust: str) -> dict[str, int]:
    """Rows held for a trust, by register sheet (used by `savings demo` and the tests)."""
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table).where(table.trust == trust)).scalar()
                for name, table in TABLES.items()}
