"""The `savings` command's ledger commands. Each command calls one library function.

Only this module (and `reports.cli`) turns a LedgerError into a message and an exit code.
Commands that print figures take `--json` for the DESIGN.md shapes; without it they print
aligned tables for people.
"""
from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ledger import audit, db
from ledger.engine import summary as summ
from ledger.errors import LedgerError
from ledger.policy import DEFAULT, Policy, load_toml, overruled

app = typer.Typer(help="savings-ledger: what counts as CIP, to the penny, and why the rest does not.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

DbOption = Annotated[str | None, typer.Option("--db", help="Database URL (default $SAVINGS_DB or sqlite:///savings.db).")]
TrustOption = Annotated[str, typer.Option("--trust", help="The trust's ODS org code, e.g. RX1.")]
FyOption = Annotated[str, typer.Option("--fy", help="Financial year, e.g. 2025/26.")]
AsAtOption = Annotated[str | None, typer.Option("--as-at", help="Figures as known at this date (YYYY-MM-DD).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (money as text, e.g. \"6000.00\").")]
PolicyOption = Annotated[Path | None, typer.Option("--policy", help="A TOML file of policy overrides.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `message` on stderr and return the Exit to raise."""
    typer.echo(message, err=True)
    return typer.Exit(code)


def refuse(exc: LedgerError) -> typer.Exit:
    """`fail` with a LedgerError's message: exit 2 for a bad option value (OptionError), else 1."""
    return fail(str(exc), exc.exit_code)


def parse_as_at(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        raise fail(f"--as-at: not a date like 2026-03-31 ({text!r})", 2) from None
    try:
        return summ.known_by(when, audit.utc_today())
    except LedgerError as exc:
        raise refuse(exc) from None


def open_trust(db_url: str | None, trust: str, as_at: str | None, policy: Path | None, fy: str | None = None):
    """Load a trust for a command; errors become messages."""
    try:
        base = load_toml(policy) if policy else DEFAULT
        when = parse_as_at(as_at)
        if when is None and fy is not None:
            when = summ.default_as_at(fy, audit.utc_today())
        ty = summ.load_trust(db.open_ledger(db_url), trust, when, base)
    except LedgerError as exc:
        raise refuse(exc) from None
    note_overruled(policy, base, ty.policy, trust)
    return ty


def note_overruled(path: Path | None, given: Policy, applied: Policy, trust: str) -> None:
    """On stderr, each `--policy` value the trust's register Policy sheet overrules (`policy.overruled`)."""
    for key, (mine, theirs) in overruled(given, applied).items():
        typer.echo(f"note: {key}={mine} from --policy {path} is overruled by {trust}'s register Policy sheet "
                   f"({key}={theirs}), which applies", err=True)


def check_output(path: Path, option: str = "-o") -> None:
    """Refuse an output path that cannot be written before any work is done: a folder, a file in
    the way of a folder, or a place this user may not write (the file would only fail at the end).
    Nothing is created: the folders are made when the file is written."""
    if path.is_dir():
        raise fail(f"{option} {path}: is a folder; name the file to write", 2)
    existing = next(p for p in (path.parent, *path.parent.parents) if p.exists())
    if not existing.is_dir():
        raise fail(f"{option} {path}: {existing} is a file, not a folder", 2)
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "Permission denied")
    except OSError as exc:
        raise fail(f"{option} {path}: cannot write there ({exc.strerror or exc})", 2) from None


def check_fy(fy: str, option: str = "--fy") -> str:
    from ledger import calendar

    try:
        return calendar.fy_label(calendar.parse_fy(fy))
    except ValueError as exc:
        raise fail(f"{option}: {exc}", 2) from None


def emit_json(data: object) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


@app.command("init")
def init_cmd(db_url: DbOption = None) -> None:
    """Create the ledger database, or bring its schema up to date (Alembic migrations).

    Example: savings init --db sqlite:///savings.db
    """
    db.open_ledger(db_url)
    typer.echo(f"ledger ready: {db.database_url(db_url)}")


@app.command("template")
def template_cmd(file: Annotated[Path, typer.Argument(help="Where to write the empty register (.xlsx).")]) -> None:
    """Write an empty register: every sheet, header rows, drop-downs for coded columns, a README sheet.

    Example: savings template register.xlsx
    """
    from ledger.register import template  # openpyxl, loaded only for the command that needs it

    if file.suffix.lower() != ".xlsx":
        raise fail(f"FILE {file}: the register template is a workbook; name the file *.xlsx", 2)
    if file.exists():
        raise fail(f"FILE {file}: already exists; a register there would be overwritten, so give a new name", 2)
    check_output(file, "FILE")
    template.write_template(file)
    typer.echo(f"wrote {file}")


@app.command("import")
def import_cmd(registers: Annotated[list[Path], typer.Argument(
                   help="Register .xlsx files or CSV folders; with --all, folders holding one register per trust.")],
               all_registers: Annotated[bool, typer.Option("--all", help="Import every register inside each folder.")]
               = False,
               jobs: Annotated[int, typer.Option("--jobs", help="Registers imported at once (PostgreSQL only).")] = 1,
               db_url: DbOption = None) -> None:
    """Import trusts' registers, each all or nothing. Every problem is listed as file:sheet:row:column.

    Example: savings import register.xlsx  (or: savings import national/ --all --jobs 2)
    """
    from ledger.import_many import Outcome, import_many, registers_in

    def report(outcome: Outcome) -> None:
        typer.echo(outcome.message(), err=outcome.result is None)

    try:
        paths = [p for folder in registers for p in registers_in(folder)] if all_registers else list(registers)
        outcomes = import_many(db_url, paths, jobs, report)
    except LedgerError as exc:
        raise refuse(exc) from None
    refused = sum(o.result is None for o in outcomes)
    if len(outcomes) > 1:
        changed = sum(bool(o.result and o.result.changed) for o in outcomes)
        typer.echo(f"{len(outcomes)} registers: {changed} imported, {len(outcomes) - changed - refused} unchanged, "
                   f"{refused} refused")
    if refused:
        raise typer.Exit(1)


@app.command("check")
def check_cmd(trust: TrustOption, db_url: DbOption = None, as_json: JsonOption = False,
              strict: Annotated[bool, typer.Option("--strict", help="Also print info findings.")] = False,
              as_at: AsAtOption = None, policy: PolicyOption = None) -> None:
    """Run every counting rule; print errors, then warnings, with rule id and line id, and how many of
    each; exit 1 on errors.

    Example: savings check --trust RX1
    """
    ty = open_trust(db_url, trust, as_at, policy)
    shown = [f for f in ty.findings if strict or f.severity != "info"]
    if as_json:
        emit_json([{"rule_id": f.rule_id, "severity": f.severity, "line_id": f.line_id, "message": f.message}
                   for f in shown])
    elif shown:
        order = {"error": 0, "warning": 1, "info": 2}
        for f in sorted(shown, key=lambda f: order.get(f.severity, 3)):  # errors first, each rule's order kept
            typer.echo(f.format())
        counts = Counter(f.severity for f in shown)
        typer.echo(", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in order if counts[s]))
    if any(f.severity == "error" for f in ty.findings):
        raise typer.Exit(1)


@app.command("summary")
def summary_cmd(fy: FyOption, trust: Annotated[str | None, typer.Option("--trust", help="The trust's ODS org code.")]
                = None, db_url: DbOption = None, as_at: AsAtOption = None, as_json: JsonOption = False,
                policy: PolicyOption = None,
                region: Annotated[str | None, typer.Option("--region", help="Every trust of a region.")] = None,
                all_trusts: Annotated[bool, typer.Option("--all", help="Every trust, by region.")] = False) -> None:
    """CIP plan, delivered, at risk, forecast; cost avoidance beside it; towers; exceptions.

    Example: savings summary --trust RX1 --fy 2025/26 --json (or --region London, or --all)
    """
    fy = check_fy(fy)
    if [trust is not None, region is not None, all_trusts].count(True) != 1:
        raise fail("give one of --trust CODE, --region NAME or --all", 2)
    if trust is None:
        from ledger.cli_towers import rollup_summary

        rollup_summary(db_url, region, fy, as_at, as_json, policy)
        return
    ty = open_trust(db_url, trust, as_at, policy, fy)
    try:
        data = summ.summary(ty, fy)
    except LedgerError as exc:
        raise refuse(exc) from None
    if as_json:
        emit_json(data)
        return
    from ledger.textout import print_summary

    print_summary(data, [*(["--policy", str(policy)] if policy else []),
                         *(["--db", db.shown_url(db_url)] if db_url else [])])


@app.command("lines")
def lines_cmd(trust: TrustOption, db_url: DbOption = None, as_at: AsAtOption = None, as_json: JsonOption = False,
              fy: Annotated[str | None, typer.Option("--fy", help="Year for the table view.")] = None,
              policy: PolicyOption = None) -> None:
    """Every saving line: grade, cash-releasing, recurrent, FYE and per-year figures with rule ids.

    Example: savings lines --trust RX1 --json
    """
    ty = open_trust(db_url, trust, as_at, policy, check_fy(fy) if fy else None)
    data = summ.lines(ty)
    if as_json:
        emit_json(data)
        return
    from ledger.textout import print_lines

    print_lines(data, check_fy(fy) if fy else None)


# Command groups in their own modules register themselves onto `app` when imported.
import ledger.cli_governance  # noqa: E402  (signoff, advance, reverse, history, close-period, audit, evidence)
import ledger.cli_towers  # noqa: E402, F401  (towers, carter, benchmarks, tower-ref, summary --region/--all)
