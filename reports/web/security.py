"""Guards every request passes: CSRF tokens on forms, login throttling, a cap on request bodies.

The session itself is Starlette's signed cookie (HttpOnly, SameSite=Lax, Secure when served over
TLS, see `app.create_app`). Each session holds a random CSRF token; every POST must send it back
as the form field `csrf_token` or the `X-CSRF-Token` header (HTMX requests), compared in constant
time; a form field holding a NUL character is refused (as a register cell with one is). Login
attempts are throttled per username and per client address in memory (one server process; a
restart forgets them). Bodies over the upload limit are refused before they are read.
"""
from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request

from ledger.errors import LedgerError

MAX_BODY = 20 * 1024 * 1024  # 20 MiB: a trust's register workbook is a few MB
LOGIN_WINDOW = 300.0  # seconds
LOGIN_FAILURES = 5  # failures allowed per username (and per address x 4) in the window


class Refused(LedgerError):
    """A request the app will not serve; `status` is the HTTP status, the text says why."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def checked_form(request: Request) -> FormData:
    """The request's form, after checking its CSRF token; Refused (403) when missing or wrong."""
    form = await request.form(max_files=20, max_fields=200)
    sent = request.headers.get("x-csrf-token") or form.get("csrf_token") or ""
    expected = request.session.get("csrf") or ""
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Refused("This form was refused: its security token (CSRF) is missing or out of date. "
                      "Reload the page and send it again.")
    for name, value in form.multi_items():  # PostgreSQL cannot store one, and no one types it
        if isinstance(value, str) and "\x00" in value:
            raise Refused(f"This form was refused: its field {name!r} holds a NUL character (a stray zero byte, "
                          "often pasted from a broken export). Retype it and send the form again.", 400)
    return form


class Throttle:
    """Failed logins in a sliding window, per key; thread-safe."""

    def __init__(self, limit: int = LOGIN_FAILURES, window: float = LOGIN_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, key: str, limit: int | None = None) -> int:
        """Seconds until `key` may try again (0 = now)."""
        with self._lock:
            times = self._recent(key)
            if len(times) < (limit or self.limit):
                return 0
            return max(1, math.ceil(self.window - (self.clock() - times[0])))

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class BodyLimit:
    """ASGI middleware: refuse a request body over `limit` bytes with 413, before or while it streams."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise Refused(self.message(), 413)
            return message

        await self.app(scope, limited, send)

    def message(self) -> str:
        return (f"The upload was refused: it is larger than {self.limit // (1024 * 1024)} MB. "
                "Nothing was written to the ledger.")

    async def _refuse(self, send) -> None:
        body = self.message().encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
