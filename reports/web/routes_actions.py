"""Forms that change a line: create and edit drafts, status moves, sign-offs, reversal, evidence,
actuals and budget removals.

Each handler checks the CSRF token and the user's role, then calls one library function
(`ledger.governance.signoff/advance/reverse`, `ledger.evidence.attach`, `reports.web.entry`),
which applies the ledger's own rules: R-GOV-3 refuses a self sign-off, R-GOV-1 an illegal step,
C4 anything dated in a closed month. The person recorded is the logged-in user's name and the
role is theirs: nobody signs as someone else or in a role they do not hold.

A line's forms post to its page's address and a step, `/t/RX1/lines/<id>/signoff`: the last step
names the form and all before it is the id, whatever the id holds. Its edit form is a page of its
own, `/t/RX1/edit-line/<id>`: as `/t/RX1/lines/<id>/edit` it would be the same address as the page
of a line whose id ends in `/edit` (the server decodes `%2F`, so encoding cannot tell them apart).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from ledger import evidence, governance, models
from ledger.errors import LedgerError
from ledger.register.spec import BENEFIT_TYPES
from reports.web import entry
from reports.web.common import acting, flash, line_url, page, parse_day, require, today, trust_of
from reports.web.security import Refused
from reports.web.uploads import safe_name, save_upload

router = APIRouter()


def _done(request: Request, trust: str, line_id: str, message: str):
    """After a change: a fragment for HTMX, else back to the line page with the message."""
    if request.headers.get("hx-request"):
        return page(request, "message.html", message=message, error=False)
    flash(request, message)
    return RedirectResponse(line_url(trust, line_id), status_code=303)


def _line_form_context(request: Request, trust: str, values: dict, errors: dict, line_id: str | None) -> dict:
    with request.app.state.engine.connect() as conn:
        schemes = conn.execute(select(models.Scheme.scheme_id, models.Scheme.title)
                               .where(models.Scheme.trust == trust).order_by(models.Scheme.scheme_id)).all()
        contracts = conn.execute(select(models.Contract.contract_id, models.Contract.supplier)
                                 .where(models.Contract.trust == trust).order_by(models.Contract.contract_id)).all()
    return {"values": values, "errors": errors, "line_id": line_id, "schemes": schemes, "contracts": contracts,
            "benefit_types": BENEFIT_TYPES}


@router.get("/t/{trust}/new-line")
def new_line_form(request: Request, trust: str):
    user, row = trust_of(request, trust)
    require(user, "edit_lines")
    return page(request, "line_form.html", trust=row,
                **_line_form_context(request, row["org_code"], {"attribution": "local"}, {}, None))


@router.post("/t/{trust}/new-line")
async def new_line(request: Request, trust: str):
    user, row, form = await acting(request, trust, "edit_lines")
    values = {k: str(form.get(k) or "") for k in entry.LINE_FORM}
    values["tower_enabled"] = "true" if form.get("tower_enabled") else "false"
    try:
        line_id = entry.create_line(request.app.state.engine, row["org_code"], values, user.display_name, user.role)
    except entry.FormErrors as exc:
        return page(request, "line_form.html", http_status=400, trust=row,
                    **_line_form_context(request, row["org_code"], values, exc.errors, None))
    flash(request, f"Line {line_id} created by {user.display_name}.")
    return RedirectResponse(line_url(row["org_code"], line_id), status_code=303)


def _current_values(request: Request, trust: str, line_id: str) -> dict:
    from ledger.money import from_pence

    with request.app.state.engine.connect() as conn:
        found = conn.execute(select(models.SavingLine.__table__).where(
            models.SavingLine.trust == trust, models.SavingLine.line_id == line_id)).mappings().first()
    if found is None:
        raise LedgerError(f"line {line_id} is not in trust {trust}")

    def scaled(value: int | None, places: int) -> str:
        return "" if value is None else format((from_pence(value) / 10 ** (places - 2)).normalize(), "f")

    return {**{k: "" if found.get(k) is None else str(found[k]) for k in entry.LINE_FORM},
            "baseline_price": scaled(found["baseline_micro"], 6), "new_price": scaled(found["new_micro"], 6),
            "annual_volume": scaled(found["annual_volume_milli"], 3),
            "one_off_costs": scaled(found["one_off_costs_pence"], 2) if found["one_off_costs_pence"] else "",
            "tower_enabled": "true" if found["tower_enabled"] else "false",
            "baseline_volume": scaled(found["baseline_volume_milli"], 3),
            "activity_factor": scaled(found["activity_factor_ppm"], 6),
            "growth_funded": "" if found["growth_funded"] is None else str(found["growth_funded"]).lower()}


@router.get("/t/{trust}/edit-line/{line_id:path}")
def edit_line_form(request: Request, trust: str, line_id: str):
    user, row = trust_of(request, trust)
    require(user, "edit_lines")
    values = _current_values(request, row["org_code"], line_id)
    return page(request, "line_form.html", trust=row, **_line_form_context(request, row["org_code"], values, {},
                                                                            line_id))


@router.post("/t/{trust}/edit-line/{line_id:path}")
async def edit_line(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "edit_lines")
    values = {k: str(form.get(k) or "") for k in entry.LINE_FORM}
    values["tower_enabled"] = "true" if form.get("tower_enabled") else "false"
    try:
        entry.edit_line(request.app.state.engine, row["org_code"], line_id, values, user.display_name, user.role)
    except entry.FormErrors as exc:
        return page(request, "line_form.html", http_status=400, trust=row,
                    **_line_form_context(request, row["org_code"], values, exc.errors, line_id))
    return _done(request, row["org_code"], line_id, f"Line {line_id} saved.")


@router.post("/t/{trust}/lines/{line_id:path}/signoff")
async def signoff(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "sign_off")
    decision = form.get("decision")
    if decision not in ("approve", "reject"):  # never read a missing or garbled choice as a rejection
        raise Refused(f"A sign-off is Approve or Reject, not {decision!r}: nothing was recorded.", 400)
    approve = decision == "approve"
    on = parse_day(str(form.get("date") or ""), "sign-off date")
    out = governance.signoff(request.app.state.engine, line_id, user.role, user.display_name, approve,
                             str(form.get("comment") or ""), row["org_code"], on)
    return _done(request, row["org_code"], line_id, out.message)


@router.post("/t/{trust}/lines/{line_id:path}/advance")
async def advance(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "advance")
    out = governance.advance(request.app.state.engine, line_id, str(form.get("to") or ""), user.display_name,
                             user.role, str(form.get("reason") or ""), trust=row["org_code"])
    return _done(request, row["org_code"], line_id, out.message)


@router.post("/t/{trust}/lines/{line_id:path}/reverse")
async def reverse(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "reverse")
    out = governance.reverse(request.app.state.engine, line_id, str(form.get("reason") or ""), user.display_name,
                             user.role, str(form.get("month") or "") or None, trust=row["org_code"])
    return _done(request, row["org_code"], line_id, out.message)


@router.post("/t/{trust}/lines/{line_id:path}/evidence")
async def add_evidence(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "add_evidence")
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise LedgerError("choose a file to attach")
    with tempfile.TemporaryDirectory(prefix="savings-evidence-") as tmp:
        path = await save_upload(upload, Path(tmp) / safe_name(upload.filename))
        try:
            out = evidence.attach(request.app.state.engine, line_id, path, str(form.get("type") or ""),
                                  user.display_name, row["org_code"], on=today())
        except LedgerError as exc:  # name the file as the user knows it, not by the temporary folder
            raise type(exc)(str(exc).replace(f"{tmp}/", "")) from None
    return _done(request, row["org_code"], line_id,
                 f"Attached {out['evidence_id']} ({out['type']}, sha256 {out['sha256'][:12]}…) to line {line_id}.")


@router.post("/t/{trust}/lines/{line_id:path}/actual")
async def add_actual(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "add_actuals")
    cells = {k: str(form.get(k) or "") for k in ("month", "volume", "price_paid")}
    try:
        entry.add_actual(request.app.state.engine, row["org_code"], line_id, cells, user.display_name, user.role)
    except entry.FormErrors as exc:
        raise LedgerError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    return _done(request, row["org_code"], line_id, f"Actual for {cells['month']} recorded on line {line_id}.")


@router.post("/t/{trust}/lines/{line_id:path}/budget")
async def add_budget(request: Request, trust: str, line_id: str):
    user, row, form = await acting(request, trust, "add_budget")
    cells = {k: str(form.get(k) or "") for k in ("adjustment_id", "ledger_ref", "cost_centre", "subjective",
                                                 "amount", "recurrent", "effective_from")}
    cells["recurrent"] = "true" if cells["recurrent"] else "false"
    try:
        made = entry.add_budget(request.app.state.engine, row["org_code"], line_id, cells, user.display_name,
                                user.role)
    except entry.FormErrors as exc:
        raise LedgerError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    return _done(request, row["org_code"], line_id, f"Budget removal {made} recorded on line {line_id}.")
