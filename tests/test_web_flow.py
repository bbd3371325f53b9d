"""Web app: a saving walked from entry to CIP through the forms, and the ledger's rules refusing
what they refuse on the command line (self sign-off, edits after approval, closed months)."""
from __future__ import annotations

import hashlib
import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from ledger import audit, calendar, models
from ledger.register.load import import_register
from ledger.register.parse import parser_for
from ledger.register.spec import SHEET_BY_NAME
from tests.helpers_web import Web, fy_start, ledger, new_line_form, register, today
from tests.ledgers import budget, line, write_register

THIS_MONTH = calendar.month_label(calendar.month_index(today()))
FIRST_MONTH = calendar.month_label(calendar.month_index(fy_start()))


def cip_on_dashboard(web: Web) -> int:
    """The dashboard's 'CIP counted, year to date' in pence (the pack's figure for this month)."""
    page = web.get(f"/t/RT1?period={THIS_MONTH}").text
    return int(re.search(r'id="cip-delivered" data-pence="(-?\d+)"', page).group(1))


def test_a_saving_walked_from_entry_to_cip(tmp_path) -> None:
    engine = ledger(tmp_path)
    pat, bea, fin = (Web(engine).as_user(u) for u in ("pat", "bea", "fin"))
    before = cip_on_dashboard(bea)

    created = pat.post("/t/RT1/new-line", new_line_form("W1"))
    assert created.status_code == 303
    assert created.headers["location"] == "/t/RT1/lines/W1"
    assert pat.post("/t/RT1/lines/W1/advance", {"to": "PROPOSED"}).status_code == 303
    queue = bea.get("/t/RT1/queue").text
    assert "Plans awaiting approval (1)" in queue
    assert bea.post("/t/RT1/lines/W1/advance", {"to": "PLAN_APPROVED"}).status_code == 303
    assert pat.post("/t/RT1/lines/W1/advance", {"to": "IN_DELIVERY"}).status_code == 303
    # £10.00 -> £8.00: 100 boxes bought at £8.00 in the first month deliver £200.00
    assert pat.post("/t/RT1/lines/W1/actual", {"month": FIRST_MONTH, "volume": "100",
                                               "price_paid": "8.00"}).status_code == 303
    assert fin.post("/t/RT1/lines/W1/budget", {"ledger_ref": "JNL-77", "amount": "2400.00", "recurrent": "true",
                                               "effective_from": fy_start().isoformat()}).status_code == 303
    assert cip_on_dashboard(bea) == before, "nothing counts before the sign-offs"
    assert "Lines in delivery awaiting your sign-off as budget holder (1)" in bea.get("/t/RT1/queue").text

    first = bea.post("/t/RT1/lines/W1/signoff", {"decision": "approve"}, headers={"HX-Request": "true"})
    assert first.status_code == 200
    assert "Bea Holder approved line W1 as budget_holder: line is IN_DELIVERY; still needs" in first.text
    last = fin.post("/t/RT1/lines/W1/signoff", {"decision": "approve"}, follow_redirects=True)
    assert "Fin Accountant approved line W1 as finance: line is VALIDATED" in last.text

    assert cip_on_dashboard(bea) - before == 20000  # exactly £200.00
    page = bea.get("/t/RT1/lines/W1").text
    assert 'id="grade">A<' in page
    assert 'id="line-cip">£200.00<' in page
    assert "created by" not in page or "Pat Procurement" in page
    trail = re.findall(r"<td>(create|status|actual|budget|signoff)</td>", page)
    assert trail == ["create", "status", "status", "status", "actual", "budget", "signoff", "signoff", "status"]


def _register_with_line_by(tmp_path, creator: str):
    engine = ledger(tmp_path)
    tables = register("RT1", [line("L9", "5.00", "4.00", "1200", fy_start().isoformat(), creator=creator,
                                   scheme="S2")])
    tables["Schemes"].append(["S2", "Scheme two", "Surgery", "", "Owner", "fully_developed", "IN_DELIVERY",
                              "false", ""])
    import_register(engine, write_register(tmp_path / "again", tables))
    return engine


def test_a_self_sign_off_is_refused_and_the_queue_says_why(tmp_path) -> None:
    engine = _register_with_line_by(tmp_path, "Bea Holder")
    bea = Web(engine).as_user("bea")
    queue = bea.get("/t/RT1/queue").text
    assert "you created this line (R-GOV-3)" in queue
    refused = bea.post("/t/RT1/lines/L9/signoff", {"decision": "approve"})
    assert refused.status_code == 400
    assert "R-GOV-3: Bea Holder created line L9 and cannot sign it off; ask the budget holder and finance" \
        in refused.text
    assert "No sign-offs yet." in bea.get("/t/RT1/lines/L9").text


def test_sign_off_is_always_in_the_users_own_role(tmp_path) -> None:
    engine = _register_with_line_by(tmp_path, "Someone Else")
    fin = Web(engine).as_user("fin")
    fin.post("/t/RT1/lines/L9/signoff", {"decision": "approve", "role": "budget_holder"})
    page = fin.get("/t/RT1/lines/L9").text
    assert re.search(r"<td>finance</td><td>Fin Accountant</td><td>approve</td>", page)
    assert "<td>budget holder</td><td>Fin Accountant</td>" not in page


def test_a_sign_off_without_a_decision_records_nothing(tmp_path) -> None:
    engine = _register_with_line_by(tmp_path, "Someone Else")
    fin = Web(engine).as_user("fin")
    with engine.connect() as conn:
        before = conn.execute(select(models.SignOff.__table__)).all()
    for sent in ({}, {"decision": "aprove"}):
        refused = fin.post("/t/RT1/lines/L9/signoff", sent)
        assert refused.status_code == 400
        assert "A sign-off is Approve or Reject" in refused.text
    with engine.connect() as conn:
        assert conn.execute(select(models.SignOff.__table__)).all() == before


def test_form_errors_are_inline_and_use_the_register_checks(tmp_path) -> None:
    pat = Web(ledger(tmp_path)).as_user("pat")
    price = parser_for(next(c for c in SHEET_BY_NAME["savinglines"].columns if c.name == "new_price"))
    with pytest.raises(ValueError) as register_says:
        price("3,4O")
    response = pat.post("/t/RT1/new-line", new_line_form("W2", new_price="3,4O", cost_centre=""))
    assert response.status_code == 400
    assert f'<p class="field-error" id="e-new_price">{register_says.value}</p>'.replace("'", "&#39;") \
        in response.text
    assert 'id="e-cost_centre">required value is empty' in response.text
    assert 'value="W2"' in response.text, "what was typed is kept"
    unknown = pat.post("/t/RT1/new-line", new_line_form("W2", scheme_id="NOPE"))
    assert "names scheme &#39;NOPE&#39;, which is not in Schemes" in unknown.text
    deferral = pat.post("/t/RT1/new-line", new_line_form("W3", benefit_type="STOCK_RUNDOWN"))
    assert "R-ELG-6: a deferral (stock run-down, delayed purchase) is not a saving" in deferral.text
    duplicate = pat.post("/t/RT1/new-line", new_line_form("L0"))
    assert "line L0 already exists in RT1; choose another id" in duplicate.text


def test_an_id_typed_into_a_form_is_held_to_the_registers_rule(tmp_path) -> None:
    """A new line's id, or a budget removal's, is refused for a line break or a tab as a register's would be."""
    engine = ledger(tmp_path)
    pat, fin = Web(engine).as_user("pat"), Web(engine).as_user("fin")
    tabbed = pat.post("/t/RT1/new-line", new_line_form("W\t1"))
    assert tabbed.status_code == 400
    assert 'id="e-line_id">holds a tab (&#39;W\\t1&#39;): an id is one line of visible characters' in tabbed.text
    broken = fin.post("/t/RT1/lines/L0/budget", {"adjustment_id": "BA\n1", "ledger_ref": "JNL-1", "amount": "50.00",
                                                  "recurrent": "true", "effective_from": fy_start().isoformat()})
    assert broken.status_code == 400
    assert "adjustment_id: holds a line break (&#39;BA\\n1&#39;)" in broken.text
    with engine.connect() as conn:
        assert conn.execute(select(models.SavingLine.line_id).where(models.SavingLine.line_id.like("W%"))).all() == []
        assert conn.execute(select(models.BudgetAdjustment.adjustment_id)).all() == []


def test_digits_other_than_0_to_9_are_a_form_error(tmp_path) -> None:
    """The forms read numbers with the register's parsers: full-width or Arabic-Indic digits are refused."""
    engine = ledger(tmp_path)
    pat = Web(engine).as_user("pat")
    wide = pat.post("/t/RT1/new-line", new_line_form("W1", baseline_price="１０.００"))
    assert wide.status_code == 400
    assert 'id="e-baseline_price">not a number (&#39;１０.００&#39;): use the digits 0-9' in wide.text
    actual = pat.post("/t/RT1/lines/L0/actual", {"month": FIRST_MONTH, "volume": "١٠", "price_paid": "1.50"})
    assert actual.status_code == 400
    assert "volume: not a number (&#39;١٠&#39;): use the digits 0-9" in actual.text
    with engine.connect() as conn:
        assert conn.execute(select(models.SavingLine.line_id).where(models.SavingLine.line_id == "W1")).all() == []
        assert conn.execute(select(models.Actual.line_id)).all() == []


def test_a_number_too_large_is_a_form_error_and_the_trust_still_counts(tmp_path) -> None:
    engine = ledger(tmp_path)
    pat = Web(engine).as_user("pat")
    huge = pat.post("/t/RT1/new-line", new_line_form("W2", baseline_price="99999999999999999999999"))
    assert huge.status_code == 400
    assert 'id="e-baseline_price">too large (&#39;99999999999999999999999&#39;)' in huge.text
    slip = pat.post("/t/RT1/new-line", new_line_form("W3", baseline_price="10000000", annual_volume="1000000"))
    assert slip.status_code == 400
    assert "the line spends £10,000,000,000,000 a year, more than the ledger counts" in slip.text
    actual = pat.post("/t/RT1/lines/L0/actual", {"month": FIRST_MONTH, "volume": "9000000000", "price_paid": "900"})
    assert actual.status_code == 400
    assert "this invoice row spends £8,100,000,000,000" in actual.text
    assert pat.get("/t/RT1/lines").status_code == 200
    assert pat.get("/t/RT1").status_code == 200


def test_only_draft_lines_can_be_edited(tmp_path) -> None:
    engine = ledger(tmp_path)
    pat, bea = Web(engine).as_user("pat"), Web(engine).as_user("bea")
    pat.post("/t/RT1/new-line", new_line_form("W4"))
    form = pat.get("/t/RT1/edit-line/W4").text
    assert 'value="10"' in form and 'value="1200"' in form
    assert pat.post("/t/RT1/edit-line/W4", new_line_form("W4", new_price="7.50")).status_code == 303
    assert "£7.50" in pat.get("/t/RT1/lines/W4").text
    pat.post("/t/RT1/lines/W4/advance", {"to": "PROPOSED"})
    bea.post("/t/RT1/lines/W4/advance", {"to": "PLAN_APPROVED"})
    refused = pat.post("/t/RT1/edit-line/W4", new_line_form("W4", new_price="7.00"))
    assert refused.status_code == 400
    assert "line W4 is PLAN_APPROVED: only a draft line (IDEA or PROPOSED) can be edited" in refused.text


def test_a_line_form_carries_the_optional_columns_and_an_edit_keeps_them(tmp_path) -> None:
    """E3's baseline volume, activity factor and growth funding, and R-INF-3's index and its approval."""
    engine = ledger(tmp_path)
    pat = Web(engine).as_user("pat")
    optional = {"baseline_volume": "1440", "activity_factor": "1.05", "growth_funded": "false",
                "counterfactual_index": "CPI", "counterfactual_approval": ""}
    assert pat.post("/t/RT1/new-line", new_line_form("W5", **optional)).status_code == 303
    assert "the baseline price was set from CPI; no approval of that index is recorded, so the line is not " \
           "cash-releasing" in pat.get("/t/RT1/lines/W5").text
    form = pat.get("/t/RT1/edit-line/W5").text
    assert all(f'name="{k}"' in form for k in optional)
    assert 'value="1440"' in form and 'value="1.05"' in form and 'value="CPI"' in form
    edited = new_line_form("W5", **{**optional, "new_price": "7.50", "counterfactual_approval": "FIN-7"})
    assert pat.post("/t/RT1/edit-line/W5", edited).status_code == 303
    assert "the baseline price was set from CPI; its use is approved" in pat.get("/t/RT1/lines/W5").text
    with engine.connect() as conn:
        row = conn.execute(select(models.SavingLine).where(models.SavingLine.line_id == "W5")).mappings().one()
    assert (row["new_micro"], row["baseline_volume_milli"], row["activity_factor_ppm"], row["growth_funded"],
            row["counterfactual_index"], row["counterfactual_approval"]) == (7_500_000, 1_440_000, 1_050_000, False,
                                                                             "CPI", "FIN-7")


def test_evidence_is_stored_by_its_hash_and_served_back(tmp_path) -> None:
    pat = Web(ledger(tmp_path)).as_user("pat")
    content = b"invoice extract, November\n"
    sha = hashlib.sha256(content).hexdigest()
    done = pat.post("/t/RT1/lines/L0/evidence", {"type": "invoice_extract"},
                    files={"file": ("../../etc/invoice nov.csv", content, "text/csv")})
    assert done.status_code == 303
    page = pat.get("/t/RT1/lines/L0").text
    evidence_id = f"EV-L0-{sha[:8]}"
    assert evidence_id in page and "invoice nov.csv" in page
    stored = next((tmp_path / "evidence").rglob(f"*{sha}*"))
    assert stored.read_bytes() == content
    served = pat.get(f"/t/RT1/evidence/{evidence_id}")
    assert served.content == content
    assert served.headers["content-type"] == "application/octet-stream"
    assert "attachment" in served.headers["content-disposition"]
    board = Web(pat.app.state.engine).as_user("bob")
    assert board.post("/t/RT1/lines/L0/evidence", {"type": "other"},
                      files={"file": ("x.txt", b"x", "text/plain")}).status_code == 403


def test_the_same_file_attached_twice_is_named_as_already_attached(tmp_path) -> None:
    """The evidence id is made from the file's hash; the web has no id to give instead, so the refusal
    says what happened rather than asking for another --id."""
    pat = Web(ledger(tmp_path)).as_user("pat")
    content = b"invoice extract, December\n"
    sha = hashlib.sha256(content).hexdigest()
    first = pat.post("/t/RT1/lines/L0/evidence", {"type": "invoice_extract"}, files={"file": ("dec.csv", content)})
    assert first.status_code == 303
    again = pat.post("/t/RT1/lines/L0/evidence", {"type": "other"}, files={"file": ("copy.csv", content)})
    assert again.status_code == 400
    assert (f"copy.csv: this file is already attached to line L0 as evidence EV-L0-{sha[:8]} (the same sha256 "
            f"{sha[:12]}…); nothing was attached") in again.text
    assert "--id" not in again.text


def test_a_budget_removal_gets_a_free_id_when_the_register_holds_the_next_one(tmp_path) -> None:
    """The form has no id field: `BA-L0-2` already in the register must not block finance for good."""
    engine = ledger(tmp_path)
    tables = register("RT1")
    tables["BudgetAdjustments"].append(budget("BA-L0-2", "L0", "100.00", fy_start().isoformat()))
    import_register(engine, write_register(tmp_path / "again", tables))
    fin = Web(engine).as_user("fin")
    done = fin.post("/t/RT1/lines/L0/budget", {"ledger_ref": "JNL-9", "amount": "50.00", "recurrent": "true",
                                                "effective_from": fy_start().isoformat()}, follow_redirects=True)
    assert "Budget removal BA-L0-3 recorded on line L0." in done.text


def test_a_new_line_cannot_take_the_id_of_one_a_register_dropped(tmp_path) -> None:
    """Sign-offs and status moves recorded on the web are kept when a register drops the line; a new
    line with its id would inherit them: here a budget holder's approval of another saving, and
    delivery without plan approval."""
    engine = ledger(tmp_path)
    pat, bea = Web(engine).as_user("pat"), Web(engine).as_user("bea")
    pat.post("/t/RT1/new-line", new_line_form("W1"))
    for who, to in ((pat, "PROPOSED"), (bea, "PLAN_APPROVED"), (pat, "IN_DELIVERY")):
        assert who.post("/t/RT1/lines/W1/advance", {"to": to}).status_code == 303
    assert bea.post("/t/RT1/lines/W1/signoff", {"decision": "approve"}).status_code == 303
    dropped = register("RT1", [line("L5", "2.00", "1.00", "10", fy_start().isoformat())])  # W1 is not in it
    import_register(engine, write_register(tmp_path / "again", dropped))
    again = pat.post("/t/RT1/new-line", new_line_form("W1", new_price="1.00"))
    assert again.status_code == 400
    assert "line W1 was in RT1 before (a register dropped it) and its sign-offs and status moves are kept" \
        in again.text
    assert pat.post("/t/RT1/new-line", new_line_form("W2")).status_code == 303


def test_a_line_whose_id_holds_a_slash_has_a_page_and_its_forms_work(tmp_path) -> None:
    """Registers often number lines like CIP/25/001; the register takes such an id, so the web must
    open the line, act on it and serve its evidence, not answer 404."""
    engine = ledger(tmp_path)
    tables = register("RT1", [line("CIP/25/001", "2.00", "1.00", "1200", fy_start().isoformat())])
    import_register(engine, write_register(tmp_path / "slash", tables))
    pat = Web(engine).as_user("pat")
    link = re.search(r'href="(/t/RT1/lines/CIP[^"?]*)', pat.get("/t/RT1/lines").text).group(1)
    assert link == "/t/RT1/lines/CIP%2F25%2F001"
    assert pat.get(link).status_code == 200
    assert "<h1>Line CIP/25/001" in pat.get("/t/RT1/lines/CIP/25/001").text  # as typed, slashes and all
    assert 'value="CIP/25/001"' in pat.get("/t/RT1/edit-line/CIP%2F25%2F001").text
    moved = pat.post(f"{link}/advance", {"to": "PROPOSED"})
    assert (moved.status_code, moved.headers["location"]) == (303, link)
    attached = pat.post(f"{link}/evidence", {"type": "invoice_extract"},
                        files={"file": ("invoice.csv", b"invoice", "text/csv")})
    assert attached.status_code == 303
    evidence = re.search(r'href="(/t/RT1/evidence/[^"]+)"', pat.get(link).text).group(1)
    assert pat.get(evidence).content == b"invoice"


ODD_IDS = ["a/../b", "Q?1", "H#1", "50% off", "%2F", "100%41", "L0/edit", "x/advance", "/lead", "trail/", "...", "é/ü"]


def test_a_line_opens_whatever_its_id_holds(tmp_path) -> None:
    """Ids are percent-encoded in every address, `/` too: `..` is no step up, `?` and `#` no query or
    fragment, `%2F` no slash, and `L0/edit` is the page of line L0/edit, not the edit form of L0."""
    engine = ledger(tmp_path)
    tables = register("RT1", [line(i, "2.00", "1.00", "1200", fy_start().isoformat()) for i in ODD_IDS])
    import_register(engine, write_register(tmp_path / "odd", tables))
    pat = Web(engine).as_user("pat")
    listed = pat.get("/t/RT1/lines").text
    for line_id in ODD_IDS:
        link = f"/t/RT1/lines/{quote(line_id, safe='')}"
        assert f'href="{link}?fy=' in listed, line_id
        assert f"<h1>Line {html.escape(line_id)} " in pat.get(link).text, line_id
        form = pat.get(f"/t/RT1/edit-line/{quote(line_id, safe='')}")
        assert f'value="{html.escape(line_id)}"' in form.text, line_id
        moved = pat.post(f"{link}/advance", {"to": "PROPOSED"})
        assert (moved.status_code, moved.headers["location"]) == (303, link), line_id
        assert '<span id="status">PROPOSED</span>' in pat.get(link).text, line_id
    with engine.connect() as conn:
        moves = conn.execute(select(models.AuditEvent.entity_id).where(models.AuditEvent.action == "status")).all()
    assert sorted(m for (m,) in moves) == sorted(ODD_IDS)
    assert '<span id="status">IDEA</span>' in pat.get("/t/RT1/lines/L0").text  # L0 itself did not move
    edited = pat.post(f"/t/RT1/edit-line/{quote('L0/edit', safe='')}", new_line_form("L0/edit", new_price="1.50"))
    assert (edited.status_code, edited.headers["location"]) == (303, "/t/RT1/lines/L0%2Fedit")
    page = pat.get("/t/RT1/lines/L0%2Fedit").text
    assert "£1.50" in page
    attached = pat.post("/t/RT1/lines/L0%2Fedit/evidence", {"type": "invoice_extract"},
                        files={"file": ("invoice.csv", b"odd invoice", "text/csv")})
    assert attached.status_code == 303
    evidence = re.search(r'href="(/t/RT1/evidence/[^"]+)"', pat.get("/t/RT1/lines/L0%2Fedit").text).group(1)
    assert evidence.startswith("/t/RT1/evidence/EV-L0%2Fedit-")
    assert pat.get(evidence).content == b"odd invoice"


def test_an_empty_evidence_file_is_refused_by_its_own_name(tmp_path) -> None:
    pat = Web(ledger(tmp_path)).as_user("pat")
    refused = pat.post("/t/RT1/lines/L0/evidence", {"type": "invoice_extract"},
                       files={"file": ("invoice nov.csv", b"", "text/csv")})
    assert refused.status_code == 400
    assert "invoice nov.csv: is empty; evidence is a file that holds something" in refused.text
    assert "savings-evidence-" not in refused.text


def test_finance_closes_a_period_and_it_stays_closed(tmp_path) -> None:
    engine = ledger(tmp_path)
    fin, pat = Web(engine).as_user("fin"), Web(engine).as_user("pat")
    closed = calendar.month_label(calendar.month_index(fy_start()) - 1)
    done = fin.post("/t/RT1/close", {"month": closed}, follow_redirects=True)
    assert f"RT1 closed through {closed}: lock RT1-{closed}-" in done.text
    again = fin.post("/t/RT1/close", {"month": closed})
    assert again.status_code == 400
    assert "closed months do not reopen" in again.text
    late = pat.post("/t/RT1/lines/L0/actual", {"month": closed, "volume": "1", "price_paid": "1.50"})
    assert late.status_code == 400
    assert f"{closed} is closed for RT1" in late.text


def test_downloads_are_the_pack_and_the_workbook(tmp_path) -> None:
    web = Web(ledger(tmp_path)).as_user("aud")
    period = FIRST_MONTH
    pdf = web.get(f"/t/RT1/pack.pdf?period={period}")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert f'filename="RT1-board-pack-{period}.pdf"' in pdf.headers["content-disposition"]
    book = web.get(f"/t/RT1/workbook.xlsx?fy={calendar.fy_of(fy_start())}&as_at={fy_start().isoformat()}")
    assert book.status_code == 200
    assert book.content.startswith(b"PK")
    wrong = web.get(f"/t/RT1/pack.pdf?period={period}&as_at=1999-01-01")
    assert wrong.status_code == 400
    assert "is outside period" in wrong.text
    tomorrow = audit.utc_now().date() + timedelta(days=1)
    future = web.get(f"/t/RT1/workbook.xlsx?fy={calendar.fy_of(tomorrow)}&as_at={tomorrow.isoformat()}")
    assert future.status_code == 400 and f"as-at date {tomorrow} is in the future" in future.text
    later = calendar.month_label(calendar.month_index(tomorrow) + 1)
    assert f"period {later} has not begun" in web.get(f"/t/RT1/pack.pdf?period={later}").text


def test_an_as_at_date_before_the_ledgers_years_is_refused_on_every_page_that_takes_one(tmp_path) -> None:
    """As `--as-at` is, and a register's dates are: refused by the one rule, not read as year 1."""
    web = Web(ledger(tmp_path)).as_user("aud")
    fy = calendar.fy_of(fy_start())
    for day in ("0001-01-01", "1900-03-31"):
        for url in (f"/t/RT1?as_at={day}", f"/t/RT1?period={FIRST_MONTH}&as_at={day}",
                    f"/t/RT1/charts?period={FIRST_MONTH}&as_at={day}",
                    f"/t/RT1/pack.pdf?period={FIRST_MONTH}&as_at={day}", f"/t/RT1/workbook.xlsx?fy={fy}&as_at={day}"):
            refused = web.get(url)
            assert refused.status_code == 400, url
            assert f"as-at date {day} is before the years the ledger holds (from 1900-04-01)" in refused.text, url
