"""Read pages of a trust: the dashboard, the lines with filters, one line explained, sign-off queues.

Every figure comes from the library: the dashboard is the board pack's own data
(`reports.pack.load_pack`: KPIs, charts, headline tables), the lines list is `line_table`, and
a line's page shows the engine's facts, its bridge (`ledger.engine.bridge.line_steps`), the
findings of the counting rules, its sign-offs, evidence and audit trail
(`ledger.governance.history`). Nothing here decides whether an amount counts.
"""
from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Request

from ledger import calendar, evidence, governance
from ledger.engine import bridge
from ledger.engine import status as st
from ledger.engine.summary import line_table
from ledger.errors import LedgerError
from reports.pack import period_as_known
from reports.web import explain
from reports.web.common import has_data, page, parse_day, parse_fy, registered, today, trust_of

router = APIRouter()
PAGE = 100  # rows of the lines table per page


@router.get("/t/{trust}")
def dashboard(request: Request, trust: str, period: str | None = None, as_at: str | None = None):
    _, row = trust_of(request, trust)
    code = row["org_code"]
    if not has_data(request, code):
        return page(request, "empty.html", trust=row)
    when = parse_day(as_at)
    text = period or calendar.month_label(calendar.month_index(when or today()))
    pack = request.app.state.figures.pack(code, period_as_known(text, when, today()), charts=False)
    return page(request, "dashboard.html", trust=row, pack=pack, period=text, as_at=as_at or "")


@router.get("/t/{trust}/charts")
def charts(request: Request, trust: str, period: str, as_at: str | None = None):
    """The pack's charts for the dashboard, fetched after the figures (they take longer to draw)."""
    _, row = trust_of(request, trust)
    pack = request.app.state.figures.pack(registered(request, row), period_as_known(period, parse_day(as_at), today()))
    if request.headers.get("hx-request"):
        return page(request, "charts.html", pack=pack)
    return page(request, "charts_page.html", trust=row, pack=pack, period=period)


def _table(ty, fy: str) -> pd.DataFrame:
    """`line_table` for the year with each line's status, product, creator and category beside it."""
    facts = ty.figures.lines.set_index("line_id")[["status", "product_code", "created_by", "category"]]
    table = line_table(ty, fy).join(facts, on="line_id")
    table[["product_code", "created_by", "category"]] = table[["product_code", "created_by", "category"]].fillna("")
    return table


def _filtered(table: pd.DataFrame, q: str, grade: str, status: str, scheme: str) -> pd.DataFrame:
    if q:
        words = q.lower().split()
        text = (table["line_id"] + " " + table["scheme_id"] + " " + table["product_code"] + " "
                + table["benefit_type"] + " " + table["created_by"] + " " + table["category"]).str.lower()
        for word in words:
            table = table[text[table.index].str.contains(word, regex=False)]
    if grade:
        table = table[table["grade"] == grade]
    if status:
        table = table[table["status"] == status]
    if scheme:
        table = table[table["scheme_id"] == scheme]
    return table


@router.get("/t/{trust}/lines")
def lines(request: Request, trust: str, fy: str | None = None, q: str = "", grade: str = "", status: str = "",
          scheme: str = "", page_no: int = 1):
    _, row = trust_of(request, trust)
    code = row["org_code"]
    if not has_data(request, code):
        return page(request, "empty.html", trust=row)
    fy = parse_fy(fy)
    figures = request.app.state.figures
    table = figures.cache.get(("lines", code, fy, figures.version(code)),
                              lambda: _table(figures.trust(code, None), fy))
    chosen = _filtered(table, q.strip(), grade, status, scheme)
    pages = max(1, -(-len(chosen) // PAGE))
    page_no = min(max(page_no, 1), pages)
    rows = chosen.iloc[(page_no - 1) * PAGE:page_no * PAGE]
    context = {"trust": row, "fy": fy, "rows": rows.to_dict("records"), "total": len(chosen), "all": len(table),
               "page_no": page_no, "pages": pages, "first": (page_no - 1) * PAGE + 1 if len(rows) else 0,
               "last": (page_no - 1) * PAGE + len(rows), "q": q, "grade": grade, "status": status, "scheme": scheme,
               "statuses": st.STATUSES, "schemes": sorted(table["scheme_id"].unique())}
    if request.headers.get("hx-request"):
        return page(request, "lines_rows.html", **context)
    return page(request, "lines.html", **context)


@router.get("/t/{trust}/lines/{line_id:path}")
def line(request: Request, trust: str, line_id: str, fy: str | None = None):
    _, row = trust_of(request, trust)
    code = registered(request, row)
    ty = request.app.state.figures.trust(code, None)
    facts = ty.figures.lines.set_index("line_id")
    if line_id not in facts.index:
        raise LedgerError(f"line {line_id} is not in trust {code}")
    fact = facts.loc[line_id]
    years = ty.figures.years[ty.figures.years["line_id"] == line_id].sort_values("fy")
    fy = parse_fy(fy) if fy or years.empty else _default_year(years)
    figures = request.app.state.figures
    steps = figures.cache.get(("steps", code, fy, figures.version(code)), lambda: bridge.line_steps(ty.figures, fy))
    mine = steps[steps["line_id"] == line_id]
    bridge_rows = []
    if not mine.empty:
        first = mine.iloc[0]
        bridge_rows = [(reason, rule, int(first[reason])) for reason, rule in bridge.REASONS if int(first[reason])]
        claimed, counted = int(first["claimed"]), int(first["cip"])
    else:
        claimed = counted = 0
    engine = request.app.state.engine
    so = ty.frames.signoffs
    context = {
        "trust": row, "line": fact, "line_id": line_id, "fy": fy, "years": years.to_dict("records"),
        "checks": explain.checks(fact, ty.policy), "findings": [f for f in ty.findings if f.line_id == line_id],
        "bridge_rows": bridge_rows, "claimed": claimed, "counted": counted,
        "signoffs": so[so["line_id"] == line_id].sort_values("date").to_dict("records"),
        "evidence": evidence.listing(engine, code, line_id),
        "history": governance.history(engine, line_id, code),
        "budgets": ty.frames.budgets[ty.frames.budgets["line_id"] == line_id].to_dict("records"),
        "actuals": ty.frames.actuals[ty.frames.actuals["line_id"] == line_id].sort_values("month").to_dict("records"),
        "next_steps": [s for s in st.TRANSITIONS[fact["status"]] if s not in ("VALIDATED", "REVERSED")],
        "can_reverse": "REVERSED" in st.TRANSITIONS[fact["status"]],
        "evidence_types": evidence.EVIDENCE_TYPES, "roles_required": ty.policy.signoff_roles_required,
        "today": today().isoformat(), "this_month": calendar.month_label(calendar.month_index(today())),
    }
    return page(request, "line.html", **context)


def _default_year(years: pd.DataFrame) -> str:
    current = calendar.fy_of(today())
    return current if current in set(years["fy"]) else str(years["fy"].iloc[0])


@router.get("/t/{trust}/queue")
def queue(request: Request, trust: str):
    user, row = trust_of(request, trust)
    code = row["org_code"]
    if not has_data(request, code):
        return page(request, "empty.html", trust=row)
    figures = request.app.state.figures
    ty = figures.trust(code, None)
    queues = figures.cache.get(("queue", code, user.role, user.display_name, figures.version(code)),
                               lambda: explain.queues(ty, user))
    return page(request, "queue.html", trust=row, **queues)
