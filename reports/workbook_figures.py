"""The derived sheets of the audit workbook: every amount a live formula over the register sheets.

LineFigures (one row per line, beside its SavingLines row) turns prices and volumes into the
annual saving and FYE (F1). Phasing (one row per line-month of the claim window) prorates it by
days (F2, C3) and sums the month's invoice rows on Actuals into delivered and leakage (R-ACT-1,
R-LEA-1). BudgetByYear spreads each budget adjustment over the years of its line (R-ELG-1a).
LineYears sums a line's months per financial year and applies the counting rule: CIP is what was
delivered net of implementation costs, capped at the budget removed, for eligible lines
(R-ELG-1, R-ELG-4). Each formula is written with the ledger's own figure as its cached value.

Facts the rules derive from sign-offs, QIA, duplicates and benefit types (validated, eligible,
grade…) are written as values: they are inputs here, labelled as the ledger's. Every line-month
amount is rounded once, half-up, to the penny as the ledger does; `ROUND(ROUND(x,9),2)` first
drops floating-point noise below the ledger's 1e-9 pound resolution so ties round as exact
arithmetic would.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from ledger.calendar import month_start
from ledger.engine import bridge, eligibility
from ledger.engine.status import NEVER
from ledger.engine.summary import TrustYear
from ledger.money import from_pence
from reports.filters import COUNT_FORMAT, GBP_FORMAT
from reports.workbook_layout import Layout
from reports.workbook_register import MONTH_CELL_FORMAT, VOLUME_FORMAT, Placed
from reports.workbook_xlsx import Book, Col, F, column_range

EXACT_FORMAT = "£#,##0.00#######"  # annual savings before rounding (the ledger keeps 1e-9 pounds)
SEPARATE_OR_CASH_PATH = sorted(eligibility.SEPARATE_TYPES | eligibility.CASH_PATH_TYPES)
ROUTES = {  # bridge route of a line -> the bridge steps it can take (ledger.engine.bridge)
    "separate": "capital, income or non-efficiency", "not cash": "not cash-releasing",
    "tower": "NHS Supply Chain tower", "duplicate": "duplicate of another line",
    "not signed off": "not signed off", "QIA missing": "QIA missing", "no budget removal": "no budget removal",
    "counted": "counted (up to the budget removed)",
}
NOT_LIVE = ("separate", "not cash", "tower", "duplicate")


def letters(cols: Sequence[Col]) -> dict[str, str]:
    return {c.name: get_column_letter(i) for i, c in enumerate(cols, start=1)}


def r9(expr: str) -> str:
    """Round to the penny as the ledger does, after dropping float noise below 1e-9 pounds."""
    return f"ROUND(ROUND({expr},9),2)"


def pounds(pence: int | np.integer) -> Decimal:
    return from_pence(int(pence))


def units(value: int | np.integer) -> Decimal:
    """1e-9 pounds (micro-pounds x thousandths of a unit) as exact pounds."""
    return Decimal(int(value)).scaleb(-9)


LINE_COLS = (
    Col("line_id", width=14), Col("scheme_id", width=12), Col("cost_centre", width=12), Col("benefit_type", width=22),
    Col("grade", width=7), Col("cash_releasing", width=10), Col("recurrent", width=10), Col("one_off", width=9),
    Col("tower", width=8), Col("validated", width=10), Col("qia_ok", width=8), Col("duplicate_of", width=12),
    Col("stopped", width=9), Col("has_budget", width=10), Col("eligible", width=9), Col("maturity", width=15),
    Col("go_live_fy_year", "0", 10), Col("q_cash", VOLUME_FORMAT, 12), Col("annual_saving", EXACT_FORMAT, 16),
    Col("avoided_annual", EXACT_FORMAT, 14), Col("fye", GBP_FORMAT, 14), Col("weight", "0.00", 8),
    Col("rules", width=30),
)
MONTH_COLS = (
    Col("line_id", width=14), Col("fy", width=9), Col("month", MONTH_CELL_FORMAT, 10), Col("period", "\\M0", 7),
    Col("days_in_window", "0", 8), Col("days_in_month", "0", 8), Col("year_share_to_date", "0.000000", 10),
    Col("actual_rows", COUNT_FORMAT, 8),
    Col("actual_volume", VOLUME_FORMAT, 12), Col("actual_spend", GBP_FORMAT, 14), Col("plan", GBP_FORMAT, 13),
    Col("avoided", GBP_FORMAT, 12), Col("delivered", GBP_FORMAT, 13), Col("leakage", GBP_FORMAT, 12),
    Col("forecast", GBP_FORMAT, 13), Col("stopped", width=9),
)
BUDGET_COLS = (Col("adjustment_id", width=14), Col("line_id", width=14), Col("cost_centre", width=12),
               Col("fy", width=9), Col("fy_year", "0", 8), Col("removed", GBP_FORMAT, 14))
STEP_COLS = tuple(Col(f"{reason} ({rule})", GBP_FORMAT, 16) for reason, rule in bridge.REASONS)
YEAR_COLS = (
    Col("line_id", width=14), Col("fy", width=9), Col("fy_year", "0", 8), Col("cost_centre", width=12),
    Col("tower_code", width=10), Col("benefit_type", width=22), Col("grade", width=7),
    Col("cash_releasing", width=10), Col("tower", width=8), Col("recurrent", width=10), Col("eligible", width=9),
    *(Col(n, GBP_FORMAT, 14) for n in ("cip_plan", "plan", "claimed", "delivered", "leakage", "forecast",
                                        "impl_costs", "removed", "net", "cip", "tower_recognised", "at_risk",
                                        "cost_avoidance", "capital", "local_cip_plan", "local_forecast",
                                        "risk_adjusted", "fye_new_counted", "carry_forward", "cost_pressure")),
    Col("ahead_of_delivery", GBP_FORMAT, 18), Col("stopped", width=9), Col("evidence_rows", COUNT_FORMAT, 14),
    Col("evidence_files", COUNT_FORMAT, 14),
    Col("route", width=18), *STEP_COLS,
)
LF, PM, BY, LY = letters(LINE_COLS), letters(MONTH_COLS), letters(BUDGET_COLS), letters(YEAR_COLS)


def write_line_figures(book: Book, ty: TrustYear, layout: Layout, placed: Placed, weights: tuple[str, str]) -> None:
    """LineFigures: per line, the ledger's facts and the annual saving, FYE and E7 weight as formulas.

    Args:
        weights: the README cell of the validated weight and the range of the maturity weights.
    """
    ws = book.sheets["LineFigures"]
    sl = placed.letters["SavingLines"]
    lines = layout.lines
    rules: dict[str, list[str]] = {}
    for f in ty.findings:
        if f.line_id and f.rule_id not in rules.setdefault(f.line_id, []):
            rules[f.line_id].append(f.rule_id)
    policy = ty.policy
    inputs = ty.frames.lines.set_index("line_id")[["activity_factor_ppm", "growth_funded"]]  # baseline volume: in facts
    lines = lines.join(inputs, on="line_id")
    for line in lines.itertuples(index=False):
        r = line.sl_row

        def ref(name: str, r: int = r) -> str:
            return f"SavingLines!{sl[name]}{r}"

        go = pd.Timestamp(line.go_live)
        e3 = pd.notna(line.baseline_volume_milli)
        annual = f"({ref('baseline_price')}-{ref('new_price')})*{ref('annual_volume')}"
        q_cash: object = None
        avoided: object = 0
        if e3:
            factor = ref("activity_factor") if pd.notna(line.activity_factor_ppm) else "1"
            q_cf = f"ROUND(ROUND({ref('baseline_volume')}*{factor},9),3)"
            text = q_cf if pd.isna(line.growth_funded) else (
                f"IF({ref('growth_funded')},{q_cf},MIN({q_cf},{ref('baseline_volume')}))")
            q_cash = F(text, Decimal(int(line.q_cash_milli)).scaleb(-3))
            annual = f"{ref('baseline_price')}*{LF['q_cash']}{r}-{ref('new_price')}*{ref('annual_volume')}"
            avoided = F(f"{ref('baseline_price')}*({q_cf}-{LF['q_cash']}{r})", units(line.avoided_units))
        weight = policy.weight("validated") if line.grade == "A" else policy.weight(line.maturity)
        ws.append([
            line.line_id, line.scheme_id, line.cost_centre, line.benefit_type, line.grade,
            bool(line.cash_releasing), bool(line.recurrent), bool(line.one_off), bool(line.tower),
            bool(line.validated), bool(line.qia_ok), line.duplicate_of if isinstance(line.duplicate_of, str) else None,
            bool(line.stop_month != NEVER), bool(line.has_budget), bool(line.eligible), line.maturity or None,
            F(f"YEAR({ref('go_live')})-(MONTH({ref('go_live')})<4)", go.year - (go.month < 4)),
            q_cash, F(annual, units(line.annual_units)), avoided,
            F(f"IF({LF['recurrent']}{r},{r9(LF['annual_saving'] + str(r))},0)", pounds(line.fye)),
            F(f'IF({LF["grade"]}{r}="A",{weights[0]},IFERROR(VLOOKUP({LF["maturity"]}{r},{weights[1]},2,FALSE),0))',
              weight),
            " ".join(rules.get(line.line_id, [])) or None,
        ])


def write_phasing(book: Book, layout: Layout, placed: Placed) -> None:
    """Phasing: plan, delivered, leakage and forecast per line-month (F2, R-ACT-1, R-LEA-1, R-REV-1)."""
    sl, act = placed.letters["SavingLines"], placed.letters["Actuals"]
    m = layout.months
    facts = layout.lines.set_index("line_id")
    one_off = facts["one_off"].reindex(m["line_id"]).to_numpy()
    has_avoided = (facts["avoided_units"] != 0).reindex(m["line_id"]).to_numpy()
    q_cash = facts["q_cash_milli"].reindex(m["line_id"]).to_numpy()
    shares = _shares(m)
    previous = None
    for i, (row, to_share) in enumerate(zip(m.itertuples(index=False), shares, strict=True)):
        ws = book.sheets[layout.month_sheets[row.part]]
        r, lr = row.row, row.sl_row
        p0, p1 = f"SavingLines!{sl['baseline_price']}{lr}", f"SavingLines!{sl['new_price']}{lr}"
        share = "" if one_off[i] else f"*{PM['days_in_window']}{r}/{PM['days_in_month']}{r}"
        first_of_line = row.line_id != previous
        previous = row.line_id
        step = f"{PM['days_in_window']}{r}/(12*{PM['days_in_month']}{r})"
        if row.year_end:  # R-TIM-3: the month that ends the twelve months from go-live ends the year
            to_date = F("1", Decimal(1))
        else:
            to_date = F(step if first_of_line else f"{PM['year_share_to_date']}{r - 1}+{step}", to_share)

        def plan(column: str, cached: int, r: int = r, lr: int = lr, i: int = i, first: bool = first_of_line,
                 go_live_month: bool = row.first_month) -> object:
            """F2: cumulative amount to this month's end, rounded, less the same to last month's."""
            annual = f"LineFigures!{LF[column]}{lr}"
            if one_off[i]:
                return F(r9(annual), pounds(cached)) if go_live_month else 0
            text = r9(f"{annual}*{PM['year_share_to_date']}{r}")
            if not first:
                text += "-" + r9(f"{annual}*{PM['year_share_to_date']}{r - 1}")
            return F(text, pounds(cached))

        volume = spend = None
        delivered: object = 0
        leakage: object = 0
        count = 0 if pd.isna(row.a_count) else int(row.a_count)
        if count:
            sheet = layout.actual_sheets[int(row.a_part)]
            first, last = int(row.a_first), int(row.a_last)
            vol, paid = f"{sheet}!{act['volume']}{first}", f"{sheet}!{act['price_paid']}{first}"
            if count == 1:  # one invoice row: plain arithmetic reads better than an array formula
                volume_text, spend_text, leak_text = vol, f"{vol}*{paid}", f"MAX({paid}-{p1},0)*{vol}"
            else:
                vol, paid = f"{vol}:{act['volume']}{last}", f"{paid}:{act['price_paid']}{last}"
                volume_text, spend_text = f"SUM({vol})", f"SUMPRODUCT({vol},{paid})"
                above = f"--({paid}>{p1})"  # rows paid above contract: Σ (paid - P1) x volume over them
                leak_text = f"(SUMPRODUCT({above},{paid},{vol})-{p1}*SUMPRODUCT({above},{vol}))"
            volume = F(volume_text, Decimal(int(row.a_volume)).scaleb(-3))
            spend = F(spend_text, units(row.a_spend))
            if not row.stopped:
                saved = f"{p0}*{PM['actual_volume']}{r}-{PM['actual_spend']}{r}"
                if q_cash[i] > 0:
                    saved += f"+{p0}*(LineFigures!{LF['q_cash']}{lr}/12-{PM['actual_volume']}{r})"
                delivered = F(r9(f"({saved}){share}"), pounds(row.delivered))
                leakage = F(r9(f"{leak_text}{share}"), pounds(row.leakage))
        forecast: object = 0 if row.stopped else F(
            f"IF({PM['actual_rows']}{r}>0,{PM['delivered']}{r},{PM['plan']}{r})", pounds(row.forecast))
        ws.append([
            row.line_id, row.fy, month_start(int(row.month)), (row.month % 12 - 3) % 12 + 1, int(row.days),
            int(row.dim), to_date, count, volume, spend, plan("annual_saving", row.cip_plan),
            plan("avoided_annual", row.avoided) if has_avoided[i] else 0, delivered, leakage, forecast,
            bool(row.stopped),
        ])


def _shares(m: pd.DataFrame) -> Iterator[Decimal]:
    """Each line-month's cumulative share of a year, `Σ days inside / days in month / 12`, to 9 places."""
    total, previous = Fraction(0), None
    for line, days, dim in zip(m["line_id"], m["days"], m["dim"], strict=True):
        part = Fraction(int(days), 12 * int(dim))
        total = part if line != previous else total + part
        previous = line
        yield (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("1e-9"))


def write_budget_years(book: Book, layout: Layout, placed: Placed) -> None:
    """BudgetByYear: what each budget adjustment removes in each year of its line (R-ELG-1a)."""
    ws = book.sheets["BudgetByYear"]
    ba = placed.letters["BudgetAdjustments"]
    for row in layout.budget_years.itertuples(index=False):
        a = placed.adjustment_row[row.adjustment_id]
        amount, rec, eff = (f"BudgetAdjustments!{ba[c]}{a}" for c in ("amount", "recurrent", "effective_from"))
        eff_fy = f"(YEAR({eff})-(MONTH({eff})<4))"
        dim = f"DAY(EOMONTH({eff},0))"
        first = r9(f"{amount}*((11-MOD(MONTH({eff})-4,12))*{dim}+{dim}-DAY({eff})+1)/(12*{dim})")
        fy_year = f"{BY['fy_year']}{row.row}"
        formula = f"IF({fy_year}={eff_fy},IF({rec},{first},{amount}),IF(AND({rec},{fy_year}>{eff_fy}),{amount},0))"
        ws.append([row.adjustment_id, row.line_id, row.cost_centre, row.fy, int(row.fy_year),
                   F(formula, pounds(row.removed))])


def route_of(facts: pd.DataFrame) -> pd.Series:
    """The bridge route of each line, as `ledger.engine.bridge.line_steps` partitions them."""
    kind = facts["benefit_type"]
    cash = facts["cash_releasing"].astype(bool)
    tower = cash & facts["tower"].astype(bool)
    dup = cash & ~tower & facts["duplicate_of"].notna()
    live = cash & ~tower & ~dup
    validated, qia, budget = (facts[c].astype(bool) for c in ("validated", "qia_ok", "has_budget"))
    choices = [kind.isin(list(eligibility.SEPARATE_TYPES)), ~cash, tower, dup, live & ~validated,
               live & validated & ~qia, live & validated & qia & ~budget]
    return pd.Series(np.select(choices, list(ROUTES)[:7], "counted"), index=facts.index)


def write_line_years(book: Book, ty: TrustYear, layout: Layout, placed: Placed) -> None:
    """LineYears: per line and FY, the sums of its months and the counting rule, then the bridge steps."""
    ws = book.sheets["LineYears"]
    y = layout.years
    facts = layout.lines.set_index("line_id")
    go = pd.to_datetime(facts["go_live"])
    facts = facts.assign(go_year=go.dt.year - (go.dt.month < 4), route=route_of(facts))
    keep = ["cost_centre", "tower_code", "benefit_type", "grade", "cash_releasing", "tower", "recurrent", "eligible",
            "maturity", "fye", "go_year", "route", "stop_month", "duplicate_of", "never_counts"]
    rows = y.merge(facts[keep], left_on="line_id", right_index=True, how="left", suffixes=("", "_line"))
    steps: dict[tuple[str, str], tuple[int, ...]] = {}
    for fy in pd.unique(y["fy"]):
        per_line = bridge.line_steps(ty.figures, fy)
        for line_id, *amounts in per_line[["line_id", *(r for r, _ in bridge.REASONS)]].itertuples(index=False):
            steps[(line_id, fy)] = tuple(int(a) for a in amounts)
    next_line = np.r_[y["line_id"].to_numpy()[1:], None]
    next_year = np.r_[y["fy_year"].to_numpy()[1:], -1]
    next_plan = np.r_[y["cip_plan"].to_numpy()[1:], 0]
    oc = placed.letters["SavingLines"]["one_off_costs"]
    separate_or_path = ",".join(f'{LY["benefit_type"]}{{r}}="{k}"' for k in SEPARATE_OR_CASH_PATH)
    evidence = ty.frames.evidence
    ev = placed.letters["Evidence"]
    evidence_lines, evidence_sha = (column_range("Evidence", ev[k], len(evidence)) for k in ("line_id", "sha256"))
    on_file = evidence.groupby("line_id").size().to_dict()
    in_store = evidence[evidence["sha256"] != ""].groupby("line_id").size().to_dict()
    window_differs = ty.policy.recurrent_claim_window == "contract_term"
    for i, row in enumerate(rows.itertuples(index=False)):
        r, lr = row.row, row.sl_row
        c = {k: f"{v}{r}" for k, v in LY.items()}
        local = f"AND({c['cash_releasing']},NOT({c['tower']}))"
        new = f"LineFigures!{LF['go_live_fy_year']}{lr}={c['fy_year']}"
        carries_ref = f'{c["route"]}<>"duplicate",NOT(LineFigures!{LF["stopped"]}{lr})'  # R-DUP-1, R-REV-1

        def block(column: str, row: object = row) -> str:
            if pd.isna(row.p_count):
                return "0"
            sheet = layout.month_sheets[int(row.p_part)]
            return f"SUM({sheet}!{PM[column]}{int(row.p_first)}:{PM[column]}{int(row.p_last)})"

        def total(column: str, cached: int) -> object:
            text = block(column)
            return 0 if text == "0" and cached == 0 else F(text, pounds(cached))

        has_next = next_line[i] == row.line_id and next_year[i] == row.fy_year + 1
        carry_ref = f"{LY['cip_plan']}{r + 1}" if has_next else "0"
        is_new = row.go_year == row.fy_year
        carries = row.route != "duplicate" and row.stop_month == NEVER  # R-DUP-1, R-REV-1
        local_cash = bool(row.cash_releasing) and not bool(row.tower)
        # R-DUP-1: forecast once, on the line it repeats; nothing for a line stopped before it was validated
        pipeline = local_cash and not row.never_counts
        pipeline_ref = (f'AND({local},{c["route"]}<>"duplicate",'
                        f'OR(NOT(LineFigures!{LF["stopped"]}{lr}),LineFigures!{LF["validated"]}{lr}))')
        weight = ty.policy.weight("validated") if row.grade == "A" else ty.policy.weight(row.maturity)
        forecast_net = int(row.forecast) - int(row.impl_costs)  # R-ELG-4: the forecast is net of costs
        risk = int((Decimal(forecast_net) * weight).quantize(Decimal(1), ROUND_HALF_UP)) if pipeline else 0
        fye_new = int(row.fye) if local_cash and carries and is_new and row.cip > 0 and row.recurrent else 0
        carry = int(next_plan[i]) if (local_cash and carries and is_new and row.recurrent and has_next) else 0
        plan = F(c["cip_plan"], pounds(row.plan)) if not window_differs and row.plan == row.cip_plan else \
            pounds(row.plan)
        impl = F(f"SavingLines!{oc}{lr}", pounds(row.impl_costs)) if row.impl_costs else 0
        removed = 0 if pd.isna(row.b_count) else F(
            f"SUM(BudgetByYear!{BY['removed']}{int(row.b_first)}:{BY['removed']}{int(row.b_last)})",
            pounds(row.removed))
        net_raw = f"{c['delivered']}-{c['impl_costs']}"
        net_forecast, weight_ref = f"{c['forecast']}-{c['impl_costs']}", f"LineFigures!{LF['weight']}{lr}"
        counted = f"MAX(0,MIN({net_raw},MAX({c['removed']},0)))"  # R-ELG-4: costs never make CIP negative
        stopped = bool(row.stop_month != NEVER)
        running = f"AND(NOT({c['stopped']}),{c['removed']}>0)"  # R-REV-1: a stopped line's is a cost pressure
        # R-TIM-3: past its claim window a recurrent line goes on saving at the contract-term plan
        after_window, after_cached = f"MAX(0,{c['claimed']}-{c['cip_plan']})", max(0, row.claimed - row.cip_plan)
        cash = f'IF(AND({c["cash_releasing"]},LineFigures!{LF["duplicate_of"]}{lr}=""),{net_forecast}+{after_window},0)'
        cash_cached = (forecast_net + after_cached  # R-ELG-2, R-DUP-1
                       if row.cash_releasing and pd.isna(row.duplicate_of) else 0)
        ahead = max(0, int(row.removed) - cash_cached) if not stopped and row.removed > 0 else 0
        beyond = r9(f"{c['removed']}-{cash}")  # to the penny: float noise would count a line that is not ahead
        ws.append([
            row.line_id, row.fy, int(row.fy_year), row.cost_centre, row.tower_code or None,
            row.benefit_type, row.grade, bool(row.cash_releasing), bool(row.tower),
            bool(row.recurrent), bool(row.eligible),
            total("plan", row.cip_plan), plan, pounds(row.claimed), total("delivered", row.delivered),
            total("leakage", row.leakage), total("forecast", row.forecast), impl, removed,
            F(f"IF({c['cash_releasing']},{net_raw},0)", pounds(row.net)),
            F(f"IF(AND({c['eligible']},NOT({c['tower']})),{counted},0)", pounds(row.cip)),
            F(f"IF(AND({c['eligible']},{c['tower']}),{counted},0)", pounds(row.tower_recognised)),
            F(f"IF({pipeline_ref},MAX({net_raw}-{c['cip']},0),0)", pounds(row.at_risk)),
            F(f"IF({c['cash_releasing']},{block('avoided')},IF(OR({separate_or_path.format(r=r)}),0,"
              f"MAX({c['plan']},0)))",
              pounds(row.cost_avoidance)),
            F(f'IF({c["benefit_type"]}="CAPITAL",{c["plan"]},0)', pounds(row.capital)),
            F(f"IF({local},{c['cip_plan']},0)", pounds(row.cip_plan if local_cash else 0)),
            F(f"IF({pipeline_ref},{net_forecast},0)", pounds(forecast_net if pipeline else 0)),
            F(f"IF({pipeline_ref},{r9(f'({net_forecast})*{weight_ref}')},0)", pounds(risk)),
            F(f"IF(AND({local},{carries_ref},{new},{c['cip']}>0,{c['recurrent']}),LineFigures!{LF['fye']}{lr},0)",
              pounds(fye_new)),
            F(f"IF(AND({local},{carries_ref},{new},{c['recurrent']}),{carry_ref},0)", pounds(carry)),
            pounds(row.cost_pressure), F(f"IF({running},MAX(0,{beyond}),0)", pounds(ahead)),
            F(f"LineFigures!{LF['stopped']}{lr}", stopped),
            F(f"COUNTIF({evidence_lines},{c['line_id']})", int(on_file.get(row.line_id, 0))),
            F(f'COUNTIFS({evidence_lines},{c["line_id"]},{evidence_sha},"<>")', int(in_store.get(row.line_id, 0))),
            row.route, *_steps(c, steps.get((row.line_id, row.fy))),
        ])


def _steps(c: dict[str, str], step: tuple[int, ...] | None) -> list[object]:
    """The twelve bridge deductions as formulas on the route (claimed - Σ steps = cip)."""
    route, plan, delivered, leak, impl = c["route"], c["cip_plan"], c["delivered"], c["leakage"], c["impl_costs"]
    live = "OR(" + ",".join(f'{route}="{k}"' for k in NOT_LIVE) + ")"
    net = f"MAX({delivered}-{impl},0)"  # costs beyond the year's delivery are not negative CIP
    texts = [
        f"{c['claimed']}-{plan}", f'IF({route}="separate",{plan},0)', f'IF({route}="not cash",{plan},0)',
        f'IF({route}="tower",{plan},0)', f'IF({route}="duplicate",{plan},0)',
        f"IF({live},0,{plan}-{delivered}-{leak})", f"IF({live},0,{leak})", f"IF({live},0,{delivered}-{net})",
        f'IF({route}="not signed off",{net},0)', f'IF({route}="QIA missing",{net},0)',
        f'IF({route}="no budget removal",{net},0)', f'IF({route}="counted",{net}-{c["cip"]},0)',
    ]
    cached = step or (0,) * len(texts)
    return [F(t, pounds(v)) for t, v in zip(texts, cached, strict=True)]
