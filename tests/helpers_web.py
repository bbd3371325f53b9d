"""Web test helpers: a small ledger, one user per role, and a logged-in test client that sends the
CSRF token with every form (so a test that leaves it out does so on purpose)."""
from __future__ import annotations

import re
import shutil
import tempfile
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from fastapi.testclient import TestClient
from openpyxl import Workbook

from ledger import calendar
from ledger.db import open_ledger
from ledger.register.load import import_register
from reports.web import auth
from reports.web.app import create_app
from reports.web.security import Throttle
from tests.ledgers import base, line, write_register

PASSWORD = "correct horse battery staple"
USERS = {  # username: (name recorded on sign-offs, role, trusts)
    "pat": ("Pat Procurement", "procurement", ("RT1",)),
    "bea": ("Bea Holder", "budget_holder", ("RT1",)),
    "fin": ("Fin Accountant", "finance", ("RT1",)),
    "cli": ("Cal Clinician", "clinical", ("RT1",)),
    "bob": ("Bob Board", "board", ("RT1",)),
    "aud": ("Ann Auditor", "auditor", ("RT1",)),
    "adm": ("Ada Admin", "admin", ()),
    "ola": ("Ola Other", "procurement", ("RT2",)),
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def today() -> date:
    """Today as the app and the ledger see it (UTC)."""
    return datetime.now(UTC).date()


def fy_start() -> date:
    """1 April of the financial year we are in (tests date their savings from it, so any day works)."""
    return calendar.fy_bounds(calendar.fy_of(today()))[0]


def register(trust: str = "RT1", lines: list[list[str]] | None = None, region: str = "South") -> dict:
    """A trust's register: one contract and scheme, and line L0 (an idea: £2.00 -> £1.50 on 600 units)."""
    tables = base(trust)
    tables["Trust"][1][3] = region
    tables["Contracts"][1][5] = f"{fy_start().year - 1}-04-01"
    tables["Contracts"][1][6] = f"{fy_start().year + 3}-03-31"
    tables["SavingLines"].append(line("L0", "2.00", "1.50", "600", fy_start().isoformat(), creator="Someone Else"))
    tables["SavingLines"] += lines or []
    return tables


@cache
def _template() -> Path:
    """The starting ledger, built once per test run (migrations, two imports, eight argon2 hashes)."""
    folder = Path(tempfile.mkdtemp(prefix="savings-web-template-"))
    engine = open_ledger(f"sqlite:///{folder}/web.db")
    import_register(engine, write_register(folder / "rt1", register("RT1")))
    import_register(engine, write_register(folder / "rt2", register("RT2", region="North")))
    for username, (name, role, trusts) in USERS.items():
        auth.add_user(engine, username, name, role, PASSWORD, trusts)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return folder / "web.db"


def ledger(tmp_path: Path) -> object:
    """A fresh SQLite ledger of its own: trusts RT1 and RT2 (line L0 each) and the USERS."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(), tmp_path / "web.db")
    return open_ledger(f"sqlite:///{tmp_path}/web.db")


def as_served(app):
    """`app` given the path as uvicorn gives it: the address as sent, percent-decoded once. Starlette's
    test client decodes it twice, so a line id holding `%2F` would reach the app as `/`."""

    async def decoded_once(scope, receive, send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "path": unquote(scope["raw_path"].decode("ascii"))}
        await app(scope, receive, send)

    return decoded_once


class Web:
    """A test client for one app; `as_user` logs in and remembers the CSRF token."""

    def __init__(self, engine, **options) -> None:
        self.app = create_app(engine, key="test-key", throttle=options.pop("throttle", Throttle()), **options)
        self.client = TestClient(as_served(self.app), follow_redirects=False)
        self.token = ""

    def refresh_token(self, url: str = "/login") -> str:
        found = _TOKEN.search(self.client.get(url, follow_redirects=True).text)
        self.token = found.group(1) if found else self.token
        return self.token

    def login(self, username: str, password: str = PASSWORD):
        self.refresh_token("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.token, "next": "/"})

    def as_user(self, username: str) -> Web:
        response = self.login(username)
        assert response.status_code == 303, response.text
        self.refresh_token("/")
        return self

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token
        return self.client.post(url, data=data, **kw)


def workbook(path: Path, tables: dict[str, list[list[str]]]) -> Path:
    """Write `tables` as an .xlsx register (cells starting with '=' become formulas)."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def new_line_form(line_id: str = "W1", **changes: str) -> dict:
    """A valid new-line form: £10.00 -> £8.00 on 1,200 units a year from the start of this FY."""
    form = {"line_id": line_id, "scheme_id": "S1", "contract_id": "C1", "product_code": f"P-{line_id}",
            "cost_centre": "CC1", "subjective": "non_pay", "benefit_type": "PRICE_REDUCTION", "attribution": "local",
            "baseline_price": "10.00", "new_price": "8.00", "unit": "box", "annual_volume": "1200",
            "go_live": fy_start().isoformat(), "end_date": "", "one_off_costs": "", "notes": ""}
    form.update(changes)
    return form
