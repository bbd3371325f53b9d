"""The totals of the audit workbook: Summary, Bridge, CIP_to_Budget_Recon, TowerRecon, PPIB, NonPayWAU.

Every total is a live formula (SUMIFS and friends) over the detail sheets, written with the
ledger's figure as its cached value, and set beside that figure with a check, so an auditor who
changes an input sees the totals move and where they part from the ledger. The Summary rows are
the keys of `savings summary --json` (DESIGN.md), one for one.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from ledger import calendar, carter, tower_claims
from ledger.benchmark import BENCHMARKS, rows_in
from ledger.engine import bridge
from ledger.engine.summary import TrustYear
from ledger.errors import LedgerError
from reports.filters import COUNT_FORMAT, GBP_FORMAT, PCT_FORMAT, RATIO_FORMAT
from reports.workbook_figures import LY, pounds, r9, route_of
from reports.workbook_layout import Layout
from reports.workbook_register import PRICE_FORMAT, VOLUME_FORMAT, Placed, sorted_frame
from reports.workbook_xlsx import Book, Col, F, column_range

FY_CELL = "Summary!$C$2"
CHECK = Col("check", width=11)
SUMMARY_COLS = (Col("figure", width=44), Col("json_key", width=34), Col("workbook", None, 18),
                Col("ledger", None, 18), CHECK)
BRIDGE_COLS = (Col("step", width=52), Col("rule_id", width=10), Col("workbook", GBP_FORMAT, 18),
               Col("ledger", GBP_FORMAT, 18), CHECK)
RECON_COLS = (Col("cost_centre", width=14), Col("fy", width=9), Col("grade_a_cip", GBP_FORMAT, 16),
              Col("all_cip", GBP_FORMAT, 16), Col("tower_recognised", GBP_FORMAT, 16),
              Col("budget_removed", GBP_FORMAT, 16), Col("difference", GBP_FORMAT, 16), Col("status", width=34))
DIFF_COLS = (Col("line_id", width=14), Col("fy", width=9), Col("cost_centre", width=14), Col("grade", width=7),
             Col("delivered_net", GBP_FORMAT, 15), Col("cip", GBP_FORMAT, 15), Col("removed", GBP_FORMAT, 15),
             Col("difference", GBP_FORMAT, 15), Col("reason", width=48))
TOWER_COLS = (Col("tower_code", width=12), Col("spend", GBP_FORMAT, 16), Col("contribution", GBP_FORMAT, 16),
              Col("local_foregone", GBP_FORMAT, 16), Col("target", GBP_FORMAT, 16), Col("recognised", GBP_FORMAT, 16),
              Col("claimed", GBP_FORMAT, 16), Col("gap", GBP_FORMAT, 16), Col("net", GBP_FORMAT, 16),
              Col("coverage", PCT_FORMAT, 10))
PPIB_COLS = (Col("product_code", width=14), Col("description", width=30), Col("period", "yyyy-mm", 9),
             Col("tower_code", width=10), Col("price_paid", PRICE_FORMAT, 12), Col("volume", VOLUME_FORMAT, 12),
             Col("n_peers", COUNT_FORMAT, 8), Col("benchmark", PRICE_FORMAT, 12), Col("comparable", width=11),
             Col("opportunity", GBP_FORMAT, 15), Col("status", width=14))
WAU_COLS = (Col("fy", width=9), Col("non_pay", GBP_FORMAT, 18), Col("wau", "#,##0.000", 14),
            Col("wau_basis", width=44), Col("non_pay_per_wau", GBP_FORMAT, 14), Col("change_vs_base", PCT_FORMAT, 12),
            Col("target_per_wau", GBP_FORMAT, 14), Col("allowed", GBP_FORMAT, 16), Col("gap", GBP_FORMAT, 16),
            Col("expected", GBP_FORMAT, 16), Col("validated_fye", GBP_FORMAT, 16), Col("residual", GBP_FORMAT, 16))


def check(row: int, places: int = 2) -> F:
    return F(f'IF(ROUND(C{row}-D{row},{places})=0,"ok","DIFFERENT")', "ok")


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def write_summary(book: Book, ty: TrustYear, fy: str, data: dict, layout: Layout,
                  towers: dict[str, str | None]) -> None:
    """Summary: one row per key of the JSON summary, the formula beside the ledger's figure.

    Args:
        towers: the formula of each towers total (from `write_towers`).
    """
    ws = book.sheets["Summary"]
    n = len(layout.years)

    def col(name: str) -> str:
        return column_range("LineYears", LY[name], n)

    def sumifs(name: str, *criteria: tuple[str, str]) -> str:
        extra = "".join(f",{col(c)},{v}" for c, v in criteria)
        return f"SUMIFS({col(name)},{col('fy')},{FY_CELL}{extra})"

    non_financial = "+".join(f'COUNTIFS({col("fy")},{FY_CELL},{col("cash_releasing")},FALSE,'
                             f'{col("benefit_type")},"{kind}")' for kind in ("WASTE", "EXPIRY", "OUTCOME"))
    severity = column_range("Exceptions", "B", max(len(ty.findings), 1))
    rows: list[tuple[str, str, str | None]] = [
        ("CIP plan (cash-releasing, local)", "cip.plan", sumifs("local_cip_plan")),
        ("CIP delivered (counted: Grade A, or up to the budget removed)", "cip.delivered", sumifs("cip")),
        ("At risk (delivered, not counted)", "cip.at_risk", sumifs("at_risk")),
        ("Forecast outturn", "cip.forecast", sumifs("local_forecast")),
        ("Risk-adjusted forecast (E7)", "cip.risk_adjusted_forecast", sumifs("risk_adjusted")),
        ("CIP delivered, recurrent", "cip.recurrent_delivered", sumifs("cip", ("recurrent", "TRUE"))),
        ("CIP delivered, non-recurrent", "cip.non_recurrent_delivered", sumifs("cip", ("recurrent", "FALSE"))),
        ("FYE of schemes delivered this year", "cip.fye_delivered", sumifs("fye_new_counted")),
        ("Carry-forward into next year", "cip.carry_forward", sumifs("carry_forward")),
        ("Cost avoidance (never CIP)", "non_cip.cost_avoidance", sumifs("cost_avoidance")),
        ("Non-financial benefits (lines)", "non_cip.non_financial_count", non_financial),
        ("Capital (never CIP)", "non_cip.capital", sumifs("capital")),
        ("Implementation costs", "implementation_costs", sumifs("impl_costs")),
        ("Leakage (paid above contract price)", "leakage", sumifs("leakage")),
        *((f"Towers: {label}", f"towers.{key}", towers[key]) for key, label in TOWER_KEYS),
        ("Exceptions: errors", "exceptions.errors", f'COUNTIFS({severity},"error")'),
        ("Exceptions: warnings", "exceptions.warnings", f'COUNTIFS({severity},"warning")'),
    ]
    ws.append(["Financial year (change it to re-target the CIP totals)", "fy", fy, fy, None])
    for label, key in (("Trust", "trust"), ("As at", "as_at"), ("Policy set", "policy_set")):
        ws.append([label, key, None, str(data[key]), None])
    cells: dict[str, str] = {}
    for label, key, formula in rows:
        value = data
        for part in key.split("."):
            value = value[part]
        row = ws.rows + 1
        cells[key.removeprefix("towers.")] = f"C{row}"
        places = 4 if key.endswith(("coverage", "recognition_rate")) else 2
        fmt = RATIO_FORMAT if places == 4 else (COUNT_FORMAT if isinstance(value, int) else GBP_FORMAT)
        if value is None:
            ws.append([label, key, "n/a", "n/a", "ok"])
            continue
        cached = value if isinstance(value, int) else Decimal(value)
        text = None if formula is None else re.sub(r"<(\w+)>", lambda m: cells[m.group(1)], formula)
        cell = cached if text is None else F(text, cached)
        ws.append([label, key, cell, cached, check(row, places)], {2: fmt, 3: fmt})


TOWER_KEYS = (("contribution", "contribution (C)"), ("local_foregone", "local savings foregone (L)"),
              ("target", "target (C + L)"), ("recognised", "recognised by the ledger"),
              ("claimed", "claimed by NHS Supply Chain"), ("gap", "gap (recognised - target)"),
              ("net", "net benefit (recognised - C)"), ("coverage", "coverage (recognised / C)"),
              ("recognition_rate", "recognition rate (recognised / claimed)"))


def write_bridge(book: Book, ty: TrustYear, layout: Layout) -> None:
    """Bridge: from what was claimed (contract-term view) to CIP delivered, one row per reason."""
    ws = book.sheets["Bridge"]
    n = len(layout.years)
    fig = ty.figures
    claimed, steps, cip = bridge.bridge(fig, layout.fy)

    def total(name: str) -> str:
        return f"SUMIFS({column_range('LineYears', LY[name], n)},{column_range('LineYears', LY['fy'], n)},{FY_CELL})"

    row = ws.rows + 1
    ws.append([f"Claimed in {layout.fy} (contract-term view, R-TIM-3: not CIP)", "", F(total("claimed"),
               pounds(claimed)), pounds(claimed), check(row)])
    first = ws.rows + 1
    for (reason, rule), step in zip(bridge.REASONS, steps, strict=True):
        row = ws.rows + 1
        ws.append([f"less: {reason}", rule, F(total(f"{reason} ({rule})"), pounds(step.amount)),
                   pounds(step.amount), check(row)])
    last = ws.rows
    row = ws.rows + 1
    ws.append(["CIP delivered", "R-ELG-1", F(total("cip"), pounds(cip)), pounds(cip), check(row)])
    row = ws.rows + 1
    ws.append(["claimed - steps - CIP delivered (must be 0)", "", F(f"C2-SUM(C{first}:C{last})-C{row - 1}", 0),
               0, check(row)])


def write_budget_recon(book: Book, ty: TrustYear, layout: Layout) -> None:
    """CIP_to_Budget_Recon (R-ELG-1a): per cost centre and FY, Grade-A CIP against budget removed;
    CIP_to_Budget_Lines lists every line-year where the two differ, with the reason.

    Years up to the workbook's year only: later years hold budget already removed for savings
    that have not been delivered yet (and, past the claim window, never count), so a difference
    there says nothing about the figures being reported.
    """
    last = calendar.parse_fy(layout.fy)
    y = layout.years[layout.years["fy_year"] <= last]
    facts = layout.lines.set_index("line_id").reindex(y["line_id"])
    frame = pd.DataFrame({"cost_centre": facts["cost_centre"].to_numpy(), "fy": y["fy"].to_numpy(),
                          "a": y["cip"].where(facts["grade"].to_numpy() == "A", 0).to_numpy(),
                          "cip": y["cip"].to_numpy(), "tower": y["tower_recognised"].to_numpy(), "removed": 0})
    budget = layout.budget_years[layout.budget_years["fy_year"] <= last][["cost_centre", "fy", "removed"]]
    budget = budget.assign(a=0, cip=0, tower=0)
    sums = pd.concat([frame, budget]).groupby(["fy", "cost_centre"], as_index=False)[
        ["a", "cip", "tower", "removed"]].sum()
    sums = sums[(sums[["a", "cip", "tower", "removed"]] != 0).any(axis=1)]
    ws = book.sheets["CIP_to_Budget_Recon"]
    n, nb = len(layout.years), len(layout.budget_years)
    ly = {k: column_range("LineYears", LY[k], n) for k in ("cip", "tower_recognised", "cost_centre", "fy", "grade")}
    by = {k: column_range("BudgetByYear", c, nb) for k, c in (("removed", "F"), ("cost_centre", "C"), ("fy", "D"))}
    for s in sums.itertuples(index=False):
        r = ws.rows + 1
        where = f"{ly['cost_centre']},A{r},{ly['fy']},B{r}"
        status = ("Grade-A CIP exceeds budget removed" if s.a > s.removed else
                  "Grade-A CIP within budget removed" if s.removed > s.a else "agrees")
        ws.append([s.cost_centre, s.fy, F(f'SUMIFS({ly["cip"]},{where},{ly["grade"]},"A")', pounds(s.a)),
                   F(f"SUMIFS({ly['cip']},{where})", pounds(s.cip)),
                   F(f"SUMIFS({ly['tower_recognised']},{where})", pounds(s.tower)),
                   F(f"SUMIFS({by['removed']},{by['cost_centre']},A{r},{by['fy']},B{r})", pounds(s.removed)),
                   F(f"F{r}-C{r}", pounds(s.removed - s.a)),
                   F(f'IF(C{r}>F{r},"Grade-A CIP exceeds budget removed",'
                     f'IF(F{r}>C{r},"Grade-A CIP within budget removed","agrees"))', status)])
    lines = book.sheets["CIP_to_Budget_Lines"]
    keep = ["cost_centre", "grade", "cash_releasing", "tower", "has_budget", "eligible"]
    facts = layout.lines.set_index("line_id")
    facts = facts[keep].assign(route=route_of(facts))
    joined = y.merge(facts, left_on="line_id", right_index=True, how="left", suffixes=("", "_line"))
    for row in joined.itertuples(index=False):
        net = int(row.delivered) - int(row.impl_costs)
        if not row.cash_releasing or row.tower or row.removed == row.cip:
            continue
        reason = ("no budget adjustment for the line" if not row.has_budget else
                  f"not counted: {row.route}" if not row.eligible else
                  "budget removed exceeds the net delivered" if row.removed > net else
                  "budget removal short: the rest is at risk")
        r, here = row.row, lines.rows + 1
        lines.append([row.line_id, row.fy, row.cost_centre, row.grade,
                      F(f"LineYears!{LY['delivered']}{r}-LineYears!{LY['impl_costs']}{r}", pounds(net)),
                      F(f"LineYears!{LY['cip']}{r}", pounds(row.cip)),
                      F(f"LineYears!{LY['removed']}{r}", pounds(row.removed)),
                      F(f"G{here}-F{here}", pounds(row.removed - row.cip)), reason])


def write_towers(book: Book, ty: TrustYear, layout: Layout, placed: Placed, data: dict) -> dict[str, str | None]:
    """TowerRecon (E8): per tower C_k, L_k, recognised and claimed; totals match the JSON towers block.

    C_k and L_k are the ledger's (allocation and rate are policy choices, stated on the sheet);
    spend, recognised and claimed are SUMIFS over TowerSpend, LineYears and TowerStatement.
    The tower figures are the workbook's year whatever the Summary's year input says: C_k and L_k
    are the ledger's values for that year, and a mix of years would add up to nothing.
    Returns the Summary's formula for each towers total (None where the ledger's value is an
    input, e.g. an estimated C); `<key>` stands for the Summary cell of another towers total.
    """
    ws = book.sheets["TowerRecon"]
    recon = ty.recon(layout.fy)
    year = f'"{layout.fy}"'  # C_k and L_k are this year's, so every tower figure stays on it
    n = len(layout.years)
    ts, st = placed.letters["TowerSpend"], placed.letters["TowerStatement"]
    n_spend, n_claim = len(ty.frames.tower_spend), len(ty.frames.tower_statements)
    ly_tr, ly_tc, ly_fy = (column_range("LineYears", LY[k], n) for k in ("tower_recognised", "tower_code", "fy"))
    first = ws.rows + 1
    for t in recon.rows:
        r = ws.rows + 1
        target = None if t.local_foregone is None else F(f"C{r}+D{r}", pounds(t.contribution + t.local_foregone))
        ws.append([
            t.tower_code,
            F(f"SUMIFS({column_range('TowerSpend', ts['spend'], n_spend)},"
              f"{column_range('TowerSpend', ts['fy'], n_spend)},{year},"
              f"{column_range('TowerSpend', ts['tower_code'], n_spend)},A{r})", pounds(t.spend)),
            pounds(t.contribution), None if t.local_foregone is None else pounds(t.local_foregone), target,
            F(f"SUMIFS({ly_tr},{ly_tc},A{r},{ly_fy},{year})", pounds(t.recognised)),
            F(f"SUMIFS({column_range('TowerStatement', st['claimed'], n_claim)},"
              f"{column_range('TowerStatement', st['fy'], n_claim)},{year},"
              f"{column_range('TowerStatement', st['tower_code'], n_claim)},A{r})", pounds(t.claimed)),
            None if target is None else F(f"F{r}-E{r}", pounds(t.gap)), F(f"F{r}-C{r}", pounds(t.net)),
            F(f'IF(C{r}=0,"",F{r}/C{r})', Decimal(t.recognised) / Decimal(t.contribution) if t.contribution else ""),
        ])
    last = ws.rows
    ws.table_end = last

    def column(letter: str) -> str:
        return f"SUM(TowerRecon!{letter}{first}:{letter}{last})" if last >= first else "0"

    c_rows = ty.frames.contribution[ty.frames.contribution["fy"] == layout.fy]
    tc = placed.letters["TowerContribution"]
    n_c = len(ty.frames.contribution)
    notified = (not c_rows.empty and pd.notna(c_rows["amount_pence"].iloc[0])
                and int(c_rows["amount_pence"].iloc[0]) == recon.contribution)
    local_ok = data["towers"]["local_foregone"] is not None
    formulas = {
        "contribution": (f"SUMIFS({column_range('TowerContribution', tc['amount'], n_c)},"
                         f"{column_range('TowerContribution', tc['fy'], n_c)},{year})") if notified else None,
        "local_foregone": column("D") if local_ok else None, "target": "<contribution>+<local_foregone>",
        "recognised": column("F"), "claimed": column("G"), "gap": "<recognised>-<target>",
        "net": "<recognised>-<contribution>", "coverage": "ROUND(<recognised>/<contribution>,4)",
        "recognition_rate": "ROUND(<recognised>/<claimed>,4)",
    }
    ws.note("")
    allocation = getattr(recon, "allocation", "spend_share")
    ws.note(f"C: {recon.contribution_basis}. C_k allocated by the ledger ({allocation}, parts add up to C). "
            f"L: {recon.local_rate_basis}")
    items = getattr(recon, "items", ())
    if items:
        ws.note("")
        ws.note("Claimed minus recognised, itemised (ledger.tower_claims)", bold=True)
        ws.append(["tower_code", "amount", "reason", "line_id", "what the reason means"])
        for item in items:
            meaning = f"{tower_claims.LABELS[item.reason]} ({tower_claims.RULE_IDS[item.reason]})"
            ws.append([item.tower_code, pounds(item.amount), item.reason, item.line_id or None, meaning],
                      {1: GBP_FORMAT})
    return formulas


def write_ppib(book: Book, ty: TrustYear, fy: str, placed: Placed, policy_cells: dict[str, str]) -> None:
    """PPIB (E10): max(0, price paid - benchmark) x volume per product-month; pipeline, never a saving."""
    ws = book.sheets["PPIB"]
    frame = sorted_frame("Benchmarks", ty.frames.benchmarks)
    if frame.empty:
        ws.note("No Benchmarks rows for this trust.")
        return
    rows = rows_in(frame, ty.policy, fy)
    at = {(p, int(m)): i + 2 for i, (p, m) in enumerate(zip(frame["product_code"], frame["period"], strict=True))}
    bm = placed.letters["Benchmarks"]
    bench_col = bm[BENCHMARKS[ty.policy.ppib_benchmark].removesuffix("_micro")]
    for row in rows.itertuples(index=False):
        b = at[(row.product_code, int(row.period))]
        r = ws.rows + 1

        def ref(name: str, b: int = b) -> str:
            return f"Benchmarks!{bm[name]}{b}"

        bench = f"Benchmarks!{bench_col}{b}"
        comparable = F(f'AND({ref("n_peers")}<>"",{bench}<>"",{ref("n_peers")}>={policy_cells["ppib_min_peers"]})',
                       bool(row.comparable))
        status = "not comparable" if not row.comparable else ("opportunity" if row.opportunity > 0 else "at or below")
        month = calendar.month_start(int(row.period))
        ws.append([row.product_code, row.description or None, month, row.tower_code or None,
                   F(ref("price_paid"), Decimal(int(row.price_micro)).scaleb(-6)),
                   F(ref("volume"), Decimal(int(row.volume_milli)).scaleb(-3)),
                   None if pd.isna(row.n_peers) else F(ref("n_peers"), int(row.n_peers)),
                   F(bench, Decimal(int(row.bench)).scaleb(-6)) if row.comparable else None,
                   comparable, F(f"IF(I{r},{r9(f'MAX(0,E{r}-H{r})*F{r}')},0)", pounds(row.opportunity)), status])


def write_wau(book: Book, ty: TrustYear, placed: Placed) -> None:
    """NonPayWAU (E9): non-pay per WAU against the base year's less 10%, and the validated CIP beside it."""
    ws = book.sheets["NonPayWAU"]
    try:
        years = carter.non_pay_per_wau(ty.frames.activity, ty.figures)
    except LedgerError as exc:
        ws.note(str(exc))
        return
    frame = sorted_frame("Activity", ty.frames.activity)
    at = {fy: i + 2 for i, fy in enumerate(frame["fy"])}
    ac = placed.letters["Activity"]
    by_fy = frame.set_index("fy")
    base_row = ws.rows + 1
    for i, y in enumerate(years):
        r, a = ws.rows + 1, at[y.fy]
        src = by_fy.loc[y.fy]
        if pd.notna(src["wau_milli"]):
            wau = f"Activity!{ac['wau']}{a}"
        else:
            given = src.get("wau_constant_pence")
            constant = f"Activity!{ac['wau_constant']}{a}" if given is not None and pd.notna(given) else \
                str(Decimal(carter.WAU_CONSTANTS.get(y.fy, carter.WAU_CONSTANTS[carter.LATEST_CONSTANT])) / 100)
            wau = f"Activity!{ac['expected_cost_sum']}{a}/{constant}"
        if i == 0:
            base_row = r
        rate, base = f"B{r}/C{r}", f"($B${base_row}/$C${base_row})"
        wau_value = Decimal(y.wau.numerator) / Decimal(y.wau.denominator)
        ws.append([y.fy, F(f"Activity!{ac['non_pay_spend']}{a}", pounds(y.non_pay)), F(wau, wau_value), y.wau_basis,
                   F(r9(rate), pounds(y.per_wau)), F(f"ROUND({rate}/{base}-1,6)", y.change),
                   F(r9(f"{base}*0.9"), pounds(y.target_per_wau)), F(r9(f"{base}*0.9*C{r}"), pounds(y.allowed)),
                   F(f"B{r}-H{r}", pounds(y.gap)), F(r9(f"{base}*C{r}"), pounds(y.expected)),
                   pounds(y.validated_fye), F(f"(J{r}-B{r})-K{r}", pounds(y.residual))])
