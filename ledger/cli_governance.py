"""The `savings` governance commands: signoff, advance, reverse, history, close-period, audit, evidence.

Registered onto `ledger.cli.app` (imported at the bottom of ledger/cli.py). Each command calls one
function of ledger.governance, ledger.periods, ledger.evidence or ledger.audit; a refusal is a
LedgerError, printed as a message with exit code 1 (2 for a bad option value).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from ledger import audit, calendar, db, evidence, governance, periods
from ledger.cli import DbOption, app, emit_json, fail, refuse
from ledger.errors import LedgerError
from ledger.textout import table

T = TypeVar("T")
LineArg = Annotated[str, typer.Argument(help="The saving line's id, e.g. E1.",
                                        callback=lambda line: unicodedata.normalize("NFC", line))]  # as ids are kept
TrustOpt = Annotated[str | None, typer.Option("--trust", help="The trust (needed when trusts share a line id).")]
PersonOpt = Annotated[str, typer.Option("--person", help="Who is doing this (recorded in the audit trail).")]
RoleOpt = Annotated[str, typer.Option("--role", help="budget_holder, finance, procurement or clinical.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (required for REJECTED, WITHDRAWN, REVERSED).")]
EvidenceOpt = Annotated[list[str] | None, typer.Option("--evidence", help="Evidence id backing this step "
                                                                         "(repeat for several).")]
DateOpt = Annotated[str | None, typer.Option("--date", help="The business date (YYYY-MM-DD); default today.")]

audit_app = typer.Typer(help="Check the audit trail, the locks and the evidence files.", no_args_is_help=True)
evidence_app = typer.Typer(help="Attach evidence files to lines and list them.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")


def _run(call: Callable[[], T]) -> T:
    try:
        return call()
    except LedgerError as exc:
        raise refuse(exc) from None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise fail(f"--date: not a date like 2026-04-15 ({text!r})", 2) from None
    try:  # as a register's dates: the workbook's SignOffs and Evidence sheets must hold it
        return calendar.held(day)
    except ValueError as exc:
        raise fail(f"--date: {exc}", 2) from None


@app.command("signoff")
def signoff_cmd(line: LineArg, role: RoleOpt, person: PersonOpt,
                approve: Annotated[bool, typer.Option("--approve", help="The decision: approve.")] = False,
                reject: Annotated[bool, typer.Option("--reject", help="The decision: reject.")] = False,
                comment: Annotated[str, typer.Option("--comment", help="A note kept with the sign-off.")] = "",
                trust: TrustOpt = None, on: DateOpt = None, db_url: DbOption = None) -> None:
    """Sign a line off as budget holder, finance, procurement or clinical (R-ELG-1, R-GOV-3).

    The creator of a line cannot sign it off, and budget holder and finance must be two people.
    The last required approval makes the line VALIDATED, after which it cannot change.

    Example: savings signoff E1 --role finance --person "Fin Accountant" --approve
    """
    if approve == reject:
        raise fail("give one decision: --approve or --reject", 2)
    engine = _run(lambda: db.open_ledger(db_url))
    out = _run(lambda: governance.signoff(engine, line, role, person, approve, comment, trust, _day(on)))
    typer.echo(out.message)


@app.command("advance")
def advance_cmd(line: LineArg, to: Annotated[str, typer.Option("--to", help="The next status (R-GOV-1).")],
                person: PersonOpt, role: RoleOpt, reason: ReasonOpt = "", evidence_ids: EvidenceOpt = None,
                trust: TrustOpt = None, on: DateOpt = None, db_url: DbOption = None) -> None:
    """Move a line one step along IDEA, PROPOSED, QIA_APPROVED, PLAN_APPROVED, IN_DELIVERY, CLOSED (R-GOV-1).

    Or out of it: REJECTED, WITHDRAWN. VALIDATED comes only from sign-offs; REVERSED from `reverse`.

    Example: savings advance E1 --to PLAN_APPROVED --person "Bea Holder" --role budget_holder
    """
    engine = _run(lambda: db.open_ledger(db_url))
    out = _run(lambda: governance.advance(engine, line, to, person, role, reason, evidence_ids or (), trust,
                                          _day(on)))
    typer.echo(out.message)


@app.command("reverse")
def reverse_cmd(line: LineArg, reason: Annotated[str, typer.Option("--reason", help="Why the saving no longer holds.")],
                person: PersonOpt, role: RoleOpt = "finance",
                month: Annotated[str | None, typer.Option(
                    "--from", help="First month it no longer counts (an open month; default this month).")] = None,
                evidence_ids: EvidenceOpt = None, trust: TrustOpt = None, db_url: DbOption = None) -> None:
    """Reverse a line (R-GOV-4, R-REV-1): it stops counting from an open month.

    Budget already removed for the months after becomes a cost pressure. A correction to a
    validated line is a reversal plus a new line.

    Example: savings reverse E1 --reason "supplier price rose back" --person "Fin Accountant" --from 2026-04
    """
    engine = _run(lambda: db.open_ledger(db_url))
    out = _run(lambda: governance.reverse(engine, line, reason, person, role, month, evidence_ids or (), trust))
    typer.echo(out.message)


@app.command("history")
def history_cmd(line: LineArg, trust: TrustOpt = None, db_url: DbOption = None,
                as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """A line's audit trail: status moves, sign-offs, plan versions and evidence attached, with who, when, why;
    then the sign-offs and evidence its register records (--json: the events alone).

    Example: savings history E1
    """
    engine = _run(lambda: db.open_ledger(db_url))
    events = _run(lambda: governance.history(engine, line, trust))
    rows = [[f"#{e['seq']}", f"{e['recorded_at']:%Y-%m-%d %H:%M}", e["action"],
             f"{e['from_status']} -> {e['to_status']}" if e["to_status"] else "", e["actor"], e["role"], e["reason"]]
            for e in events]
    if as_json:
        emit_json([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()} for e in events])
        return
    typer.echo(table(["event", "recorded (UTC)", "action", "status", "by", "role", "reason"], rows))
    signoffs, files = _run(lambda: governance.register_trail(engine, line, trust))
    if signoffs:
        typer.echo("\nSign-offs the register records (imported with it, no event of their own):")
        typer.echo(table(["date", "role", "by", "decision", "comment", "row"],
                         [[str(s["date"]), s["role"], s["person"], s["decision"], s["comment"], str(s["source_row"])]
                          for s in signoffs]))
    if files:
        typer.echo("\nEvidence the register records:")
        typer.echo(table(["evidence", "type", "captured", "file", "sha256", "row"],
                         [[f["evidence_id"], f["type"], str(f["captured_at"] or ""), f["file"], f["sha256"][:12],
                           str(f["source_row"])] for f in files]))


@app.command("close-period")
def close_period_cmd(month: Annotated[str, typer.Argument(help="The month to close, e.g. 2026-03.")],
                     trust: Annotated[str, typer.Option("--trust", help="The trust's ODS code.")],
                     person: PersonOpt, db_url: DbOption = None) -> None:
    """Close the trust through a month (C4): nothing dated in it or before can change afterwards.

    Prints the lock id and the data fingerprint that a board pack for the month names.

    Example: savings close-period 2026-03 --trust RX1 --person "Fin Accountant"
    """
    engine = _run(lambda: db.open_ledger(db_url))
    lock = _run(lambda: periods.close_period(engine, trust, month, person))
    typer.echo(f"{trust}: closed through {lock.month}\n  lock id      {lock.lock_id}\n"
               f"  fingerprint  {lock.fingerprint} ({lock.rows} rows)\n"
               f"  audit chain  event #{lock.chain_seq} {lock.chain_hash}")


@audit_app.command("verify")
def verify_cmd(trust: Annotated[str | None, typer.Option(
                   "--trust", help="Check only this trust's locks and evidence (the chain is always whole).")] = None,
               db_url: DbOption = None) -> None:
    """Check the audit chain, closed periods, validated lines and evidence files; exit 1 on any problem.

    Names the first event altered, removed or inserted, each closed period whose data changed, each
    validated line edited behind the ledger's back, and each evidence file missing or changed.

    Example: savings audit verify
    """
    engine = _run(lambda: db.open_ledger(db_url))
    report = _run(lambda: audit.verify(engine, trust))
    for problem in report.problems:
        typer.echo(problem.format())
    typer.echo(report.summary())
    if report.problems:
        raise typer.Exit(1)


@evidence_app.command("add")
def evidence_add_cmd(line: LineArg, file: Annotated[Path, typer.Argument(help="The file to attach.")],
                     kind: Annotated[str, typer.Option("--type", help="invoice_extract, PO_extract, contract, "
                                                                      "price_file, supplier_MI, QIA, email_approval, "
                                                                      "journal or other.")],
                     person: PersonOpt,
                     evidence_id: Annotated[str | None, typer.Option("--id", help="Evidence id (default "
                                                                                  "EV-<line>-<hash>).")] = None,
                     trust: TrustOpt = None, on: DateOpt = None, db_url: DbOption = None) -> None:
    """Attach a file to a line, stored once under its sha256 in the evidence store.

    The store is $SAVINGS_EVIDENCE_DIR, default evidence/ next to a SQLite database.

    Example: savings evidence add E1 invoices-nov.pdf --type invoice_extract --person "Pat Procurement"
    """
    engine = _run(lambda: db.open_ledger(db_url))
    row = _run(lambda: evidence.attach(engine, line, file, kind, person, trust, evidence_id, _day(on)))
    typer.echo(f"{row['trust']}: attached {row['evidence_id']} to line {row['line_id']} ({row['type']}, "
               f"sha256 {row['sha256']})")


@evidence_app.command("list")
def evidence_list_cmd(trust: Annotated[str, typer.Option("--trust", help="The trust's ODS code.")],
                      line: Annotated[str | None, typer.Option("--line", help="Only this line.")] = None,
                      db_url: DbOption = None,
                      as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List evidence with type, date, file, sha256 and whether the file is in the store.

    Example: savings evidence list --trust RX1 --line E1
    """
    engine = _run(lambda: db.open_ledger(db_url))
    rows = _run(lambda: evidence.listing(engine, trust, line))
    if as_json:
        emit_json([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()
                    if k not in ("trust", "source_row")} for r in rows])
        return
    typer.echo(table(["evidence", "line", "type", "date", "file", "sha256", "stored"],
                     [[r["evidence_id"], r["line_id"], r["type"], str(r["captured_at"] or ""), r["file"],
                       (r["sha256"] or "")[:12], "yes" if r["stored"] else "no"] for r in rows]))
