"""Logging in and out, the list of a user's trusts, and the admin's user list.

Login is throttled per username and per client address; a failed login says only that the
username or password is wrong (never which). A successful login starts a fresh session (new
CSRF token and session id), so a session fixed before login is worthless afterwards. Logging
out records the session's id as ended, so a copy of its cookie is refused as well.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from ledger.errors import LedgerError
from reports.web import auth
from reports.web.common import current_user, flash, page, require
from reports.web.security import Refused, Throttle, checked_form, csrf_token

router = APIRouter()
PER_ADDRESS = 4  # an address may fail this many times the per-user limit (a shared office NAT)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    csrf_token(request)
    return page(request, "login.html", next=_safe_next(next), error=None, username="")


@router.post("/login")
async def login(request: Request):
    form = await checked_form(request)
    username = str(form.get("username") or "").strip().lower()
    password = str(form.get("password") or "")
    target = _safe_next(str(form.get("next") or "/"))
    throttle: Throttle = request.app.state.throttle
    address = request.client.host if request.client else "unknown"
    wait = max(throttle.wait(f"user:{username}"), throttle.wait(f"ip:{address}", throttle.limit * PER_ADDRESS))
    if wait:
        return page(request, "login.html", http_status=429, next=target, username=username,
                    error=f"Too many failed logins. Try again in {wait} seconds.")
    user = auth.authenticate(request.app.state.engine, username, password)
    if user is None:
        throttle.fail(f"user:{username}")
        throttle.fail(f"ip:{address}")
        return page(request, "login.html", http_status=401, next=target, username=username,
                    error="The username or password is wrong, or the account is disabled.")
    throttle.clear(f"user:{username}")
    request.session.clear()
    request.session["user"] = user.username
    request.session["sid"] = auth.new_session_id()
    csrf_token(request)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
async def logout(request: Request):
    await checked_form(request)
    name, session_id = request.session.get("user"), request.session.get("sid")
    if name and session_id:  # ended for good: a copy of this cookie is refused too
        auth.end_session(request.app.state.engine, session_id, name)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def home(request: Request):
    user = current_user(request)
    trusts = auth.visible_trusts(request.app.state.engine, user)
    if len(trusts) == 1 and user.role != "admin":
        return RedirectResponse(f"/t/{trusts[0]['org_code']}", status_code=303)
    return page(request, "trusts.html", trusts=trusts)


@router.get("/admin/users")
def users(request: Request):
    user = current_user(request)
    require(user, "manage_users")
    return page(request, "users.html", users=auth.list_users(request.app.state.engine), roles=auth.ROLES,
                errors={}, values={})


@router.post("/admin/users")
async def add_user(request: Request):
    user = current_user(request)
    require(user, "manage_users")
    form = await checked_form(request)
    values = {k: str(form.get(k) or "") for k in ("username", "display_name", "role", "trusts", "region", "new_trust")}
    try:
        auth.add_user(request.app.state.engine, values["username"], values["display_name"], values["role"],
                      str(form.get("password") or ""), tuple(values["trusts"].replace(",", " ").split()),
                      values["region"], new_trust=values["new_trust"] == "true")
    except LedgerError as exc:
        return page(request, "users.html", http_status=400, users=auth.list_users(request.app.state.engine),
                    roles=auth.ROLES, errors={"form": str(exc)}, values=values)
    flash(request, f"User {values['username']} added.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/disable")
async def disable_user(request: Request, username: str):
    user = current_user(request)
    require(user, "manage_users")
    await checked_form(request)
    if username == user.username:
        raise Refused("You cannot disable your own account.", 400)
    auth.set_disabled(request.app.state.engine, username, True)
    flash(request, f"User {username} disabled: they can no longer log in.")
    return RedirectResponse("/admin/users", status_code=303)

