"""Web app: every page for every role, and every forbidden action refused with a reason."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ledger import models
from tests.helpers_web import USERS, Web, ledger, new_line_form

PAGES = ["/", "/t/RT1", "/t/RT1/lines", "/t/RT1/lines/L0", "/t/RT1/queue", "/t/RT1/close", "/t/RT1/downloads",
         "/t/RT1/lines?q=l0&grade=D", "/t/RT1/charts?period=2026-03"]


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model.__table__)).scalar()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return ledger(tmp_path_factory.mktemp("access"))


@pytest.mark.parametrize("username", [u for u, (_, _, trusts) in USERS.items() if "RT1" in trusts] + ["adm"])
def test_every_read_page_opens_for_every_member(shared, username) -> None:
    web = Web(shared).as_user(username)
    for url in PAGES:
        response = web.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.text[:500])
        assert "Skip to content" in response.text or url.startswith("/t/RT1/charts")


@pytest.mark.parametrize("url", ["/t/RT1", "/t/RT1/lines", "/t/RT1/lines/L0", "/t/RT1/queue",
                                 "/t/RT1/pack.pdf?period=2026-03", "/t/RT1/workbook.xlsx", "/t/RT1/downloads"])
def test_another_trusts_pages_are_refused_by_url(shared, url) -> None:
    web = Web(shared).as_user("ola")  # procurement at RT2 only
    response = web.get(url)
    assert response.status_code == 403
    assert "You (ola) do not belong to trust RT1, so you cannot see or change its savings." in response.text


def test_a_member_of_another_trust_cannot_post_to_it(shared) -> None:
    web = Web(shared).as_user("ola")
    before = _count(shared, models.SavingLine)
    response = web.post("/t/RT1/new-line", new_line_form("HACK"))
    assert response.status_code == 403
    assert _count(shared, models.SavingLine) == before


def test_a_region_user_sees_their_region_only(tmp_path) -> None:
    from reports.web import auth

    engine = ledger(tmp_path)
    auth.add_user(engine, "reg", "Rae Region", "board", "correct horse battery staple", region="North")
    web = Web(engine).as_user("reg")
    assert web.get("/t/RT2/lines").status_code == 200  # RT2 is in the North
    assert web.get("/t/RT1/lines").status_code == 403


def test_a_region_user_changes_nothing_in_the_trusts_they_only_see(tmp_path) -> None:
    """--region lets a user see the region's trusts; they change only the trusts they belong to."""
    from reports.web import auth

    engine = ledger(tmp_path)
    auth.add_user(engine, "rfin", "Rae Finance", "finance", "correct horse battery staple", ("RT1",), region="North")
    web = Web(engine).as_user("rfin")
    before = {m: _count(engine, m) for m in (models.AuditEvent, models.PeriodLock, models.BudgetAdjustment)}
    seen = web.get("/t/RT2/lines/L0")
    assert seen.status_code == 200
    assert 'name="csrf_token"' in seen.text and "/t/RT2/lines/L0/budget" not in seen.text, "no form to send"
    assert "Record a budget removal" in web.get("/t/RT1/lines/L0").text
    assert "You see RT2 through your region (North), read only" in web.get("/t/RT2/queue").text
    closed = web.post("/t/RT2/close", {"month": "2025-04"})
    assert closed.status_code == 403
    assert "You (rfin) see trust RT2 through the region North, but change only the trusts you belong to" \
        in closed.text
    budget = web.post("/t/RT2/lines/L0/budget", {"ledger_ref": "J1", "amount": "10", "effective_from": "2025-04-01"})
    assert budget.status_code == 403
    assert {m: _count(engine, m) for m in before} == before
    assert web.post("/t/RT1/close", {"month": "2025-04"}).status_code == 303  # their own trust


def test_a_region_user_sees_their_region_however_it_was_typed(tmp_path) -> None:
    """The region is matched as the regional roll-up matches it: without regard to case or spaces."""
    from reports.web import auth

    engine = ledger(tmp_path)
    auth.add_user(engine, "reg", "Rae Region", "board", "correct horse battery staple", region=" north ")
    web = Web(engine).as_user("reg")
    assert [t["org_code"] for t in auth.visible_trusts(engine, auth.get_user(engine, "reg"))] == ["RT2"]
    assert web.get("/t/RT2/lines").status_code == 200
    assert web.get("/t/RT1/lines").status_code == 403


@pytest.mark.parametrize(("username", "url", "data", "why"), [
    ("bob", "/t/RT1/new-line", new_line_form("B1"), "signed in as board, and only procurement users create"),
    ("aud", "/t/RT1/lines/L0/signoff", {"decision": "approve"}, "signed in as auditor, and only budget holders"),
    ("bob", "/t/RT1/lines/L0/advance", {"to": "PROPOSED"}, "board, auditor and admin users can look but not move"),
    ("adm", "/t/RT1/lines/L0/advance", {"to": "PROPOSED"}, "board, auditor and admin users can look but not move"),
    ("fin", "/t/RT1/new-line", new_line_form("F1"), "signed in as finance, and only procurement users create"),
    ("pat", "/t/RT1/close", {"month": "2025-04"}, "only finance users close a period"),
    ("bea", "/t/RT1/lines/L0/budget", {"ledger_ref": "J1", "amount": "10", "effective_from": "2025-04-01"},
     "only finance users record budget removals"),
    ("aud", "/t/RT1/upload", {}, "only procurement users upload registers"),
    ("pat", "/admin/users", {"username": "x"}, "only admin users manage users"),
])
def test_roles_are_refused_what_they_may_not_do(shared, username, url, data, why) -> None:
    web = Web(shared).as_user(username)
    before = {m: _count(shared, m) for m in (models.SavingLine, models.SignOff, models.AuditEvent,
                                            models.BudgetAdjustment, models.PeriodLock)}
    response = web.post(url, data)
    assert response.status_code == 403
    assert why in response.text
    assert {m: _count(shared, m) for m in before} == before, "a refused action writes nothing"


def test_read_only_roles_see_no_forms(shared) -> None:
    page = Web(shared).as_user("bob").get("/t/RT1/lines/L0").text
    assert 'action="/t/RT1/lines/L0/advance"' not in page
    assert 'action="/t/RT1/lines/L0/signoff"' not in page
    assert "New line" not in page
    procurement = Web(shared).as_user("pat").get("/t/RT1/lines/L0").text
    assert 'action="/t/RT1/lines/L0/advance"' in procurement


def test_security_headers(shared) -> None:
    response = Web(shared).as_user("pat").get("/t/RT1/lines")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert Web(shared).get("/static/htmx.min.js").text.startswith("var htmx=")


@pytest.mark.parametrize(("url", "status", "says"), [
    ("/t/RT1/charts", 400, "This address is missing a value or holds a wrong one (period: missing)."),
    ("/t/RT1/lines?page_no=abc", 400, "(page_no: &#39;abc&#39;)"),
    ("/t/RT1/pack.pdf", 400, "(period: missing)"),
    ("/no/such/page", 404, "There is no page at /no/such/page."),
])
def test_a_wrong_address_gets_the_error_page_not_json(shared, url, status, says) -> None:
    response = Web(shared).as_user("bob").get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert says in response.text
    assert "That was refused" in response.text and '"detail"' not in response.text


def test_a_form_with_too_many_files_gets_the_error_page(shared) -> None:
    web = Web(shared).as_user("pat")
    files = [("register", (f"Trust{i}.csv", b"x", "text/csv")) for i in range(21)]
    response = web.post("/t/RT1/upload", files=files)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "The request was refused: Too many files. Maximum number of files is 20. Nothing was written." \
        in response.text


def test_a_nul_character_in_a_form_or_an_address_is_refused_with_nothing_written(shared) -> None:
    """PostgreSQL cannot store or look up text with a NUL (a 500 there); SQLite would keep it."""
    pat = Web(shared).as_user("pat")
    before = {m: _count(shared, m) for m in (models.AuditEvent, models.Evidence)}
    moved = pat.post("/t/RT1/lines/L0/advance", {"to": "WITHDRAWN", "reason": "dup\x00licate"})
    assert moved.status_code == 400
    assert "field &#39;reason&#39; holds a NUL character" in moved.text
    assert pat.get("/t/RT1/evidence/EV%001").status_code == 400
    login = Web(shared).login("pat\x00")
    assert login.status_code == 400
    assert {m: _count(shared, m) for m in before} == before


@pytest.mark.parametrize("url", ["/t/RT3/lines/L0", "/t/RT3/charts?period=2026-03", "/t/RT3/pack.pdf?period=2026-03",
                                 "/t/RT3/workbook.xlsx"])
def test_a_trust_with_no_register_yet_does_not_name_the_others(tmp_path, url) -> None:
    """The library's message for an unknown trust lists every trust the ledger holds (for the CLI)."""
    from reports.web import auth

    engine = ledger(tmp_path)
    auth.add_user(engine, "new", "Nia New", "board", "correct horse battery staple", ("RT3",),
                  new_trust=True)
    response = Web(engine).as_user("new").get(url)
    assert response.status_code == 400
    assert "Trust RT3 has no register in the ledger yet" in response.text
    assert "RT1" not in response.text and "RT2" not in response.text


def test_closing_a_month_of_a_trust_with_no_register_does_not_name_the_others(tmp_path) -> None:
    from reports.web import auth

    engine = ledger(tmp_path)
    auth.add_user(engine, "newfin", "Nia Finance", "finance", "correct horse battery staple", ("RT3",),
                  new_trust=True)
    response = Web(engine).as_user("newfin").post("/t/RT3/close", {"month": "2025-04"})
    assert response.status_code == 400
    assert "Trust RT3 has no register in the ledger yet" in response.text
    assert "RT1" not in response.text and "RT2" not in response.text
