"""The web app (`savings serve`): FastAPI over the ledger library, pages rendered on the server.

`create_app` wires the pieces: signed session cookies (HttpOnly, SameSite=Lax, Secure when
served over TLS), the body-size cap, security headers, HTMX as a static file from the package
(no build step, no CDN), the routes, and one place that turns a refusal into a page that says
why. A `LedgerError` from the library (a rule refusing an action, bad input) becomes a 400 page
with its message; `Refused` carries its own status (403 for a role or a trust the user lacks).
"""
from __future__ import annotations

import logging
import os
import secrets
from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware

from ledger import db
from ledger.errors import LedgerError
from reports.web import routes_actions, routes_auth, routes_files, routes_trust
from reports.web.auth import SESSION_HOURS
from reports.web.common import TEMPLATES, NotLoggedIn, environment, page
from reports.web.data import Figures
from reports.web.security import MAX_BODY, BodyLimit, Refused, Throttle

STATIC = {"htmx.min.js": "text/javascript", "web.css": "text/css"}
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
log = logging.getLogger("savings.web")


class SecurityHeaders:
    """ASGI middleware: CSP, no sniffing, no framing, same-origin referrers; pages are never cached."""

    FIXED = ((b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
             (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY"))

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in self.FIXED if k not in present]
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def secret_key() -> str:
    """`SAVINGS_SECRET_KEY`, else a random key for this process (sessions end when it stops)."""
    key = os.environ.get("SAVINGS_SECRET_KEY")
    if key:
        return key
    log.warning("SAVINGS_SECRET_KEY is not set: using a random key; sessions end when the server stops")
    return secrets.token_urlsafe(48)


def from_env() -> FastAPI:
    """The app as `savings serve --workers N` starts it in each worker (settings from the environment)."""
    return create_app(os.environ.get("SAVINGS_DB"), secure=os.environ.get("SAVINGS_SECURE_COOKIES") == "1")


def create_app(engine: Engine | str | None = None, *, secure: bool = False, key: str | None = None,
               max_body: int = MAX_BODY, throttle: Throttle | None = None) -> FastAPI:
    """The app on a ledger (an Engine, or a database URL as `--db` takes it).

    Args:
        engine: the ledger; a URL or None opens it with `ledger.db.open_ledger` (migrated).
        secure: mark the session cookie Secure (served over TLS, directly or behind a proxy).
        key: the session signing key (default `secret_key()`).
        max_body: the largest request body accepted, in bytes.
        throttle: the login throttle (tests pass one with a fake clock).
    """
    if not isinstance(engine, Engine):
        engine = db.open_ledger(engine)
    app = FastAPI(title="savings-ledger", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.figures = Figures(engine)
    app.state.env = environment()
    app.state.throttle = throttle or Throttle()
    app.add_middleware(SessionMiddleware, secret_key=key or secret_key(), session_cookie="savings_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=secure)
    app.add_middleware(BodyLimit, limit=max_body)

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn):
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)

    @app.exception_handler(LedgerError)
    async def refused(request: Request, exc: LedgerError):
        status = exc.status if isinstance(exc, Refused) else 400
        if request.headers.get("hx-request"):
            return page(request, "message.html", http_status=status, message=str(exc), error=True)
        return page(request, "error.html", http_status=status, message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError):
        """A query value missing or of the wrong kind (`page_no=abc`): said in words, not as JSON."""
        wrong = "; ".join(f"{err['loc'][-1]}: {'missing' if err['type'] == 'missing' else repr(err.get('input'))}"
                          for err in exc.errors())
        return await refused(request, Refused(f"This address is missing a value or holds a wrong one ({wrong}).",
                                              400))

    @app.exception_handler(HTTPException)
    async def not_served(request: Request, exc: HTTPException):
        """No such page (404), method (405) or a form that cannot be read (too many files or fields,
        broken multipart data): the app's own error page instead of a JSON body."""
        message = {404: f"There is no page at {request.url.path}.",
                   405: f"{request.url.path} does not answer a {request.method} request."}.get(
            exc.status_code, f"The request was refused: {exc.detail} Nothing was written.")
        return await refused(request, Refused(message, exc.status_code))

    @app.get("/static/{name}")
    def static(name: str):
        if name not in STATIC:
            return HTMLResponse("not found", status_code=404)
        body = resources.files(TEMPLATES).joinpath(f"web/{name}").read_bytes()
        return Response(body, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/healthz")
    def health():
        return {"ok": True}

    # a line id may hold "/" (sent as %2F, which the server decodes): a line's page takes the rest of the address,
    # and each of its forms answers only a POST to it and one step more (routes_actions), so none is read as another
    for module in (routes_auth, routes_actions, routes_trust, routes_files):
        app.include_router(module.router)
    return app
