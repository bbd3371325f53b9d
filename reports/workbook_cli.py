"""`savings workbook`: the audit workbook from the command line (registered on `ledger.cli.app`)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ledger import audit, db
from ledger.cli import (
    AsAtOption,
    DbOption,
    FyOption,
    PolicyOption,
    TrustOption,
    app,
    check_fy,
    check_output,
    fail,
    note_overruled,
    parse_as_at,
    refuse,
)
from ledger.engine import summary as summ
from ledger.errors import LedgerError
from ledger.policy import DEFAULT, load_toml


@app.command("workbook")
def workbook_cmd(trust: TrustOption, fy: FyOption,
                 output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the workbook (.xlsx).")],
                 db_url: DbOption = None, as_at: AsAtOption = None, policy: PolicyOption = None) -> None:
    """Write the audit workbook: register sheets, live formulas, totals beside the ledger's figures.

    Example: savings workbook --trust RX1 --fy 2025/26 -o audit.xlsx --as-at 2026-03-31
    """
    from reports.workbook import audit_trail, register_imports, write_workbook  # openpyxl only when needed

    fy = check_fy(fy)
    if output.suffix.lower() != ".xlsx":
        raise fail(f"-o: the workbook is an .xlsx file ({output})", 2)
    check_output(output)
    when = parse_as_at(as_at) or summ.default_as_at(fy, audit.utc_today())
    try:
        engine = db.open_ledger(db_url)
        base = load_toml(policy) if policy else DEFAULT
        ty = summ.load_trust(engine, trust, when, base)
        note_overruled(policy, base, ty.policy, trust)
        result = write_workbook(ty, fy, output, trail=audit_trail(engine, trust, when),
                                imports=register_imports(engine, trust))
    except LedgerError as exc:
        raise refuse(exc) from None
    except OSError as exc:
        raise fail(f"workbook {output} not written: {exc.filename or output}: {exc.strerror or exc}") from None
    sheets = len(result.rows)
    typer.echo(f"wrote {output}: {sheets} sheets, {sum(result.rows.values()) - sheets:,} rows, "
               f"{result.formulas:,} formulas (as at {when.isoformat()})")
