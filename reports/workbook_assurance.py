"""The audit workbook's Assurance sheet: the board pack's assurance figures, re-performable.

DOMAIN.md section 9 item 10 puts leakage (£, %), reversals and cost pressures, evidence
completeness and the exceptions count in the pack. Here each is a live formula over LineYears and
Exceptions, beside the figure the pack prints (`reports.pack_sections.assurance`, one function for
both) and a check, so the pack's assurance table can be followed back to its lines like the Summary.
"""
from __future__ import annotations

from decimal import Decimal

from ledger.engine.summary import TrustYear
from reports.filters import COUNT_FORMAT, GBP_FORMAT, RATIO_FORMAT
from reports.pack_sections import assurance
from reports.workbook_figures import LY, pounds
from reports.workbook_layout import Layout
from reports.workbook_totals import CHECK, FY_CELL, check
from reports.workbook_xlsx import Book, Col, F, column_range

ASSURANCE_COLS = (Col("figure", width=58), Col("rule_id", width=10), Col("workbook", None, 18),
                  Col("ledger", None, 18), CHECK)
POSITIVE = '">0"'  # a COUNTIFS criterion


def write_assurance(book: Book, ty: TrustYear, layout: Layout) -> None:
    """Assurance: the pack's leakage, reversals, budget ahead of delivery, evidence and exceptions."""
    ws = book.sheets["Assurance"]
    a = assurance(ty, layout.fy)
    n = len(layout.years)

    def col(name: str) -> str:
        return column_range("LineYears", LY[name], n)

    def in_year(*criteria: str) -> str:
        return f"{col('fy')},{FY_CELL}" + "".join(f",{c}" for c in criteria)

    def add(label: str, rule: str, formula: str, cached: int | Decimal, fmt: str) -> str:
        row = ws.rows + 1
        ws.append([label, rule, F(formula, cached), cached, check(row)], {2: fmt, 3: fmt})
        return f"C{row}"

    def share(label: str, rule: str, part: str, whole: str, shown: str | None) -> None:
        """`part / whole` to four places, half-up as the pack rounds it (float noise dropped first,
        so a ratio ending in a half rounds as it does in the ledger), beside the pack's ratio."""
        if shown is None:  # nothing to divide by: the pack prints a dash
            ws.append([label, rule, "n/a", "n/a", "ok"])
            return
        row = ws.rows + 1
        ws.append([label, rule, F(f"ROUND(ROUND({part}/({whole}),9),4)", Decimal(shown)), Decimal(shown),
                   check(row, 4)], {2: RATIO_FORMAT, 3: RATIO_FORMAT})

    leakage = add("Leakage: paid above the contract price", "R-LEA-1",
                  f"SUMIFS({col('leakage')},{in_year()})", pounds(a.leakage), GBP_FORMAT)
    share("Leakage share: leakage / (delivered + leakage)", "R-LEA-1", leakage,
          f"SUMIFS({col('delivered')},{in_year()})+{leakage}", a.leakage_share)
    add("Lines stopped (reversed, withdrawn or rejected)", "R-REV-1",
        f"COUNTIFS({in_year(col('stopped'), 'TRUE')})", a.stopped_lines, COUNT_FORMAT)
    add("Cost pressure: budget removed for the months after a stop", "R-REV-1",
        f"SUMIFS({col('cost_pressure')},{in_year()})", pounds(a.cost_pressure), GBP_FORMAT)
    add("Budget removed ahead of delivery (beyond the cash forecast)", "R-ELG-1a",
        f"SUMIFS({col('ahead_of_delivery')},{in_year()})", pounds(a.ahead), GBP_FORMAT)
    add("Lines with budget removed ahead of delivery", "R-ELG-1a",
        f"COUNTIFS({in_year(col('ahead_of_delivery'), POSITIVE)})", a.ahead_lines, COUNT_FORMAT)
    cash = in_year(col("cash_releasing"), "TRUE")
    due = add("Cash-releasing lines (evidence due)", "R-ELG-1", f"COUNTIFS({cash})", a.evidence_due, COUNT_FORMAT)
    evidenced = add("of which with evidence recorded", "R-ELG-1",
                    f"COUNTIFS({cash},{col('evidence_rows')},{POSITIVE})", a.evidenced, COUNT_FORMAT)
    add("of which with a file identified by its sha256 hash", "R-ELG-1",
        f"COUNTIFS({cash},{col('evidence_files')},{POSITIVE})", a.evidence_stored, COUNT_FORMAT)
    share("Evidence completeness: evidenced / due", "R-ELG-1", evidenced, due, a.evidence_share)
    rules, severities = (column_range("Exceptions", letter, max(len(ty.findings), 1)) for letter in ("A", "B"))
    for rule, severity, count in a.by_rule:
        add(f"Exceptions: {rule} ({severity}s)", rule, f'COUNTIFS({rules},"{rule}",{severities},"{severity}")',
            count, COUNT_FORMAT)
