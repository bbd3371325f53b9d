"""What every page needs: the logged-in user, the trust they may see, templates, refusals.

Templates come from the package `savings_ledger_templates` (folder `web/`) with the board
pack's own filters and globals (`reports.render.environment`), so a pound or a period is
written the same way on screen as in the PDF.
"""
from __future__ import annotations

from datetime import date
from importlib import resources
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from ledger import audit, calendar
from ledger.errors import LedgerError
from reports import render
from reports.web import auth
from reports.web.auth import User
from reports.web.security import Refused, checked_form, csrf_token

TEMPLATES = "savings_ledger_templates"


class NotLoggedIn(Exception):
    """No valid session: the app answers with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _source(name: str) -> str:
    try:
        return resources.files(TEMPLATES).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LedgerError(f"template {name!r} is missing from {TEMPLATES}") from None


def environment() -> Environment:
    """The web pages' Jinja environment: the pack's filters, autoescaping, strict undefined."""
    env = Environment(loader=FunctionLoader(_source), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    pack_env = render.environment()
    env.filters.update(pack_env.filters)
    env.globals.update(pack_env.globals)
    env.filters["url_id"] = url_id
    env.globals.update(line_url=line_url, edit_line_url=edit_line_url)
    return env


def url_id(text: str) -> str:
    """An id as one step of a web address: everything but letters, digits and `-._~` percent-encoded,
    `/` too, so an id holding `/`, `..`, `?`, `#`, `%` or ending in `/edit` is never read as more (or
    less) of the address. The server decodes it back to the id (`%2F` to `/`)."""
    return quote(text, safe="")


def line_url(trust: str, line_id: str) -> str:
    """The address of a line's page."""
    return f"/t/{trust}/lines/{url_id(line_id)}"


def edit_line_url(trust: str, line_id: str) -> str:
    """The address of a draft line's edit form (beside its page: `lines/<id>/edit` would be a line's id)."""
    return f"/t/{trust}/edit-line/{url_id(line_id)}"


def page(request: Request, template: str, http_status: int = 200, **context: object) -> HTMLResponse:
    """Render a page with the user, the CSRF token and the flash message in its context."""
    env: Environment = request.app.state.env
    flash = request.session.pop("flash", None)
    html = env.get_template(f"web/{template}").render(
        request=request, user=getattr(request.state, "user", None), csrf=csrf_token(request), flash=flash,
        **context)
    return HTMLResponse(html, status_code=http_status)


def flash(request: Request, message: str) -> None:
    """A one-line message shown on the next page (after a redirect)."""
    request.session["flash"] = message


def current_user(request: Request) -> User:
    """The logged-in, enabled user; NotLoggedIn otherwise (a disabled user's session, or one that
    logged out, even through a copy of its cookie, ends here)."""
    name, session_id = request.session.get("user"), request.session.get("sid")
    user = auth.session_user(request.app.state.engine, name, session_id) if name and session_id else None
    if user is None:
        request.session.pop("user", None)
        request.session.pop("sid", None)
        raise NotLoggedIn(_back_here(request))
    request.state.user = user
    return user


def _back_here(request: Request) -> str:
    """Where to return after logging in: this address as sent (a line id may hold %2F or %26) with
    its query (a dashboard's period and as-at date); a form's address is no page, so home."""
    if request.method != "GET":
        return "/"
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.url.query
    return raw.decode("latin-1") + (f"?{query}" if query else "")


def trust_of(request: Request, trust: str) -> tuple[User, dict]:
    """The user and the trust, if the user belongs to it; Refused (403) naming why otherwise."""
    user = current_user(request)
    if "\x00" in request.url.path:  # %00 in a line or evidence id: no such thing, and PostgreSQL cannot look it up
        raise Refused("This address holds a NUL character (%00); no line, evidence or trust is named so.", 400)
    trust = trust.upper()
    for row in auth.visible_trusts(request.app.state.engine, user):
        if row["org_code"] == trust:
            return user, row
    raise Refused(f"You ({user.username}) do not belong to trust {trust}, so you cannot see or change its "
                  "savings. Ask an admin to add you to it.", 403)


def require(user: User, action: str) -> None:
    """Refuse (403) an action the user's role does not allow, saying which roles may."""
    if not user.can(action):
        raise Refused(f"Refused: you are signed in as {user.role.replace('_', ' ')}, and {auth.WHY[action]}.", 403)


async def acting(request: Request, trust: str, action: str) -> tuple[User, dict, FormData]:
    """For a form that changes a trust: the user must see it, their role must allow `action`, they
    must belong to it (a trust seen only through their region is read only), and the form must
    carry its CSRF token, checked in that order."""
    user, row = trust_of(request, trust)
    require(user, action)
    if row["org_code"] not in user.trusts:  # seen through the user's region: a region sees, its trusts change
        raise Refused(f"You ({user.username}) see trust {row['org_code']} through the region {user.region}, but "
                      "change only the trusts you belong to. Ask an admin to add you to it.", 403)
    return user, row, await checked_form(request)


def registered(request: Request, row: dict) -> str:
    """The trust's code once its register is in the ledger; else refused here, so the library's
    message (which lists every trust the ledger holds, for the command line) never reaches the page."""
    if not has_data(request, row["org_code"]):
        raise Refused(f"Trust {row['org_code']} has no register in the ledger yet: upload its register first.", 400)
    return row["org_code"]


def has_data(request: Request, trust: str) -> bool:
    from sqlalchemy import select

    from ledger import models

    with request.app.state.engine.connect() as conn:
        return conn.execute(select(models.Trust.org_code).where(models.Trust.org_code == trust)).first() is not None


def today() -> date:
    """Today's date as the ledger records it (UTC, like the audit trail and the CLI's sign-offs)."""
    return audit.utc_today()


def parse_day(text: str | None, what: str = "as-at date") -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(f"The {what} {text!r} is not a date like 2026-03-31.", 400) from None


def parse_fy(text: str | None) -> str:
    if not text:
        return calendar.fy_of(today())
    try:
        return calendar.fy_label(calendar.parse_fy(text))
    except ValueError as exc:
        raise Refused(f"Financial year: {exc}", 400) from None
