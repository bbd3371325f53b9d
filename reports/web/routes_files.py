"""Files in and out: register upload, period close, board pack and audit workbook downloads,
evidence files.

The pack and the workbook are made by the same functions as `savings pack` and `savings
workbook` (`reports.render.render_trust`, `reports.workbook.write_workbook`) for any period and
as-at date, so a download and a CLI run on the same data give the same figures. Evidence is
served from the content-addressed store as an attachment (never rendered in the page).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select

from ledger import audit, calendar, models, periods
from ledger.engine.summary import default_as_at, known_by
from ledger.errors import LedgerError
from reports.pack import period_as_known
from reports.render import render_trust
from reports.web.common import acting, flash, has_data, page, parse_day, parse_fy, registered, require, today, trust_of
from reports.web.uploads import import_upload, safe_name
from reports.workbook import audit_trail, register_imports, write_workbook

router = APIRouter()


@router.get("/t/{trust}/upload")
def upload_form(request: Request, trust: str):
    user, row = trust_of(request, trust)
    require(user, "upload_register")
    return page(request, "upload.html", trust=row, problems=[], result=None)


@router.post("/t/{trust}/upload")
async def upload(request: Request, trust: str):
    _, row, form = await acting(request, trust, "upload_register")
    files = [f for f in form.getlist("register") if not isinstance(f, str) and f.filename]
    try:
        result = await import_upload(request.app.state.engine, files, row["org_code"])
    except LedgerError as exc:
        return page(request, "upload.html", http_status=400, trust=row, problems=str(exc).splitlines(), result=None)
    return page(request, "upload.html", trust=row, problems=[], result=result)


@router.get("/t/{trust}/close")
def close_form(request: Request, trust: str):
    _, row = trust_of(request, trust)
    locks = periods.locks(request.app.state.engine, row["org_code"])
    last = calendar.month_index(today()) - 1
    return page(request, "close.html", trust=row, locks=locks, suggested=calendar.month_label(last))


@router.post("/t/{trust}/close")
async def close(request: Request, trust: str):
    user, row, form = await acting(request, trust, "close_period")
    lock = periods.close_period(request.app.state.engine, registered(request, row), str(form.get("month") or ""),
                                user.display_name)
    flash(request, f"{row['org_code']} closed through {lock.month}: lock {lock.lock_id}, fingerprint "
                   f"{lock.fingerprint[:19]}…")
    return RedirectResponse(f"/t/{row['org_code']}/close", status_code=303)


@router.get("/t/{trust}/downloads")
def downloads(request: Request, trust: str):
    _, row = trust_of(request, trust)
    now = today()
    return page(request, "downloads.html", trust=row, fy=calendar.fy_of(now),
                has_data=has_data(request, row["org_code"]),
                period=calendar.month_label(calendar.month_index(now) - 1),
                locks=periods.locks(request.app.state.engine, row["org_code"]))


@router.get("/t/{trust}/pack.pdf")
def pack_pdf(request: Request, trust: str, period: str, as_at: str | None = None):
    _, row = trust_of(request, trust)
    chosen = period_as_known(period, parse_day(as_at), today())
    pack = request.app.state.figures.pack(registered(request, row), chosen)
    with tempfile.TemporaryDirectory(prefix="savings-pack-") as tmp:
        target = Path(tmp) / "pack.pdf"
        render_trust(pack, target)
        body = target.read_bytes()
    name = f"{row['org_code']}-board-pack-{chosen.label}.pdf"
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/t/{trust}/workbook.xlsx")
def workbook(request: Request, trust: str, fy: str | None = None, as_at: str | None = None):
    _, row = trust_of(request, trust)
    code = registered(request, row)
    fy = parse_fy(fy)
    when = known_by(parse_day(as_at), today()) or default_as_at(fy, today())
    engine = request.app.state.engine
    ty = request.app.state.figures.trust(code, when)
    with tempfile.TemporaryDirectory(prefix="savings-workbook-") as tmp:
        target = Path(tmp) / "audit.xlsx"
        write_workbook(ty, fy, target, trail=audit_trail(engine, code, when), imports=register_imports(engine, code))
        body = target.read_bytes()
    name = f"{code}-audit-{fy.replace('/', '-')}-as-at-{when.isoformat()}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/t/{trust}/evidence/{evidence_id:path}")
def evidence_file(request: Request, trust: str, evidence_id: str):
    _, row = trust_of(request, trust)
    table = models.Evidence.__table__
    engine = request.app.state.engine
    with engine.connect() as conn:
        found = conn.execute(select(table).where(table.c.trust == row["org_code"],
                                                 table.c.evidence_id == evidence_id)).mappings().first()
    if found is None or not found["sha256"]:
        raise LedgerError(f"evidence {evidence_id} has no stored file in trust {row['org_code']}")
    path = audit.stored_path(audit.evidence_root(engine), found["sha256"])
    if not path.is_file():
        raise LedgerError(f"evidence {evidence_id}: the file {found['file']} is not in the evidence store "
                          "(savings audit verify lists missing files)")
    return FileResponse(path, media_type="application/octet-stream",
                        filename=safe_name(found["file"] or f"{evidence_id}.bin"))
