"""The audit workbook (DOMAIN.md section 10): the Excel file an auditor re-performs the ledger with.

`write_workbook` lays out every sheet, writes the register sheets (importable again with
`savings import`), the derived sheets whose amounts are live formulas over them, the totals
beside the ledger's own figures with a check, and the README, Contents, Exceptions and
AuditTrail sheets, streaming every sheet (openpyxl write-only) so a national-scale trust is
written in bounded memory. docs/audit-workbook.md describes the sheets and the decisions.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ledger import calendar, models
from ledger.engine.summary import TrustYear, summary
from ledger.fingerprint import fingerprint
from ledger.policy import DEFAULT, Policy
from ledger.register.spec import MATURITIES
from reports import workbook_figures as wf
from reports import workbook_totals as wt
from reports.workbook_assurance import ASSURANCE_COLS, write_assurance
from reports.workbook_layout import Layout, build
from reports.workbook_register import omitted_sheets, placed, write_register
from reports.workbook_xlsx import Book, Col, Link

README_COLS = (Col("item", width=34), Col("value", width=100), Col("default", width=30))
EXCEPTION_COLS = (Col("rule_id", width=11), Col("severity", width=9), Col("line_id", width=14),
                  Col("message", width=90), Col("finding", width=110))
TRAIL_COLUMNS = ("seq", "recorded_at", "entity", "entity_id", "action", "from_status", "to_status", "actor", "role",
                 "reason", "evidence_ids", "details", "prev_hash", "hash")
TRAIL_COLS = tuple(Col(c, "yyyy-mm-dd hh:mm:ss" if c == "recorded_at" else None,
                       20 if c in {"recorded_at", "details", "reason"} else 12) for c in TRAIL_COLUMNS)
LONG_COLS = (Col("sheet", width=14), Col("cell", width=8), Col("column", width=14), Col("part", "0", 6),
             Col("text", width=120))
DESCRIPTIONS = {
    "README": "method, period, policy values in force, E7 weights, data fingerprint, limits",
    "Summary": "every figure of `savings summary --json`: live formula, ledger figure, check",
    "Bridge": "from claimed (contract-term view) to CIP delivered, by reason and rule",
    "Assurance": "the pack's leakage, reversals, budget ahead of delivery, evidence, exceptions: formulas",
    "CIP_to_Budget_Recon": "R-ELG-1a: Grade-A CIP against budget removed, per cost centre and year",
    "CIP_to_Budget_Lines": "each line-year where CIP and budget removed differ, with the reason",
    "TowerRecon": "E8: NHS Supply Chain contribution, local savings foregone, recognised, claimed",
    "PPIB": "E10: price benchmarking opportunity per product-month (pipeline, never a saving)",
    "NonPayWAU": "E9: non-pay cost per WAU against the base year less 10%",
    "Exceptions": "every finding of the counting rules: rule id, line id, message",
    "LineFigures": "per line: the ledger's facts, annual saving, FYE and E7 weight (formulas)",
    "LineYears": "per line and year: plan, delivered, CIP, at risk, cost avoidance, bridge steps",
    "Phasing": "per line-month: plan, delivered and leakage from the Actuals rows (formulas)",
    "BudgetByYear": "per budget adjustment and year: the budget it removes (formula)",
    "AuditTrail": "the trust's append-only, hash-chained events (recorded_at in UTC)",
    "LongText": "text longer than Excel's 32,767 characters a cell, kept whole",
}
METHOD = (
    "How to read it: start at Summary. Each figure is a formula over the sheets to its right; the",
    "'ledger' column is what `savings summary --json` says and 'check' says whether they agree.",
    "Follow a figure back: Summary -> LineYears (one row per line and year, filter on fy) -> Phasing",
    "(one row per line-month) -> Actuals (the invoice rows) and SavingLines (prices and volumes);",
    "SignOffs, Evidence (with sha256) and BudgetAdjustments say why a line counts.",
    "Re-perform: change a price, volume, actual or budget amount on a register sheet and the totals move.",
    "Facts the rules derive (validated, QIA, duplicate, grade, recurrent) are the ledger's, written as values.",
    "Counting: CIP = delivered - implementation costs, capped at the budget removed, for cash-releasing,",
    "validated lines past QIA (R-ELG-1, R-ELG-1a, R-ELG-4); the rest is at risk, cost avoidance or capital.",
    "Each line-month is rounded once, half-up, to the penny, and totals are sums of those (DESIGN.md).",
    "Round trip: the register sheets (Trust ... Policy) use the import format; `savings import` reads them.",
)


@dataclass(frozen=True)
class WorkbookResult:
    """What was written: the file, the rows and columns of each sheet (header included), the formulas."""

    path: Path
    rows: dict[str, int]
    columns: dict[str, int]
    formulas: int
    long_texts: int


def _policy_rows(policy: Policy) -> list[tuple[str, object, str]]:
    out = []
    for f in fields(Policy):
        if f.name in {"name", "extra"}:
            continue
        value, default = getattr(policy, f.name), getattr(DEFAULT, f.name)
        shown = value if isinstance(value, int) and not isinstance(value, bool) else _text(value)
        out.append((f.name, shown, _text(default)))
    return out


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_text(v) for v in value)
    if value is None:
        return "none"
    return str(value)


def write_readme(book: Book, ty: TrustYear, fy: str, trail: Sequence[Mapping], imports: Sequence[Mapping]
                 ) -> dict[str, str]:
    """README: who, when, which data and policy; returns the cells formulas read (weights, peers)."""
    ws = book.sheets["README"]
    trust = ty.frames.trust
    first, last = calendar.fy_bounds(fy)
    as_at = ty.as_at or last
    ws.note(f"Audit workbook: {trust['name']} ({trust['org_code']}), {fy}", bold=True)
    pairs = [
        ("trust", f"{trust['org_code']}: {trust['name']} ({trust['trust_type']})"),
        ("financial year", f"{fy}: {first.isoformat()} to {last.isoformat()}"),
        ("as at", f"{as_at.isoformat()} (actuals to {calendar.month_label(calendar.month_index(as_at))}, "
                  "sign-offs and events to that day)"),
        ("policy set", ty.policy.label()),
        ("data fingerprint", fingerprint(ty.frames)),
        ("made with", f"savings workbook --trust {trust['org_code']} --fy {fy} --as-at {as_at.isoformat()}"),
        ("register imported", "; ".join(f"{i['source']} ({i['fingerprint']}, {i['imported_at']:%Y-%m-%d})"
                                        for i in imports[-3:]) or "not recorded"),
        ("audit trail", f"{len(trail)} events to the as-at date (AuditTrail sheet)"),
    ]
    for key, value in pairs:
        ws.append([key, value])
    ws.note("")
    ws.note("Method", bold=True)
    for line in METHOD:
        ws.append([None, line])
    ws.note("")
    ws.note("Policy values in force (formulas read the weights and peers below)", bold=True)
    ws.append(["policy key", "value", "default"])
    cells: dict[str, str] = {}
    for key, value, default in _policy_rows(ty.policy):
        r = ws.append([key, value, default])
        cells[key] = f"README!$B${r}"
    ws.note("")
    ws.note("E7 maturity weights (LineFigures.weight looks them up here; Grade A lines weigh as validated)", bold=True)
    first_row = ws.rows + 1
    for maturity in ("validated", *MATURITIES):
        ws.append([maturity, ty.policy.weight(maturity)])
    cells["validated_weight"] = f"README!$B${first_row}"
    cells["weights"] = f"README!$A${first_row}:$B${ws.rows}"
    ws.note("")
    ws.note("Limits and decisions (docs/audit-workbook.md)", bold=True)
    notes = [
        "Excel computes in floating point; formulas round each line-month as the ledger does, and every "
        "total stands beside the ledger's exact figure with a check.",
        "Text longer than 32,767 characters is cut in its cell and kept whole on the LongText sheet.",
        "A sheet longer than 1,048,576 rows continues on Name_2; `savings import` refuses such a workbook "
        "(import the register's CSV files).",
        "C_k (contribution per tower) and L_k are the ledger's allocation, written as values.",
    ]
    if omitted_sheets():
        notes.append("Register sheets not in this workbook (not part of a trust's figures): "
                     + ", ".join(omitted_sheets()))
    for line in notes:
        ws.append([None, line])
    return cells


def write_exceptions(book: Book, ty: TrustYear) -> None:
    ws = book.sheets["Exceptions"]
    for f in ty.findings:
        ws.append([f.rule_id, f.severity, f.line_id or None, f.message, f.format()])


def write_trail(book: Book, trail: Sequence[Mapping]) -> None:
    """The events as recorded; times in UTC without their zone, which Excel cannot hold."""
    ws = book.sheets["AuditTrail"]
    for event in trail:
        when = event["recorded_at"]
        row = {**event, "recorded_at": when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when}
        ws.append([row.get(c) if row.get(c) != "" else None for c in TRAIL_COLUMNS])


def write_contents(book: Book) -> None:
    ws = book.sheets["Contents"]
    for name, sheet in book.sheets.items():
        if name == "Contents":
            continue
        base = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1].isdigit() else name
        what = DESCRIPTIONS.get(base, "register sheet in the import format (values only)")
        ws.append([Link(name, name), what, max(sheet.rows - 1, 0)])


def _create(book: Book, layout: Layout) -> None:
    """Create the derived sheets in tab order (the register sheets follow them)."""
    book.sheet("Contents", (Col("sheet", width=24), Col("what it holds", width=90), Col("rows", "#,##0", 10)),
               table=False)
    book.sheet("README", README_COLS, table=False, freeze=None, header=False)
    book.sheet("Summary", wt.SUMMARY_COLS, table=False)
    book.sheet("Bridge", wt.BRIDGE_COLS, table=False)
    book.sheet("Assurance", ASSURANCE_COLS, table=False)
    book.sheet("CIP_to_Budget_Recon", wt.RECON_COLS)
    book.sheet("CIP_to_Budget_Lines", wt.DIFF_COLS)
    book.sheet("TowerRecon", wt.TOWER_COLS)
    book.sheet("PPIB", wt.PPIB_COLS)
    book.sheet("NonPayWAU", wt.WAU_COLS)
    book.sheet("Exceptions", EXCEPTION_COLS)
    book.sheet("LineFigures", wf.LINE_COLS)
    book.sheet("LineYears", wf.YEAR_COLS)
    for name in layout.month_sheets:
        book.sheet(name, wf.MONTH_COLS)
    book.sheet("BudgetByYear", wf.BUDGET_COLS)


def write_workbook(ty: TrustYear, fy: str, path: Path, *, trail: Sequence[Mapping] = (),
                   imports: Sequence[Mapping] = ()) -> WorkbookResult:
    """Write the audit workbook of `ty` for `fy` to `path` (.xlsx).

    Args:
        ty: the trust as known at its as-at date (`ledger.engine.summary.load_trust`).
        fy: the financial year of the totals, e.g. `2025/26` (the detail sheets hold every year).
        trail: the trust's audit events (`audit_trail`), written to the AuditTrail sheet.
        imports: the trust's register imports (`register_imports`), named on the README.
    """
    data = summary(ty, fy)
    layout = build(ty, fy)
    where = placed(ty.frames)
    book = Book(ty.as_at or calendar.fy_bounds(fy)[1])
    _create(book, layout)
    actual_parts = [(name, start, end) for name, (start, end) in zip(layout.actual_sheets, layout.actual_ranges,
                                                                      strict=True)]
    write_register(book, ty.frames, actual_parts)
    book.sheet("AuditTrail", TRAIL_COLS)
    cells = write_readme(book, ty, fy, trail, imports)
    wf.write_line_figures(book, ty, layout, where, (cells["validated_weight"], cells["weights"]))
    wf.write_phasing(book, layout, where)
    wf.write_budget_years(book, layout, where)
    wf.write_line_years(book, ty, layout, where)
    towers = wt.write_towers(book, ty, layout, where, data)
    wt.write_summary(book, ty, fy, data, layout, towers)
    wt.write_bridge(book, ty, layout)
    write_assurance(book, ty, layout)
    wt.write_budget_recon(book, ty, layout)
    wt.write_ppib(book, ty, fy, where, cells)
    wt.write_wau(book, ty, where)
    write_exceptions(book, ty)
    write_trail(book, trail)
    if book.long_text:
        long = book.sheet("LongText", LONG_COLS)
        for sheet, cell, column, text in list(book.long_text):
            for part, start in enumerate(range(0, len(text), 32_000), start=1):
                long.append([sheet, cell, column, part, text[start:start + 32_000]])
    write_contents(book)
    book.save(path)
    return WorkbookResult(Path(path), {n: s.rows for n, s in book.sheets.items()},
                          {n: len(s.cols) for n, s in book.sheets.items()},
                          sum(s.formulas for s in book.sheets.values()), len(book.long_text))


def audit_trail(engine: Engine, trust: str, as_at: date | None) -> list[dict]:
    """The trust's audit events in chain order, up to the end of `as_at`."""
    table = models.AuditEvent.__table__
    stmt = select(*(table.c[c] for c in TRAIL_COLUMNS)).where(table.c.trust == trust).order_by(table.c.seq)
    if as_at is not None:
        stmt = stmt.where(table.c.recorded_at < datetime.combine(as_at + timedelta(days=1), time(), tzinfo=UTC))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def register_imports(engine: Engine, trust: str) -> list[dict]:
    """The trust's register imports, oldest first (source, fingerprint, rows, when)."""
    table = models.RegisterImport.__table__
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(table.c.trust == trust).order_by(table.c.id))
                .mappings()]
