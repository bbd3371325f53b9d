"""Period close (C4): a closed month is locked with a lock id and a data fingerprint; nothing dated
in it changes afterwards except by a reversal dated in an open month; `--as-at` reproduces what
was known then."""
from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger import audit, evidence, governance, periods
from ledger.db import open_ledger
from ledger.engine.summary import lines, load_trust, summary
from ledger.errors import LedgerError
from ledger.fingerprint import fingerprint
from ledger.register.load import RegisterInvalid, import_register
from tests.helpers_governance import APPROVALS, edit, write_register

APRIL = datetime(2026, 4, 8, 17, 0, tzinfo=UTC)


@pytest.fixture
def closed(tmp_path, monkeypatch):
    """RG1 (L1 validated by its register sign-offs) closed through March 2026 on 8 April."""
    monkeypatch.setenv("SAVINGS_EVIDENCE_DIR", str(tmp_path / "store"))
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(tmp_path / "register", SignOffs=APPROVALS)
    import_register(engine, folder)
    lock = periods.close_period(engine, "RG1", "2026-03", "Fin Accountant", now=APRIL)
    return engine, folder, lock


def test_a_close_records_a_lock_id_a_fingerprint_and_an_event(closed):
    engine, _, lock = closed
    frames = load_trust(engine, "RG1").frames
    digest, _ = periods.period_fingerprint(frames, 2026 * 12 + 2)
    # (ok) 2 lines live by March, 5 actuals, 2 sign-offs, 1 budget adjustment
    assert (lock.month, lock.fingerprint, lock.rows) == ("2026-03", digest, 10)
    assert lock.lock_id == f"RG1-2026-03-{digest[7:15]}"
    assert periods.lock_for(engine, "RG1", "2026-02") == lock  # (ok) covered by the close through March
    assert periods.lock_for(engine, "RG1", "2026-04") is None
    report = audit.verify(engine)
    assert (report.events, report.periods, report.problems) == (4, 1, ())


@pytest.mark.parametrize(("month", "now", "message"), [
    ("2026-02", APRIL, "2026-02 is already closed: RG1 is closed through 2026-03 (lock RG1-2026-03-"),
    ("2026-04", APRIL, "2026-04 has not ended yet (today is 2026-04-08); a month can be closed after its last day"),
    ("March", APRIL, "not a month like 2025-11 ('March')"),
])
def test_a_close_is_refused_for_a_closed_or_unfinished_month(closed, month, now, message):
    engine, _, _ = closed
    with pytest.raises(LedgerError) as caught:
        periods.close_period(engine, "RG1", month, "Fin Accountant", now=now)
    assert message in str(caught.value)


def test_a_re_import_cannot_change_what_is_dated_in_a_closed_month(closed):
    engine, folder, _ = closed
    edit(folder, "Actuals", "L1,2026-01,2000,3.40", "L1,2026-01,2100,3.40")
    edit(folder, "SavingLines", "PRODUCT_SWITCH,local,false,2.50,2.00", "PRODUCT_SWITCH,local,false,2.50,2.10")
    with pytest.raises(RegisterInvalid) as caught:
        import_register(engine, folder)
    assert str(caught.value).splitlines() == [
        f"{folder}/SavingLines.csv:3:new_price: 2025-06 is closed for RG1 (closed through 2026-03), so its new_price "
        "cannot change (2 -> 2.1); the correction is a reversal (savings reverse L2 --reason ...) and a new line",
        f"{folder}/Actuals.csv:4:month: 2026-01 is closed for RG1 (closed through 2026-03): this row is new or "
        "changed; enter the correction in an open month (a reversal plus a new entry)",
        f"{folder}/Actuals.csv:0:month: 2026-01 is closed for RG1 (closed through 2026-03): 1 row(s) of line L1 "
        "dated 2026-01 are missing or changed in the register (one was row 4 of the register imported before); "
        "enter the correction in an open month"]


def test_open_months_still_take_new_rows(closed):
    engine, folder, _ = closed
    (folder / "Actuals.csv").write_text((folder / "Actuals.csv").read_text() + "L1,2026-04,1900,3.40\n")
    (folder / "SavingLines.csv").write_text((folder / "SavingLines.csv").read_text().replace(
        "L2,S1,C1,FOAM-10", "L3,S1,C1,FOAM-20,CC20,non_pay,PRICE_REDUCTION,local,false,1.00,0.90,each,1200,"
        "2026-05-01,,,Pat Procurement,\nL2,S1,C1,FOAM-10"))
    result = import_register(engine, folder)
    assert (result.rows["Actuals"], result.rows["SavingLines"]) == (6, 3)
    delivered = load_trust(engine, "RG1").figures.years.set_index(["line_id", "fy"])["delivered"]
    assert delivered[("L1", "2026/27")] == 114_000  # (ok) April: 1,900 boxes x £0.60
    edit(folder, "SavingLines", "2026-05-01", "2026-02-01")  # (finding) a new line back-dated into February
    with pytest.raises(RegisterInvalid, match=r"SavingLines.csv:3:go_live: 2026-02 is closed for RG1 \(closed "
                                              r"through 2026-03\): this row is new or changed"):
        import_register(engine, folder)


def test_evidence_with_no_capture_date_is_not_held_by_a_close(closed):
    """A closed month keeps rows dated in it; evidence with no date is in no month, so a re-import
    replaces it like any open row (it was once neither deleted nor kept, and went in twice)."""
    engine, folder, _ = closed
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type\nEV1,L2,contract\n")
    assert import_register(engine, folder).rows["Evidence"] == 1
    (folder / "Actuals.csv").write_text((folder / "Actuals.csv").read_text() + "L1,2026-04,1900,3.40\n")
    assert import_register(engine, folder).rows["Evidence"] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT evidence_id, line_id FROM evidence")).all() == [("EV1", "L2")]


@pytest.mark.parametrize(("action", "message"), [
    (lambda e: governance.signoff(e, "L2", "finance", "Fin Accountant", True, on=date(2026, 3, 15)),
     "2026-03 is closed for RG1 (closed through 2026-03, lock RG1-2026-03-"),
    (lambda e: governance.reverse(e, "L1", "price rose back", "Fin Accountant", month="2026-03"),
     "a reversal must be dated in an open month, 2026-04 or later"),
    (lambda e: governance.advance(e, "L2", "WITHDRAWN", "Sam Owner", "budget_holder", reason="dropped",
                                  on=date(2026, 1, 31)),
     "moving a line to WITHDRAWN must be dated in an open month"),
])
def test_commands_dated_in_a_closed_month_are_refused(closed, action, message):
    engine, _, _ = closed
    with pytest.raises(LedgerError) as caught:
        action(engine)
    assert message in str(caught.value)


def test_evidence_dated_in_a_closed_month_is_refused(closed, tmp_path):
    engine, _, _ = closed
    note = tmp_path / "journal.txt"
    note.write_text("JNL-0001 budget reduction CC10")
    with pytest.raises(LedgerError, match="evidence must be dated in an open month"):
        evidence.attach(engine, "L1", note, "journal", "Fin Accountant", on=date(2026, 3, 31))


def test_a_reversal_in_an_open_month_corrects_a_closed_line(closed):
    engine, _, _ = closed
    governance.reverse(engine, "L1", "price rose back", "Fin Accountant", month="2026-04")
    years = load_trust(engine, "RG1").figures.years.set_index(["line_id", "fy"])
    assert years.loc[("L1", "2025/26"), ["cip", "cost_pressure"]].tolist() == [600_000, 0]  # (ok) closed year kept
    assert years.loc[("L1", "2026/27"), "cost_pressure"] == 1_440_000
    assert audit.verify(engine).problems == ()  # (ok) the closed data did not change


def test_raw_sql_on_closed_data_is_caught_by_verify(closed):
    engine, _, lock = closed
    with engine.begin() as conn:
        conn.execute(text("UPDATE actual SET volume_milli = 2100000 WHERE month = :m"), {"m": 2026 * 12})
    [problem] = audit.verify(engine).problems
    assert problem.format().startswith(f"RG1: period 2026-03 (lock {lock.lock_id}): data dated in the closed period "
                                       "has changed since the close")


def test_as_at_reproduces_what_was_known_then(closed, tmp_path):
    engine, folder, _ = closed
    as_at = date(2026, 3, 31)

    def known():
        ty = load_trust(engine, "RG1", as_at)
        return summary(ty, "2025/26"), lines(ty), fingerprint(ty.frames)

    before = known()
    (folder / "Actuals.csv").write_text((folder / "Actuals.csv").read_text() + "L1,2026-04,1900,3.40\n")
    import_register(engine, folder)
    governance.reverse(engine, "L1", "price rose back", "Fin Accountant", month="2026-05")
    governance.advance(engine, "L2", "PROPOSED", "Pat Procurement", "procurement")
    assert known() == before
    assert load_trust(engine, "RG1").figures.lines.set_index("line_id").at["L1", "status"] == "REVERSED"
    assert summary(load_trust(engine, "RG1", as_at), "2025/26")["cip"]["delivered"] == "6000.00"


def test_a_ledger_without_closes_locks_nothing(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    folder = write_register(Path(tmp_path) / "register")
    import_register(engine, folder)
    assert periods.locks(engine, "RG1") == []
    edit(folder, "Actuals", "L1,2026-01,2000,3.40", "L1,2026-01,2100,3.40")
    assert import_register(engine, folder).changed


def test_evidence_with_no_capture_date_does_not_stop_a_close(tmp_path):
    """An Evidence sheet whose rows give no captured_at (the example trust's) has nothing dated to lock."""
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    evidence_rows = "evidence_id,line_id,type,file,sha256,captured_at\nEV1,L1,invoice_extract,,,\nEV2,L1,contract,,,\n"
    import_register(engine, write_register(tmp_path / "register", SignOffs=APPROVALS, Evidence=evidence_rows))
    lock = periods.close_period(engine, "RG1", "2026-03", "Fin Accountant", now=APRIL)
    assert lock.month == "2026-03" and lock.fingerprint
