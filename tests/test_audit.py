"""The audit trail and the evidence store: tamper with the database or a file by hand, and
`savings audit verify` names what was altered, removed or inserted."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from ledger import audit, evidence, governance
from ledger.cli import app
from ledger.db import open_ledger
from ledger.engine.summary import load_trust, summary
from ledger.errors import LedgerError
from ledger.register.load import RegisterInvalid, import_register
from reports.workbook import write_workbook
from tests.helpers_governance import APPROVALS, edit, write_register


@pytest.fixture
def engine(tmp_path, monkeypatch):
    """RG1 imported (event #1 import of L1's validation is #1..#3), then two CLI sign-offs on L2."""
    monkeypatch.setenv("SAVINGS_EVIDENCE_DIR", str(tmp_path / "store"))
    engine = open_ledger(f"sqlite:///{tmp_path}/l.db")
    import_register(engine, write_register(tmp_path / "register", SignOffs=APPROVALS))
    for to, person, role in (("PROPOSED", "Pat Procurement", "procurement"), ("QIA_APPROVED", "Dr Nurse", "clinical")):
        governance.advance(engine, "L2", to, person, role)
    return engine


def problems(engine):
    return [p.format() for p in audit.verify(engine).problems]


def raw(engine, sql, **params):
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def test_an_untouched_ledger_verifies(engine):
    report = audit.verify(engine)
    assert (report.events, report.lines, report.problems) == (5, 1, ())
    assert report.summary() == ("audit verify: OK: 5 events in the chain, 0 closed periods, 1 validated line, "
                                "0 evidence files checked")


def test_an_altered_event_is_named(engine):
    raw(engine, "UPDATE auditevent SET actor = 'Someone Else' WHERE seq = 4")
    [found] = problems(engine)
    assert re.fullmatch(r"RG1: event #4 \(status line L2, \d{4}-\d\d-\d\d\): does not match its hash: it was "
                        r"altered, or inserted by hand", found)


def test_an_event_altered_and_re_hashed_is_named_by_the_next_one(engine):
    events = audit.EVENTS
    with engine.begin() as conn:
        row = dict(conn.execute(select(events).where(events.c.seq == 2)).mappings().one())
        row["reason"] = "nothing to see"
        conn.execute(update(events).where(events.c.seq == 2)
                     .values(reason=row["reason"], hash=audit.event_hash(row["prev_hash"], row)))
    assert problems(engine) == ["RG1: event #2: was altered and re-hashed: event #3 recorded a different hash for it"]


def test_a_removed_event_is_named(engine):
    raw(engine, "DELETE FROM auditevent WHERE seq = 3")
    assert problems(engine) == ["RG1: event #3: missing from the chain: removed"]


def test_removing_the_last_events_is_caught_by_the_head(engine):
    raw(engine, "DELETE FROM auditevent WHERE seq >= 4")
    assert problems(engine) == ["event #4 to #5: missing from the end of the chain: removed"]


def test_an_event_inserted_by_hand_is_named(engine):
    raw(engine, "INSERT INTO auditevent SELECT 6, trust, entity, entity_id, action, from_status, 'VALIDATED', "
                "'Fin Accountant', role, reason, evidence_ids, effective_month, details, recorded_at, hash, "
                "'made-up' FROM auditevent WHERE seq = 5")
    altered, after_head = problems(engine)
    assert re.fullmatch(r"RG1: event #6 \(status line L2, [-\d]+\): does not match its hash: it was altered, or "
                        r"inserted by hand", altered)
    assert after_head == "event #6: after the recorded head (#5): inserted by hand"


def test_an_insertion_with_a_forged_hash_is_caught_by_the_head(engine):
    with engine.begin() as conn:
        audit.append_events(conn, [{"trust": "RG1", "entity": "line", "entity_id": "L1", "action": "status",
                                    "actor": "Mallory"}])
        raw_head = conn.execute(text("SELECT seq FROM audithead")).scalar()
        conn.execute(text("UPDATE audithead SET seq = :s, hash = :h"), {"s": raw_head - 1, "h": "x"})
    assert problems(engine) == ["event #6: after the recorded head (#5): inserted by hand"]


def test_a_validated_line_edited_by_raw_sql_is_caught(engine):
    raw(engine, "UPDATE savingline SET new_micro = 3300000 WHERE line_id = 'L1'")
    assert problems(engine) == ["RG1: line L1: validated (locked at event #1) but its fields no longer hash to what "
                                "they were then: it was edited outside the ledger"]
    raw(engine, "DELETE FROM savingline WHERE line_id = 'L1'")
    assert problems(engine) == ["RG1: line L1: validated (locked at event #1) but missing: removed outside the ledger"]


def test_evidence_is_stored_by_its_hash_and_a_changed_or_missing_file_is_reported(engine, tmp_path):
    invoice = tmp_path / "invoices-nov.csv"
    invoice.write_text("invoice,qty,price\nINV1,2000,3.40\n")
    row = evidence.attach(engine, "L1", invoice, "invoice_extract", "Pat Procurement", on=date(2025, 12, 5))
    sha = audit.file_sha256(invoice)
    assert (row["evidence_id"], row["sha256"]) == (f"EV-L1-{sha[:8]}", sha)
    stored = tmp_path / "store" / sha[:2] / sha
    assert stored.read_bytes() == invoice.read_bytes()
    assert [(r["evidence_id"], r["type"], r["captured_at"], r["stored"])
            for r in evidence.listing(engine, "RG1")] == [(f"EV-L1-{sha[:8]}", "invoice_extract", date(2025, 12, 5),
                                                           True)]
    assert problems(engine) == []
    os.chmod(stored, 0o644)
    stored.write_text("invoice,qty,price\nINV1,2000,3.10\n")
    assert problems(engine) == [f"RG1: line L1 evidence EV-L1-{sha[:8]}: file changed: it hashes to "
                                f"{audit.file_sha256(stored)[:12]}…, recorded {sha[:12]}…"]
    stored.unlink()
    assert problems(engine) == [f"RG1: line L1 evidence EV-L1-{sha[:8]}: file missing from the evidence store "
                                f"({stored})"]
    with pytest.raises(LedgerError, match="--type 'invoice' is not one of invoice_extract"):
        evidence.attach(engine, "L1", invoice, "invoice", "Pat Procurement")


def test_cli_evidence_survives_a_re_import_and_register_files_are_stored(engine, tmp_path):
    folder = tmp_path / "register"
    contract = folder / "contract.txt"
    contract.write_text("Supplies Ltd framework call-off, gloves at £3.40 a box")
    sha = audit.file_sha256(contract)
    evidence.attach(engine, "L1", contract, "contract", "Pat Procurement", evidence_id="EV-CLI")
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\nEV-REG,L2,contract,contract.txt,\n")
    import_register(engine, folder)
    assert {(r["evidence_id"], r["line_id"], r["source"], r["sha256"]) for r in evidence.listing(engine, "RG1")} == {
        ("EV-CLI", "L1", "cli", sha), ("EV-REG", "L2", "register", sha)}  # (ok) the ledger filled in the hash
    (folder / "Evidence.csv").write_text(f"evidence_id,line_id,type,file,sha256\nEV-REG,L2,contract,contract.txt,"
                                         f"{'0' * 64}\n")
    with pytest.raises(LedgerError, match=f"Evidence.csv:2:sha256: contract.txt hashes to {sha}, not 0000"):
        import_register(engine, folder)
    edit(folder, "Evidence", "EV-REG", "EV-CLI")
    with pytest.raises(LedgerError, match="evidence_id EV-CLI is already used by evidence attached with"):
        import_register(engine, folder)


def test_a_lines_history_shows_the_evidence_attached_to_it(engine, tmp_path):
    """`savings history L2` lists the file attached to L2 with who attached it; L1's does not."""
    quote = tmp_path / "quote.txt"
    quote.write_text("Supplier quote for foam dressings")
    evidence.attach(engine, "L2", quote, "other", "Pat Procurement", evidence_id="EV-L2")
    [attached] = [e for e in governance.history(engine, "L2") if e["action"] == "evidence"]
    assert [attached[k] for k in ("entity_id", "actor", "reason")] == ["EV-L2", "Pat Procurement", "other for L2"]
    assert [e["action"] for e in governance.history(engine, "L1") if e["action"] == "evidence"] == []
    out = CliRunner().invoke(app, ["history", "L2", "--db", str(engine.url)]).output
    assert re.search(r"#\d+ +\S+ \S+ +evidence +Pat Procurement +other for L2", out)


def test_a_lines_history_shows_the_sign_offs_and_evidence_its_register_records(engine, tmp_path):
    """R-GOV-3: who signed a line off must show in its trail. The register's sign-offs and evidence
    rows have no event of their own (the import's event holds the register's hash), so `savings
    history` lists them under the events; L2 has none, and none of L1's."""
    folder = tmp_path / "register"
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256,captured_at\n"
                                         f"EV-J,L1,journal,,{'b' * 64},2025-11-12\n")
    evidence.attach(engine, "L1", folder / "SignOffs.csv", "other", "Pat Procurement", evidence_id="EV-X")
    edit(folder, "Evidence", "b" * 64, audit.file_sha256(folder / "SignOffs.csv"))
    import_register(engine, folder)
    decisions, files = governance.register_trail(engine, "L1")
    assert [(d["date"], d["role"], d["person"], d["decision"], d["source_row"]) for d in decisions] == [
        (date(2025, 11, 10), "budget_holder", "Bea Holder", "approve", 2),
        (date(2025, 11, 11), "finance", "Fin Accountant", "approve", 3)]
    assert [(f["evidence_id"], f["type"], f["captured_at"], f["source_row"]) for f in files] == [
        ("EV-J", "journal", date(2025, 11, 12), 2)]  # (ok) EV-X, attached outside the register, is an event
    assert governance.register_trail(engine, "L2") == ([], [])
    out = " ".join(CliRunner().invoke(app, ["history", "L1", "--db", str(engine.url)]).output.split())
    assert ("Sign-offs the register records (imported with it, no event of their own): date role by decision "
            "comment row ---------- ------------- -------------- -------- ------- --- 2025-11-10 budget_holder "
            "Bea Holder approve 2 2025-11-11 finance Fin Accountant approve 3") in out
    assert "Evidence the register records: evidence type captured file sha256 row" in out
    assert re.search(r"EV-J journal 2025-11-12 [0-9a-f]{12} 2$", out)


def test_a_re_import_without_a_line_says_what_it_kept_for_it(engine, tmp_path):
    """Evidence and sign-offs recorded outside the register stay with a line the register drops,
    and the import says so: they count again if the line comes back."""
    note = tmp_path / "quote.txt"
    note.write_text("Supplier quote for foam dressings")
    evidence.attach(engine, "L2", note, "other", "Pat Procurement", evidence_id="EV-L2")
    governance.advance(engine, "L2", "PLAN_APPROVED", "Fin Accountant", "finance")
    governance.advance(engine, "L2", "IN_DELIVERY", "Pat Procurement", "procurement")
    governance.signoff(engine, "L2", "budget_holder", "Bea Holder", True, on=date(2025, 7, 1))
    governance.signoff(engine, "L2", "clinical", "Dr Nurse", False, on=date(2025, 7, 2))
    folder = tmp_path / "register"
    edit(folder, "SavingLines", "L2,S1,C1,FOAM-10,CC20,non_pay,PRODUCT_SWITCH,local,false,2.50,2.00,each,24000,"
                                "2025-06-01,,,Pat Procurement,\n", "")
    result = import_register(engine, folder)
    assert result.notes == (
        "2 sign-offs recorded outside the register are kept for line L2, which the register no longer holds; "
        "they apply again if the line comes back",
        "1 evidence file recorded outside the register is kept for line L2, which the register no longer holds; "
        "it applies again if the line comes back")
    out = CliRunner().invoke(app, ["import", str(folder), "--db", str(engine.url)])
    assert out.output.endswith("already imported; nothing changed\n")  # (ok) said once, when it happened
    assert import_register(engine, write_register(tmp_path / "again", SignOffs=APPROVALS)).notes == ()


def test_a_refused_attachment_or_register_leaves_no_file_in_the_store(engine, tmp_path):
    """Nothing half-written: a file goes into the evidence store only with the row that names it."""
    def files() -> list[str]:
        return sorted(p.name for p in (tmp_path / "store").rglob("*") if p.is_file())

    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("a quote")
    second.write_text("another quote")
    evidence.attach(engine, "L1", first, "other", "Pat Procurement", evidence_id="EV-1")
    assert files() == [audit.file_sha256(first)]
    with pytest.raises(LedgerError, match="evidence id EV-1 is already used"):
        evidence.attach(engine, "L1", second, "other", "Pat Procurement", evidence_id="EV-1")
    folder = tmp_path / "register"
    (folder / "invoice.txt").write_text("invoice 123")
    (folder / "Evidence.csv").write_text(f"evidence_id,line_id,type,file,sha256\nEV-2,L1,invoice_extract,invoice.txt,"
                                         f"{'0' * 64}\n")
    with pytest.raises(LedgerError, match=r"invoice\.txt hashes to"):
        import_register(engine, folder)
    assert files() == [audit.file_sha256(first)]  # neither the refused attachment's nor the register's


def test_the_command_exits_1_and_names_the_event(engine):
    db = str(engine.url)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify", "--db", db])
    assert (ok.exit_code, ok.output.strip().splitlines()[-1]) == (0, "audit verify: OK: 5 events in the chain, "
                                                                     "0 closed periods, 1 validated line, "
                                                                     "0 evidence files checked")
    raw(engine, "DELETE FROM auditevent WHERE seq = 2")
    bad = runner.invoke(app, ["audit", "verify", "--db", db])
    assert bad.exit_code == 1
    assert bad.output.splitlines()[0] == "RG1: event #2: missing from the chain: removed"


def test_an_events_hash_is_pinned_so_old_chains_keep_verifying():
    """The hash of a fixed event, as the ledger has written it since its first release: any change to
    the fields, their order, the JSON or the time's text would break every stored chain."""
    event = {"seq": 7, "trust": "RT1", "entity": "line", "entity_id": "L1", "action": "status",
             "from_status": "IN_DELIVERY", "to_status": "VALIDATED", "actor": "Zoë Finance", "role": "finance",
             "reason": 'sign-offs "complete"', "evidence_ids": "EV1,EV2", "effective_month": None,
             "details": '{"version":1}',
             "recorded_at": datetime(2026, 3, 31, 23, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))}
    pinned = "ced3e14a4aeaa5dd0e9874d018490fc9db135399ffce1784a3e4a46245370ecc"
    assert audit.event_hash("ab" * 32, event) == pinned
    assert audit.event_hash("ab" * 32, event, "2026-03-31T22:30:00.123456+00:00") == pinned


def test_verifying_a_trust_the_ledger_does_not_hold_is_refused(engine):
    """An empty "OK" for a mistyped trust would read as a clean audit."""
    with pytest.raises(LedgerError, match="trust 'ZZZ' is not in the ledger"):
        audit.verify(engine, "ZZZ")


def test_listing_the_evidence_of_a_trust_the_ledger_does_not_hold_is_refused(engine):
    """An empty table for a mistyped trust would read as a trust with no evidence."""
    result = CliRunner().invoke(app, ["evidence", "list", "--trust", "ZZZ", "--db", str(engine.url)])
    assert result.exit_code == 1
    assert result.output == "trust 'ZZZ' is not in the ledger (it holds: RG1); import its register first\n"


def test_listing_the_evidence_of_a_line_the_trust_does_not_hold_is_refused(engine, tmp_path):
    """An empty table for a mistyped line would read as a line with no evidence."""
    runner, db = CliRunner(), str(engine.url)
    result = runner.invoke(app, ["evidence", "list", "--trust", "RG1", "--line", "NOPE", "--db", db])
    assert (result.exit_code, result.output) == (1, "line NOPE is not in trust RG1\n")
    held = runner.invoke(app, ["evidence", "list", "--trust", "RG1", "--line", "L2", "--json", "--db", db])
    assert (held.exit_code, held.output) == (0, "[]\n")  # (ok) a line of the trust with no evidence yet
    (tmp_path / "qia.pdf").write_bytes(b"QIA for the foam dressing switch")
    evidence.attach(engine, "L2", tmp_path / "qia.pdf", "contract", "Pat Procurement", evidence_id="EV-QIA")
    edit(tmp_path / "register", "SavingLines", "\nL2,", "\nL3,")
    import_register(engine, tmp_path / "register")
    kept = runner.invoke(app, ["evidence", "list", "--trust", "RG1", "--line", "L2", "--db", db])
    assert (kept.exit_code, "EV-QIA" in kept.output) == (0, True)  # (ok) evidence kept from a line the register dropped


def test_a_folder_or_an_empty_file_is_not_evidence(engine, tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(LedgerError, match="is a folder; name the evidence file in it"):
        evidence.attach(engine, "L1", tmp_path, "invoice_extract", "Pat Procurement")
    with pytest.raises(LedgerError, match=r"empty\.pdf: is empty"):
        evidence.attach(engine, "L1", tmp_path / "empty.pdf", "invoice_extract", "Pat Procurement")


WHY = (": a register names a file by its hash alone only once its trust holds it (stored by an earlier import, or "
       "attached to a line); put the file next to the register, or attach it first")


def test_a_sha256_written_in_capitals_is_stored_as_the_evidence_store_names_the_file(engine, tmp_path):
    """A register may write a hash in capitals (a spreadsheet's UPPER, a tool's output); the store
    names files in lower case, so the row keeps the lower-case hash and `audit verify` finds the file."""
    folder = tmp_path / "register"
    (folder / "quote.txt").write_text("RG1's quote")
    sha = audit.file_sha256(folder / "quote.txt")
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\n"
                                         f"EV-Q,L1,other,quote.txt,{sha.upper()}\n"  # (ok) the file, in capitals
                                         f"EV-H,L1,other,,{sha.upper()}\n")  # (ok) by hash alone, stored by row 2
    import_register(engine, folder)
    assert {(r["evidence_id"], r["sha256"], r["stored"]) for r in evidence.listing(engine, "RG1")} == {
        ("EV-Q", sha, True), ("EV-H", sha, True)}
    assert problems(engine) == []
    edit(folder, "Schemes", "Foam dressing switch", "Foam dressing switch (2)")  # L1 is validated, its rows kept
    import_register(engine, folder)  # (ok) the same hashes in capitals are no change to L1's evidence
    assert problems(engine) == []


def test_a_register_with_wrong_cells_and_wrong_files_is_told_of_both_at_once(engine, tmp_path):
    """The evidence files are checked even when a cell is wrong, so one report names every problem:
    fixing the cells must not bring a second round of refusals for the files."""
    folder = tmp_path / "register"
    (folder / "quote.txt").write_text("RG1's quote")
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\n"
                                         "EV-OK,L2,other,quote.txt,\n"  # (ok) next to the register
                                         f"EV-BAD,L2,contract,quote.txt,{'0' * 64}\n"  # (finding) wrong hash
                                         "EV-LOST,L2,contract,lost.txt,\n"  # (finding) no such file
                                         "EV-CELL,L9,contract,quote.txt,\n")  # (finding) no line L9: its file unchecked
    edit(folder, "Contracts", "2028-03-31", "2028-02-30")
    before = evidence.listing(engine, "RG1")
    with pytest.raises(RegisterInvalid) as refused:
        import_register(engine, folder)
    sha = audit.file_sha256(folder / "quote.txt")
    assert [p.removeprefix(f"{folder}/") for p in str(refused.value).splitlines()] == [
        "Contracts.csv:2:end_date: not a real date ('2028-02-30')",
        "Evidence.csv:5:line_id: names saving line 'L9', which is not in SavingLines",
        f"Evidence.csv:3:sha256: quote.txt hashes to {sha}, not {'0' * 64}",
        "Evidence.csv:4:file: lost.txt is not next to the register (and no sha256 is given)"]
    assert evidence.listing(engine, "RG1") == before
    assert not audit.stored_path(tmp_path / "store", sha).exists()


def test_a_register_names_by_hash_alone_only_a_file_its_own_trust_holds(engine, tmp_path):
    """The web serves evidence by its sha256, and hashes are shown in listings and audit workbooks: a
    register naming another trust's file by its hash alone would have served that file through this
    trust. Such a row is refused (file:sheet:row:column, nothing stored); the trust's own files,
    stored by an earlier import or attached, may still be named by hash alone."""
    other = write_register(tmp_path / "other", Trust="org_code,name,trust_type,region\nRG2,Other NHS Trust,acute,\n",
                           SignOffs="")
    (other / "secret.txt").write_text("RG2's contract, for RG2's eyes")
    (other / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\nEV-RG2,L2,contract,secret.txt,\n")
    import_register(engine, other)
    secret = audit.file_sha256(other / "secret.txt")
    folder = tmp_path / "register"
    (folder / "quote.txt").write_text("RG1's own quote")
    own = audit.file_sha256(folder / "quote.txt")
    attached = tmp_path / "attached.txt"
    attached.write_text("RG1's invoice, attached at the command line")
    evidence.attach(engine, "L2", attached, "invoice_extract", "Pat Procurement", trust="RG1",
                    evidence_id="EV-CLI")
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\n"
                                         "EV-OWN,L2,other,quote.txt,\n"  # (ok) stored now
                                         f"EV-B,L2,contract,secret.txt,{secret}\n"  # (finding) RG2's file
                                         f"EV-C,L2,contract,,{secret.upper()}\n"  # (finding) the same, unnamed
                                         f"EV-D,L2,contract,lost.txt,{'a' * 64}\n"  # (finding) held by no one
                                         f"EV-E,L2,contract,copy.txt,{own}\n")  # (ok) the file stored by row 2
    before = evidence.listing(engine, "RG1")
    with pytest.raises(LedgerError) as refused:
        import_register(engine, folder)
    assert [p.removeprefix(f"{folder}/") for p in str(refused.value).splitlines()] == [
        f"Evidence.csv:3:sha256: secret.txt is not next to the register, and RG1 holds no evidence file with sha256 "
        f"{secret}{WHY}",
        f"Evidence.csv:4:sha256: the row names no file, and RG1 holds no evidence file with sha256 {secret}"
        f"{WHY}",
        f"Evidence.csv:5:sha256: lost.txt is not next to the register, and RG1 holds no evidence file with sha256 "
        f"{'a' * 64}{WHY}"]
    assert evidence.listing(engine, "RG1") == before
    assert not audit.stored_path(tmp_path / "store", own).exists()  # a refused register stores none of its files

    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\nEV-OWN,L2,other,quote.txt,\n")
    import_register(engine, folder)
    (folder / "quote.txt").unlink()  # a re-import, or the audit workbook's sheets, name the files it stored by hash
    (folder / "Evidence.csv").write_text("evidence_id,line_id,type,file,sha256\n"
                                         f"EV-OWN,L2,other,quote.txt,{own}\n"
                                         f"EV-AGAIN,L2,invoice_extract,,{audit.file_sha256(attached)}\n")
    import_register(engine, folder)
    assert {(r["evidence_id"], r["sha256"], r["stored"]) for r in evidence.listing(engine, "RG1")} == {
        ("EV-CLI", audit.file_sha256(attached), True), ("EV-OWN", own, True),
        ("EV-AGAIN", audit.file_sha256(attached), True)}


def test_an_audit_workbook_imported_back_keeps_what_was_recorded_outside_the_register_once(engine, tmp_path):
    """The workbook's SignOffs and Evidence sheets list the sign-offs and files recorded with `savings`
    commands; imported back into the same ledger they are those records, not second copies of them,
    however often the round trip is made."""
    quote = tmp_path / "quote.txt"
    quote.write_text("Supplier quote for foam dressings")
    evidence.attach(engine, "L2", quote, "other", "Pat Procurement", evidence_id="EV-L2", on=date(2025, 7, 1))
    governance.advance(engine, "L2", "PLAN_APPROVED", "Fin Accountant", "finance")
    governance.advance(engine, "L2", "IN_DELIVERY", "Pat Procurement", "procurement")
    governance.signoff(engine, "L2", "budget_holder", "Bea Holder", True, on=date(2025, 7, 1))
    governance.signoff(engine, "L2", "finance", "Fin Accountant", False, "needs work \r\nsee the quote ",
                       on=date(2025, 7, 2))  # a web form's line end, and spaces a cell loses

    def recorded() -> list[tuple]:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 'signoff', source, count(*) FROM signoff GROUP BY source UNION ALL "
                                     "SELECT 'evidence', source, count(*) FROM evidence GROUP BY source "
                                     "ORDER BY 1, 2")).all()

    before = recorded()
    figures = summary(load_trust(engine, "RG1"), "2025/26")
    for round_trip in (1, 2):
        book = tmp_path / f"audit-{round_trip}.xlsx"
        write_workbook(load_trust(engine, "RG1"), "2025/26", book)
        assert import_register(engine, book).changed
        assert recorded() == before, round_trip
        assert summary(load_trust(engine, "RG1"), "2025/26") == figures
