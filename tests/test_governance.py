"""Governance: the R-GOV-1 status machine, sign-off with segregation of duties (R-GOV-3), immutable
validated lines (R-GOV-4), reversal with cost pressure (R-REV-1) and plan versions."""
from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from ledger import audit, calendar, evidence, governance, models
from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.locks import LINE_FIELDS, ImportGuard, row_hash
from ledger.money import from_pence
from ledger.register.load import RegisterInvalid, import_register
from tests.helpers_governance import APPROVALS, edit, write_register

PERSONS = {"budget_holder": "Bea Holder", "finance": "Fin Accountant", "clinical": "Dr Nurse",
           "procurement": "Pat Procurement"}


@pytest.fixture
def ledger(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register")
    import_register(engine, folder)
    return engine, folder


def step(engine, line, to, role, **kw):
    return governance.advance(engine, line, to, PERSONS[role], role, **kw)


def status(engine, line):
    return load_trust(engine, "RG1").figures.lines.set_index("line_id").at[line, "status"]


def test_a_line_walks_from_idea_to_closed(ledger):
    engine, _ = ledger
    assert status(engine, "L2") == "IDEA"  # (ok) no stage on its scheme
    step(engine, "L2", "PROPOSED", "procurement")
    step(engine, "L2", "QIA_APPROVED", "clinical")
    step(engine, "L2", "PLAN_APPROVED", "budget_holder")
    step(engine, "L2", "IN_DELIVERY", "procurement")
    first = governance.signoff(engine, "L2", "budget_holder", "Bea Holder", True, on=date(2025, 9, 1))
    assert first.message == ("Bea Holder approved line L2 as budget_holder: line is IN_DELIVERY; "
                             "still needs approval by finance")
    done = governance.signoff(engine, "L2", "finance", "Fin Accountant", True, on=date(2025, 9, 2))
    assert done.status == "VALIDATED"
    with pytest.raises(LedgerError, match=r"still in its claim window until 2026-05-31"):
        step(engine, "L2", "CLOSED", "finance", on=date(2026, 5, 31))
    step(engine, "L2", "CLOSED", "finance", on=date(2026, 6, 1))
    assert status(engine, "L2") == "CLOSED"
    moves = [(e["action"], e["to_status"]) for e in governance.history(engine, "L2")]
    assert moves == [("status", "PROPOSED"), ("status", "QIA_APPROVED"), ("status", "PLAN_APPROVED"),
                     ("plan", ""), ("status", "IN_DELIVERY"), ("signoff", ""), ("signoff", ""),
                     ("status", "VALIDATED"), ("status", "CLOSED")]
    fig = load_trust(engine, "RG1").figures
    assert fig.lines.set_index("line_id").at["L2", "eligible"]  # (ok) the QIA_APPROVED event is its QIA


@pytest.mark.parametrize(("line", "to", "role", "kw", "message"), [
    ("L2", "PLAN_APPROVED", "budget_holder", {}, "line L2 is IDEA: it can move to PROPOSED, REJECTED, WITHDRAWN; "
                                                 "not to PLAN_APPROVED (R-GOV-1)"),
    ("L2", "VALIDATED", "finance", {}, "a line becomes VALIDATED only through sign-offs (R-ELG-1)"),
    ("L2", "REVERSED", "finance", {}, "--to REVERSED: a line is reversed with: savings reverse L2"),
    ("L2", "WITHDRAWN", "procurement", {}, "moving a line to WITHDRAWN needs --reason"),
    ("L2", "DONE", "procurement", {}, "'DONE' is not a status"),
    ("L1", "CLOSED", "finance", {}, "line L1 is IN_DELIVERY: it can move to VALIDATED, REVERSED, WITHDRAWN; "
                                    "not to CLOSED (R-GOV-1)"),
])
def test_illegal_steps_are_refused_with_the_reason(ledger, line, to, role, kw, message):
    engine, _ = ledger
    with pytest.raises(LedgerError) as caught:
        step(engine, line, to, role, **kw)
    assert message in str(caught.value)


def test_clinical_change_needs_its_qia_approved_by_a_clinician_who_is_not_the_creator(ledger):
    engine, _ = ledger
    step(engine, "L2", "PROPOSED", "procurement")
    with pytest.raises(LedgerError, match=r"R-GOV-2: line L2 is a PRODUCT_SWITCH: its quality impact assessment "
                                          r"must be approved first"):
        step(engine, "L2", "PLAN_APPROVED", "budget_holder")
    with pytest.raises(LedgerError, match="QIA_APPROVED is approved by clinical, not finance"):
        step(engine, "L2", "QIA_APPROVED", "finance")
    with pytest.raises(LedgerError, match="R-GOV-3: Pat Procurement created line L2 and cannot approve it"):
        governance.advance(engine, "L2", "QIA_APPROVED", "pat procurement ", "clinical")
    step(engine, "L2", "QIA_APPROVED", "clinical")
    step(engine, "L2", "PLAN_APPROVED", "finance")
    assert status(engine, "L2") == "PLAN_APPROVED"


def test_segregation_of_duties_at_sign_off(ledger):
    engine, _ = ledger
    with pytest.raises(LedgerError, match="R-GOV-3: Pat Procurement created line L1 and cannot sign it off"):
        governance.signoff(engine, "L1", "finance", "Pat Procurement", True)
    governance.signoff(engine, "L1", "budget_holder", "Bea Holder", True, on=date(2025, 11, 10))
    with pytest.raises(LedgerError, match="R-GOV-3: Bea Holder already approved line L1 as budget_holder; the "
                                          "finance sign-off must be by a different person"):
        governance.signoff(engine, "L1", "finance", "BEA HOLDER", True)
    for disguised in ("Bea  Holder", "Bea\u200bHolder", "Ｂｅａ Holder"):  # spacing, a zero-width space, full-width
        with pytest.raises(LedgerError, match="must be by a different person"):
            governance.signoff(engine, "L1", "finance", disguised, True)
    with pytest.raises(LedgerError, match="created line L1 and cannot sign it off"):
        governance.signoff(engine, "L1", "finance", "Pat\u200b Procurement", True)
    with pytest.raises(LedgerError, match="line L2 is IDEA: sign-off comes once it is IN_DELIVERY"):
        governance.signoff(engine, "L2", "finance", "Fin Accountant", True)
    out = governance.signoff(engine, "L1", "finance", "Fin Accountant", True, on=date(2025, 11, 11))
    assert out.message == "Fin Accountant approved line L1 as finance: line is VALIDATED"
    with pytest.raises(LedgerError, match="line L1 is already VALIDATED"):
        governance.signoff(engine, "L1", "finance", "Fin Accountant", True)
    with engine.connect() as conn:
        sources = conn.execute(select(models.SignOff.source).where(models.SignOff.line_id == "L1")).scalars().all()
        locked = conn.execute(select(models.LockedLine.line_id)).scalars().all()
    assert sources == ["cli", "cli"]
    assert locked == ["L1"]
    assert load_trust(engine, "RG1").figures.years.set_index(["line_id", "fy"]).at[("L1", "2025/26"), "cip"] == 600000


def test_a_rejection_is_recorded_and_leaves_the_line_unvalidated(ledger):
    engine, _ = ledger
    out = governance.signoff(engine, "L1", "finance", "Fin Accountant", False, comment="no journal yet",
                             on=date(2025, 12, 1))
    assert out.status == "IN_DELIVERY"
    events = governance.history(engine, "L1")
    assert (events[-1]["action"], events[-1]["reason"], events[-1]["details"]) == (
        "signoff", "no journal yet", '{"date":"2025-12-01","decision":"reject"}')


def test_cli_sign_offs_survive_a_re_import(ledger, tmp_path):
    engine, folder = ledger
    governance.signoff(engine, "L1", "budget_holder", "Bea Holder", True, on=date(2025, 11, 10))
    edit(folder, "Actuals", "L1,2026-03,2000,3.40", "L1,2026-03,1900,3.40")
    import_register(engine, folder)
    governance.signoff(engine, "L1", "finance", "Fin Accountant", True, on=date(2025, 11, 11))
    assert status(engine, "L1") == "VALIDATED"


def test_register_sign_offs_validate_the_line_and_lock_it(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    moves = [(e["from_status"], e["to_status"], e["actor"]) for e in governance.history(engine, "L1")]
    assert moves == [("IN_DELIVERY", "VALIDATED", "register import"), ("", "", "register import")]
    assert import_register(engine, folder).changed is False  # (ok) same bytes: nothing happens

    edit(folder, "SavingLines", "GLOVE-BOX,CC10,non_pay,PRICE_REDUCTION,local,false,4.00,3.40",
         "GLOVE-BOX,CC10,non_pay,PRICE_REDUCTION,local,false,4.00,3.30")
    with pytest.raises(RegisterInvalid) as caught:
        import_register(engine, folder)
    assert str(caught.value) == (
        f"{folder}/SavingLines.csv:2:new_price: line L1 is validated (R-GOV-4), so its new_price cannot change "
        "(3.4 -> 3.3); the correction is a reversal (savings reverse L1 --reason ...) and a new line")


def test_a_validated_lines_changed_notes_are_kept_as_stored_and_the_import_says_so(tmp_path):
    """R-GOV-4: the register's new note on validated L1 is not taken, and the import says so."""
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    assert import_register(engine, folder).notes == ()
    edit(folder, "SavingLines", "2025-11-01,,,Pat Procurement,\n", "2025-11-01,,,Pat Procurement,renewed to 2028\n")
    assert import_register(engine, folder).notes == (
        "the notes of validated line L1 are kept as stored: a validated line does not change (R-GOV-4)",)
    with engine.connect() as conn:
        assert conn.execute(select(models.SavingLine.notes).where(models.SavingLine.line_id == "L1")).scalar() == ""


def test_a_validated_lines_counterfactual_index_is_locked_and_older_locks_still_verify(tmp_path):
    """R-INF-3's columns came with migration 0005: a lock taken before them (none set) hashes as it did."""
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    with engine.connect() as conn:
        row = conn.execute(select(models.SavingLine).where(models.SavingLine.line_id == "L1")).mappings().one()
        stored = conn.execute(select(models.LockedLine.row_hash)).scalar_one()
    older = [row[f] for f in LINE_FIELDS if f not in models.ADDED_LINE_COLUMNS]  # the fields hashed before 0005
    assert stored == hashlib.sha256(audit.canonical(older).encode()).hexdigest()
    assert row_hash({**row, "counterfactual_index": "CPI"}) != stored
    edit(folder, "SavingLines", "created_by,notes\n", "created_by,notes,counterfactual_index\n")
    edit(folder, "SavingLines", "2025-11-01,,,Pat Procurement,\n", "2025-11-01,,,Pat Procurement,,CPI\n")
    with pytest.raises(RegisterInvalid) as caught:
        import_register(engine, folder)
    assert str(caught.value) == (
        f"{folder}/SavingLines.csv:2:counterfactual_index: line L1 is validated (R-GOV-4), so its "
        "counterfactual_index cannot change ((empty) -> CPI); the correction is a reversal (savings reverse L1 "
        "--reason ...) and a new line")


def test_a_register_that_carried_the_counterfactual_index_as_an_extra_column_re_imports_after_the_upgrade(tmp_path):
    """Before migration 0005 a register column `counterfactual_index` was kept in the line's `extra`;
    re-importing the same register afterwards is not a change to the validated line."""
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    with engine.begin() as conn:  # what a ledger imported before migration 0005 holds for that register
        conn.execute(update(models.SavingLine.__table__).where(models.SavingLine.line_id == "L1")
                     .values(extra='{"counterfactual_index": "CPI"}'))
    edit(folder, "SavingLines", "created_by,notes\n", "created_by,notes,counterfactual_index\n")
    edit(folder, "SavingLines", "2025-11-01,,,Pat Procurement,\n", "2025-11-01,,,Pat Procurement,,CPI\n")
    edit(folder, "SavingLines", "FOAM-10,CC20", "FOAM-10,CC21")  # L2, a draft line, changes
    import_register(engine, folder)
    with engine.connect() as conn:
        stored = conn.execute(select(models.SavingLine.line_id, models.SavingLine.cost_centre,
                                     models.SavingLine.counterfactual_index, models.SavingLine.extra)
                              .order_by(models.SavingLine.line_id)).all()
    assert [tuple(r) for r in stored] == [("L1", "CC10", "", '{"counterfactual_index": "CPI"}'),
                                          ("L2", "CC21", "", "")]
    assert audit.verify(engine).problems == ()


def test_a_validated_line_cannot_leave_the_register_nor_lose_its_sign_offs(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    edit(folder, "SignOffs", "L1,finance,Fin Accountant,approve,2025-11-11\n", "")
    edit(folder, "BudgetAdjustments", "BA1,L1,JNL-0001", "BA1,L1,JNL-0002")
    with pytest.raises(RegisterInvalid) as caught:
        import_register(engine, folder)
    assert str(caught.value).splitlines() == [
        f"{folder}/BudgetAdjustments.csv:2:ledger_ref: line L1 is validated (R-GOV-4), so its ledger_ref cannot "
        "change (JNL-0001 -> JNL-0002); the correction is a reversal (savings reverse L1 --reason ...) and a new line",
        f"{folder}/SignOffs.csv:0:date: line L1 is validated (R-GOV-4): 1 row(s) of line L1 dated 2025-11-11 are "
        "missing or changed in the register (one was row 3 of the register imported before); rows of a validated "
        "line cannot be removed or changed; reverse the line instead"]
    write_register(folder, SavingLines="line_id,scheme_id,contract_id,cost_centre,benefit_type,baseline_price,"
                                       "new_price,annual_volume,go_live,created_by\n"
                                       "L2,S1,C1,CC20,PRODUCT_SWITCH,2.50,2.00,24000,2025-06-01,Pat Procurement\n",
                   Actuals="", BudgetAdjustments="")  # (finding) L1, validated, is gone with its rows
    with pytest.raises(RegisterInvalid) as caught:
        import_register(engine, folder)
    assert f"{folder}/SavingLines.csv:0:line_id: line L1 is validated (R-GOV-4): line L1 cannot be removed from the " \
           "register (it was row 2 of the register imported before); reverse it instead" in str(caught.value)


def test_an_unvalidated_line_may_still_change_and_its_plan_is_versioned(ledger):
    engine, folder = ledger
    step(engine, "L2", "PROPOSED", "procurement")
    step(engine, "L2", "QIA_APPROVED", "clinical")
    step(engine, "L2", "PLAN_APPROVED", "budget_holder")
    edit(folder, "SavingLines", "PRODUCT_SWITCH,local,false,2.50,2.00", "PRODUCT_SWITCH,local,false,2.50,2.10")
    import_register(engine, folder)
    ty = load_trust(engine, "RG1")
    plans = governance.plan_versions(ty.frames, "2025/26").set_index("line_id")
    # (ok) approved: £1,000 a month Jun-Mar; re-planned: £800 a month; the approved plan is kept
    assert [from_pence(plans.at["L2", c]) for c in ("approved", "latest")] == [from_pence(1_000_000),
                                                                               from_pence(800_000)]
    assert plans.at["L2", "versions"] == 2
    assert ty.figures.years.set_index(["line_id", "fy"]).at[("L2", "2025/26"), "plan"] == 800_000


def test_reversal_stops_the_line_and_turns_removed_budget_into_a_cost_pressure(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, write_register(tmp_path / "register", SignOffs=APPROVALS))
    with pytest.raises(LedgerError, match="a reversal needs --reason"):
        governance.reverse(engine, "L1", " ", "Fin Accountant")
    with pytest.raises(LedgerError, match="line L2 is IDEA: only a line in delivery, validated or closed can be "
                                          r"reversed; withdraw it instead \(savings advance L2 --to WITHDRAWN\)"):
        governance.reverse(engine, "L2", "no longer wanted", "Fin Accountant")
    out = governance.reverse(engine, "L1", "supplier price rose back to £4.00", "Fin Accountant", month="2026-02",
                             now=datetime(2026, 4, 10, 9, 0, tzinfo=UTC))
    assert out.message == ("line L1 reversed from 2026-02: it stops counting from that month; budget already removed "
                           "becomes a cost pressure (R-REV-1): 2025/26 £2,400.00, 2026/27 £14,400.00, "
                           "2027/28 £14,400.00")  # (ok) the budget stays removed every year of the contract
    years = load_trust(engine, "RG1").figures.years.set_index(["line_id", "fy"])
    # (ok) Nov-Jan delivered at £1,200 a month; Feb and Mar no longer count
    assert years.loc[("L1", "2025/26"), ["delivered", "cip", "forecast", "removed", "cost_pressure"]].tolist() == [
        360_000, 360_000, 360_000, 600_000, 240_000]
    assert years.loc[("L1", "2026/27"), ["cip_plan", "forecast", "cost_pressure"]].tolist() == [840_000, 0, 1_440_000]
    found = [f.message for f in load_trust(engine, "RG1").findings if f.rule_id == "R-REV-1"]
    assert found == ["REVERSED (supplier price rose back to £4.00): it no longer counts from 2026-02",
                     "£2,400.00 of budget already removed in 2025/26 is a cost pressure: the saving no longer holds",
                     "£14,400.00 of budget already removed in 2026/27 is a cost pressure: the saving no longer holds",
                     "£14,400.00 of budget already removed in 2027/28 is a cost pressure: the saving no longer holds"]
    # (ok) as known at 31 March 2026 the reversal (recorded 10 April) had not happened
    before = load_trust(engine, "RG1", date(2026, 3, 31)).figures.years.set_index(["line_id", "fy"])
    assert before.loc[("L1", "2025/26"), ["cip", "cost_pressure"]].tolist() == [600_000, 0]
    with pytest.raises(LedgerError, match="line L1 is REVERSED: it can no longer be signed off"):
        governance.signoff(engine, "L1", "finance", "Fin Accountant", True)


def test_a_withdrawn_line_is_final(ledger):
    engine, _ = ledger
    step(engine, "L2", "WITHDRAWN", "procurement", reason="clinicians prefer the current dressing",
         on=date(2025, 8, 15))
    with pytest.raises(LedgerError, match=r"line L2 is WITHDRAWN: it can move to nothing \(it is final\); not to "
                                          r"PROPOSED"):
        step(engine, "L2", "PROPOSED", "procurement")
    fig = load_trust(engine, "RG1").figures
    months = fig.months[fig.months["line_id"] == "L2"].set_index("month")["forecast"]
    assert (months.loc[:24306] > 0).all() and (months.loc[24307:] == 0).all()  # (ok) Aug 2025 = month 24307


def test_a_withdrawn_line_is_not_said_to_wait_for_sign_off(ledger):
    """L1 delivered November to March unsigned, then was withdrawn: no sign-off can come now (it is
    final), so neither `savings check` nor the pack's pipeline asks for one."""
    from reports import pack_sections

    engine, _ = ledger
    step(engine, "L1", "WITHDRAWN", "procurement", reason="contract not renewed", on=date(2026, 4, 10))
    ty = load_trust(engine, "RG1")
    assert [(f.rule_id, f.severity) for f in ty.findings if f.line_id == "L1" and f.rule_id != "R-REV-1"] == \
        [("R-GOV-1", "info")]
    waiting = {w.step: w.lines for w in pack_sections.pipeline(ty, "2025/26").awaiting}
    assert waiting["sign-off (budget holder and finance)"] == 1  # L2 (IDEA) only
    before = load_trust(engine, "RG1", date(2026, 3, 31))  # (ok) as known before the withdrawal it still waited
    assert [f.rule_id for f in before.findings if f.line_id == "L1"] == ["R-ELG-1"]


def test_a_line_withdrawn_before_validation_is_neither_at_risk_nor_forecast(ledger, tmp_path):
    """L1 delivered £6,000 (November to March) unsigned: at risk and forecast while a sign-off could
    still come; once withdrawn no step can make it count (decision 18), so the summary, the pack's
    pipeline and the audit workbook's formulas all leave it out. L2 (IDEA, no invoices) forecasts
    its £10,000 plan (June to March) throughout."""
    from reports import pack_sections
    from reports.web import explain
    from reports.workbook import write_workbook
    from tests.helpers_workbook import reperform, summary_rows

    engine, _ = ledger
    step(engine, "L1", "WITHDRAWN", "procurement", reason="contract not renewed", on=date(2026, 4, 10))
    cip = {when: summary(load_trust(engine, "RG1", when), "2025/26")["cip"]
           for when in (date(2026, 3, 31), None)}
    assert [(c["at_risk"], c["forecast"]) for c in cip.values()] == [("6000.00", "16000.00"), ("0.00", "10000.00")]
    ty = load_trust(engine, "RG1")
    fact = ty.figures.lines.set_index("line_id").loc["L1"]  # the web's line page
    assert [c["text"] for c in explain.checks(fact, ty.policy) if c["rule"] == "R-ELG-1"] == [
        "withdrawn before it was signed off: it can no longer be"]
    assert sum(r.forecast for r in pack_sections.pipeline(ty, "2025/26").rows) == 1_000_000
    assert sum(pack_sections.monthly(ty, "2025/26", []).forecast) == 1_000_000
    out = tmp_path / "audit.xlsx"
    write_workbook(ty, "2025/26", out)
    computed, bad = reperform(out, tmp_path)
    assert bad == []
    rows = summary_rows(out)
    assert [round(computed[rows[k][0]], 2) for k in ("cip.at_risk", "cip.forecast")] == [0, 10000]


def test_a_line_removed_from_the_register_keeps_its_history(ledger):
    """L2 (IDEA, never locked) is dropped from the register after it was proposed; its audit trail stays readable."""
    engine, folder = ledger
    step(engine, "L2", "PROPOSED", "procurement")
    edit(folder, "SavingLines", "L2,S1,C1,FOAM-10,CC20,non_pay,PRODUCT_SWITCH,local,false,2.50,2.00,each,24000,"
                                "2025-06-01,,,Pat Procurement,\n", "")
    import_register(engine, folder)
    assert [(e["action"], e["to_status"]) for e in governance.history(engine, "L2")] == [("status", "PROPOSED")]
    with pytest.raises(LedgerError, match="line NOPE is not in the ledger"):
        governance.history(engine, "NOPE")


def test_unknown_and_ambiguous_lines_are_named(ledger, tmp_path):
    engine, _ = ledger
    with pytest.raises(LedgerError, match="line NOPE is not in the ledger"):
        governance.signoff(engine, "NOPE", "finance", "Fin Accountant", True)
    other = write_register(tmp_path / "other")
    edit(other, "Trust", "RG1,Governance", "RG2,Other")
    import_register(engine, other)
    with pytest.raises(LedgerError, match="line L1 is in trusts RG1, RG2: give --trust"):
        governance.signoff(engine, "L1", "finance", "Fin Accountant", True)
    assert governance.signoff(engine, "L1", "finance", "Fin Accountant", True, trust="RG2").trust == "RG2"
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from signoff where trust = 'RG2'")).scalar() == 1


def test_a_decision_dated_in_the_future_is_refused(ledger, tmp_path):
    """A sign-off, a status move or evidence is recorded when it happens, not ahead of it."""
    engine, _ = ledger
    now = datetime(2026, 4, 8, 17, 0, tzinfo=UTC)
    with pytest.raises(LedgerError, match=r"a sign-off dated 2026-04-09 is in the future \(today is 2026-04-08\)"):
        governance.signoff(engine, "L1", "budget_holder", "Bea Holder", True, on=date(2026, 4, 9), now=now)
    with pytest.raises(LedgerError, match="moving a line to PROPOSED dated 2030-01-01 is in the future"):
        governance.advance(engine, "L2", "PROPOSED", "Pat Procurement", "procurement", on=date(2030, 1, 1), now=now)
    (tmp_path / "invoice.pdf").write_bytes(b"%PDF-1.4 invoice")
    with pytest.raises(LedgerError, match="evidence dated 2027-01-01 is in the future"):
        evidence.attach(engine, "L1", tmp_path / "invoice.pdf", "invoice_extract", "Pat Procurement",
                     on=date(2027, 1, 1), now=now)
    with pytest.raises(LedgerError, match=r"a sign-off dated 1899-12-31 is before the years the ledger holds \(from "
                                          r"1900-04-01\)"):  # the web form's date: no workbook could hold it
        governance.signoff(engine, "L1", "budget_holder", "Bea Holder", True, on=date(1899, 12, 31), now=now)
    assert governance.signoff(engine, "L1", "budget_holder", "Bea Holder", True, on=date(2026, 4, 8), now=now)


@given(st.dictionaries(st.sampled_from(["L1", "L10", "L2", "x\u00e9"]),
                       st.dictionaries(st.integers(1900 * 12, 2998 * 12 + 11), st.integers(-10**15, 10**15),
                                       max_size=30), max_size=4))
def test_a_plan_version_stores_the_canonical_text_of_its_months(plans):
    """plan_months writes each line's months without the JSON encoder: it must give audit.canonical's
    text byte for byte (what re-plan detection compares with and the audit trail keeps), and the total."""
    rows = [(line_id, month, pence) for line_id, months in plans.items() for month, pence in reversed(months.items())]
    frame = pd.DataFrame(rows, columns=["line_id", "month", "cip_plan"])
    expected = {line_id: (audit.canonical({calendar.month_label(m): p for m, p in months.items()}),
                          sum(months.values())) for line_id, months in plans.items() if months}
    assert governance.plan_months(frame) == expected


def test_a_row_no_longer_in_the_register_is_placed_where_it_came_from():
    """A locked row missing from a re-import is named by where it stood: a row of the register
    imported before (not a row of the new file), or a web form, which stores no register row."""
    assert ImportGuard._was({"source_row": 7}) == "row 7 of the register imported before"
    assert ImportGuard._was({"source_row": 0}) == "entered on the web, in no register"
