"""Web app on PostgreSQL: two trusts in one database, each user sees only their own, and a
sign-off through the web moves the dashboard by exactly the line's CIP."""
from __future__ import annotations

import re

import pytest

from ledger import calendar
from ledger.db import open_ledger
from ledger.register.load import import_register
from reports.web import auth
from tests.helpers_web import PASSWORD, USERS, Web, fy_start, register, today
from tests.ledgers import budget, line, monthly, write_register

pytestmark = pytest.mark.pg


def test_two_trusts_on_postgresql(pg_ledger_url, tmp_path) -> None:
    engine = open_ledger(pg_ledger_url)
    first = calendar.month_label(calendar.month_index(fy_start()))
    tables = register("RT1", [line("L9", "5.00", "4.00", "1200", fy_start().isoformat(), scheme="S2",
                                   creator="Someone Else")])
    tables["Schemes"].append(["S2", "Scheme two", "Surgery", "", "Owner", "fully_developed", "IN_DELIVERY",
                              "false", ""])
    tables["Actuals"] += monthly("L9", first, 1, "100", "4.00")
    tables["BudgetAdjustments"].append(budget("B9", "L9", "1200.00", fy_start().isoformat()))
    import_register(engine, write_register(tmp_path / "rt1", tables))
    import_register(engine, write_register(tmp_path / "rt2", register("RT2", region="North")))
    for username in ("bea", "fin", "ola"):
        name, role, trusts = USERS[username]
        auth.add_user(engine, username, name, role, PASSWORD, trusts)

    period = calendar.month_label(calendar.month_index(today()))
    bea, fin, ola = (Web(engine).as_user(u) for u in ("bea", "fin", "ola"))

    def cip() -> int:
        page = bea.get(f"/t/RT1?period={period}").text
        return int(re.search(r'data-pence="(-?\d+)"', page).group(1))

    assert ola.get("/t/RT1/lines/L9").status_code == 403
    assert ola.get("/t/RT2/lines").status_code == 200
    before = cip()
    assert bea.post("/t/RT1/lines/L9/signoff", {"decision": "approve"}).status_code == 303
    assert fin.post("/t/RT1/lines/L9/signoff", {"decision": "approve"}).status_code == 303
    assert cip() - before == 10000  # £5.00 -> £4.00 on 100 units: £100.00
    again = fin.post("/t/RT1/lines/L9/signoff", {"decision": "approve"})
    assert again.status_code == 400
    assert "line L9 is already VALIDATED" in again.text


def test_nul_characters_are_refused_not_a_server_error_on_postgresql(pg_ledger_url, tmp_path) -> None:
    engine = open_ledger(pg_ledger_url)
    import_register(engine, write_register(tmp_path / "rt1", register("RT1")))
    for username in ("pat", "adm"):
        name, role, trusts = USERS[username]
        auth.add_user(engine, username, name, role, PASSWORD, trusts)
    pat, adm = Web(engine).as_user("pat"), Web(engine).as_user("adm")
    assert pat.post("/t/RT1/lines/L0/advance", {"to": "PROPOSED", "reason": "r\x00"}).status_code == 400
    assert pat.get("/t/RT1/evidence/E%001").status_code == 400
    added = adm.post("/admin/users", {"username": "nul", "display_name": "N\x00", "role": "board", "trusts": "RT1",
                                      "region": "", "password": PASSWORD})
    assert added.status_code == 400
    assert [u.username for u in auth.list_users(engine)] == ["adm", "pat"]
