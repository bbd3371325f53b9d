"""`savings demo`: the example acute trust, end to end, in ./savings-demo/.

It copies the example register, imports it into a fresh SQLite ledger, checks it, prints the
year's figures, and renders the board pack and the audit workbook — the same library calls the
`import`, `check`, `summary`, `pack` and `workbook` commands make.
"""
from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import typer

from ledger import audit, db
from ledger.cli import app, fail
from ledger.engine import summary as summ
from ledger.register.load import import_register
from ledger.textout import counted, print_summary

TRUST, FY, PERIOD = "RX1", "2025/26", "2026-03"


def build_demo(folder: Path) -> dict[str, Path]:
    """Build the example trust's ledger, pack and workbook in `folder`; return what was written."""
    from reports.pack import load_pack, period_of
    from reports.render import render_trust
    from reports.workbook import audit_trail, register_imports, write_workbook

    folder.mkdir(parents=True, exist_ok=True)
    register = folder / "register"
    shutil.rmtree(register, ignore_errors=True)
    source = resources.files("savings_ledger_examples") / "acute-trust"
    with resources.as_file(source) as path:
        shutil.copytree(path, register)
    database = folder / "ledger.db"
    for stale in folder.glob("ledger.db*"):
        stale.unlink()
    engine = db.open_ledger(f"sqlite:///{database}")
    result = import_register(engine, register)
    typer.echo(f"{TRUST}: imported " + ", ".join(f"{n} {sheet}" for sheet, n in result.rows.items()))
    ty = summ.load_trust(engine, TRUST, summ.default_as_at(FY, audit.utc_today()))
    findings = [f for f in ty.findings if f.severity != "info"]
    errors = sum(f.severity == "error" for f in findings)
    typer.echo(f"savings check: {counted(errors, 'error')}, {counted(len(findings) - errors, 'warning')} "
               "(the register's planted problems, "
               "see register/PLANTED.md)\n")
    print_summary(summ.summary(ty, FY), ["--db", f"sqlite:///{database}"])
    pack = folder / "board-pack-2026-03.pdf"
    timing = render_trust(load_pack(engine, TRUST, period_of(PERIOD), preparer="Demo Preparer",
                                    approver="Demo Approver"), pack)
    workbook = folder / "audit-workbook-2025-26.xlsx"
    write_workbook(ty, FY, workbook, trail=audit_trail(engine, TRUST, ty.as_at),
                   imports=register_imports(engine, TRUST))
    written = {"ledger": database, "register": register, "board pack": pack, "audit workbook": workbook}
    typer.echo("")
    for label, path in written.items():
        typer.echo(f"{label:>15}: {path}" + (f" ({timing.pages} pages)" if path == pack else ""))
    typer.echo(f"\nnext: savings lines --trust {TRUST} --fy {FY} --db sqlite:///{database}")
    return written


@app.command("demo")
def demo_cmd() -> None:
    """Build the example acute trust in ./savings-demo/: ledger, board pack PDF, audit workbook.

    Example: savings demo
    """
    folder = Path("savings-demo")
    if folder.exists() and not folder.is_dir():
        raise fail(f"{folder}: is a file, not a folder; move it, or run savings demo in another folder")
    try:
        build_demo(folder)
    except OSError as exc:
        raise fail(f"savings demo: {exc.filename or folder}: {exc.strerror or exc}") from None
